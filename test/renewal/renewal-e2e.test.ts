// Renewal for real: the bundled action starts its detached renewal process, a long-running later step
// with the real SDK keeps working across several token lifetimes, and the post step stops the
// process and removes every file. This file runs in real time (about 2.5 minutes).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { newJob, removeJob, runSdkStep, runStep, warnings, type Job } from '../support/runner.ts';
import { startTokenEndpoint, type FederationRule, type TokenEndpoint } from '../support/token-endpoint.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;

beforeAll(async () => {
  oidc = await startOidcService();
  rule = {
    id: 'fdrl_01Rotate',
    organizationId: ORG,
    serviceAccountId: 'svac_01Rotate',
    workspaceIds: ['wrkspc_01Rotate'],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: 'https://api.anthropic.com',
    subjectPrefix: 'repo:octo-org/octo-repo:*',
    tokenLifetimeSeconds: 60,
  };
  endpoint = await startTokenEndpoint({ rules: [rule] });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});

function pushJob(): Job {
  const job = newJob(oidc.env());
  const eventPath = path.join(job.dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { id: 123456789 } }));
  Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
  return job;
}

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  'federation-rule-id': rule.id,
  'organization-id': ORG,
  'base-url': endpoint.url,
  ...extra,
});

/** Running, not a zombie (this sandbox's init does not reap orphans; a zombie has exited). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Polls `condition` every 100 ms; fails after `limitMs`, a bound far above the wait it stands for. */
async function waitUntil(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`no ${what} within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Kills renewal processes a failed test left behind, so no process outlives the test run. */
function killLeftovers(...states: Array<Record<string, string>>): void {
  for (const state of states) {
    const pid = Number(state['renewal-pid']);
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

describe('background renewal', () => {
  it('keeps a long-running SDK process working across several 60 s token lifetimes', async () => {
    const job = pushJob();
    const states: Array<Record<string, string>> = [];
    try {
      const before = endpoint.exchanges.length;
      const apiBefore = endpoint.apiCalls.length;
      const main = await runStep(job, 'main', { inputs: inputs() });
      states.push(main.state);
      expect(main.code).toBe(0);
      const pid = Number(main.state['renewal-pid']);
      expect(alive(pid)).toBe(true);

      // One SDK process, started before the first rotation, calling every 2 s for 150 s.
      const sdk = await runSdkStep(job, { calls: 76, intervalMs: 2000, timeoutMs: 240_000 });
      expect(sdk.calls).toHaveLength(76);
      expect(sdk.calls.filter((c) => !c.ok)).toEqual([]);
      const calls = endpoint.apiCalls.slice(apiBefore);
      expect(calls.every((c) => c.status === 200 && c.validWhenSent)).toBe(true);
      // The SDK moved on to renewed tokens: it used several distinct tokens over the run.
      expect(new Set(calls.map((c) => c.token)).size).toBeGreaterThanOrEqual(4);

      // Stop the renewal process right after a renewal has been answered and written, so the next one is
      // 20 s away while the exchanges are counted and the post step runs. Where the SDK run ends
      // in the renewal schedule depends on how busy the machine is: counting at that arbitrary
      // point could catch a renewal in flight (status 0), or one landing before the post step
      // stops the renewal process ("renewed N times" one more than counted).
      const renewedBefore = endpoint.exchanges.length;
      const file = path.join(main.env['ANTHROPIC_CONFIG_DIR']!, 'credentials', 'github-actions.json');
      const tokenInFile = (): string | undefined => {
        try {
          return (JSON.parse(readFileSync(file, 'utf8')) as { access_token?: string }).access_token;
        } catch {
          return undefined; // not readable this instant: look again on the next poll
        }
      };
      await waitUntil(
        () =>
          endpoint.exchanges.length > renewedBefore &&
          endpoint.exchanges.at(-1)!.status !== 0 &&
          tokenInFile() === endpoint.minted.at(-1)?.token,
        60_000,
        'renewal after the SDK step',
      );
      const exchanges = endpoint.exchanges.slice(before);
      expect(exchanges.every((e) => e.status === 200)).toBe(true);
      expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
      expect(exchanges.some((e) => e.denial === 'jti_reused')).toBe(false);
      const gaps = exchanges.slice(1).map((e, i) => e.at - exchanges[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15_000);
      expect(exchanges.length).toBeGreaterThanOrEqual(6);
      // One renewal per 20 s of a 60 s token, however long the busy machine made the SDK step:
      // no burst, none skipped.
      const span = exchanges.at(-1)!.at - exchanges[0]!.at;
      expect(exchanges.length).toBe(1 + Math.round(span / 20_000));

      const post = await runStep(job, 'post', { state: main.state });
      expect(post.code).toBe(0);
      expect(warnings(post)).toEqual([]);
      expect(post.stdout).toMatch(new RegExp(`renewed ${exchanges.length - 1} times`));
      expect(alive(pid)).toBe(false);
      expect(existsSync(main.env['ANTHROPIC_CONFIG_DIR']!)).toBe(false);
    } finally {
      killLeftovers(...states);
      await removeJob(job);
    }
  }, 360_000);

  it('gives the renewal process only the variables it needs: no runtime token, github-token or step secrets', async () => {
    const job = pushJob();
    const states: Array<Record<string, string>> = [];
    try {
      const main = await runStep(job, 'main', {
        inputs: inputs({ 'github-token': 'ghs_testStepToken0123456789' }),
        env: {
          ACTIONS_RUNTIME_TOKEN: 'runtime-secret-value',
          DEPLOY_KEY: 'step-only-secret-value',
          RUNNER_TRACKING_ID: 'github_tracking_1',
          HTTPS_PROXY: '',
        },
      });
      states.push(main.state);
      expect(main.code).toBe(0);
      const pid = Number(main.state['renewal-pid']);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
      expect(names).toContain('ACTIONS_ID_TOKEN_REQUEST_TOKEN');
      expect(names).toContain('RUNNER_TRACKING_ID');
      for (const leaked of ['runtime-secret-value', 'step-only-secret-value', 'ghs_testStepToken0123456789']) {
        expect(environ.join('\n')).not.toContain(leaked);
      }
      expect(names.filter((n) => n.startsWith('INPUT_') || n.startsWith('GITHUB_'))).toEqual([]);
      await runStep(job, 'post', { state: main.state });
    } finally {
      killLeftovers(...states);
      await removeJob(job);
    }
  });

  it('with refresh: false starts no process, and the post step still removes the files', async () => {
    const job = pushJob();
    try {
      const main = await runStep(job, 'main', { inputs: inputs({ refresh: 'false' }) });
      expect(main.code).toBe(0);
      expect(main.state['renewal-pid']).toBeUndefined();
      const post = await runStep(job, 'post', { state: main.state });
      expect(post.code).toBe(0);
      expect(existsSync(main.env['ANTHROPIC_CONFIG_DIR']!)).toBe(false);
    } finally {
      await removeJob(job);
    }
  });

  it('runs two profiles in one job side by side, each with its own process and files', async () => {
    const job = pushJob();
    const states: Array<Record<string, string>> = [];
    try {
      const first = await runStep(job, 'main', { inputs: inputs({ profile: 'reviewer' }) });
      const second = await runStep(job, 'main', { inputs: inputs({ profile: 'fixer' }) });
      states.push(first.state, second.state);
      expect([first.code, second.code]).toEqual([0, 0]);
      const pids = [Number(first.state['renewal-pid']), Number(second.state['renewal-pid'])];
      expect(pids[0]).not.toBe(pids[1]);
      expect(pids.every(alive)).toBe(true);
      const dir = second.env['ANTHROPIC_CONFIG_DIR']!;
      expect(first.env['ANTHROPIC_CONFIG_DIR']).toBe(dir);
      const tokenOf = (name: string): string =>
        (JSON.parse(readFileSync(path.join(dir, 'credentials', `${name}.json`), 'utf8')) as { access_token: string }).access_token;
      expect(tokenOf('reviewer')).not.toBe(tokenOf('fixer'));

      // Using the same name twice in one job is refused clearly.
      const third = await runStep(job, 'main', { inputs: inputs({ profile: 'fixer', refresh: 'false' }) });
      expect(third.code).toBe(1);
      expect(third.stdout).toMatch(/already written by an earlier step/);
      // ... and leaves the post step nothing of the other use's to delete.
      expect(third.state['config-dir']).toBeUndefined();

      // Posts run in reverse order, each removing only its own profile.
      const post2 = await runStep(job, 'post', { state: second.state });
      expect(post2.code).toBe(0);
      expect(alive(pids[1]!)).toBe(false);
      expect(alive(pids[0]!)).toBe(true);
      expect(existsSync(path.join(dir, 'credentials', 'reviewer.json'))).toBe(true);
      expect(existsSync(path.join(dir, 'credentials', 'fixer.json'))).toBe(false);
      const post1 = await runStep(job, 'post', { state: first.state });
      expect(post1.code).toBe(0);
      expect(alive(pids[0]!)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    } finally {
      killLeftovers(...states);
      await removeJob(job);
    }
  });
});
