// The renewal process's loop against the real loopback stand-ins, on a clock the test drives: hours of
// renewals take milliseconds, and the stand-ins judge expiry by the same clock.
import { existsSync, mkdtempSync, promises as fs, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import {
  GIVE_UP_AFTER_LAPSE_MS,
  JOB_CHECK_MS,
  MAX_JOB_MS,
  runRenewal,
  type RenewalConfig,
  type RenewalDeps,
} from '../../src/renewal/loop.ts';
import { isWatchedParentAlive } from '../../src/renewal/process.ts';
import { platformFor } from '../../src/platform/index.ts';
import { fsError } from '../support/platforms.ts';
import { readStatus } from '../../src/renewal/status.ts';
import { describeRenewal } from '../../src/renewal/report.ts';
import { leaks } from '../support/leaks.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startFront } from '../support/tls.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
let clock = Date.now();
const now = (): number => clock;
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;
let dir: string;

beforeAll(async () => {
  oidc = await startOidcService({ now });
  rule = {
    id: 'fdrl_01Refresh',
    organizationId: ORG,
    serviceAccountId: 'svac_01Refresh',
    workspaceIds: ['wrkspc_01Refresh'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
    tokenLifetimeSeconds: 60,
  };
  endpoint = await startTokenEndpoint({ rules: [rule], now });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});
beforeEach(async () => {
  clock = Date.now();
  oidc.clearFaults();
  endpoint.clearFaults();
  endpoint.setRules([rule]);
  dir = mkdtempSync(path.join(tmpdir(), 'refresh-'));
  await fs.writeFile(path.join(dir, 'creds.json'), credentialsJson('sk-ant-oat01-test-initial', clock + 60_000), { mode: 0o600 });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function config(lifetimeMs = 60_000): RenewalConfig {
  return {
    ids: { federationRuleId: rule.id, organizationId: ORG },
    audience: 'https://api.anthropic.com',
    baseUrl: endpoint.url,
    userAgent: 'test renewal process',
    credentialsFile: path.join(dir, 'creds.json'),
    statusFile: path.join(dir, 'status.json'),
    watchPid: process.pid,
    token: { issuedAt: clock, expiresAt: clock + lifetimeMs },
  };
}

/** Deps whose sleep moves the shared clock; stops when `until` returns true. */
function deps(until: () => boolean, overrides: Partial<RenewalDeps> = {}): RenewalDeps {
  return {
    oidc: { requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
    now,
    sleep: async (ms) => {
      clock += ms;
    },
    random: () => 0.5,
    isParentAlive: () => true,
    shouldStop: until,
    pid: 4242,
    ...overrides,
  };
}

async function fileToken(): Promise<{ access_token: string; expires_at: number }> {
  return JSON.parse(await fs.readFile(path.join(dir, 'creds.json'), 'utf8')) as { access_token: string; expires_at: number };
}

describe('runRenewal', () => {
  it('keeps the file fresh for an hour of 60 s tokens: a new jti each time, no burst, never near expiry', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const samples: number[] = [];
    const sleeps: number[] = [];
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 3_600_000, {
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
          samples.push((await fileToken()).expires_at * 1000 - clock);
        },
      }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    // Waits in steps of at most 5 s, so a stop request or a vanished runner is noticed quickly.
    expect(Math.max(...sleeps)).toBe(5_000);
    expect(Math.min(...sleeps)).toBeGreaterThan(0);
    expect(status.stopReason).toBe('stopped');
    expect(exchanges.every((e) => e.status === 200)).toBe(true);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(exchanges.length).toBeGreaterThanOrEqual(150);
    expect(exchanges.length).toBeLessThanOrEqual(181);
    const gaps = exchanges.slice(1).map((e, i) => e.at - exchanges[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15_000);
    // The file always held a token with more than 30 s to live (readers treat less as expired).
    expect(Math.min(...samples)).toBeGreaterThan(30_000);
    expect(status.rotations).toBe(exchanges.length);
    expect(status.failuresInARow).toBe(0);
    expect(status.lapsedAt).toBeNull();
    expect(status.recoveredAt).toBeNull();
    expect(JSON.stringify(await readStatus(config().statusFile))).not.toMatch(/sk-ant|eyJ/);
    // About 180 real exchanges (RSA signing and verifying) and 720 file reads: 4 s on a quiet
    // machine, 12 s measured with both cores busy. Nothing here waits on time; only the cap is raised.
  }, 120_000);

  it('rides out a token endpoint outage that ends before the readers would stop using the token, with no lapse', async () => {
    // A real token's life (600 s): renewal starts half-way, and two failed renewals of four
    // attempts each (5xx, then resets) end long before the last 30 s.
    const start = clock;
    await fs.writeFile(config().credentialsFile, credentialsJson('sk-ant-oat01-test-initial', clock + 600_000), { mode: 0o600 });
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    endpoint.pushFaults(
      ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })),
      ...Array.from({ length: 4 }, () => ({ kind: 'reset' as const })),
    );
    const before = endpoint.exchanges.length;
    const oidcBefore = oidc.requests.length;
    const samples: number[] = [];
    const status = await runRenewal(
      config(600_000),
      deps(() => clock - start >= 420_000, {
        sleep: async (ms) => {
          clock += ms;
          samples.push((await fileToken()).expires_at * 1000 - clock);
        },
      }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(endpoint.pendingFaults()).toBe(0);
    // The injected jitter (0.5) sets every wait: 750, 1500, 3000 ms between a renewal's attempts.
    expect(exchanges.slice(1, 4).map((e, i) => e.at - exchanges[i]!.at)).toEqual([750, 1_500, 3_000]);
    expect(exchanges.filter((e) => e.status === 200)).toHaveLength(1);
    expect(exchanges).toHaveLength(9);
    // Each attempt spent its own assertion: one OIDC request and one jti per exchange.
    expect(oidc.requests.length - oidcBefore).toBe(exchanges.length);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(Math.min(...samples)).toBeGreaterThan(30_000);
    expect(status.lapsedAt).toBeNull();
    expect(status.failuresInARow).toBe(0);
    expect(status.rotations).toBe(1);
    expect(status.lastError).toMatch(/could not reach|reset/);
    expect(describeRenewal(status, clock).warnings).toEqual([]);
  });

  it('records a lapse when the outage outlasts the token, from when readers stop using it, and says so in the post report', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 60 }, () => ({ kind: 'status' as const, status: 500 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 150_000),
    );
    // A 60 s token: the SDKs and the CLI stop using it with 30 s left.
    const lapsedAt = new Date(start + 30_000).toISOString();
    expect(status.lapsedAt).toBe(lapsedAt);
    expect(status.failuresInARow).toBeGreaterThan(0);
    const report = describeRenewal(status, clock);
    expect(report.warnings.join('\n')).toMatch(
      new RegExp(`lapsed at ${lapsedAt}: renewal kept failing \\(${status.failuresInARow} in a row; .*HTTP 500`),
    );
  });

  it('reports a lapse that later recovered', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 24 }, () => ({ kind: 'status' as const, status: 502 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 400_000),
    );
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.recoveredAt).not.toBeNull();
    expect(status.failuresInARow).toBe(0);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/renewal recovered at/);
  });

  it('retries when the OIDC service fails, each time with a fresh request', async () => {
    const start = clock;
    oidc.pushFaults({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'reset' });
    const requestsBefore = oidc.requests.length;
    const issuedBefore = oidc.issued.length;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 40_000),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(oidc.pendingFaults()).toBe(0);
    // Three failed OIDC requests, then one per exchange; no JWT was presented twice.
    expect(oidc.requests.length - requestsBefore).toBe(3 + exchanges.length);
    expect(oidc.issued.length - issuedBefore).toBe(exchanges.length);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(status.rotations).toBeGreaterThan(0);
    expect(status.lapsedAt).toBeNull();
  });

  it('records a lapse when the OIDC service stays down, and names the failure in the post report', async () => {
    const start = clock;
    oidc.pushFaults(...Array.from({ length: 80 }, () => ({ kind: 'status' as const, status: 500 })));
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 120_000),
    );
    expect(endpoint.exchanges.length).toBe(before);
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.stopReason).toBe('stopped');
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/lapsed at .*OIDC/);
  });

  it('keeps an echoed assertion or token out of the status file and the post report', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 8 }, () => ({ kind: 'echo' as const, status: 503 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 60_000),
    );
    expect(endpoint.echoed.length).toBeGreaterThan(0);
    const secrets = [...endpoint.echoed, ...oidc.issued.map((i) => i.jwt), oidc.requestToken];
    expect(status.lastError).toMatch(/assertion \[redacted(-jwt)?\] was rejected; token \[redacted-token\]/);
    expect(leaks(await fs.readFile(config().statusFile, 'utf8'), secrets)).toEqual([]);
    const report = describeRenewal(status, clock);
    expect(leaks([...report.info, ...report.warnings].join('\n'), secrets)).toEqual([]);
  });

  it('gives up once the token has lapsed and the exchange keeps being denied, and says so', async () => {
    const start = clock;
    // The rule stops matching (archived, or edited): every exchange answers 401.
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 3_600_000),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(exchanges.every((e) => e.status === 401)).toBe(true);
    // Tried every 30 s at most for 10 minutes after the lapse, then stopped: not an hour of denials.
    expect(status.stopReason).toBe('gave-up');
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    const stoppedAfter = Date.parse(status.stoppedAt!) - (start + 30_000);
    expect(stoppedAfter).toBeGreaterThanOrEqual(GIVE_UP_AFTER_LAPSE_MS);
    expect(stoppedAfter).toBeLessThan(GIVE_UP_AFTER_LAPSE_MS + 35_000);
    expect(exchanges.length).toBeGreaterThanOrEqual(20);
    expect(exchanges.length).toBeLessThanOrEqual(30);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/gave up at .*lapsed 10 minutes before.*retrying does not change/);
  });

  it('resumes when the rule is fixed within 10 minutes of the lapse', async () => {
    const start = clock;
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 900_000, {
        sleep: async (ms) => {
          clock += ms;
          // Someone fixes the rule in the Console five minutes after the lapse.
          if (clock - start >= 330_000) endpoint.setRules([rule]);
        },
      }),
    );
    expect(status.stopReason).toBe('stopped');
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.recoveredAt).not.toBeNull();
    expect(status.failuresInARow).toBe(0);
  });

  it('keeps retrying a transient outage past the lapse, and does not give up on it', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 40 }, () => ({ kind: 'status' as const, status: 503 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 600_000),
    );
    expect(status.stopReason).toBe('stopped');
    expect(status.recoveredAt).not.toBeNull();
  });

  it('gives up, not as a refused request token, when the OIDC service keeps answering 404', async () => {
    const start = clock;
    oidc.pushFaults(...Array.from({ length: 80 }, () => ({ kind: 'status' as const, status: 404 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 900_000),
    );
    expect(status.stopReason).toBe('gave-up');
    expect(status.lastError).toMatch(/HTTP 404/);
  });

  it('never writes a token it got after a stop request', async () => {
    const before = endpoint.exchanges.length;
    const initial = await fileToken();
    // The stop request arrives while the renewal is under way: right after the exchange answered.
    const status = await runRenewal(
      config(),
      deps(() => endpoint.exchanges.length > before),
    );
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(status.stopReason).toBe('stopped');
    expect(status.rotations).toBe(0);
    expect(await fileToken()).toEqual(initial);
  });

  it('notices a stop request or a vanished runner within 5 s while it waits, long before the renewal is due', async () => {
    let start = clock;
    for (const [overrides, reason] of [
      [{ shouldStop: () => clock - start >= 7_000 }, 'stopped'],
      [{ isParentAlive: () => clock - start < 7_000 }, 'parent-gone'],
    ] as const) {
      start = clock;
      const before = endpoint.exchanges.length;
      const status = await runRenewal(config(), { ...deps(() => false), ...overrides });
      expect(status.stopReason).toBe(reason);
      // The 60 s token's renewal is due at 20 s; the request was noticed at the next 5 s step.
      expect(Date.parse(status.stoppedAt!) - start).toBe(10_000);
      expect(endpoint.exchanges.length).toBe(before);
    }
  });

  it('checks the runner once more when the renewal is due, and renews nothing for a job that is gone', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(config(), { ...deps(() => false), isParentAlive: () => clock - start < 20_000 });
    expect(status.stopReason).toBe('parent-gone');
    expect(Date.parse(status.stoppedAt!) - start).toBe(20_000);
    expect(endpoint.exchanges.length).toBe(before);
  });

  it('stops when the runner no longer accepts the OIDC request token', async () => {
    const other = await startOidcService({ now });
    other.revokeRequestToken();
    const status = await runRenewal(
      config(),
      deps(() => false, { oidc: { requestUrl: other.requestUrl, requestToken: other.requestToken } }),
    );
    await other.close();
    expect(status.stopReason).toBe('oidc-request-token-rejected');
    expect(status.lastError).toMatch(/^Requesting the GitHub OIDC token failed: HTTP 401/);
    expect(status.lastErrorAt).not.toBeNull();
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/no longer accepted the OIDC request token/);
  });

  it('stops when the watched parent is gone, and when the credentials file was removed', async () => {
    expect(
      (
        await runRenewal(
          config(),
          deps(() => false, { isParentAlive: () => false }),
        )
      ).stopReason,
    ).toBe('parent-gone');
    await fs.rm(path.join(dir, 'creds.json'));
    expect(
      (
        await runRenewal(
          config(),
          deps(() => false),
        )
      ).stopReason,
    ).toBe('credentials-removed');
  });

  it('notices a removed credentials file while it waits, long before the renewal is due', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(600_000),
      deps(() => false, {
        sleep: async (ms) => {
          clock += ms;
          if (clock - start >= 7_000) rmSync(path.join(dir, 'creds.json'), { force: true });
        },
      }),
    );
    expect(status.stopReason).toBe('credentials-removed');
    // Due at 300 s; the removal was seen at the next 5 s step.
    expect(Date.parse(status.stoppedAt!) - start).toBe(10_000);
    expect(endpoint.exchanges.length).toBe(before);
  });
});

