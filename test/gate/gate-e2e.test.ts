// The gate inside the bundled action: denied and skipped runs request no OIDC token and call no
// Anthropic endpoint; allowed ones mint as usual.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/github-api.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';
import { startProxy } from '../support/proxy.ts';
import { errors, newJob, removeJob, runStep, type Job } from '../support/runner.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.ts';

const ORG = '12345678-90ab-cdef-1234-567890abcdef';
const GH_TOKEN = 'ghs_testGateToken0123456789';
const REPO_ID = 123456789;
let oidc: OidcService;
let endpoint: TokenEndpoint;
let github: FakeGitHub;
let job: Job;

beforeAll(async () => {
  oidc = await startOidcService();
  endpoint = await startTokenEndpoint({
    rules: [
      {
        id: 'fdrl_01Gate',
        organizationId: ORG,
        serviceAccountId: 'svac_01Gate',
        workspaceIds: ['wrkspc_01Gate'],
        issuer: oidc.issuer,
        jwksUrl: oidc.jwksUrl,
        audience: 'https://api.anthropic.com',
        subjectPrefix: 'repo:octo-org/octo-repo:*',
      },
    ],
  });
  github = await startFakeGitHub({ repository: 'octo-org/octo-repo', token: GH_TOKEN, users: { octocat: 'write', mallory: 'read' } });
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close(), github.close()]);
});
beforeEach(() => {
  github.reset({ repository: 'octo-org/octo-repo', token: GH_TOKEN, users: { octocat: 'write', mallory: 'read' } });
  job = newJob({ ...oidc.env(), GITHUB_API_URL: github.url });
});
afterEach(async () => {
  await removeJob(job);
});

const repo = { id: REPO_ID, full_name: 'octo-org/octo-repo', owner: { login: 'octo-org', id: 987654 } };

function event(name: string, payload: object, actor = 'octocat'): Record<string, string> {
  const file = path.join(job.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_ACTOR: actor, GITHUB_TRIGGERING_ACTOR: actor };
}

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  'federation-rule-id': 'fdrl_01Gate',
  'organization-id': ORG,
  'base-url': endpoint.url,
  'github-token': GH_TOKEN,
  refresh: 'false',
  ...extra,
});

function pr(headRepoId: number | null, author = 'octocat'): object {
  return {
    number: 7,
    pull_request: {
      number: 7,
      user: { login: author, type: 'User' },
      head: {
        ref: 'feature',
        repo:
          headRepoId === null
            ? null
            : {
                id: headRepoId,
                full_name: headRepoId === REPO_ID ? 'octo-org/octo-repo' : 'stranger/octo-repo',
                fork: headRepoId !== REPO_ID,
              },
      },
      base: { ref: 'main', repo },
    },
    repository: repo,
    sender: { login: author, type: 'User' },
  };
}

async function expectNoCredentialTraffic(run: () => Promise<void>): Promise<void> {
  const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length, api: endpoint.apiCalls.length };
  await run();
  expect(oidc.requests.length).toBe(before.oidc);
  expect(endpoint.exchanges.length).toBe(before.exchanges);
  expect(endpoint.apiCalls.length).toBe(before.api);
}

