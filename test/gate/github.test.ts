// The gate's two GitHub REST look-ups, called directly: a user's permission on the repository and a
// pull request's head. Against the loopback stand-in for the GitHub API (test/support/github-api.ts)
// and, for answers it cannot give (a 2xx/3xx edge, a Retry-After of any form, a body of any shape),
// a small loopback server whose answers each test scripts. Sleeps are recorded, never waited; the
// deadline tests run on a clock the test moves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitHubApiOptions,
  type PermissionResult,
  type PullRequestResult,
  clip,
  getCollaboratorPermission,
  getPullRequestHead,
  redact,
} from '../../src/gate/github.ts';
import { type FakeGitHub, type FakeGitHubConfig, type PullAnswer, startFakeGitHub, TEST_PULLS, TEST_USERS } from '../support/github-api.ts';
import { type LoopbackServer, sendJson, sendText, startLoopbackServer } from '../support/http-util.ts';
import { leaks } from '../support/leaks.ts';

const TOKEN = 'ghs_apiTestToken_0123456789abcdefABCDEF';
const REPOSITORY = 'acme/widgets';
const ALICE = `the permission of alice on ${REPOSITORY}`;
const PR12 = `pull request #12 of ${REPOSITORY}`;

const USERS = TEST_USERS;
/** The gate's pull requests, and #1 (head in acme/widgets). */
const PULLS: Readonly<Record<number, PullAnswer>> = { ...TEST_PULLS, 1: { headRepoId: 100, author: 'bob' } };

/** One scripted answer of the ad-hoc server. */
interface Scripted {
  readonly status: number;
  /** Sent as is when a string, as JSON otherwise; omitted when undefined. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

let gh: FakeGitHub;
let ghes: FakeGitHub;
let adhoc: LoopbackServer;
/** What the ad-hoc server answers, in order; the last one repeats. */
let script: readonly Scripted[];
/** Paths the ad-hoc server was asked for. */
let hits: string[];
let sleeps: number[];

function answer(req: IncomingMessage, res: ServerResponse): void {
  hits.push(req.url ?? '');
  req.resume();
  const next = script[Math.min(hits.length, script.length) - 1];
  if (next === undefined) throw new Error('no scripted answer');
  if (next.body === undefined) {
    res.writeHead(next.status, next.headers);
    res.end();
  } else if (typeof next.body === 'string') {
    sendText(res, next.status, next.body, 'text/html', next.headers);
  } else {
    sendJson(res, next.status, next.body, next.headers);
  }
}

beforeAll(async () => {
  gh = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN });
  ghes = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3' });
  adhoc = await startLoopbackServer(answer);
});

afterAll(async () => {
  await gh.close();
  await ghes.close();
  await adhoc.close();
});

beforeEach(() => {
  gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS });
  ghes.reset({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3', users: USERS, pulls: PULLS });
  script = [];
  hits = [];
  sleeps = [];
});

function configure(config: Partial<FakeGitHubConfig>): void {
  gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS, ...config });
}

function options(overrides: Partial<GitHubApiOptions> = {}): GitHubApiOptions {
  return {
    apiUrl: gh.url,
    token: TOKEN,
    userAgent: 'github-api-test',
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  };
}

/** Options aimed at the ad-hoc server, which answers `answers` in order. */
function scripted(answers: readonly Scripted[], overrides: Partial<GitHubApiOptions> = {}): GitHubApiOptions {
  script = answers;
  return options({ apiUrl: adhoc.origin, ...overrides });
}

/** A clock the test moves: `sleep` records the delay and advances time by what `advance` says. */
function clock(start: number, advance: (ms: number) => number = (ms) => ms) {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += advance(ms);
    },
  };
}

const host = (url: string): string => new URL(url).host;
const failed = (message: string) => ({ kind: 'failed', message }) as const;

/** Asserts the look-up failed, and that no message carries the token. */
function messageOf(result: PermissionResult | PullRequestResult): string {
  expect(result.kind).toBe('failed');
  const message = result.kind === 'failed' ? result.message : '';
  expect(message).not.toContain(TOKEN);
  return message;
}

const permission = (login = 'alice', overrides: Partial<GitHubApiOptions> = {}) =>
  getCollaboratorPermission(options(overrides), REPOSITORY, login);

// --------------------------------------------------------------------------------------------