describe('runRenewal: removal and stop while a renewal is under way', () => {
  it('does not write back a credentials file removed while the exchange was in flight, and stops', async () => {
    const file = path.join(dir, 'creds.json');
    // The file goes while the exchange request is on its way to the token endpoint.
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method === 'POST' && where === '/v1/oauth/token') rmSync(file, { force: true });
        return 'forward';
      },
    });
    try {
      const before = endpoint.exchanges.length;
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => false),
      );
      expect(endpoint.exchanges.slice(before).map((e) => e.status)).toEqual([200]);
      expect(status.stopReason).toBe('credentials-removed');
      expect(status.rotations).toBe(0);
      expect(existsSync(file)).toBe(false);
      // No temp file holding the new token was left behind either.
      expect(readdirSync(dir).sort()).toEqual(['status.json']);
    } finally {
      await front.close();
    }
  });

  it('requests nothing more once stopped during a retry wait, and records no failure', async () => {
    const stop = new AbortController();
    endpoint.pushFaults(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const before = endpoint.exchanges.length;
    let counts: [number, number] | undefined;
    const status = await runRenewal(
      config(),
      deps(() => stop.signal.aborted, {
        signal: stop.signal,
        sleep: async (ms) => {
          clock += ms;
          // The first wait after a failed exchange is the retry's backoff: the post step stops it there.
          if (endpoint.exchanges.length > before && counts === undefined) {
            stop.abort();
            counts = [oidc.requests.length, endpoint.exchanges.length];
          }
        },
      }),
    );
    expect(counts).toBeDefined();
    expect(endpoint.exchanges.length - before).toBe(1);
    expect([oidc.requests.length, endpoint.exchanges.length]).toEqual(counts);
    expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 0, lastError: null, lastErrorAt: null, rotations: 0 });
  });

  it('cuts an exchange in flight when stopped, and records no failure', async () => {
    const stop = new AbortController();
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method !== 'POST' || where !== '/v1/oauth/token') return 'forward';
        stop.abort();
        return 'hold';
      },
    });
    try {
      const oidcBefore = oidc.requests.length;
      const initial = await fileToken();
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => stop.signal.aborted, { signal: stop.signal }),
      );
      // The held request's connection was closed by the renewal process, not by a timeout.
      await front.held[0]!.closed;
      expect(front.held).toHaveLength(1);
      expect(oidc.requests.length - oidcBefore).toBe(1);
      expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 0, lastError: null, rotations: 0 });
      expect(await fileToken()).toEqual(initial);
    } finally {
      await front.close();
    }
  });
});