describe('the gate in the bundled action', () => {
  it('skips a fork pull request with on-deny: skip: green step, allowed=false, no OIDC request', async () => {
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: { ...event('pull_request', pr(555)), ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
      });
      expect(main.code).toBe(0);
      expect(main.outputs['allowed']).toBe('false');
      expect(main.outputs['reason']).toBe('fork-pr');
      expect(main.outputs['access-token']).toBeUndefined();
      expect(main.env).toEqual({});
      expect(main.summary).toMatch(/Skipped: no credentials for this run/);
      expect(main.stdout).not.toMatch(/id-token: write/);
      const post = await runStep(job, 'post', { state: main.state });
      expect(post.code).toBe(0);
    });
  });

  it('fails a pull_request_target run by default, naming the rule', async () => {
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs(), env: event('pull_request_target', pr(REPO_ID)) });
      expect(main.code).toBe(1);
      expect(main.outputs['reason']).toBe('dangerous-event');
      expect(errors(main).join('\n')).toMatch(/pull_request_target/);
      expect(main.summary).toMatch(/Denied: no credentials for this run/);
    });
    expect(github.lookups()).toEqual([]);
  });

  it('denies a comment by a reader after looking up the permission, with the token never printed', async () => {
    const payload = {
      issue: { number: 3, user: { login: 'mallory' } },
      comment: { user: { login: 'mallory', type: 'User' }, body: '@claude do it' },
      repository: repo,
      sender: { login: 'mallory', type: 'User' },
    };
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs(), env: event('issue_comment', payload, 'mallory') });
      expect(main.code).toBe(1);
      expect(main.outputs['reason']).toBe('insufficient-permission');
      expect(main.stdout).toMatch(/mallory/);
      expect(
        main.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain(GH_TOKEN);
    });
    expect(github.lookups()).toContain('permission:mallory');
    expect(github.requests.every((r) => r.authorization === `Bearer ${GH_TOKEN}` || r.authorization === `token ${GH_TOKEN}`)).toBe(true);
  });

  it('allows a comment by a writer and mints', async () => {
    const payload = {
      issue: { number: 3, user: { login: 'octocat' } },
      comment: { user: { login: 'octocat', type: 'User' }, body: '@claude do it' },
      repository: repo,
      sender: { login: 'octocat', type: 'User' },
    };
    const before = endpoint.exchanges.length;
    const main = await runStep(job, 'main', { inputs: inputs(), env: event('issue_comment', payload) });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(endpoint.exchanges.length).toBe(before + 1);
    await runStep(job, 'post', { state: main.state });
  });

  it('denies when the permission look-up fails (fail closed)', async () => {
    github.reset({ repository: 'octo-org/octo-repo', token: GH_TOKEN, users: { octocat: { permission: 'write', fault: 'error-always' } } });
    const payload = {
      issue: { number: 3 },
      comment: { user: { login: 'octocat', type: 'User' } },
      repository: repo,
      sender: { login: 'octocat', type: 'User' },
    };
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs({ 'on-deny': 'skip' }), env: event('issue_comment', payload) });
      expect(main.code).toBe(0);
      expect(main.outputs['reason']).toBe('permission-check-failed');
    });
  });

  it('denies an unknown event unless it is listed in allowed-events', async () => {
    const star = { action: 'started', repository: repo, sender: { login: 'octocat', type: 'User' } };
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs({ 'on-deny': 'skip' }), env: event('watch', star) });
      expect(main.outputs['reason']).toBe('unsupported-event');
    });
    const allowed = await runStep(job, 'main', {
      inputs: inputs({ 'allowed-events': 'watch', profile: 'watch' }),
      env: event('watch', star),
    });
    expect(allowed.code).toBe(0);
    expect(allowed.outputs['allowed']).toBe('true');
    expect(github.lookups()).toEqual(['permission:octocat']);
    await runStep(job, 'post', { state: allowed.state });
  });

  it("allows a repository_dispatch sent with a writer's token without any look-up, and denies one sent by an app", async () => {
    const dispatch = (sender: object): object => ({ action: 'deploy', client_payload: { env: 'staging' }, repository: repo, sender });
    const main = await runStep(job, 'main', {
      inputs: inputs({ profile: 'dispatch' }),
      env: event('repository_dispatch', dispatch({ login: 'octocat', type: 'User' })),
    });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(github.requests).toEqual([]);
    await runStep(job, 'post', { state: main.state });
    await expectNoCredentialTraffic(async () => {
      const app = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: event('repository_dispatch', dispatch({ login: 'deploy-app[bot]', type: 'Bot' }), 'deploy-app[bot]'),
      });
      expect(app.outputs['reason']).toBe('bot-not-allowed');
    });
  });

  it("allows the merge queue's push to its gh-readonly-queue/ branch (payload ref and GITHUB_REF) without any look-up, and mints", async () => {
    const queue = { login: 'github-merge-queue[bot]', id: 118344674, type: 'Bot' };
    const ref = 'refs/heads/gh-readonly-queue/main/pr-7-1111111111111111111111111111111111111111';
    const before = endpoint.exchanges.length;
    const main = await runStep(job, 'main', {
      inputs: inputs(),
      env: { ...event('push', { ref, repository: repo, sender: queue }, 'github-merge-queue[bot]'), GITHUB_REF: ref },
    });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(main.stdout).toMatch(/github-merge-queue\[bot\] \(GitHub's merge queue, pushing one of its gh-readonly-queue\/ branches\)/);
    expect(endpoint.exchanges.length).toBe(before + 1);
    expect(github.requests).toEqual([]);
    await runStep(job, 'post', { state: main.state });
    // The same push whose GITHUB_REF names another branch is not the merge queue's.
    await expectNoCredentialTraffic(async () => {
      const other = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: { ...event('push', { ref, repository: repo, sender: queue }, 'github-merge-queue[bot]'), GITHUB_REF: 'refs/heads/main' },
      });
      expect(other.outputs['reason']).toBe('bot-not-allowed');
    });
  });

  it("denies a writer's comment on a stranger's same-repository pull request: the pull request author is checked", async () => {
    github.reset({
      repository: 'octo-org/octo-repo',
      token: GH_TOKEN,
      users: { octocat: 'write', mallory: 'read' },
      pulls: { 7: { headRepoId: REPO_ID, author: 'stranger' } },
    });
    const payload = {
      action: 'created',
      issue: {
        number: 7,
        user: { login: 'stranger', type: 'User' },
        pull_request: { url: 'https://api.github.com/repos/octo-org/octo-repo/pulls/7' },
      },
      comment: { user: { login: 'octocat', type: 'User' }, body: '@claude review this' },
      repository: repo,
      sender: { login: 'octocat', type: 'User' },
    };
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs(), env: event('issue_comment', payload) });
      expect(main.code).toBe(1);
      expect(main.outputs['allowed']).toBe('false');
      expect(main.outputs['reason']).toBe('not-a-collaborator');
      expect(errors(main).join('\n')).toMatch(/stranger \(the pull request author\) is not a collaborator of octo-org\/octo-repo/);
    });
    expect(github.lookups()).toEqual(['pull:7', 'permission:octocat', 'permission:stranger']);
  });

  it("checks the pull request author on an issues event whose issue is a pull request: a reader's is denied, a writer's mints", async () => {
    const milestoned = {
      action: 'milestoned',
      issue: {
        number: 7,
        user: { login: 'mallory', type: 'User' },
        pull_request: { url: 'https://api.github.com/repos/octo-org/octo-repo/pulls/7' },
      },
      milestone: { number: 1, title: 'v1.1' },
      repository: repo,
      sender: { login: 'octocat', type: 'User' },
    };
    github.reset({
      repository: 'octo-org/octo-repo',
      token: GH_TOKEN,
      users: { octocat: 'write', mallory: 'read' },
      pulls: { 7: { headRepoId: REPO_ID, author: 'mallory' } },
    });
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs({ 'on-deny': 'skip' }), env: event('issues', milestoned) });
      expect(main.code).toBe(0);
      expect(main.outputs['reason']).toBe('insufficient-permission');
      expect(main.stdout).toMatch(
        /issues on pull request #7 .*mallory \(the pull request author\) has read access, below min-permission write/,
      );
    });
    expect(github.lookups()).toEqual(['pull:7', 'permission:octocat', 'permission:mallory']);

    github.reset({
      repository: 'octo-org/octo-repo',
      token: GH_TOKEN,
      users: { octocat: 'write', mallory: 'read' },
      pulls: { 7: { headRepoId: REPO_ID, author: 'octocat' } },
    });
    const before = endpoint.exchanges.length;
    const main = await runStep(job, 'main', { inputs: inputs(), env: event('issues', milestoned) });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(endpoint.exchanges.length).toBe(before + 1);
    expect(github.lookups()).toEqual(['pull:7', 'permission:octocat']);
    await runStep(job, 'post', { state: main.state });
  });

  it('fails a push by dependabot[bot] without any look-up, naming allowed-bots', async () => {
    const bot = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' };
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', {
        inputs: inputs(),
        env: event('push', { ref: 'refs/heads/dependabot/npm/x', repository: repo, sender: bot }, 'dependabot[bot]'),
      });
      expect(main.code).toBe(1);
      expect(main.outputs['allowed']).toBe('false');
      expect(main.outputs['reason']).toBe('bot-not-allowed');
      expect(main.outputs['access-token']).toBeUndefined();
      expect(errors(main).join('\n')).toMatch(
        /dependabot\[bot\] .* is a bot, and allowed-bots does not name it.*`allowed-bots: dependabot\[bot\]`/,
      );
      expect(main.summary).toMatch(/Denied: no credentials for this run/);
    });
    expect(github.requests).toEqual([]);
  });

  it('allows a push by dependabot[bot] named in allowed-bots, without any look-up, and mints', async () => {
    const bot = { login: 'dependabot[bot]', id: 49699333, type: 'Bot' };
    const before = { oidc: oidc.requests.length, exchanges: endpoint.exchanges.length };
    const main = await runStep(job, 'main', {
      inputs: inputs({ 'allowed-bots': 'dependabot[bot]' }),
      env: event('push', { ref: 'refs/heads/dependabot/npm/x', repository: repo, sender: bot }, 'dependabot[bot]'),
    });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(main.outputs['reason']).toBe('ok');
    expect(oidc.requests.length).toBeGreaterThan(before.oidc);
    expect(endpoint.exchanges.length).toBe(before.exchanges + 1);
    expect(github.requests).toEqual([]);
    await runStep(job, 'post', { state: main.state });
  });

  it('denies a same-repository pull_request opened by a reader after looking up the permission', async () => {
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs(), env: event('pull_request', pr(REPO_ID, 'mallory'), 'mallory') });
      expect(main.code).toBe(1);
      expect(main.outputs['allowed']).toBe('false');
      expect(main.outputs['reason']).toBe('insufficient-permission');
      expect(errors(main).join('\n')).toMatch(/mallory .* has read access, below min-permission write/);
    });
    expect(github.lookups()).toEqual(['permission:mallory']);
  });

  it('allows a same-repository pull_request opened by a writer after looking up the permission, and mints', async () => {
    const before = endpoint.exchanges.length;
    const main = await runStep(job, 'main', { inputs: inputs(), env: event('pull_request', pr(REPO_ID)) });
    expect(main.code).toBe(0);
    expect(main.outputs['allowed']).toBe('true');
    expect(endpoint.exchanges.length).toBe(before + 1);
    expect(github.lookups()).toEqual(['permission:octocat']);
    await runStep(job, 'post', { state: main.state });
  });

  // Text an outsider controls (a fork's workflow name) tries to become a workflow command in the
  // log (the runner's old `##[command]` form) and a link and an image in the job summary.
  const HOSTILE_NAME =
    'CI ##[save-state name=status-file;]/tmp/x [Re-run with credentials](https://evil.example/) ![t](https://evil.example/t.png)';
  const forkRun = {
    workflow_run: {
      name: HOSTILE_NAME,
      event: 'pull_request',
      head_branch: 'main',
      head_repository: { id: 555, full_name: 'stranger/octo-repo' },
      repository: repo,
      actor: { login: 'stranger', type: 'User' },
      triggering_actor: { login: 'stranger', type: 'User' },
    },
    repository: repo,
    sender: { login: 'octocat', type: 'User' },
  };
  const comment = (author: string, onPull: boolean): object => ({
    issue: { number: 7, user: { login: author }, ...(onPull ? { pull_request: { url: 'x' } } : {}) },
    comment: { user: { login: author, type: 'User' }, body: '@claude go' },
    repository: repo,
    sender: { login: author, type: 'User' },
  });
  it.each([
    {
      what: 'workflow_run after a fork pull request run',
      name: 'workflow_run',
      payload: forkRun,
      actor: 'octocat',
      reason: 'dangerous-event',
    },
    {
      what: 'a comment on a fork pull request',
      name: 'issue_comment',
      payload: comment('octocat', true),
      actor: 'octocat',
      reason: 'dangerous-event',
      pulls: { 7: { headRepoId: 555 } },
    },
    {
      what: 'an issues event on a fork pull request',
      name: 'issues',
      payload: {
        action: 'labeled',
        issue: { number: 7, user: { login: 'stranger' }, pull_request: { url: 'x' } },
        label: { name: 'claude' },
        repository: repo,
        sender: { login: 'octocat', type: 'User' },
      },
      actor: 'octocat',
      reason: 'dangerous-event',
      pulls: { 7: { headRepoId: 555, author: 'stranger' } },
    },
    {
      what: 'a comment on a pull request whose fork was deleted',
      name: 'issue_comment',
      payload: comment('octocat', true),
      actor: 'octocat',
      reason: 'dangerous-event',
      pulls: { 7: { headRepoId: null } },
    },
    { what: 'a pull_request from a deleted fork', name: 'pull_request', payload: pr(null), actor: 'octocat', reason: 'fork-pr' },
    {
      what: 'a comment by someone who is not a collaborator',
      name: 'issue_comment',
      payload: comment('stranger', false),
      actor: 'stranger',
      reason: 'not-a-collaborator',
    },
    {
      what: 'an issue opened by a bot',
      name: 'issues',
      payload: {
        issue: { number: 1, user: { login: 'renovate[bot]', type: 'Bot' } },
        repository: repo,
        sender: { login: 'renovate[bot]', type: 'Bot' },
      },
      actor: 'renovate[bot]',
      reason: 'bot-not-allowed',
    },
  ])(
    'denies $what ($reason) in the bundle, with no credential request and nothing injected',
    async ({ name, payload, actor, reason, pulls }) => {
      github.reset({
        repository: 'octo-org/octo-repo',
        token: GH_TOKEN,
        users: { octocat: 'write', mallory: 'read' },
        ...(pulls === undefined ? {} : { pulls }),
      });
      await expectNoCredentialTraffic(async () => {
        const main = await runStep(job, 'main', { inputs: inputs({ 'on-deny': 'skip' }), env: event(name, payload, actor) });
        expect(errors(main)).toEqual([]);
        expect(main.code).toBe(0);
        expect(main.outputs['allowed']).toBe('false');
        expect(main.outputs['reason']).toBe(reason);
        expect(main.env).toEqual({});
        expect(main.state).toEqual({});
        expect(main.lines.filter((line) => line.includes('##['))).toEqual([]);
        expect(main.summary).not.toMatch(/(^|[^\\])\]\(/);
        expect(main.summary).toMatch(/Skipped: no credentials for this run/);
      });
    },
  );

  it('reports bad gate inputs as input errors, before any request', async () => {
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', {
        inputs: inputs({ 'min-permission': 'triage-ish', 'allow-fork-heads': 'maybe' }),
        env: event('push', { repository: repo }),
      });
      expect(main.code).toBe(1);
      const error = errors(main).join('\n');
      expect(error).toMatch(/min-permission must be one of read, write, admin/);
      expect(error).toMatch(/allow-fork-heads must be true or false/);
    });
    expect(github.requests).toEqual([]);
  });
});

