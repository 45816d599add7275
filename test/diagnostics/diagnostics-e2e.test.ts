// Seeing why it works or not, through the bundle: verify, the job summary, the unpinned-ref
// warning, the clock-skew warning, the user-agent, and proxies.
import { writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startProxy, type Proxy } from '../support/proxy.ts';
import { errors, newJob, removeJob, runStep, warnings, type Job } from '../support/runner.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';
import { leaks } from '../support/leaks.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
let oidc: OidcService;
let endpoint: TokenEndpoint;
let proxy: Proxy;
let rule: FederationRule;
let job: Job;

beforeAll(async () => {
  oidc = await startOidcService();
  rule = {
    id: 'fdrl_01Diag',
    organizationId: ORG,
    serviceAccountId: 'svac_01Diag',
    workspaceIds: ['wrkspc_01Diag'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
  };
  endpoint = await startTokenEndpoint({ rules: [rule] });
  proxy = await startProxy();
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close(), proxy.close()]);
});
beforeEach(() => {
  endpoint.modelsStatus = 200;
  endpoint.clearFaults();
  job = newJob(oidc.env());
  const eventPath = path.join(job.dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { id: 123456789 } }));
  Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
});
afterEach(async () => {
  await removeJob(job);
});

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  'federation-rule-id': rule.id,
  'organization-id': ORG,
  'service-account-id': 'svac_01Diag',
  'base-url': endpoint.url,
  refresh: 'false',
  ...extra,
});

const secrets = (): string[] => [...oidc.issued.map((i) => i.jwt), ...endpoint.minted.map((m) => m.token), oidc.requestToken];

describe('verify', () => {
  it('calls GET /v1/models with the token and the oauth beta, and says so', async () => {
    const before = endpoint.apiCalls.length;
    const main = await runStep(job, 'main', { inputs: inputs({ verify: 'true' }) });
    expect(main.code).toBe(0);
    const call = endpoint.apiCalls[before]!;
    expect(call.path).toMatch(/^\/v1\/models/);
    expect(call.token).toBe(endpoint.minted.at(-1)!.token);
    expect(String(call.headers['anthropic-beta'])).toContain('oauth-2025-04-20');
    expect(main.stdout).toMatch(/Verified: the token reaches the API/);
    expect(main.summary).toMatch(/\| Verified \| yes/);
    await runStep(job, 'post', { state: main.state });
  });

  it('fails early when the token cannot reach the API (403), before any export', async () => {
    endpoint.modelsStatus = 403;
    const main = await runStep(job, 'main', { inputs: inputs({ verify: 'true' }) });
    expect(main.code).toBe(1);
    const error = errors(main).join('\n');
    expect(error).toMatch(/Verifying the minted token \(GET \/v1\/models\) failed: HTTP 403/);
    expect(error).toMatch(/oauth_scope|too narrow/);
    expect(main.env).toEqual({});
    expect(main.summary).toMatch(/The minted token cannot reach the API/);
    for (const secret of secrets()) expect(main.summary + error).not.toContain(secret);
  });
});