describe('runRenewal on Windows: a reader holding the credentials file (emulated through the platform seam)', () => {
  it('keeps the renewed token and writes it once the reader lets go: one OIDC token and one exchange, no lapse', async () => {
    // A 600 s token: renewal is due at 300 s. A reader (an SDK opening the file without delete
    // sharing) holds it from 290 s to 340 s, long past the few seconds of retries of one write.
    const start = clock;
    await fs.writeFile(config().credentialsFile, credentialsJson('sk-ant-oat01-test-initial', clock + 600_000), { mode: 0o600 });
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    const holds = (): boolean => clock - start >= 290_000 && clock - start < 340_000;
    let refused = 0;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json') && holds()) {
          refused++;
          throw fsError('EPERM');
        }
        renameSync(from, to);
      },
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const oidcBefore = oidc.requests.length;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(600_000),
      deps(() => clock - start >= 400_000, { platform: windows }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    // The rename was refused again and again while the reader held the file...
    expect(refused).toBeGreaterThan(10);
    // ...and no new token was minted for it: the one renewal's token was written once it let go.
    expect(exchanges.map((e) => e.status)).toEqual([200]);
    expect(oidc.requests.length - oidcBefore).toBe(1);
    expect((await fileToken()).access_token).toBe(endpoint.minted.at(-1)!.token);
    expect(status).toMatchObject({ rotations: 1, failuresInARow: 0, lapsedAt: null, stopReason: 'stopped' });
    expect(Date.parse(status.lastSuccessAt!) - start).toBeGreaterThanOrEqual(340_000);
    expect(Date.parse(status.lastSuccessAt!) - start).toBeLessThan(350_000);
    expect(readdirSync(dir).sort()).toEqual(['creds.json', 'status.json']);
  });

  it('gives up, saying why, once the file stayed unwritable for as long as the held token was of use (a permanent EPERM)', async () => {
    // A 60 s token: renewal is due at 20 s; the rename is refused for good.
    const start = clock;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json')) throw fsError('EPERM');
        renameSync(from, to);
      },
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 300_000, { platform: windows }),
    );
    // The held token (60 s, issued at 20 s) stays good until 50 s: then it stops, minting nothing more.
    const at = endpoint.exchanges.slice(before).map((e) => e.at - start);
    expect(at).toEqual([20_000]);
    expect(status.stopReason).toBe('credentials-unwritable');
    expect(Date.parse(status.stoppedAt!) - start).toBeGreaterThanOrEqual(50_000);
    expect(Date.parse(status.stoppedAt!) - start).toBeLessThan(60_000);
    expect(status.lastError).toMatch(/refused replacement/);
    expect(await readStatus(config().statusFile)).toMatchObject({ stopReason: 'credentials-unwritable' });
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/could not replace the credentials file/);
  });

  it('records a final status, not a crash, when writing the held token fails otherwise (its directory gone)', async () => {
    const start = clock;
    let refused = 0;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json')) {
          // Held open through the first write's retries; then the directory is gone.
          if (++refused <= 9) throw fsError('EPERM');
          rmSync(to, { force: true });
          throw fsError('ENOENT');
        }
        renameSync(from, to);
      },
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 300_000, { platform: windows }),
    );
    expect(refused).toBe(10);
    expect(status.stopReason).toBe('credentials-removed');
    const written = await readStatus(config().statusFile);
    expect(written?.stopReason).toBe('credentials-removed');
    expect(written?.lastError).toMatch(/ENOENT/);
  });
});

