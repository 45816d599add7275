// The committed dist/ bundles, run the way the runner runs them, against the loopback stand-ins;
// then a later step with the real SDK and the exported environment; then the post step.
import { existsSync, promises as fs, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from './support/http-util.ts';
import { startOidcService, type OidcService } from './support/oidc-service.ts';
import { errors, maskedBeforeUse, newJob, removeJob, runSdkStep, runStep, warnings, type Job, type StepResult } from './support/runner.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from './support/token-endpoint.ts';
import { leaks } from './support/leaks.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;
let job: Job;

beforeAll(async () => {
  oidc = await startOidcService({ claims: { event_name: 'push' } });
  rule = {
    id: 'fdrl_01E2e',
    organizationId: ORG,
    serviceAccountId: 'svac_01E2e',
    workspaceIds: ['wrkspc_01E2e'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    claims: { repository_id: '123456789', event_name: 'push', runner_environment: 'github-hosted' },
  };
  endpoint = await startTokenEndpoint({ rules: [rule] });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});

function pushPayload(): object {
  return {
    ref: 'refs/heads/main',
    repository: { id: 123456789, full_name: 'octo-org/octo-repo', owner: { login: 'octo-org', id: 987654 } },
    sender: { login: 'octocat', type: 'User' },
  };
}

function writeEvent(j: Job, name: string, payload: object): Record<string, string> {
  const file = path.join(j.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file };
}

beforeEach(() => {
  oidc.clearFaults();
  endpoint.clearFaults();
  endpoint.setRules([rule]);
  job = newJob({ ...oidc.env() });
  Object.assign(job.base, writeEvent(job, 'push', pushPayload()));
});
afterEach(async () => {
  await removeJob(job);
});

const baseInputs = (): Record<string, string> => ({
  'federation-rule-id': rule.id,
  'organization-id': ORG,
  'base-url': endpoint.url,
  refresh: 'false',
});

function secretsSoFar(): string[] {
  return [...oidc.issued.map((i) => i.jwt), ...endpoint.minted.map((m) => m.token), ...endpoint.echoed, oidc.requestToken];
}

/** No secret, whole or in part, anywhere a person can read: every log line but the masks
 *  themselves, stderr, the summary, the state file. */
function expectNothingLeaked(result: StepResult): void {
  const secrets = secretsSoFar();
  const logLines = result.lines.filter((line) => !line.startsWith('::add-mask::'));
  for (const [where, text] of [
    ['log', logLines.join('\n')],
    ['stderr', result.stderr],
    ['summary', result.summary],
    ['state', JSON.stringify(result.state)],
  ] as const) {
    expect(leaks(text, secrets), where).toEqual([]);
  }
}

describe('the bundled action, end to end', () => {
  it('mints, masks before any use, exports a profile the real SDK uses, and the post step cleans up', async () => {
    const issuedBefore = oidc.issued.length;
    const main = await runStep(job, 'main', { inputs: baseInputs() });
    expect(main.stderr).toBe('');
    expect(errors(main)).toEqual([]);
    expect(main.code).toBe(0);

    // Masks come before any other appearance of each secret.
    const jwt = oidc.issued[issuedBefore]!.jwt;
    const token = endpoint.minted.at(-1)!.token;
    for (const secret of [oidc.requestToken, jwt, token]) {
      const order = maskedBeforeUse(main, secret);
      expect(order.masked, `mask at ${order.firstMask}, use at ${order.firstUse}`).toBe(true);
    }
    expectNothingLeaked(main);

    // Outputs and exports.
    expect(main.outputs['access-token']).toBe(token);
    expect(main.outputs['allowed']).toBe('true');
    expect(main.outputs['reason']).toBe('ok');
    expect(main.outputs['dry-run']).toBe('false');
    expect(main.outputs['token-fingerprint']).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(Date.parse(main.outputs['expires-at']!)).toBeGreaterThan(Date.now() + 500_000);
    expect(Number(main.outputs['expires-in'])).toBeGreaterThan(500);
    const configDir = main.env['ANTHROPIC_CONFIG_DIR']!;
    expect(configDir.startsWith(job.runnerTemp)).toBe(true);
    expect(main.outputs['config-dir']).toBe(configDir);
    expect(main.env['ANTHROPIC_PROFILE']).toBe('github-actions');
    expect(main.env['ANTHROPIC_BASE_URL']).toBe(endpoint.url);
    expect(main.env['CLAUDE_CODE_OAUTH_TOKEN']).toBeUndefined();
    const credentials = path.join(configDir, 'credentials', 'github-actions.json');
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    expect((JSON.parse(await fs.readFile(credentials, 'utf8')) as { access_token: string }).access_token).toBe(token);
    expect(await fs.readdir(job.workspace)).toEqual([]);

    // The claims were shown, the JWT was not.
    expect(main.stdout).toContain('::group::OIDC token claims');
    expect(main.stdout).toContain('sub: repo:octo-org/octo-repo:ref:refs/heads/main');
    expect(main.summary).toContain('Minted a short-lived Claude API token');
    expect(main.summary).toContain(main.outputs['token-fingerprint']!);

    // A later step: the real SDK with only the exported environment.
    const callsBefore = endpoint.apiCalls.length;
    const sdk = await runSdkStep(job);
    expect(sdk.calls).toEqual([expect.objectContaining({ ok: true })]);
    const call = endpoint.apiCalls[callsBefore]!;
    expect(call.path).toBe('/v1/messages');
    expect(call.headers['authorization']).toBe(`Bearer ${token}`);
    expect(String(call.headers['anthropic-beta'])).toContain('oauth-2025-04-20');
    expect(call.headers['x-api-key']).toBeUndefined();
    expect(call.validWhenSent).toBe(true);

    // The post step removes every file the action wrote.
    const post = await runStep(job, 'post', { state: main.state });
    expect(post.code).toBe(0);
    expect(warnings(post)).toEqual([]);
    expect(existsSync(configDir)).toBe(false);
  });

  it('post removes the credentials even when an earlier clean-up step fails', async () => {
    const main = await runStep(job, 'main', { inputs: baseInputs() });
    expect(main.code).toBe(0);
    // The status file's place holds a directory with something in it: removing it fails.
    const configDir = main.env['ANTHROPIC_CONFIG_DIR']!;
    const blocker = path.join(configDir, 'renewal-github-actions.json');
    await fs.mkdir(path.join(blocker, 'inside'), { recursive: true });
    const post = await runStep(job, 'post', { state: { ...main.state, 'status-file': blocker, 'renewal-pid': '999999' } });
    expect(post.code).toBe(0);
    expect(warnings(post).join('\n')).toMatch(/Cleaning up \(removing the status file\)/);
    expect(existsSync(path.join(configDir, 'credentials', 'github-actions.json'))).toBe(false);
    expect(existsSync(path.join(configDir, 'configs', 'github-actions.json'))).toBe(false);
  });

  it.each([
    ['a config directory outside RUNNER_TEMP', (s: Record<string, string>, elsewhere: string) => ({ ...s, 'config-dir': elsewhere })],
    ['a profile name that climbs out', (s: Record<string, string>) => ({ ...s, profile: '../../victim' })],
    [
      "a status file that is not the profile's",
      (s: Record<string, string>, elsewhere: string) => ({ ...s, 'status-file': path.join(elsewhere, 'x.json'), 'renewal-pid': '1' }),
    ],
  ])('post touches nothing when its saved state is not what main saves: %s', async (_, tamper) => {
    const main = await runStep(job, 'main', { inputs: baseInputs() });
    expect(main.code).toBe(0);
    const elsewhere = path.join(job.dir, 'elsewhere');
    await fs.mkdir(path.join(elsewhere, 'credentials'), { recursive: true });
    await fs.writeFile(path.join(elsewhere, 'credentials', 'github-actions.json'), 'keep');
    await fs.writeFile(path.join(elsewhere, 'x.json'), 'keep');
    const post = await runStep(job, 'post', { state: tamper(main.state, elsewhere) });
    expect(post.code).toBe(0);
    expect(warnings(post).join('\n')).toMatch(/the saved state is not this action's own .*nothing was stopped or removed/);
    expect(await fs.readFile(path.join(elsewhere, 'credentials', 'github-actions.json'), 'utf8')).toBe('keep');
    expect(await fs.readFile(path.join(elsewhere, 'x.json'), 'utf8')).toBe('keep');
    expect(existsSync(path.join(main.env['ANTHROPIC_CONFIG_DIR']!, 'credentials', 'github-actions.json'))).toBe(true);
    await runStep(job, 'post', { state: main.state });
  });

  it('exports CLAUDE_CODE_OAUTH_TOKEN on request, with a warning naming its expiry', async () => {
    const main = await runStep(job, 'main', { inputs: { ...baseInputs(), export: 'claude-code-oauth-token' } });
    expect(main.code).toBe(0);
    const token = endpoint.minted.at(-1)!.token;
    expect(main.env['CLAUDE_CODE_OAUTH_TOKEN']).toBe(token);
    expect(main.env['ANTHROPIC_CONFIG_DIR']).toBeUndefined();
    expect(maskedBeforeUse(main, token).masked).toBe(true);
    expect(warnings(main).join('\n')).toContain(`expires at ${main.outputs['expires-at']!}`);
    expectNothingLeaked(main);
    const post = await runStep(job, 'post', { state: main.state });
    expect(post.code).toBe(0);
  });

  it('reports every bad input at once and makes no network call', async () => {
    const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
    const main = await runStep(job, 'main', {
      inputs: { 'organization-id': 'nope', 'base-url': 'http://example.com', 'timeout-seconds': 'x' },
    });
    expect(main.code).toBe(1);
    const error = errors(main).join('\n');
    expect(error).toMatch(/federation-rule-id is required/);
    expect(error).toMatch(/organization-id is not an organization UUID/);
    expect(error).toMatch(/base-url may use http: only/);
    expect(error).toMatch(/timeout-seconds must be a number/);
    expect(oidc.requests.length).toBe(before.oidc);
    expect(endpoint.exchanges.length).toBe(before.exchanges);
    expect(main.summary).toMatch(/Invalid inputs/);
  });

  it('names the missing id-token permission, shows the YAML and mentions forks', async () => {
    const main = await runStep(job, 'main', {
      inputs: baseInputs(),
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    });
    expect(main.code).toBe(1);
    const error = errors(main).join('\n');
    expect(error).toContain('id-token: write');
    expect(error).toContain('permissions:');
    expect(error).toMatch(/fork pull request/);
  });

  it('refuses to run beside an ANTHROPIC_API_KEY by default, before any request', async () => {
    const before = oidc.requests.length;
    const main = await runStep(job, 'main', { inputs: baseInputs(), env: { ANTHROPIC_API_KEY: 'sk-ant-api03-test-leftover' } });
    expect(main.code).toBe(1);
    expect(errors(main).join('\n')).toMatch(/ANTHROPIC_API_KEY is already set/);
    expect(main.stdout).not.toContain('sk-ant-api03-test-leftover');
    expect(oidc.requests.length).toBe(before);
  });

  it('with conflicting-credentials: override, blanks the leftover key for later steps', async () => {
    const main = await runStep(job, 'main', {
      inputs: { ...baseInputs(), 'conflicting-credentials': 'override' },
      env: { ANTHROPIC_API_KEY: 'sk-ant-api03-test-leftover' },
    });
    expect(main.code).toBe(0);
    expect(main.env['ANTHROPIC_API_KEY']).toBe('');
    expect(warnings(main).join('\n')).toMatch(/ANTHROPIC_API_KEY was set; exported it as empty/);
    await runStep(job, 'post', { state: main.state });
  });

  describe('ANTHROPIC_BASE_URL already in the job (a workflow env: block, say)', () => {
    let elsewhere: LoopbackServer;
    const seen: string[] = [];
    beforeAll(async () => {
      elsewhere = await startLoopbackServer((req, res) => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
        res.writeHead(500).end();
      });
    });
    afterAll(async () => {
      await elsewhere.close();
    });
    beforeEach(() => {
      seen.length = 0;
      job.base['ANTHROPIC_BASE_URL'] = elsewhere.origin;
    });

    it('by default fails naming the variable and both hosts, before any request', async () => {
      const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
      const main = await runStep(job, 'main', { inputs: baseInputs() });
      expect(main.code).toBe(1);
      const error = errors(main).join('\n');
      expect(error).toContain(`ANTHROPIC_BASE_URL is already set`);
      expect(error).toContain(
        `would send the minted token to ${new URL(elsewhere.origin).host}, not to ${new URL(endpoint.url).host} (base-url)`,
      );
      expect(oidc.requests.length).toBe(before.oidc);
      expect(endpoint.exchanges.length).toBe(before.exchanges);
      expect(seen).toEqual([]);
    });

    it('with override, exports base-url over it: the real SDK in a later step sends that server nothing', async () => {
      const main = await runStep(job, 'main', { inputs: { ...baseInputs(), 'conflicting-credentials': 'override' } });
      expect(main.code).toBe(0);
      expect(main.env['ANTHROPIC_BASE_URL']).toBe(endpoint.url);
      expect(warnings(main).join('\n')).toMatch(/ANTHROPIC_BASE_URL was set; exported base-url over it/);
      const callsBefore = endpoint.apiCalls.length;
      const sdk = await runSdkStep(job);
      expect(sdk.calls).toEqual([expect.objectContaining({ ok: true })]);
      expect(endpoint.apiCalls.length).toBe(callsBefore + 1);
      expect(seen).toEqual([]);
      await runStep(job, 'post', { state: main.state });
    });
  });

  it('on a denial, fails with the status, the hint, the claims to check and a matching rule, and leaks nothing', async () => {
    endpoint.setRules([{ ...rule, claims: { ...rule.claims, event_name: 'workflow_dispatch' } }]);
    const main = await runStep(job, 'main', { inputs: baseInputs() });
    expect(main.code).toBe(1);
    const error = errors(main).join('\n');
    expect(error).toMatch(/HTTP 401, request-id req_/);
    expect(error).toMatch(/Workload identity → History/);
    expect(error).toMatch(/event_name = push/);
    expect(error).toMatch(/"subject_prefix": "repo:octo-org\/octo-repo:ref:refs\/heads\/main"/);
    expect(error).toMatch(/or, as a CEL condition:\n {2}claims\.sub == 'repo:octo-org\/octo-repo:ref:refs\/heads\/main' &&\n/);
    expect(main.summary).toMatch(/Anthropic denied the token exchange/);
    expect(main.outputs['access-token']).toBeUndefined();
    expectNothingLeaked(main);
  });

  it('shows no part of an assertion or token that the server echoes, in the retry lines, the error or the summary', async () => {
    // The echoed JWT is longer than the 200 characters kept of a field: a cut must not leave its start.
    endpoint.pushFaults({ kind: 'echo', status: 503 }, { kind: 'echo', status: 401 });
    const main = await runStep(job, 'main', { inputs: baseInputs() });
    expect(main.code).toBe(1);
    expect(endpoint.echoed.length).toBeGreaterThanOrEqual(4);
    const attempt = main.lines.find((line) => line.startsWith('Attempt 1 failed ('));
    expect(attempt).toMatch(/HTTP 503.*assertion \[redacted(-jwt)?\] was rejected; token \[redacted-token\]/);
    expect(errors(main).join('\n')).toMatch(/HTTP 401.*assertion \[redacted(-jwt)?\] was rejected; token \[redacted-token\]/);
    expectNothingLeaked(main);
  });

  it('fails within timeout-seconds when the token endpoint hangs', async () => {
    endpoint.pushFaults(...Array.from({ length: 5 }, () => ({ kind: 'hang' as const })));
    const started = Date.now();
    const main = await runStep(job, 'main', { inputs: { ...baseInputs(), 'timeout-seconds': '5' } });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(main.code).toBe(1);
    expect(errors(main).join('\n')).toMatch(/no answer from 127\.0\.0\.1:\d+ within|ran out of time/);
  });

  it('dry-run works before the rule exists: no IDs needed, and leftover credentials only warn', async () => {
    const before = { oidc: oidc.issued.length, exchanges: endpoint.exchanges.length };
    const main = await runStep(job, 'main', {
      inputs: { 'base-url': endpoint.url, 'dry-run': 'true' },
      env: { ANTHROPIC_API_KEY: 'sk-ant-api03-test-leftover' },
    });
    expect(errors(main)).toEqual([]);
    expect(main.code).toBe(0);
    expect(oidc.issued.length - before.oidc).toBe(1);
    expect(endpoint.exchanges.length).toBe(before.exchanges);
    expect(main.outputs['dry-run']).toBe('true');
    expect(main.stdout).toContain('"subject_prefix": "repo:octo-org/octo-repo:ref:refs/heads/main"');
    expect(warnings(main).join('\n')).toMatch(/ANTHROPIC_API_KEY is already set/);
    expect(main.env).toEqual({});
    expectNothingLeaked(main);
  });

  it('dry-run prints the claims and a rule, spends no assertion and mints nothing', async () => {
    const before = endpoint.exchanges.length;
    const main = await runStep(job, 'main', { inputs: { ...baseInputs(), 'dry-run': 'true' } });
    expect(main.code).toBe(0);
    expect(endpoint.exchanges.length).toBe(before);
    expect(main.outputs['dry-run']).toBe('true');
    expect(main.outputs['access-token']).toBeUndefined();
    expect(main.stdout).toContain('"subject_prefix": "repo:octo-org/octo-repo:ref:refs/heads/main"');
    expect(main.summary).toMatch(/Dry run/);
    expectNothingLeaked(main);
  });
});
