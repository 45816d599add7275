// What lets the main step reach the servers lets renewals reach them too: a token endpoint behind
// TLS signed by a private CA, trusted by the step through NODE_EXTRA_CA_CERTS, NODE_USE_SYSTEM_CA
// or the certificate flags of NODE_OPTIONS. The step (test/support/tls-main-step.ts) mints through
// it and starts the real renewal process, which must renew through it as well.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RenewalConfig } from '../../src/renewal/loop.ts';
import { readStatus, type RenewalStatus } from '../../src/renewal/status.ts';
import { isAlive, stopRenewalProcess } from '../../src/renewal/process.ts';
import type { OidcService } from '../support/oidc-service.ts';
import { makeTestCa, startFront, type Front, type TestCa } from '../support/tls.ts';
import type { FederationRule, TokenEndpoint } from '../support/token-endpoint.ts';
import { ORG, startRenewalStandIns } from '../support/renewal-rule.ts';

let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;
let ca: TestCa;
let front: Front;
let dir: string;
const pids: number[] = [];

beforeAll(async () => {
  ca = makeTestCa();
  ({ oidc, endpoint, rule } = await startRenewalStandIns('Tls'));
  front = await startFront(endpoint.url, { tls: { cert: ca.cert, key: ca.key } });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close(), front.close()]);
  ca.remove();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'renewal-tls-'));
});
afterEach(async () => {
  for (const pid of pids.splice(0)) {
    await stopRenewalProcess(pid, path.join(dir, 'status.json'), { graceMs: 2_000 });
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

function renewalConfig(): RenewalConfig {
  const now = Date.now();
  return {
    ids: { federationRuleId: rule.id, organizationId: ORG },
    audience: 'https://api.anthropic.com',
    baseUrl: front.url,
    userAgent: 'test renewal process',
    credentialsFile: path.join(dir, 'creds.json'),
    statusFile: path.join(dir, 'status.json'),
    watchPid: process.pid,
    // Renewal is due at once: the renewal process's first act is an exchange through the front.
    token: { issuedAt: now - 120_000, expiresAt: now + 60_000 },
  };
}

/** Runs the main-step stand-in with `env` (and nothing else of this process's environment). */
async function mainStep(env: Record<string, string>): Promise<{ pid?: number; state?: string; error?: string }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'support', 'tls-main-step.ts')], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      ...oidc.env(),
      ...env,
      TEST_RENEWAL_CONFIG: JSON.stringify(renewalConfig()),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  const answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as number | { pid?: number; state?: string; error?: string };
  // (Before startRenewalProcess waited for the renewal process, it returned the bare pid.)
  const result = typeof answer === 'number' ? { pid: answer } : answer;
  if (result.pid !== undefined) pids.push(result.pid);
  return result;
}

/** The renewal process's status once its first renewal succeeded or failed. */
async function firstRenewal(): Promise<RenewalStatus> {
  for (;;) {
    const status = await readStatus(path.join(dir, 'status.json'));
    if (status !== undefined && (status.rotations > 0 || status.failuresInARow > 0 || status.stoppedAt !== null)) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('renewal through TLS with a private CA', () => {
  it('the CA is private: a step that does not trust it cannot mint', async () => {
    const main = await mainStep({});
    expect(main.error).toMatch(
      /could not reach 127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    );
  });

  it.each([
    ['NODE_EXTRA_CA_CERTS', (): Record<string, string> => ({ NODE_EXTRA_CA_CERTS: ca.caFile })],
    ['NODE_USE_SYSTEM_CA=1 with SSL_CERT_FILE', (): Record<string, string> => ({ NODE_USE_SYSTEM_CA: '1', SSL_CERT_FILE: ca.caFile })],
    [
      'NODE_OPTIONS=--use-openssl-ca with SSL_CERT_FILE',
      (): Record<string, string> => ({ NODE_OPTIONS: '--use-openssl-ca', SSL_CERT_FILE: ca.caFile }),
    ],
    [
      'NODE_OPTIONS=--use-system-ca with SSL_CERT_DIR',
      (): Record<string, string> => ({
        NODE_OPTIONS: '--use-system-ca',
        SSL_CERT_DIR: ca.caDir,
        SSL_CERT_FILE: path.join(ca.dir, 'none.pem'),
      }),
    ],
  ])('renews when the step trusts the CA through %s', async (_, trust) => {
    const before = endpoint.exchanges.length;
    const main = await mainStep(trust());
    expect(main.error).toBeUndefined();
    expect(main.pid).toBeGreaterThan(0);
    const status = await firstRenewal();
    expect(status.lastError).toBeNull();
    expect(status.rotations).toBe(1);
    // The step's exchange and the renewal process's, both through the TLS front.
    expect(endpoint.exchanges.slice(before).map((e) => e.status)).toEqual([200, 200]);
  });

  it('hands the renewal process the certificate flags of NODE_OPTIONS and nothing else of it', async () => {
    const loaded = path.join(dir, 'loaded.txt');
    const hook = path.join(dir, 'hook.cjs');
    writeFileSync(hook, `require('node:fs').appendFileSync(${JSON.stringify(loaded)}, process.pid + '\\n');\n`);
    const main = await mainStep({
      NODE_OPTIONS: `--require "${hook}" --use_openssl_ca --max-old-space-size=256`,
      SSL_CERT_FILE: ca.caFile,
    });
    expect(main.error).toBeUndefined();
    const status = await firstRenewal();
    expect(status.lastError).toBeNull();
    expect(status.rotations).toBe(1);
    const environ = readFileSync(`/proc/${main.pid}/environ`, 'utf8').split('\0');
    expect(environ.filter((entry) => entry.startsWith('NODE_OPTIONS='))).toEqual(['NODE_OPTIONS=--use-openssl-ca']);
    // The step loaded the --require hook; the renewal process did not.
    const pidsThatLoaded = readFileSync(loaded, 'utf8').trim().split('\n').map(Number);
    expect(pidsThatLoaded).toHaveLength(1);
    expect(pidsThatLoaded).not.toContain(main.pid);
  });
});
