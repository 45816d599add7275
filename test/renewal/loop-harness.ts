// What the renewal loop's tests share: the OIDC and token-endpoint stand-ins on a clock the test
// drives (hours of renewals take milliseconds, and the stand-ins judge expiry by the same clock), a
// fresh directory holding a 60 s token per test, and the loop's config and deps. Importing it
// registers the setup hooks for the importing test file.
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import type { RenewalConfig, RenewalDeps } from '../../src/renewal/loop.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';

export const ORG = '12345678-90ab-cdef-1234-567890abcdef';
export let clock = Date.now();
export const now = (): number => clock;
/** Moves the clock the loop, the stand-ins and the tests share. */
export function advance(ms: number): void {
  clock += ms;
}
export let oidc: OidcService;
export let endpoint: TokenEndpoint;
export let rule: FederationRule;
export let dir: string;

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

export function config(lifetimeMs = 60_000): RenewalConfig {
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
export function deps(until: () => boolean, overrides: Partial<RenewalDeps> = {}): RenewalDeps {
  return {
    oidc: { requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
    now,
    sleep: async (ms) => {
      advance(ms);
    },
    random: () => 0.5,
    isParentAlive: () => true,
    shouldStop: until,
    pid: 4242,
    ...overrides,
  };
}

export async function fileToken(): Promise<{ access_token: string; expires_at: number }> {
  return JSON.parse(await fs.readFile(path.join(dir, 'creds.json'), 'utf8')) as { access_token: string; expires_at: number };
}
