// The gate's GitHub look-ups on the wire: what each HTTP answer means (2xx, 3xx not followed, 401,
// 403, rate limits, other 4xx, GitHub's message quoted), the single retry of a transient failure
// (5xx, 429, Retry-After, a reset, a timeout; never a body over 2 MiB), the token kept out of every
// message, clip, and the deadline shared by every look-up of a decision. Against the servers of
// ./github-support.ts.
import { describe, expect, it } from 'vitest';
import { getCollaboratorPermission, getPullRequestHead } from '../../src/gate/github.ts';
import { clip, redact } from '../../src/gate/text.ts';
import { leaks } from '../support/leaks.ts';
import {
  ALICE,
  PR12,
  REPOSITORY,
  TOKEN,
  adhoc,
  clock,
  configure,
  failed,
  gh,
  hits,
  host,
  messageOf,
  options,
  permission,
  scripted,
  sleeps,
  type Scripted,
  useLookupServers,
} from './github-support.ts';

useLookupServers();

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
    sleeps.length = 0;
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
      sleeps.length = 0;
      hits.length = 0;
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
      `could not look up ${ALICE}: ${host(gh.url)} answered HTTP 403 ("token token *** is not allowed here"); github-token may be invalid or lack access to this repository (metadata: read)`,
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
      expect(result.kind === 'failed' ? result.message : '', token).toContain(`("token token ${shown} is not allowed here")`);
    }
  });

  it('never appears in a message that names it as the repository, answered or not', async () => {
    const repository = `acme/${TOKEN}`;
    const what = 'the permission of alice on acme/***';
    const h = host(adhoc.origin);
    const cases: Array<[readonly Scripted[], string]> = [
      [[{ status: 200, body: '{' }], `${what}: ${h} answered HTTP 200 with malformed JSON`],
      [[{ status: 500 }], `could not look up ${what}: ${h} answered HTTP 500 (after a retry)`],
    ];
    for (const [answers, message] of cases) {
      expect(messageOf(await getCollaboratorPermission(scripted(answers), repository, 'alice'))).toBe(message);
    }
    const c = clock(0);
    expect(messageOf(await getCollaboratorPermission(scripted([{ status: 500 }], { ...c, deadline: 500 }), repository, 'alice'))).toBe(
      `could not look up ${what}: ${h} answered HTTP 500 (no time left to retry)`,
    );
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