describe('getCollaboratorPermission', () => {
  it('reads the permission, maps maintain to write and triage to read, and keeps what GitHub reported', async () => {
    const expected: Array<[string, string, string]> = [
      ['alice', 'admin', 'admin'],
      ['bob', 'write', 'write'],
      ['carol', 'read', 'read'],
      ['dave', 'none', 'none'],
      ['erin', 'write', 'maintain'],
      ['trish', 'read', 'triage'],
    ];
    for (const [login, base, reported] of expected) {
      expect(await permission(login), login).toStrictEqual({ kind: 'ok', permission: base, reported });
    }
    expect(sleeps).toEqual([]);
  });

  it('asks with GET, the token as a bearer, the GitHub media type, API version and user agent', async () => {
    await permission('alice');
    expect(gh.requests).toEqual([
      {
        method: 'GET',
        path: '/repos/acme/widgets/collaborators/alice/permission',
        lookup: 'permission:alice',
        authorization: `Bearer ${TOKEN}`,
        userAgent: 'github-api-test',
        accept: 'application/vnd.github+json',
        apiVersion: '2022-11-28',
      },
    ]);
  });

  it('encodes the owner, the repository and the login in the path', async () => {
    const result = await getCollaboratorPermission(scripted([{ status: 404, body: { message: 'Not Found' } }]), 'a c/w?x', 'we/ird#');
    expect(result).toStrictEqual({ kind: 'not-found' });
    expect(hits).toEqual(['/repos/a%20c/w%3Fx/collaborators/we%2Fird%23/permission']);
  });

  it('answers not-found for a user who is not a collaborator (404)', async () => {
    expect(await permission('mallory')).toStrictEqual({ kind: 'not-found' });
    expect(gh.lookups()).toEqual(['permission:mallory']);
    expect(sleeps).toEqual([]);
  });

  it('accepts an answer whose user.login differs from the asked login only in case', async () => {
    configure({ users: { alice: { permission: 'write', returnLogin: 'ALICE' } } });
    expect(await permission('alice')).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
    expect(await permission('Alice')).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
  });

  it('refuses an answer that describes another user', async () => {
    configure({ users: { alice: { permission: 'admin', returnLogin: 'mallory' } } });
    expect(await permission('alice')).toStrictEqual(failed(`${ALICE}: GitHub's answer describes another user`));
  });

  it('accepts an answer with no user, or a user without a string login', async () => {
    for (const user of [undefined, null, 'alice', [], {}, { login: 42 }, { login: null }]) {
      const body = user === undefined ? { permission: 'write' } : { permission: 'write', user };
      const result = await getCollaboratorPermission(scripted([{ status: 200, body }]), REPOSITORY, 'alice');
      expect(result, JSON.stringify(body)).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
    }
  });

  it('refuses an answer without a "permission" string', async () => {
    configure({ users: { alice: { permission: 'write', fault: 'wrong-shape' } } });
    const noField = failed(`${ALICE}: GitHub's answer has no "permission" field`);
    expect(await permission('alice')).toStrictEqual(noField);
    for (const body of ['null', '[]', '"write"', '42', '{"permission": 3}', '{"permission": null}', '{}']) {
      const result = await getCollaboratorPermission(scripted([{ status: 200, body }]), REPOSITORY, 'alice');
      expect(result, body).toStrictEqual(noField);
    }
  });

  it('refuses a permission it does not know, quoted and clipped to 40 characters', async () => {
    for (const [reported, quoted] of [
      ['toString', 'toString'],
      ['constructor', 'constructor'],
      ['Admin', 'Admin'],
      ['', ''],
      ['x'.repeat(40), 'x'.repeat(40)],
      ['y'.repeat(41), `${'y'.repeat(40)}…`],
      ['a\nb', 'a b'],
    ] as const) {
      const result = await getCollaboratorPermission(scripted([{ status: 200, body: { permission: reported } }]), REPOSITORY, 'alice');
      expect(result, reported).toStrictEqual(failed(`${ALICE}: GitHub reported an unknown permission "${quoted}"`));
    }
  });

  it('refuses a repository that is not OWNER/REPO, without a request', async () => {
    for (const repository of ['', 'a', 'a/b/c', '/b', 'a/', '/', 'acme/widgets/']) {
      const result = await getCollaboratorPermission(options(), repository, 'alice');
      expect(result, repository).toStrictEqual(
        failed(`could not look up the permission of alice on ${repository}: "${repository}" is not OWNER/REPO`),
      );
    }
    expect(gh.requests).toEqual([]);
  });
});

// --------------------------------------------------------------------------------------------

