// decide(), the gate's entry, across families: unknown events and allowed-events, faults of the
// GitHub API, the requests it sends, the dependencies a caller may leave out, failing closed on the
// unforeseen, the decision line, the token, and the exported lists. The cases of each event family
// are in the other test files of this folder.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATE_REASONS, type GateContext, MIN_PERMISSIONS, decide, isMinPermission, readGateContext } from '../../src/gate/gate.ts';
import { startFakeGitHub } from '../support/github-api.ts';
import { DEFAULTS, FIXTURES, type Json, REPOSITORY, TOKEN, allow, dependabot, deny, fixture } from './builders.ts';
import { tables } from './cases/index.ts';
import { faults } from './cases/faults.ts';
import { unsupported } from './cases/unsupported.ts';
import { PULLS, USERS, baseContext, freePort, gh, run, runTables, useGateHarness } from './harness.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

useGateHarness();

runTables([
  ['unknown events and allowed-events', unsupported],
  ['faults of the GitHub API', faults],
]);

describe('requests', () => {
  it('sends the token, the API version and the user agent; encodes the login', async () => {
    const decision = await run({
      name: 'encoding',
      event: 'issues',
      actor: 'bob',
      triggeringActor: 'we?ird/name',
      expected: deny('not-a-collaborator', []),
    });
    expect(decision.reason).toBe('not-a-collaborator');
    expect(gh.requests.map((r) => r.path)).toEqual([
      '/repos/acme/widgets/collaborators/bob/permission',
      '/repos/acme/widgets/collaborators/we%3Fird%2Fname/permission',
    ]);
    for (const r of gh.requests) {
      expect(r.authorization).toBe(`token ${TOKEN}`);
      expect(r.accept).toBe('application/vnd.github+json');
      expect(r.apiVersion).toBe('2022-11-28');
      expect(r.userAgent).toBe('gate-test');
    }
  });

  it('fetches the pull request of an issue comment from /pulls/{number}, then checks the commenter and the author', async () => {
    await run({ name: 'pr', event: 'issue_comment', settings: { allowForkHeads: true }, expected: allow([]) });
    expect(gh.requests.map((r) => r.path)).toEqual([
      '/repos/acme/widgets/pulls/34',
      '/repos/acme/widgets/collaborators/alice/permission',
      '/repos/acme/widgets/collaborators/mallory/permission',
    ]);
  });

  it('a wrong token: 401 from GitHub, permission-check-failed, the token not echoed', async () => {
    gh.reset({ repository: REPOSITORY, token: 'ghs_someOtherToken', users: USERS, pulls: PULLS });
    const context = await readGateContext({
      GITHUB_EVENT_NAME: 'issues',
      GITHUB_EVENT_PATH: join(FIXTURES, 'issues.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'bob',
      GITHUB_API_URL: gh.url,
    });
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/HTTP 401 \("Bad credentials"\)/);
    expect(gh.requests).toHaveLength(1);
    expect(decision.summary).not.toContain(TOKEN);
  });

  it('an empty github-token: permission-check-failed without any request', async () => {
    const decision = await run({
      name: 'empty',
      event: 'issues',
      settings: { githubToken: '' },
      expected: deny('permission-check-failed', []),
    });
    expect(decision.reason).toBe('permission-check-failed');
    expect(decision.summary).toMatch(/github-token is empty/);
    expect(gh.requests).toHaveLength(0);
  });

  it('an empty github-token is not needed for events without look-ups', async () => {
    const decision = await run({ name: 'push', event: 'push', settings: { githubToken: '' }, expected: allow([]) });
    expect(decision.allowed).toBe(true);
  });

  it('the bot rule needs no github-token and no request, on a push and on a same-repo pull request', async () => {
    const push = await run({
      name: 'push',
      event: 'push',
      actor: 'dependabot[bot]',
      settings: { githubToken: '' },
      expected: deny('bot-not-allowed', []),
    });
    expect(push.reason).toBe('bot-not-allowed');
    const allowed = await run({
      name: 'push',
      event: 'push',
      actor: 'dependabot[bot]',
      settings: { githubToken: '', allowedBots: ['dependabot[bot]'] },
      expected: allow([]),
    });
    expect(allowed.allowed).toBe(true);
    const pr = await run({
      name: 'pr',
      event: 'pull_request',
      actor: 'dependabot[bot]',
      settings: { githubToken: '' },
      mutate: (p) => {
        p['pull_request'].user = dependabot();
        p['sender'] = dependabot();
      },
      expected: deny('bot-not-allowed', []),
    });
    expect(pr.reason).toBe('bot-not-allowed');
    expect(gh.requests).toHaveLength(0);
  });

  it('a GITHUB_API_URL that is not a URL: permission-check-failed without any request', async () => {
    const context: GateContext = { ...baseContext(), apiUrl: 'not a url' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/GITHUB_API_URL is not an http\(s\) URL/);
  });

  it('an API nobody listens on: permission-check-failed after one retry', async () => {
    const port = await freePort();
    const slept: number[] = [];
    const context: GateContext = { ...baseContext(), apiUrl: `http://127.0.0.1:${port}` };
    const decision = await decide(DEFAULTS, context, { sleep: async (ms) => void slept.push(ms), timeoutMs: 1000 });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/could not reach 127\.0\.0\.1:\d+: ECONNREFUSED \(after a retry\)/);
    expect(slept).toEqual([1000]);
  });

  /** alice's comment on pull request #34 (the issue_comment fixture), against the API at `apiUrl`. */
  const aliceCommentContext = (apiUrl: string): Promise<GateContext> =>
    readGateContext({
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: join(FIXTURES, 'issue_comment.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'alice',
      GITHUB_TRIGGERING_ACTOR: 'alice',
      GITHUB_API_URL: apiUrl,
    });

  it('GitHub Enterprise Server: GITHUB_API_URL with a path prefix (and a trailing slash)', async () => {
    // #34 here comes from a fork of erin's, a maintainer, so every look-up answers and the run is allowed.
    const pulls = { ...PULLS, 34: { headRepoId: 300, headRepoFullName: 'erin/widgets', author: 'erin' } };
    const ghes = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3', users: USERS, pulls });
    try {
      const context = await aliceCommentContext(`${ghes.url}/`);
      expect(context.apiUrl).toBe(ghes.url);
      const decision = await decide({ ...DEFAULTS, allowForkHeads: true }, context, { sleep: async () => undefined });
      expect(decision).toMatchObject({ allowed: true, reason: 'ok' });
      expect(ghes.requests.map((r) => r.path)).toEqual([
        '/api/v3/repos/acme/widgets/pulls/34',
        '/api/v3/repos/acme/widgets/collaborators/alice/permission',
        '/api/v3/repos/acme/widgets/collaborators/erin/permission',
      ]);
    } finally {
      await ghes.close();
    }
  });

  it('one deadline for every look-up: a comment whose look-ups all hang ends by it, failing closed', async () => {
    // Without the shared deadline: two look-ups (the pull request, the commenter), each tried twice
    // with a 1 s timeout and a 1 s wait between, would take about 6 s.
    gh.reset({
      repository: REPOSITORY,
      token: TOKEN,
      users: { alice: { permission: 'write', fault: 'hang' } },
      pulls: { 34: { headRepoId: 1, fault: 'hang' } },
    });
    const context = await aliceCommentContext(gh.url);
    let clock = Date.now();
    const started = clock;
    const decision = await decide({ ...DEFAULTS, allowForkHeads: true }, context, {
      timeoutMs: 1000,
      deadline: started + 1500,
      // Real time for the requests, plus the time the (instant) sleeps stand for.
      now: () => Date.now() + (clock - started),
      sleep: async (ms) => void (clock += ms),
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/no time left to retry|ran out of time \(timeout-seconds\)/);
    // The first look-up timed out at 1 s; its retry would have ended past the deadline.
    expect(gh.lookups()).toEqual(['pull:34']);
  });

  it('a look-up started after the deadline is not sent at all', async () => {
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline: Date.now() - 1 });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/ran out of time \(timeout-seconds\)/);
    expect(gh.requests).toEqual([]);
  });

  it('the retry honours Retry-After up to a cap, and the injected retryDelayMs otherwise', async () => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: { ...USERS, bob: { permission: 'write', fault: 'error-once' } } });
    const slept: number[] = [];
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async (ms) => void slept.push(ms), retryDelayMs: 5 });
    expect(decision.allowed).toBe(true);
    expect(slept).toEqual([5]);
  });
});