describe('the job summary', () => {
  it('on success: identity, IDs, expiry and renewal, fingerprint, exports, gate; no secret', async () => {
    const main = await runStep(job, 'main', { inputs: inputs() });
    expect(main.code).toBe(0);
    const md = main.summary;
    expect(md).toMatch(/^### Claude credentials \(GitHub OIDC\)/);
    const rows = Object.fromEntries(
      md
        .split('\n')
        .filter((l) => /^\| [A-Z]/.test(l))
        .map((l) => {
          const [, key = '', value = ''] = /^\| (.+?) \| (.*) \|$/.exec(l) ?? [];
          return [key, value];
        }),
    );
    expect(rows['Repository']).toBe('`octo-org/octo-repo`');
    expect(rows['Ref']).toBe('`refs/heads/main`');
    expect(rows['Event']).toBe('`push`');
    expect(rows['Actor']).toMatch(/^`.+`$/);
    expect(rows['Federation rule']).toBe('`fdrl_01Diag`');
    expect(rows['Organization']).toBe(`\`${ORG}\``);
    expect(rows['Service account']).toBe('`svac_01Diag`');
    expect(rows['Token expires']).toContain(main.outputs['expires-at']!);
    expect(rows['Token expires']).toMatch(/not renewed/);
    expect(rows['Token fingerprint']).toBe(`\`${main.outputs['token-fingerprint']!}\``);
    expect(rows['Exported']).toContain('`ANTHROPIC_PROFILE`');
    expect(rows['Gate']).toMatch(/^allowed \(`ok`\)/);
    for (const secret of secrets()) expect(md).not.toContain(secret);
    await runStep(job, 'post', { state: main.state });
  });

  it('says the token will be renewed when the renewal process runs', async () => {
    const main = await runStep(job, 'main', { inputs: inputs({ refresh: 'true' }) });
    expect(main.summary).toMatch(/renewed in the background for the whole job/);
    await runStep(job, 'post', { state: main.state });
  });

  it('on failure: what failed, the likely cause and the fix', async () => {
    endpoint.pushFaults({ kind: 'echo', status: 401 });
    const main = await runStep(job, 'main', { inputs: inputs() });
    expect(main.code).toBe(1);
    expect(main.summary).toMatch(/:x: \*\*Anthropic denied the token exchange\*\*/);
    expect(main.summary).toMatch(/\*\*How to fix it\*\*/);
    expect(main.summary).toMatch(/Workload identity → History/);
    expect(leaks(main.summary, [...secrets(), ...endpoint.echoed])).toEqual([]);
    expect(leaks(main.lines.filter((l) => !l.startsWith('::add-mask::')).join('\n'), [...secrets(), ...endpoint.echoed])).toEqual([]);
  });

  it('summary: false writes none', async () => {
    const main = await runStep(job, 'main', { inputs: inputs({ summary: 'false' }) });
    expect(main.code).toBe(0);
    expect(main.summary).toBe('');
    await runStep(job, 'post', { state: main.state });
  });
});

describe('warnings and identification', () => {
  it('warns when the action is used from a branch, not from a tag or SHA', async () => {
    const branch = await runStep(job, 'main', { inputs: inputs({ 'dry-run': 'true' }), env: { GITHUB_ACTION_REF: 'main' } });
    expect(warnings(branch).join('\n')).toMatch(/branch-like ref "main".*commit SHA/);
    for (const ref of ['v1', 'v1.2.3', 'a'.repeat(40)]) {
      const pinned = await runStep(job, 'main', { inputs: inputs({ 'dry-run': 'true' }), env: { GITHUB_ACTION_REF: ref } });
      expect(warnings(pinned).join('\n')).not.toMatch(/branch-like/);
    }
  });

  it('warns when the OIDC token was issued far from the local clock', async () => {
    const skewed = await startOidcService({ now: () => Date.now() - 10 * 60_000, lifetimeSeconds: 3600 });
    try {
      const main = await runStep(job, 'main', { inputs: inputs({ 'dry-run': 'true' }), env: skewed.env() });
      expect(main.code).toBe(0);
      expect(warnings(main).join('\n')).toMatch(/clock is \d+s ahead of the OIDC token's issue time/);
    } finally {
      await skewed.close();
    }
  });

  it('names the action, its version and the run in the user-agent', async () => {
    const main = await runStep(job, 'main', { inputs: inputs() });
    expect(main.code).toBe(0);
    expect(String(endpoint.exchanges.at(-1)!.headers['user-agent'])).toMatch(
      /^claude-oidc-action\/0\.1\.0 \(octo-org\/octo-repo; run 1001\/1\)/,
    );
    await runStep(job, 'post', { state: main.state });
  });
});

describe('proxies', () => {
  it('sends the OIDC request through HTTP_PROXY and the exchange through HTTPS_PROXY, and honours NO_PROXY', async () => {
    const viaName = oidc.requestUrl.replace('127.0.0.1', 'oidc.test');
    const main = await runStep(job, 'main', {
      inputs: inputs({ 'base-url': 'https://api.anthropic.test', 'timeout-seconds': '5' }),
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: viaName, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });
    // The OIDC request went through the proxy and succeeded (the claims were printed) ...
    expect(proxy.seen.some((s) => s.includes('oidc.test'))).toBe(true);
    expect(main.stdout).toContain('sub: repo:octo-org/octo-repo');
    // ... and the exchange was tunnelled to the named API host (nothing listens there, so it fails cleanly).
    expect(proxy.seen).toContain('CONNECT api.anthropic.test:443');
    expect(main.code).toBe(1);

    proxy.seen.length = 0;
    // Ended by the attempt cap (4 attempts, 3.5 to 7 s of back-off), never by the deadline: a last
    // attempt starting just before a 5 s deadline failed with "Ran out of time" instead of ENOTFOUND.
    const bypass = await runStep(job, 'main', {
      inputs: inputs({ 'base-url': 'https://api.anthropic.test', 'timeout-seconds': '60' }),
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: viaName, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'oidc.test,.anthropic.test' },
    });
    expect(bypass.code).toBe(1);
    expect(proxy.seen).toEqual([]);
    expect(errors(bypass).join('\n')).toMatch(/could not reach oidc\.test:\d+: ENOTFOUND/);
  });

  it('ends the step by timeout-seconds when a server behind the proxy trickles its answer and never finishes', async () => {
    // One byte of header every 300 ms: never idle long enough for a socket timeout, never done.
    // It answers only once the request has arrived, like any HTTP server. Bytes sent before it
    // reach the client through the tunnel together with the proxy's "200 Connection Established"
    // whenever the client is slow to read (a busy machine); the tunnel agent then fails the attempt
    // at once ("got illegal response body from proxy", ECONNRESET) instead of waiting, and four such
    // attempts end the step with ECONNRESET, not by its deadline.
    const sockets = new Set<Socket>();
    const trickle = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      let timer: NodeJS.Timeout | undefined;
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nx-slow: ');
        timer = setInterval(() => socket.write('a'), 300);
      });
      socket.on('close', () => {
        clearInterval(timer);
        sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    const { port } = trickle.address() as AddressInfo;
    try {
      // A step still running after 20 s is killed and fails the test (the server never gives up).
      // That bound is generous on purpose (process start-up on a busy machine); what proves the
      // step's own 5 s deadline ended it is the attempt's timeout in the error, not a stopwatch.
      const main = await runStep(job, 'main', {
        inputs: inputs({ 'timeout-seconds': '5' }),
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: `http://slow.test:${port}/token?api-version=2.0`, HTTP_PROXY: proxy.url },
        timeoutMs: 20_000,
      });
      expect(proxy.seen).toContain(`CONNECT slow.test:${port}`);
      expect(main.code).toBe(1);
      const error = errors(main).join('\n');
      expect(error).toMatch(/no answer from slow\.test:\d+ within [\d.]+s \(ran out of time \(timeout-seconds\)/);
      expect(Number(/ within ([\d.]+)s/.exec(error)![1])).toBeLessThanOrEqual(5);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => trickle.close(() => resolve()));
    }
  }, 40_000);
});