describe('getPullRequestHead', () => {
  it('reads the head repository id, full name and author of a pull request', async () => {
    expect(await getPullRequestHead(options(), REPOSITORY, 12)).toStrictEqual({
      kind: 'ok',
      headRepoId: 100,
      headRepoFullName: 'acme/widgets',
      authorLogin: 'bob',
      authorType: 'User',
    });
    expect(await getPullRequestHead(options(), REPOSITORY, 34)).toStrictEqual({
      kind: 'ok',
      headRepoId: 200,
      headRepoFullName: 'mallory/widgets',
      authorLogin: 'mallory',
      authorType: 'User',
    });
    expect(await getPullRequestHead(options(), REPOSITORY, 1)).toMatchObject({ kind: 'ok', headRepoId: 100 });
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/widgets/pulls/12',
      'GET /repos/acme/widgets/pulls/34',
      'GET /repos/acme/widgets/pulls/1',
    ]);
  });

  it('answers not-found for a pull request GitHub does not know (404)', async () => {
    expect(await getPullRequestHead(options(), REPOSITORY, 99)).toStrictEqual({ kind: 'not-found' });
  });

  it('reports a deleted head repository (head.repo: null) as no id and no name', async () => {
    expect(await getPullRequestHead(options(), REPOSITORY, 35)).toStrictEqual({
      kind: 'ok',
      headRepoId: null,
      headRepoFullName: null,
      authorLogin: 'mallory',
      authorType: 'User',
    });
  });

  it('treats a head without a repo like a deleted head repository', async () => {
    const result = await getPullRequestHead(
      scripted([{ status: 200, body: { head: { ref: 'x' }, user: { login: 'm' } } }]),
      REPOSITORY,
      12,
    );
    expect(result).toStrictEqual({ kind: 'ok', headRepoId: null, headRepoFullName: null, authorLogin: 'm', authorType: null });
  });

  it('refuses a head.repo without a numeric id', async () => {
    for (const repo of ['x/y', 7, [7], {}, { full_name: 'x/y' }, { id: '7', full_name: 'x/y' }, { id: null }]) {
      const body = { head: { repo }, user: { login: 'm' } };
      const result = await getPullRequestHead(scripted([{ status: 200, body }]), REPOSITORY, 12);
      expect(result, JSON.stringify(repo)).toStrictEqual(failed(`${PR12}: GitHub's answer has a "head.repo" without a numeric id`));
    }
  });

  it('leaves the full name null when head.repo has none, or not a string', async () => {
    for (const repo of [{ id: 7 }, { id: 7, full_name: 8 }, { id: 7, full_name: null }]) {
      const body = { head: { repo }, user: { login: 'm' } };
      const result = await getPullRequestHead(scripted([{ status: 200, body }]), REPOSITORY, 12);
      expect(result, JSON.stringify(repo)).toStrictEqual({
        kind: 'ok',
        headRepoId: 7,
        headRepoFullName: null,
        authorLogin: 'm',
        authorType: null,
      });
    }
  });

  it('refuses an answer that does not name the author: the gate must check the author (fails closed)', async () => {
    const noAuthor = failed(`${PR12}: GitHub's answer does not name the author ("user.login")`);
    for (const user of [undefined, null, 'bob', [], {}, { login: 42 }, { login: null }, { login: '' }, { login: '  ' }]) {
      for (const repo of [{ id: 7, full_name: 'x/y' }, null]) {
        const body = user === undefined ? { head: { repo } } : { head: { repo }, user };
        const result = await getPullRequestHead(scripted([{ status: 200, body }]), REPOSITORY, 12);
        expect(result, JSON.stringify(body)).toStrictEqual(noAuthor);
      }
    }
    configure({ pulls: { 12: { headRepoId: 100, author: null } } });
    expect(await getPullRequestHead(options(), REPOSITORY, 12)).toStrictEqual(noAuthor);
  });

  it("reads the author's login trimmed and its type as given, or null when the type is not a string", async () => {
    for (const [user, authorType] of [
      [{ login: ' Copilot ', type: 'Bot' }, 'Bot'],
      [{ login: 'Copilot', type: 7 }, null],
      [{ login: 'Copilot' }, null],
    ] as const) {
      const body = { head: { repo: { id: 7, full_name: 'x/y' } }, user };
      const result = await getPullRequestHead(scripted([{ status: 200, body }]), REPOSITORY, 12);
      expect(result, JSON.stringify(user)).toStrictEqual({
        kind: 'ok',
        headRepoId: 7,
        headRepoFullName: 'x/y',
        authorLogin: 'Copilot',
        authorType,
      });
    }
    expect(await getPullRequestHead(options(), REPOSITORY, 14)).toMatchObject({
      kind: 'ok',
      authorLogin: 'dependabot[bot]',
      authorType: 'Bot',
    });
  });

  it('refuses an answer without a head object', async () => {
    configure({ pulls: { 12: { fault: 'wrong-shape' } } });
    const noHead = failed(`${PR12}: GitHub's answer has no "head"`);
    expect(await getPullRequestHead(options(), REPOSITORY, 12)).toStrictEqual(noHead);
    for (const body of ['null', '[]', '"head"', '{"head": null}', '{"head": "x"}', '{"head": [1]}']) {
      const result = await getPullRequestHead(scripted([{ status: 200, body }]), REPOSITORY, 12);
      expect(result, body).toStrictEqual(noHead);
    }
  });

  it('refuses a repository that is not OWNER/REPO, without a request', async () => {
    for (const repository of ['', 'a', 'a/b/c', '/b', 'a/']) {
      const result = await getPullRequestHead(options(), repository, 12);
      expect(result, repository).toStrictEqual(
        failed(`could not look up pull request #12 of ${repository}: "${repository}" is not OWNER/REPO`),
      );
    }
    expect(gh.requests).toEqual([]);
  });

  it('refuses a number that is not a positive safe integer, without a request', async () => {
    for (const number of [0, -1, 1.5, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY]) {
      const result = await getPullRequestHead(options(), REPOSITORY, number);
      expect(result, String(number)).toStrictEqual(
        failed(`could not look up pull request #${number} of ${REPOSITORY}: not a pull request number`),
      );
    }
    expect(gh.requests).toEqual([]);
  });
});