describe('dependencies the caller may leave out', () => {
  it('without an injected sleep, the retry really waits (retryDelayMs)', async () => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: { ...USERS, bob: { permission: 'write', fault: 'error-once' } } });
    const started = performance.now();
    // Long enough that two loopback requests on a loaded machine cannot pass for the wait.
    const decision = await decide(DEFAULTS, baseContext(), { retryDelayMs: 400 });
    const elapsed = performance.now() - started;
    expect(decision).toMatchObject({ allowed: true, reason: 'ok' });
    expect(gh.lookups()).toEqual(['permission:bob', 'permission:bob']);
    expect(elapsed).toBeGreaterThanOrEqual(390);
  });

  it('without an injected user agent, the requests name the action and the gate', async () => {
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined });
    expect(decision.allowed).toBe(true);
    expect(gh.requests.map((r) => r.userAgent)).toEqual(['claude-oidc-action (fork-safety gate)']);
  });

  it('an injected clock, not the wall clock, decides whether time is left before the deadline', async () => {
    const deadline = Date.now() + 60_000;
    const late = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline, now: () => Date.now() + 120_000 });
    expect(late).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(late.summary).toMatch(/could not check bob .*ran out of time \(timeout-seconds\)/);
    expect(gh.requests).toEqual([]);
    // The same deadline on the wall clock leaves plenty of time.
    const onTime = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline });
    expect(onTime).toMatchObject({ allowed: true, reason: 'ok' });
    expect(gh.lookups()).toEqual(['permission:bob']);
  });
});

