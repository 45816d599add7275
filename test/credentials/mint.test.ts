// The exchange end to end over real loopback HTTP: a fresh OIDC token per attempt, classified
// retries, deadlines, answer checks, and no secret in any error.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/errors.ts';
import { mintToken, type MintOptions } from '../../src/credentials/mint.ts';
import { Aborted } from '../../src/credentials/retry.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';
import { leaks } from '../support/leaks.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;

beforeAll(async () => {
  oidc = await startOidcService();
  rule = {
    id: 'fdrl_01Test',
    organizationId: ORG,
    serviceAccountId: 'svac_01Test',
    workspaceIds: ['wrkspc_01Test'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
    claims: { repository_id: '123456789', event_name: 'push' },
  };
  endpoint = await startTokenEndpoint({ rules: [rule] });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});
beforeEach(() => {
  oidc.clearFaults();
  endpoint.clearFaults();
  endpoint.setRules([rule]);
  endpoint.legacyErrors = false;
});

function options(overrides: Partial<MintOptions> = {}): MintOptions & { masked: string[] } {
  const masked: string[] = [];
  return {
    oidc: { requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
    audience: 'https://api.anthropic.com',
    baseUrl: endpoint.url,
    ids: { federationRuleId: rule.id, organizationId: ORG },
    userAgent: 'test',
    deadline: Date.now() + 20_000,
    mask: (s) => masked.push(s),
    sleep: async () => undefined,
    masked,
    ...overrides,
  };
}

async function failure(o: MintOptions): Promise<ActionError> {
  const error = await mintToken(o).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  return error as ActionError;
}

/** Every secret the stand-ins handed out so far. */
function allSecrets(): string[] {
  return [...oidc.issued.map((i) => i.jwt), ...endpoint.minted.map((m) => m.token), ...endpoint.echoed, oidc.requestToken];
}

function expectNoSecret(text: string): void {
  expect(leaks(text, allSecrets())).toEqual([]);
}

describe('mintToken', () => {
  it('exchanges a fresh OIDC token and masks the request token, the JWT and the access token', async () => {
    const o = options();
    const before = endpoint.exchanges.length;
    const token = await mintToken(o);
    const record = endpoint.exchanges.at(-1)!;
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      federation_rule_id: rule.id,
      organization_id: ORG,
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    });
    expect(record.body).not.toHaveProperty('scope');
    expect(record.body).not.toHaveProperty('service_account_id');
    expect(record.headers['anthropic-beta']).toBe('oauth-2025-04-20,oidc-federation-2026-04-01');
    expect(record.headers['content-type']).toBe('application/json');
    expect(record.headers['accept']).toBe('application/json');
    expect(record.headers['authorization']).toBeUndefined();
    expect(record.headers['x-api-key']).toBeUndefined();
    expect(token.accessToken).toBe(endpoint.minted.at(-1)!.token);
    expect(o.masked).toEqual([oidc.requestToken, oidc.issued.at(-1)!.jwt, token.accessToken]);
    expect(oidc.requests.at(-1)!.audience).toBe('https://api.anthropic.com');
    expect(token.expiresAt - Date.now()).toBeGreaterThan(500_000);
  });

  it('fetches a new OIDC token for every retry, so no assertion is presented twice', async () => {
    endpoint.pushFaults({ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'status', status: 529 });
    const before = endpoint.exchanges.length;
    const issuedBefore = oidc.issued.length;
    const token = await mintToken(options({ maxAttempts: 4 }));
    const attempts = endpoint.exchanges.slice(before);
    expect(attempts.map((a) => a.status)).toEqual([503, 0, 529, 200]);
    expect(token.attempts).toBe(4);
    const jtis = attempts.map((a) => a.jti);
    expect(new Set(jtis).size).toBe(4);
    expect(oidc.issued.length - issuedBefore).toBe(4);
    expect(attempts.some((a) => a.denial === 'jti_reused')).toBe(false);
  });

  it('honours Retry-After on a 429', async () => {
    endpoint.pushFaults({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const slept: number[] = [];
    await mintToken(options({ sleep: async (ms) => void slept.push(ms) }));
    expect(slept).toEqual([2000]);
  });

  it('fails at once on a 401, naming the status, request id, redacted reason and what to check', async () => {
    endpoint.setRules([{ ...rule, claims: { event_name: 'workflow_dispatch' } }]);
    const before = endpoint.exchanges.length;
    const error = await failure(options());
    expect(endpoint.exchanges.length - before).toBe(1);
    const record = endpoint.exchanges.at(-1)!;
    expect(record.denial).toBe('claim:event_name');
    expect(error.code).toBe('exchange-denied');
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain(`request-id ${record.requestId}`);
    expect(error.message).toContain('authentication_error');
    expect(error.hint).toMatch(/Settings → Workload identity → History/);
    expect(error.hint).toMatch(/workspace-id/);
    expect(error.hint).toMatch(/exchanged once/);
    // Every cause the issue names, each on its own line.
    const hint = (error.hint ?? '').split('\n');
    expect(hint[0]).toBe('Anthropic denied the exchange. It gives every denial the same answer; the real reason is in the Console:');
    expect(hint).toContain(
      "  - the federation rule's subject prefix, audience or pinned claims do not match this run's OIDC token (the claims are printed above);",
    );
    expect(hint).toContain('Most often:');
    expect(hint).toContain('  - the rule covers several workspaces and workspace-id is not set;');
    expect(hint).toContain('  - the organization-id or service-account-id is not the one the rule belongs to;');
    expect(hint).toContain(
      '  - an assertion was presented twice (each GitHub OIDC token can be exchanged once; this action fetches a fresh one per attempt).',
    );
  });

  it('starts nothing once the deadline has passed', async () => {
    const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
    const error = await failure(options({ deadline: Date.now() - 1 }));
    expect(error.code).toBe('deadline');
    expect(error.message).toBe('Ran out of time (timeout-seconds) before the exchange could finish.');
    expect(oidc.requests.length).toBe(before.oidc);
    expect(endpoint.exchanges.length).toBe(before.exchanges);
  });

  it('starts nothing when the clock reads exactly the deadline', async () => {
    const deadline = Date.now() + 20_000;
    const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
    const error = await failure(options({ deadline, now: () => deadline }));
    expect(error.code).toBe('deadline');
    expect(oidc.requests.length).toBe(before.oidc);
    expect(endpoint.exchanges.length).toBe(before.exchanges);
  });

  it('does not exchange an OIDC token that arrived at the deadline', async () => {
    const deadline = Date.now() + 20_000;
    let clock = deadline - 5_000;
    const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
    const error = await failure(
      options({
        deadline,
        now: () => clock,
        onIdToken: () => {
          clock = deadline;
        },
      }),
    );
    expect(error.code).toBe('deadline');
    expect(oidc.requests.length - before.oidc).toBe(1);
    expect(endpoint.exchanges.length).toBe(before.exchanges);
  });

  it('uses the injected sleep, jitter and retry callback', async () => {
    const seen: Array<{ attempt: number; delayMs: number }> = [];
    for (const [random, delay] of [
      [0, 500],
      [1, 1000],
    ] as const) {
      endpoint.pushFaults({ kind: 'status', status: 503 });
      const slept: number[] = [];
      await mintToken(
        options({
          random: () => random,
          sleep: async (ms) => void slept.push(ms),
          onRetry: ({ attempt, delayMs }) => void seen.push({ attempt, delayMs }),
        }),
      );
      expect(slept).toEqual([delay]);
    }
    expect(seen).toEqual([
      { attempt: 1, delayMs: 500 },
      { attempt: 1, delayMs: 1000 },
    ]);
  });

  it('gives up on a server it cannot reach after the attempt cap, calling it unreachable with the network hint', async () => {
    endpoint.pushFaults(...Array.from({ length: 4 }, () => ({ kind: 'reset' as const })));
    const error = await failure(options());
    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(/^could not reach 127\.0\.0\.1:\d+: \w+ \(gave up after 4 attempts\)$/);
    expect(error.hint).toBe(
      "Check base-url and the runner's network; behind a proxy set HTTPS_PROXY (and NO_PROXY for hosts that bypass it).",
    );
  });

  it('treats the legacy 400 invalid_grant as a denial too, without retrying', async () => {
    endpoint.setRules([{ ...rule, audience: 'something-else' }]);
    endpoint.legacyErrors = true;
    const before = endpoint.exchanges.length;
    const error = await failure(options());
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(error.message).toMatch(/HTTP 400.*invalid_grant/);
    expect(error.hint).toMatch(/Workload identity → History/);
  });

  it.each([
    [
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"bad workspace"}}',
      'exchange-rejected',
      /rejected the request itself: check federation-rule-id and workspace-id/,
    ],
    [400, '{"error":"invalid_grant"}', 'exchange-rejected', /Workload identity → History/],
    [
      401,
      '{"type":"error","error":{"type":"authentication_error","message":"Authentication failed"}}',
      'exchange-denied',
      /Workload identity → History/,
    ],
    [
      403,
      '{"type":"error","error":{"type":"permission_error","message":"no"}}',
      'exchange-failed',
      /may not be allowed to use workload identity federation/,
    ],
    [404, '{"type":"error","error":{"type":"not_found_error","message":"no"}}', 'exchange-failed', /No token endpoint at base-url/],
    // invalid_grant means a denial only on a 400, the legacy denial's status.
    [403, '{"error":"invalid_grant"}', 'exchange-failed', /may not be allowed to use workload identity federation/],
    [418, '{}', 'exchange-failed', undefined],
  ])('answers HTTP %i once, with its own code and hint', async (status, body, code, hint) => {
    endpoint.pushFaults({ kind: 'status', status, body });
    const before = endpoint.exchanges.length;
    const error = await failure(options());
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(new RegExp(`^The token exchange failed: HTTP ${status}, request-id `));
    if (hint === undefined) expect(error.hint).toBeUndefined();
    else expect(error.hint).toMatch(hint);
    if (status !== 400 && status !== 401) expect(error.hint ?? '').not.toMatch(/Workload identity → History/);
  });

  it.each([429, 500, 529])('gives up on HTTP %i after the attempt cap, saying Anthropic was unavailable', async (status) => {
    endpoint.pushFaults(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status })));
    const before = endpoint.exchanges.length;
    const error = await failure(options());
    expect(endpoint.exchanges.length - before).toBe(4);
    expect(error.code).toBe('exchange-failed');
    expect(error.message).toMatch(new RegExp(`HTTP ${status}.*gave up after 4 attempts|gave up after 4 attempts.*HTTP ${status}`, 's'));
    expect(error.hint).toMatch(/unavailable or rate-limited; the action retried within timeout-seconds/);
  });

  it('says what the server said on a 400 invalid_request_error, without retrying', async () => {
    const before = endpoint.exchanges.length;
    const error = await failure(options({ ids: { federationRuleId: rule.id, organizationId: ORG, workspaceId: 'wrkspc_01Unknown' } }));
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(error.message).toMatch(/HTTP 40[01]/);
  });

  it('gives up on a hung token endpoint within the deadline, with a clear message', async () => {
    endpoint.pushFaults({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const started = Date.now();
    const error = await failure(options({ deadline: Date.now() + 1500, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }));
    // Generous on purpose (a busy machine); without the deadline the four hung attempts would take
    // 4 × 20 s, far past this bound (and past the test's timeout).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within|ran out of time/);
  });

  it('gives up on a hung OIDC service within the deadline', async () => {
    oidc.pushFaults({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const started = Date.now();
    const error = await failure(options({ deadline: Date.now() + 1200, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }));
    // Generous on purpose; without the deadline the hung attempts would take 3 × 10 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toMatch(/no answer|ran out of time/);
  });

  it('retries a failing OIDC service, then succeeds', async () => {
    oidc.pushFaults({ kind: 'status', status: 500 }, { kind: 'reset' });
    const token = await mintToken(options());
    expect(token.attempts).toBe(3);
  });

  it('fails at once when the runner refuses the OIDC request token', async () => {
    const error = await failure(options({ oidc: { requestUrl: oidc.requestUrl, requestToken: 'wrong-token-value' } }));
    expect(error.message).toMatch(/Requesting the GitHub OIDC token failed: HTTP 401/);
    expect(error.message).not.toContain('wrong-token-value');
  });

  it.each([
    [{ kind: 'non-json' } as const, /not JSON/],
    [{ kind: 'oversized' } as const, /larger than 1048576 bytes/],
    [{ kind: 'token-type', tokenType: 'mac' } as const, /token_type is "mac", not Bearer/],
    [{ kind: 'no-expiry' } as const, /expires_in/],
  ])('refuses a bad 200 answer (%o) without retrying it', async (fault, message) => {
    endpoint.pushFaults(fault);
    const before = endpoint.exchanges.length;
    const error = await failure(options());
    expect(error.message).toMatch(message);
    expect(endpoint.exchanges.length - before).toBe(1);
    expectNoSecret(`${error.message}\n${error.hint ?? ''}`);
  });

  it('refuses an OIDC token over the 16 KiB the token endpoint takes, before sending it, and does not retry', async () => {
    for (const [padding, message, code] of [
      [11_200, /The GitHub OIDC token is larger than 16384 bytes/, 'oidc-bad-answer'],
      [40_000, /larger than 17408 bytes/, 'unreachable'],
    ] as const) {
      oidc.setClaims({ padding: 'x'.repeat(padding) });
      const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
      const o = options();
      const error = await failure(o);
      oidc.resetClaims();
      expect(error.message).toMatch(message);
      expect(error.code).toBe(code);
      expect(oidc.requests.length - before.oidc).toBe(1);
      expect(endpoint.exchanges.length).toBe(before.exchanges);
      expectNoSecret(`${error.message}\n${error.hint ?? ''}`);
    }
  });

  it('never repeats an assertion or token the server echoes back in an error', async () => {
    endpoint.pushFaults({ kind: 'echo', status: 400 });
    const error = await failure(options());
    expect(endpoint.echoed.length).toBeGreaterThan(0);
    expectNoSecret(`${error.message}\n${error.hint ?? ''}`);
    endpoint.pushFaults(
      { kind: 'echo', status: 503 },
      { kind: 'echo', status: 503 },
      { kind: 'echo', status: 503 },
      { kind: 'echo', status: 503 },
    );
    const exhausted = await failure(options());
    expect(exhausted.message).toMatch(/gave up after 4 attempts/);
    expectNoSecret(`${exhausted.message}\n${exhausted.hint ?? ''}`);
  });

  describe('with a stop request (AbortSignal)', () => {
    it('requests no OIDC token and makes no exchange once stopped', async () => {
      const oidcBefore = oidc.requests.length;
      const before = endpoint.exchanges.length;
      await expect(mintToken(options({ signal: AbortSignal.abort() }))).rejects.toBeInstanceOf(Aborted);
      expect(oidc.requests.length).toBe(oidcBefore);
      expect(endpoint.exchanges.length).toBe(before);
    });

    it('does not spend an OIDC token that arrived after the stop request', async () => {
      const stop = new AbortController();
      const before = endpoint.exchanges.length;
      const oidcBefore = oidc.requests.length;
      await expect(mintToken(options({ signal: stop.signal, onIdToken: () => stop.abort() }))).rejects.toBeInstanceOf(Aborted);
      expect(oidc.requests.length - oidcBefore).toBe(1);
      expect(endpoint.exchanges.length).toBe(before);
    });

    it('cuts an exchange under way, and makes no other', async () => {
      const stop = new AbortController();
      endpoint.pushFaults({ kind: 'hang' });
      const before = endpoint.exchanges.length;
      const minting = mintToken(options({ signal: stop.signal })).catch((e: unknown) => e);
      await vi.waitFor(() => expect(endpoint.exchanges.length - before).toBe(1));
      stop.abort();
      expect(await minting).toBeInstanceOf(Aborted);
      expect(endpoint.exchanges.length - before).toBe(1);
    });

    it('fetches no fresh OIDC token after a stop during the retry wait', async () => {
      const stop = new AbortController();
      endpoint.pushFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
      const before = endpoint.exchanges.length;
      const oidcBefore = oidc.requests.length;
      const error = await mintToken(
        options({
          signal: stop.signal,
          sleep: async () => {
            stop.abort();
          },
        }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Aborted);
      expect(oidc.requests.length - oidcBefore).toBe(1);
      expect(endpoint.exchanges.length - before).toBe(1);
    });
  });
});