// --------------------------------------------------------------------------------------------

describe('HTTP answers', () => {
  const good = { permission: 'write', user: { login: 'alice' } };
  const lookUp = (answers: readonly Scripted[]) => getCollaboratorPermission(scripted(answers), REPOSITORY, 'alice');

  it('takes any 2xx as an answer', async () => {
    for (const status of [200, 201, 299]) {
      expect(await lookUp([{ status, body: good }]), String(status)).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
    }
    // A 204 has no body: an answer all the same, just not JSON.
    expect(await lookUp([{ status: 204 }])).toStrictEqual(failed(`${ALICE}: ${host(adhoc.origin)} answered HTTP 204 with malformed JSON`));
    expect(sleeps).toEqual([]);
  });

  it('takes a 3xx as a failure that points at GITHUB_API_URL, even with a usable body', async () => {
    for (const status of [300, 302, 304, 307]) {
      const body = status === 304 ? undefined : good;
      expect(await lookUp([{ status, body, headers: { location: `${adhoc.origin}/elsewhere` } }]), String(status)).toStrictEqual(
        failed(
          `could not look up ${ALICE}: ${host(adhoc.origin)} answered HTTP ${status}; check GITHUB_API_URL and that github-token has access to this repository`,
        ),
      );
    }
    configure({ users: { alice: { permission: 'admin', fault: 'moved' } } });
    expect(await permission('alice')).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${host(gh.url)} answered HTTP 301 ("Moved Permanently"); check GITHUB_API_URL and that github-token has access to this repository`,
      ),
    );
    expect(gh.lookups()).toEqual(['permission:alice']); // the redirect is not followed
    expect(sleeps).toEqual([]);
  });

  it('refuses malformed JSON in a 200', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'malformed-json' } } });
    expect(await permission('alice')).toStrictEqual(failed(`${ALICE}: ${host(gh.url)} answered HTTP 200 with malformed JSON`));
    expect(sleeps).toEqual([]);
  });

  it('says a 401 or 403 token may be invalid or lack access, without a retry', async () => {
    const cases = [
      ['unauthorized', 401, 'Bad credentials'],
      ['forbidden', 403, 'Resource not accessible by integration'],
    ] as const;
    for (const [fault, status, said] of cases) {
      configure({ users: { alice: { permission: 'admin', fault } } });
      expect(await permission('alice'), fault).toStrictEqual(
        failed(
          `could not look up ${ALICE}: ${host(gh.url)} answered HTTP ${status} ("${said}"); github-token may be invalid or lack access to this repository (metadata: read)`,
        ),
      );
      expect(gh.lookups()).toEqual(['permission:alice']);
    }
    // A wrong token: the stand-in answers 401 to any request it does not recognise.
    expect(messageOf(await permission('alice', { token: 'ghs_wrong_token_value' }))).toBe(
      `could not look up ${ALICE}: ${host(gh.url)} answered HTTP 401 ("Bad credentials"); github-token may be invalid or lack access to this repository (metadata: read)`,
    );
    expect(sleeps).toEqual([]);
  });

  it('says the rate limit is exhausted on a 403 with x-ratelimit-remaining: 0, and only then', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'rate-limit-exhausted' } } });
    expect(await permission('alice')).toStrictEqual(
      failed(
        `could not look up ${ALICE}: the API rate limit of github-token is exhausted (HTTP 403) ("API rate limit exceeded for installation ID 1.")`,
      ),
    );
    expect(gh.lookups()).toEqual(['permission:alice']);
    const h = host(adhoc.origin);
    expect(await lookUp([{ status: 403, body: { message: 'no' }, headers: { 'x-ratelimit-remaining': '1' } }])).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${h} answered HTTP 403 ("no"); github-token may be invalid or lack access to this repository (metadata: read)`,
      ),
    );
    expect(await lookUp([{ status: 401, body: { message: 'no' }, headers: { 'x-ratelimit-remaining': '0' } }])).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${h} answered HTTP 401 ("no"); github-token may be invalid or lack access to this repository (metadata: read)`,
      ),
    );
    expect(await lookUp([{ status: 422, body: { message: 'no' }, headers: { 'x-ratelimit-remaining': '0' } }])).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${h} answered HTTP 422 ("no"); check GITHUB_API_URL and that github-token has access to this repository`,
      ),
    );
    expect(sleeps).toEqual([]);
  });

  it('points at GITHUB_API_URL for any other status, without a retry', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'unprocessable' } } });
    expect(await permission('alice')).toStrictEqual(
      failed(
        `could not look up ${ALICE}: ${host(gh.url)} answered HTTP 422 ("Validation Failed"); check GITHUB_API_URL and that github-token has access to this repository`,
      ),
    );
    for (const status of [400, 405, 410, 418, 499]) {
      expect(messageOf(await lookUp([{ status, body: {} }])), String(status)).toBe(
        `could not look up ${ALICE}: ${host(adhoc.origin)} answered HTTP ${status}; check GITHUB_API_URL and that github-token has access to this repository`,
      );
    }
    expect(sleeps).toEqual([]);
  });

  it("quotes GitHub's non-empty message, on one line and clipped to 160 characters, and nothing else of the body", async () => {
    const prefix = `could not look up ${ALICE}: ${host(adhoc.origin)} answered HTTP 422`;
    const suffix = '; check GITHUB_API_URL and that github-token has access to this repository';
    const cases: Array<[unknown, string]> = [
      [{ message: 'Validation Failed' }, ' ("Validation Failed")'],
      [{ message: '' }, ''],
      [{ message: 42 }, ''],
      [{ message: null }, ''],
      [{ message: ['a'] }, ''],
      [{ message: { text: 'a' } }, ''],
      [{ error: 'Validation Failed' }, ''],
      [{}, ''],
      [[], ''],
      [['a'], ''],
      ['null', ''],
      ['"Validation Failed"', ''],
      ['<html><body>Bad gateway</body></html>', ''],
      ['', ''],
      [{ message: 'line one\r\nline two\u0000' }, ' ("line one line two ")'],
      [{ message: '##[error]x' }, ' ("##\u200b[error]x")'],
      [{ message: 'm'.repeat(160) }, ` ("${'m'.repeat(160)}")`],
      [{ message: `${'m'.repeat(160)}TAIL` }, ` ("${'m'.repeat(160)}…")`],
    ];
    for (const [body, quoted] of cases) {
      const result = await lookUp([{ status: 422, body }]);
      expect(result, JSON.stringify(body)).toStrictEqual(failed(`${prefix}${quoted}${suffix}`));
    }
  });
});