describe('fail closed on the unforeseen', () => {
  /** An issues payload whose `sender` cannot be read: reading it throws `thrown`. */
  const throwingPayload = (thrown: () => unknown): Json => ({
    ...fixture('issues'),
    get sender(): never {
      throw thrown();
    },
  });

  it('an exception inside the decision: permission-check-failed, named by its class; no warnings, no actors, no look-ups', async () => {
    const context: GateContext = { ...baseContext(), payload: throwingPayload(() => new RangeError('boom')) };
    const decision = await decide({ ...DEFAULTS, allowedUsers: ['bob'], minPermission: 'read' }, context, { sleep: async () => undefined });
    expect(decision).toEqual({
      allowed: false,
      reason: 'permission-check-failed',
      summary:
        'Denied (permission-check-failed): issues in acme/widgets by bob: the gate itself failed (RangeError), so the run is not trusted',
      warnings: [],
      actors: [],
    });
    expect(gh.lookups()).toEqual([]);
  });

  it('a thrown value that is not an Error: permission-check-failed, called "error"', async () => {
    const context: GateContext = {
      ...baseContext(),
      eventName: 'push',
      payload: throwingPayload(() => Object.assign(Object.create(null) as object, { name: 'NotAnError' })),
    };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed', warnings: [], actors: [] });
    expect(decision.summary).toBe(
      'Denied (permission-check-failed): push in acme/widgets by bob: the gate itself failed (error), so the run is not trusted',
    );
  });

  it('a payload that is not an object, with no reason given: permission-check-failed, "not a JSON object"', async () => {
    const context: GateContext = { ...baseContext(), eventName: 'pull_request', payload: 'not an object' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toBe(
      'Denied (permission-check-failed): pull_request in acme/widgets by bob: could not read the event payload (not a JSON object), so the run cannot be judged',
    );
    expect(gh.lookups()).toEqual([]);
  });
});

describe('the decision line', () => {
  it('an empty GITHUB_REPOSITORY is "an unnamed repository"', async () => {
    const context: GateContext = { ...baseContext(), eventName: 'push', repository: '' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: true, reason: 'ok', actors: ['bob'] });
    expect(decision.summary).toBe(
      'Allowed (ok): push in an unnamed repository by bob: push runs are started only by people with write access or by the repository itself; no actor is a bot',
    );
  });

  it("a caller's context with padded logins: each trimmed, one actor, one look-up", async () => {
    const context: GateContext = { ...baseContext(), actor: '  bob  ', triggeringActor: '\tbob\n' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: true, reason: 'ok', actors: ['bob'] });
    expect(decision.summary).toMatch(/: bob \(write\)$/);
    expect(gh.lookups()).toEqual(['permission:bob']);
  });

  it('names the re-run only when GITHUB_TRIGGERING_ACTOR is another login (compared case-insensitively)', async () => {
    const line = async (actor: string, triggeringActor: string): Promise<string> =>
      (await decide(DEFAULTS, { ...baseContext(), eventName: 'push', actor, triggeringActor }, { sleep: async () => undefined })).summary;
    const rule = 'push runs are started only by people with write access or by the repository itself; no actor is a bot';
    expect(await line('bob', 'bob')).toBe(`Allowed (ok): push in acme/widgets by bob: ${rule}`);
    expect(await line('Bob', 'bOB')).toBe(`Allowed (ok): push in acme/widgets by Bob: ${rule}`);
    expect(await line('bob', '')).toBe(`Allowed (ok): push in acme/widgets by bob: ${rule}`);
    expect(await line('bob', 'alice')).toBe(`Allowed (ok): push in acme/widgets by bob (re-run by alice): ${rule}`);
  });
});

describe('the github token never appears in a decision', () => {
  it('across every table case, with the token also used as a login and a repository name', async () => {
    const all = tables.flatMap(([, cases]) => cases);
    for (const c of all) {
      const decision = await run(c);
      const text = [decision.summary, ...decision.warnings].join('\n');
      expect(text, c.name).not.toContain(TOKEN);
    }
    // Even if the token were to end up in a name the gate prints, it is redacted.
    const context: GateContext = { ...baseContext(), actor: TOKEN, repository: `acme/${TOKEN}` };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision.allowed).toBe(false);
    expect([decision.summary, ...decision.warnings].join('\n')).not.toContain(TOKEN);
    expect(decision.summary).toContain('***');
  });
});
describe('exports', () => {
  it('lists the reasons and the permissions', () => {
    expect(GATE_REASONS).toEqual([
      'ok',
      'fork-pr',
      'dangerous-event',
      'insufficient-permission',
      'not-a-collaborator',
      'bot-not-allowed',
      'permission-check-failed',
      'unsupported-event',
    ]);
    expect(MIN_PERMISSIONS).toEqual(['read', 'write', 'admin']);
    expect(isMinPermission('write')).toBe(true);
    expect(isMinPermission('maintain')).toBe(false);
  });

  it('every reason is reached by some table case', () => {
    const reached = new Set(tables.flatMap(([, cases]) => cases.map((c) => c.expected.reason)));
    expect([...reached].sort()).toEqual([...GATE_REASONS].sort());
  });
});