describe('runRenewal after the post step removed its status file (and left it running)', () => {
  it('does not write the status file back, not even its final status', async () => {
    const start = clock;
    const statusFile = config().statusFile;
    let removed = false;
    const status = await runRenewal(
      config(),
      deps(() => {
        if (!removed && clock - start >= 10_000) {
          expect(existsSync(statusFile)).toBe(true);
          rmSync(statusFile);
          removed = true;
        }
        return clock - start >= 40_000;
      }),
    );
    // A renewal at 20 s and the stop at 40 s both happened after the removal.
    expect(status).toMatchObject({ rotations: 1, stopReason: 'stopped' });
    expect(readdirSync(dir)).toEqual(['creds.json']);
  });
});

describe('runRenewal when the job ends without a post step', () => {
  it("ends within 10 minutes of the job's end in a container job (parent pid 0) or with a reused watched pid, long before the next renewal", async () => {
    // A 3 h token: the next renewal is 90 minutes away. The job is cancelled 20 minutes in; nothing
    // stops the process (no post step), its watched parent shows as alive (pid 0 in a container, or
    // a reused pid), and the runner now refuses the request token.
    const service = await startOidcService({ now });
    try {
      const start = clock;
      const endedAt = start + 20 * 60_000;
      const status = await runRenewal(
        config(3 * 3_600_000),
        deps(() => clock - start >= 3 * 3_600_000, {
          oidc: { requestUrl: service.requestUrl, requestToken: service.requestToken },
          isParentAlive: () => isWatchedParentAlive(0),
          sleep: async (ms) => {
            clock += ms;
            if (clock >= endedAt) service.revokeRequestToken();
          },
        }),
      );
      expect(status.stopReason).toBe('oidc-request-token-rejected');
      const stoppedAfter = Date.parse(status.stoppedAt!) - endedAt;
      expect(stoppedAfter).toBeGreaterThanOrEqual(0);
      expect(stoppedAfter).toBeLessThanOrEqual(10 * 60_000);
      expect(JOB_CHECK_MS).toBe(10 * 60_000);
      expect(status.rotations).toBe(0);
      expect(status.lastError).toMatch(/HTTP 401/);
    } finally {
      await service.close();
    }
  });

  it('asks the runner about the job at most every 10 minutes while it waits, not at every poll', async () => {
    const service = await startOidcService({ now });
    try {
      const start = clock;
      await runRenewal(
        config(3 * 3_600_000),
        deps(() => clock - start >= 65 * 60_000, { oidc: { requestUrl: service.requestUrl, requestToken: service.requestToken } }),
      );
      // 65 minutes of waiting: a check at 10, 20, ..., 60 minutes.
      expect(service.requests).toHaveLength(6);
    } finally {
      await service.close();
    }
  });

  it('ends at the longest a GitHub job runs even when the runner still answers', async () => {
    // 6 hours on GitHub-hosted runners, 5 days on self-hosted ones (run.ts sets jobEndsBy from it);
    // here a 90-minute limit stands in, to keep the test short.
    const start = clock;
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    const status = await runRenewal(
      { ...config(3_600_000), jobEndsBy: start + 90 * 60_000 },
      deps(() => clock - start >= 3 * 3_600_000),
    );
    expect(status.stopReason).toBe('job-time-limit');
    expect(Date.parse(status.stoppedAt!) - start).toBeGreaterThanOrEqual(90 * 60_000);
    expect(Date.parse(status.stoppedAt!) - start).toBeLessThanOrEqual(90 * 60_000 + 5_000);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/as long as a GitHub job can run/);
    expect(MAX_JOB_MS).toEqual({ 'github-hosted': 6 * 3_600_000, 'self-hosted': 5 * 24 * 3_600_000 });
  });
});