// --------------------------------------------------------------------------------------------

describe('retries', () => {
  it('retries a 500 once after the default delay of 1 s', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'error-once' } } });
    expect(await permission('alice')).toStrictEqual({ kind: 'ok', permission: 'admin', reported: 'admin' });
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
    expect(sleeps).toEqual([1_000]);
  });

  it('reports a 5xx that lasts past the retry, quoting the second answer', async () => {
    configure({ pulls: { 12: { fault: 'error-always' } } });
    expect(await getPullRequestHead(options(), REPOSITORY, 12)).toStrictEqual(
      failed(`could not look up ${PR12}: ${host(gh.url)} answered HTTP 500 ("Server Error") (after a retry)`),
    );
    expect(gh.lookups()).toEqual(['pull:12', 'pull:12']);
    expect(sleeps).toEqual([1_000]);
    // Not JSON: nothing of the body in the message.
    sleeps = [];
    const html = '<html>Bad gateway</html>';
    expect(
      await getPullRequestHead(
        scripted([
          { status: 502, body: html },
          { status: 503, body: html },
        ]),
        REPOSITORY,
        12,
      ),
    ).toStrictEqual(failed(`could not look up ${PR12}: ${host(adhoc.origin)} answered HTTP 503 (after a retry)`));
    expect(hits).toEqual(['/repos/acme/widgets/pulls/12', '/repos/acme/widgets/pulls/12']);
    expect(sleeps).toEqual([1_000]);
  });

  it('retries a 429 once after retryDelayMs when the server names no delay', async () => {
    configure({ users: { alice: { permission: 'write', fault: 'rate-limited-once' } } });
    expect(await permission('alice', { retryDelayMs: 250 })).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
    expect(sleeps).toEqual([250]);
  });

  it('honours Retry-After on a 503', async () => {
    configure({ pulls: { 12: { headRepoId: 100, author: 'bob', fault: 'unavailable-once' } } });
    expect(await getPullRequestHead(options({ retryDelayMs: 250 }), REPOSITORY, 12)).toMatchObject({ kind: 'ok', headRepoId: 100 });
    expect(sleeps).toEqual([2_000]);
  });

  it('reads Retry-After as up to six digits of seconds, trimmed, caps the wait at 5 s, and ignores anything else', async () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['2', 2_000],
      [' 3 ', 3_000],
      ['3\u00a0', 3_000], // a no-break space: HTTP keeps it, trim() removes it
      ['\u00a04', 4_000],
      ['5', 5_000],
      ['6', 5_000],
      ['12', 5_000],
      ['999999', 5_000],
      ['1234567', 250],
      ['x', 250],
      ['x5', 250],
      ['5x', 250],
      ['1.5', 250],
      ['-1', 250],
      ['', 250],
      ['Wed, 21 Oct 2015 07:28:00 GMT', 250],
    ];
    for (const [value, delay] of cases) {
      sleeps = [];
      hits = [];
      const result = await getCollaboratorPermission(
        scripted(
          [
            { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': value } },
            { status: 200, body: { permission: 'read' } },
          ],
          { retryDelayMs: 250 },
        ),
        REPOSITORY,
        'alice',
      );
      expect(result, JSON.stringify(value)).toStrictEqual({ kind: 'ok', permission: 'read', reported: 'read' });
      expect(sleeps, JSON.stringify(value)).toEqual([delay]);
      expect(hits).toHaveLength(2);
    }
  });

  it('honours Retry-After on a 5xx too, capped at 5 s', async () => {
    const result = await getCollaboratorPermission(
      scripted([
        { status: 500, headers: { 'retry-after': '30' } },
        { status: 500, headers: { 'retry-after': '1' } },
      ]),
      REPOSITORY,
      'alice',
    );
    expect(result).toStrictEqual(failed(`could not look up ${ALICE}: ${host(adhoc.origin)} answered HTTP 500 (after a retry)`));
    expect(sleeps).toEqual([5_000]);
  });

  it('caps retryDelayMs at 5 s too', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'error-once' } } });
    await permission('alice', { retryDelayMs: 60_000 });
    expect(sleeps).toEqual([5_000]);
  });

  it('retries a connection reset once, and names the network error', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'reset' } } });
    const message = messageOf(await permission('alice'));
    expect(message).toMatch(new RegExp(`^could not look up ${ALICE}: could not reach ${host(gh.url)}: \\S.* \\(after a retry\\)$`));
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
    expect(sleeps).toEqual([1_000]);
  });

  it('retries a request that times out once', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'hang-once' } } });
    // The retry must get its loopback answer within timeoutMs: generous, so a busy machine cannot outrun it.
    expect(await permission('alice', { timeoutMs: 1_000 })).toStrictEqual({ kind: 'ok', permission: 'admin', reported: 'admin' });
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
    expect(sleeps).toEqual([1_000]);
  });

  it('does not retry an answer larger than 2 MiB', async () => {
    const huge = JSON.stringify({ permission: 'write', padding: 'p'.repeat(2 * 1024 * 1024) });
    const result = await getCollaboratorPermission(scripted([{ status: 200, body: huge }]), REPOSITORY, 'alice');
    expect(result).toStrictEqual(
      failed(`could not look up ${ALICE}: the answer from ${host(adhoc.origin)} is larger than ${2 * 1024 * 1024} bytes`),
    );
    expect(hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

// --------------------------------------------------------------------------------------------

describe('the token', () => {
  it('never appears in a message, even when GitHub quotes it back', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'echo-token' } } });
    const message = messageOf(await permission('alice'));
    expect(message).toBe(
      `could not look up ${ALICE}: ${host(gh.url)} answered HTTP 403 ("token Bearer *** is not allowed here"); github-token may be invalid or lack access to this repository (metadata: read)`,
    );
  });

  it("is redacted before GitHub's message is cut, so no piece of it survives the cut", async () => {
    for (const padding of [120, 150, 159]) {
      const body = { message: `${'m'.repeat(padding)} ${TOKEN} and more` };
      const message = messageOf(await getCollaboratorPermission(scripted([{ status: 403, body }]), REPOSITORY, 'alice'));
      expect(leaks(message, [TOKEN]), String(padding)).toEqual([]);
      expect(message).toContain('m'.repeat(padding));
    }
  });

  it('is redacted from 4 characters on, and left alone when shorter (too short to be a token)', async () => {
    for (const [token, shown] of [
      ['abcd', '***'],
      ['abc', 'abc'],
    ] as const) {
      configure({ token, users: { alice: { permission: 'admin', fault: 'echo-token' } } });
      const result = await permission('alice', { token });
      expect(result.kind === 'failed' ? result.message : '', token).toContain(`("token Bearer ${shown} is not allowed here")`);
    }
  });

  it('must not be empty: no request is made', async () => {
    expect(await permission('alice', { token: '' })).toStrictEqual(failed(`could not look up ${ALICE}: github-token is empty`));
    expect(await getPullRequestHead(options({ token: '' }), REPOSITORY, 12)).toStrictEqual(
      failed(`could not look up ${PR12}: github-token is empty`),
    );
    expect(gh.requests).toEqual([]);
  });

  it('redact replaces every occurrence of a token of 4 or more characters', () => {
    expect(redact('abcd, abcd and abcde', 'abcd')).toBe('***, *** and ***e');
    expect(redact('Bearer ghs_xyz1', 'ghs_xyz1')).toBe('Bearer ***');
    expect(redact('abc abc', 'abc')).toBe('abc abc');
    expect(redact('text', '')).toBe('text');
  });
});

