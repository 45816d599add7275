// Worst cases of background renewal, measured on a simulated clock: the real renewal process loop
// (src/renewal/loop.ts) against the loopback stand-ins, whose token lifetimes and expiry checks follow
// the same clock, so hours of a job take a second. Reported by `npm run bench`.
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentialsJson } from '../src/export/profile.ts';
import { runRenewal } from '../src/renewal/loop.ts';
import { READERS_EXPIRY_MARGIN_MS } from '../src/renewal/schedule.ts';
import { startOidcService, type OidcService } from '../test/support/oidc-service.ts';
import { startTokenEndpoint, type FederationRule } from '../test/support/token-endpoint.ts';

export const ORG = '12345678-90ab-cdef-1234-567890abcdef';
const TOKEN_MS = 600_000; // a token minted from a GitHub OIDC token: twice the JWT's 300 s

/** The federation rule both benchmarks exchange against. */
export function benchRule(oidc: OidcService): FederationRule {
  return {
    id: 'fdrl_01Bench',
    organizationId: ORG,
    serviceAccountId: 'svac_01Bench',
    workspaceIds: ['wrkspc_01Bench'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
  };
}

export interface RenewalRun {
  readonly scenario: string;
  readonly exchanges: number;
  /** The least time to live the credentials file held, sampled at every step of the loop. */
  readonly minLeftMs: number;
  readonly lapsed: boolean;
  readonly stopReason: string | null;
}

/** One simulated job: `outageMs` of token endpoint outage starting at the first renewal. */
async function simulate(scenario: string, jobMs: number, outageMs: number, denied = false): Promise<RenewalRun> {
  let clock = Date.UTC(2026, 0, 1);
  const start = clock;
  const now = (): number => clock;
  const oidc = await startOidcService({ now });
  const rule = benchRule(oidc);
  const endpoint = await startTokenEndpoint({ rules: [rule], now });
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-renewal-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  await fs.writeFile(credentialsFile, credentialsJson('sk-ant-oat01-test-bench', clock + TOKEN_MS), { mode: 0o600 });
  const outageFrom = start + TOKEN_MS / 2;
  let outage = false;
  let minLeftMs = Number.POSITIVE_INFINITY;
  try {
    const status = await runRenewal(
      {
        ids: { federationRuleId: rule.id, organizationId: ORG },
        audience: rule.audience,
        baseUrl: endpoint.url,
        userAgent: 'bench',
        credentialsFile,
        statusFile: path.join(dir, 'status.json'),
        watchPid: process.pid,
        token: { issuedAt: clock, expiresAt: clock + TOKEN_MS },
      },
      {
        oidc: { requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
        now,
        random: () => 0.5,
        isParentAlive: () => true,
        shouldStop: () => clock - start >= jobMs,
        pid: process.pid,
        sleep: async (ms) => {
          clock += ms;
          const inOutage = clock >= outageFrom && clock < outageFrom + outageMs;
          if (inOutage && !outage) {
            if (denied) endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
            else endpoint.pushFaults(...Array.from({ length: 10_000 }, () => ({ kind: 'status' as const, status: 503 })));
          } else if (!inOutage && outage) {
            endpoint.clearFaults();
            endpoint.setRules([rule]);
          }
          outage = inOutage;
          const file = JSON.parse(await fs.readFile(credentialsFile, 'utf8')) as { expires_at: number };
          minLeftMs = Math.min(minLeftMs, file.expires_at * 1000 - clock);
        },
      },
    );
    return { scenario, exchanges: endpoint.exchanges.length, minLeftMs, lapsed: status.lapsedAt !== null, stopReason: status.stopReason };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([oidc.close(), endpoint.close()]);
  }
}

export async function renewalRuns(): Promise<RenewalRun[]> {
  const hour = 3_600_000;
  const longest = TOKEN_MS / 2 - READERS_EXPIRY_MARGIN_MS; // from the first renewal to the readers' cut-off
  return [
    await simulate('6 h job, no fault', 6 * hour, 0),
    await simulate(`endpoint down ${(longest - 30_000) / 1000} s from the first renewal`, hour, longest - 30_000),
    await simulate(`endpoint down ${(longest + 30_000) / 1000} s from the first renewal`, hour, longest + 30_000),
    await simulate('endpoint down for the rest of a 1 h job', hour, hour),
    await simulate('rule stops matching (401) for the rest of a 1 h job', hour, hour, true),
  ];
}