describe('@actions/github in the bundle', () => {
  /** octocat's comment on issue #3: one look-up, octocat's permission. */
  const octocatComment = {
    issue: { number: 3, user: { login: 'octocat' } },
    comment: { user: { login: 'octocat', type: 'User' }, body: '@claude do it' },
    repository: repo,
    sender: { login: 'octocat', type: 'User' },
  };

  it('reads an invalid event file only when the gate asks: a pull_request is denied naming it, a push (no payload needed) mints', async () => {
    const file = path.join(job.dir, 'broken.json');
    writeFileSync(file, '{"pull_request": {');
    const env = (name: string): Record<string, string> => ({
      GITHUB_EVENT_NAME: name,
      GITHUB_EVENT_PATH: file,
      GITHUB_ACTOR: 'octocat',
      GITHUB_TRIGGERING_ACTOR: 'octocat',
    });
    await expectNoCredentialTraffic(async () => {
      const main = await runStep(job, 'main', { inputs: inputs({ 'on-deny': 'skip' }), env: env('pull_request') });
      expect(main.code).toBe(0);
      expect(main.outputs['reason']).toBe('permission-check-failed');
      expect(main.stdout).toMatch(/could not read the event payload \(the event file is not valid JSON\), so the run cannot be judged/);
      expect(main.stderr).not.toMatch(/SyntaxError/);
    });
    const push = await runStep(job, 'main', { inputs: inputs(), env: env('push') });
    expect(errors(push)).toEqual([]);
    expect(push.code).toBe(0);
    expect(push.outputs['allowed']).toBe('true');
    await runStep(job, 'post', { state: push.state });
    expect(github.requests).toEqual([]);
  });

  it('sends the look-ups through HTTPS_PROXY / HTTP_PROXY, and past them for a host NO_PROXY names', async () => {
    const proxy = await startProxy();
    try {
      // https: a tunnel to the named API host is asked for; the proxy refuses it (502), so the
      // look-up fails closed.
      const https = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: { ...event('issue_comment', octocatComment), GITHUB_API_URL: 'https://api.github.invalid', HTTPS_PROXY: proxy.url },
      });
      expect(proxy.seen).toContain('CONNECT api.github.invalid:443');
      expect(https.outputs['reason']).toBe('permission-check-failed');
      expect(https.stdout).toMatch(
        /could not look up the permission of octocat on octo-org\/octo-repo: could not reach api\.github\.invalid/,
      );

      // http: through the proxy to the stand-in, which answers: the writer is allowed.
      proxy.seen.length = 0;
      const port = new URL(github.url).port;
      const http = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: { ...event('issue_comment', octocatComment), GITHUB_API_URL: `http://api.github.test:${port}`, HTTP_PROXY: proxy.url },
      });
      expect(proxy.seen).toContain(`CONNECT api.github.test:${port}`);
      expect(github.lookups()).toEqual(['permission:octocat']);
      expect(http.outputs['allowed']).toBe('true');
      await runStep(job, 'post', { state: http.state });

      // NO_PROXY: straight to the host, which does not resolve.
      proxy.seen.length = 0;
      const bypass = await runStep(job, 'main', {
        inputs: inputs({ 'on-deny': 'skip' }),
        env: {
          ...event('issue_comment', octocatComment),
          GITHUB_API_URL: 'https://api.github.invalid',
          HTTPS_PROXY: proxy.url,
          NO_PROXY: '.github.invalid',
        },
      });
      expect(proxy.seen).toEqual([]);
      expect(bypass.outputs['reason']).toBe('permission-check-failed');
      expect(bypass.stdout).toMatch(/could not reach api\.github\.invalid: (ENOTFOUND|EAI_AGAIN)/);
    } finally {
      await proxy.close();
    }
  });
});