describe('clip', () => {
  it('keeps text up to max characters and cuts longer text with an ellipsis', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('abc…');
    expect(clip('', 0)).toBe('');
    expect(clip('a', 0)).toBe('…');
  });

  it('makes one printable line without a workflow command', () => {
    expect(clip('a\r\nb\tc', 10)).toBe('a b c');
    expect(clip('##[error]x', 20)).toBe('##\u200b[error]x');
  });
});

// --------------------------------------------------------------------------------------------

describe('GITHUB_API_URL', () => {
  it('strips trailing slashes from the base URL', async () => {
    for (const apiUrl of [gh.url, `${gh.url}/`, `${gh.url}///`]) {
      gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS });
      expect(await permission('alice', { apiUrl }), apiUrl).toMatchObject({ kind: 'ok' });
      expect(gh.requests.map((r) => r.path)).toEqual(['/repos/acme/widgets/collaborators/alice/permission']);
    }
  });

  it('serves GitHub Enterprise Server under its /api/v3 prefix', async () => {
    for (const apiUrl of [ghes.url, `${ghes.url}/`, `${ghes.url}//`]) {
      ghes.reset({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3', users: USERS, pulls: PULLS });
      expect(await getPullRequestHead(options({ apiUrl }), REPOSITORY, 34), apiUrl).toStrictEqual({
        kind: 'ok',
        headRepoId: 200,
        headRepoFullName: 'mallory/widgets',
        authorLogin: 'mallory',
        authorType: 'User',
      });
      expect(ghes.requests.map((r) => r.path)).toEqual(['/api/v3/repos/acme/widgets/pulls/34']);
    }
  });

  it('accepts https (here: nothing listens, so the look-up fails reaching it, after a retry)', async () => {
    const closed = await startLoopbackServer(() => undefined);
    await closed.close();
    const apiUrl = `https://127.0.0.1:${closed.port}`;
    const message = messageOf(await permission('alice', { apiUrl }));
    expect(message).toMatch(
      new RegExp(`^could not look up ${ALICE}: could not reach 127\\.0\\.0\\.1:${closed.port}: \\S.* \\(after a retry\\)$`),
    );
    expect(sleeps).toEqual([1_000]);
  });

  it('refuses other schemes, credentials, a query or a fragment, without a request', async () => {
    const base = gh.url;
    const port = new URL(base).port;
    const refused = [
      '',
      'api.github.com',
      `ftp://127.0.0.1:${port}`,
      `file:///tmp`,
      `ws://127.0.0.1:${port}`,
      `http://user:pass@127.0.0.1:${port}`,
      `http://user@127.0.0.1:${port}`,
      `http://:pass@127.0.0.1:${port}`,
      `${base}?x=1`,
      `${base}/?x=1`,
      `${base}#x`,
      `${base}/#frag`,
    ];
    for (const apiUrl of refused) {
      expect(await permission('alice', { apiUrl }), apiUrl).toStrictEqual(
        failed(`could not look up ${ALICE}: GITHUB_API_URL is not an http(s) URL`),
      );
      expect(await getPullRequestHead(options({ apiUrl }), REPOSITORY, 12), apiUrl).toStrictEqual(
        failed(`could not look up ${PR12}: GITHUB_API_URL is not an http(s) URL`),
      );
    }
    expect(gh.requests).toEqual([]);
    expect(sleeps).toEqual([]);
  });
});

