// The gate's two GitHub REST look-ups, called directly: a user's permission on the repository and a
// pull request's head, what each answer must hold, and GITHUB_API_URL (GitHub.com and GitHub
// Enterprise Server). How an HTTP answer, a retry, the token and the deadline are handled is in
// github-http.test.ts; both run against the servers of ./github-support.ts.
import { describe, expect, it } from 'vitest';
import { getCollaboratorPermission, getPullRequestHead } from '../../src/gate/github.ts';
import { startLoopbackServer } from '../support/http-util.ts';
import {
  ALICE,
  PR12,
  PULLS,
  REPOSITORY,
  TOKEN,
  USERS,
  configure,
  failed,
  gh,
  ghes,
  hits,
  messageOf,
  options,
  permission,
  scripted,
  sleeps,
  useLookupServers,
} from './github-support.ts';

useLookupServers();

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

  it('asks with GET, the token in the authorization header, the GitHub media type, API version and user agent', async () => {
    await permission('alice');
    expect(gh.requests).toEqual([
      {
        method: 'GET',
        path: '/repos/acme/widgets/collaborators/alice/permission',
        lookup: 'permission:alice',
        authorization: `token ${TOKEN}`,
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
    // `.` and `..` would be resolved as steps up the URL's path: another endpoint of the same host.
    for (const repository of [
      '',
      'a',
      'a/b/c',
      '/b',
      'a/',
      '/',
      'acme/widgets/',
      'acme/..',
      '../widgets',
      'acme/.',
      './widgets',
      '../..',
    ]) {
      const result = await getCollaboratorPermission(options(), repository, 'alice');
      expect(result, repository).toStrictEqual(
        failed(`could not look up the permission of alice on ${repository}: "${repository}" is not OWNER/REPO`),
      );
    }
    expect(gh.requests).toEqual([]);
  });

  it('refuses a login of `.` or `..` (a step up the URL, not a name), without a request; dots inside a name are asked', async () => {
    for (const login of ['.', '..']) {
      const result = await getCollaboratorPermission(options(), REPOSITORY, login);
      expect(result, login).toStrictEqual(
        failed(`could not look up the permission of ${login} on ${REPOSITORY}: "${login}" is not a GitHub login`),
      );
    }
    expect(gh.requests).toEqual([]);
    const dotted = await getCollaboratorPermission(
      scripted([{ status: 200, body: { permission: 'write', user: { login: 'a.b' } } }]),
      'acme/.github',
      'a.b',
    );
    expect(dotted).toStrictEqual({ kind: 'ok', permission: 'write', reported: 'write' });
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
    for (const repository of ['', 'a', 'a/b/c', '/b', 'a/', 'acme/..', '../widgets', 'acme/.', './widgets']) {
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