// --------------------------------------------------------------------------------------------

describe('the deadline', () => {
  const outOfTime = failed(`could not look up ${ALICE}: ran out of time (timeout-seconds)`);

  it('makes no request once the deadline is reached or passed', async () => {
    for (const deadline of [1_000_000, 999_999, 0]) {
      const c = clock(1_000_000);
      expect(await permission('alice', { ...c, deadline }), String(deadline)).toStrictEqual(outOfTime);
    }
    expect(gh.requests).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  it('makes the request when there is time left, and without a deadline', async () => {
    const c = clock(1_000_000);
    expect(await permission('alice', { ...c, deadline: 1_001_000 })).toMatchObject({ kind: 'ok' });
    expect(await permission('alice')).toMatchObject({ kind: 'ok' });
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
  });

  it('shortens the per-attempt timeout to the time left', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'hang' } } });
    const c = clock(1_000_000);
    // 1 s left of a 2 s per-attempt timeout: long enough for the request to reach the stand-in first.
    const result = await permission('alice', { ...c, deadline: 1_001_000, timeoutMs: 2_000 });
    expect(result).toStrictEqual(failed(`could not look up ${ALICE}: no answer from ${host(gh.url)} within 1s (no time left to retry)`));
    expect(gh.lookups()).toEqual(['permission:alice']);
    expect(sleeps).toEqual([]);
  });

  it('keeps the per-attempt timeout when more time than that is left', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'hang' } } });
    const c = clock(1_000_000);
    const result = await permission('alice', { ...c, deadline: 1_060_000, timeoutMs: 200, retryDelayMs: 100 });
    expect(result).toStrictEqual(failed(`could not look up ${ALICE}: no answer from ${host(gh.url)} within 0.2s (after a retry)`));
    expect(sleeps).toEqual([100]);
  });

  it('does not retry when the wait would end at or past the deadline', async () => {
    for (const deadline of [1_000, 999, 500]) {
      configure({ users: { alice: { permission: 'admin', fault: 'error-always' } } });
      const c = clock(0);
      expect(await permission('alice', { ...c, deadline }), String(deadline)).toStrictEqual(
        failed(`could not look up ${ALICE}: ${host(gh.url)} answered HTTP 500 ("Server Error") (no time left to retry)`),
      );
      expect(gh.lookups()).toEqual(['permission:alice']);
    }
    expect(sleeps).toEqual([]);
  });

  it('retries when the wait ends before the deadline', async () => {
    configure({ users: { alice: { permission: 'admin', fault: 'error-always' } } });
    // The clock stands still while waiting, so the second attempt still has 1 001 ms.
    const c = clock(0, () => 0);
    expect(await permission('alice', { ...c, deadline: 1_001 })).toStrictEqual(
      failed(`could not look up ${ALICE}: ${host(gh.url)} answered HTTP 500 ("Server Error") (after a retry)`),
    );
    expect(gh.lookups()).toEqual(['permission:alice', 'permission:alice']);
    expect(sleeps).toEqual([1_000]);
  });

  it('gives up without a second request when the wait overran the deadline', async () => {
    for (const overrun of [0, 1, 5_000]) {
      configure({ users: { alice: { permission: 'admin', fault: 'error-once' } } });
      // The wait starts at 0 with the deadline at 1 200, and the sleep ends 200 + overrun ms late.
      const c = clock(0, (ms) => ms + 200 + overrun);
      expect(await permission('alice', { ...c, deadline: 1_200 }), String(overrun)).toStrictEqual(outOfTime);
      expect(gh.lookups()).toEqual(['permission:alice']);
    }
    expect(sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it("shortens the second attempt's timeout to the time left after the wait", async () => {
    configure({ pulls: { 12: { fault: 'hang' } } });
    // 10 s left at first; the wait (100 ms asked) ends with 500 ms left, less than the 1 s timeout
    // and still long enough for the second request to reach the stand-in on a busy machine.
    const c = clock(0, () => 9_500);
    const result = await getPullRequestHead(options({ ...c, deadline: 10_000, timeoutMs: 1_000, retryDelayMs: 100 }), REPOSITORY, 12);
    expect(result).toStrictEqual(failed(`could not look up ${PR12}: no answer from ${host(gh.url)} within 0.5s (after a retry)`));
    expect(gh.lookups()).toEqual(['pull:12', 'pull:12']);
    expect(sleeps).toEqual([100]);
  });
});
