// judge, unanswered and answerOf called directly, with what the loopback servers cannot produce: a
// header that is not a string, an error chain of any shape (no code, an empty or non-string code, a
// null cause, a cycle, a long chain, a body over the cap deep inside), and an Octokit error without
// a numeric status. What real answers mean on the wire is in github-http.test.ts.
import { describe, expect, it } from 'vitest';
import { answerOf, judge, unanswered } from '../../src/gate/github-answer.ts';
import { BodyTooLarge } from '../../src/gate/github-fetch.ts';

const WHAT = 'the permission of alice on acme/widgets';
const HOST = 'api.example.test';
const TOKEN = 'ghs_answerTestToken_0123456789abcdef';

const unreachable = (code: string) => ({
  transient: `could not look up ${WHAT}: could not reach ${HOST}: ${code}`,
  retryAfterMs: undefined,
});
const withCode = (code: unknown, cause?: unknown): Error => Object.assign(new Error('failed', { cause }), { code });

/** `depth` errors, each the cause of the one before it; the innermost has `code`. */
function chainOf(depth: number, code: string): Error {
  let error: Error = withCode(code);
  for (let i = 1; i < depth; i++) error = new Error(`level ${depth - i}`, { cause: error });
  return error;
}

describe('unanswered: a network error', () => {
  it('is named by the first non-empty string code in the error or its causes', () => {
    const cases: Array<[unknown, string]> = [
      [new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }), 'ECONNREFUSED'],
      [withCode('UND_ERR_SOCKET', withCode('ECONNRESET')), 'UND_ERR_SOCKET'],
      [withCode('', withCode('ECONNRESET')), 'ECONNRESET'],
      [withCode(42, withCode('EPIPE')), 'EPIPE'],
      [new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }), 'ENOTFOUND'],
      [withCode('E'.repeat(41)), `${'E'.repeat(40)}…`],
      [withCode('E\nX'), 'E X'],
    ];
    for (const [error, code] of cases) {
      expect(unanswered(error, false, WHAT, HOST, 1_000), code).toStrictEqual(unreachable(code));
    }
  });

  it('is "connection failed" when nothing in the chain has a code, whatever ends the chain', () => {
    const cycle = new Error('its own cause');
    cycle.cause = cycle;
    const errors: unknown[] = [
      new TypeError('fetch failed'),
      new TypeError('fetch failed', { cause: null }),
      new TypeError('fetch failed', { cause: 'a string' }),
      new TypeError('fetch failed', { cause: withCode('') }),
      // only an Error's cause is followed
      new TypeError('fetch failed', { cause: { message: 'not an Error', cause: withCode('EHIDDEN') } }),
      cycle,
      'not an error at all',
      undefined,
      null,
    ];
    for (const error of errors) {
      expect(unanswered(error, false, WHAT, HOST, 1_000), String(error)).toStrictEqual(unreachable('connection failed'));
    }
  });

  it('looks at eight errors of the chain at most', () => {
    expect(unanswered(chainOf(8, 'EDEEP'), false, WHAT, HOST, 1_000)).toStrictEqual(unreachable('EDEEP'));
    expect(unanswered(chainOf(9, 'EDEEP'), false, WHAT, HOST, 1_000)).toStrictEqual(unreachable('connection failed'));
  });

  it('is an answer, not worth a retry, when a body over the cap is anywhere in the chain', () => {
    const tooLarge = {
      answer: { kind: 'failed', message: `could not look up ${WHAT}: the answer from ${HOST} is larger than ${2 * 1024 * 1024} bytes` },
    };
    expect(unanswered(new BodyTooLarge(), false, WHAT, HOST, 1_000)).toStrictEqual(tooLarge);
    const deep = new Error('request failed', { cause: new TypeError('fetch failed', { cause: withCode('', new BodyTooLarge()) }) });
    expect(unanswered(deep, false, WHAT, HOST, 1_000)).toStrictEqual(tooLarge);
  });

  it('is a timeout when the attempt ran out of time, whatever the error, in seconds to one decimal', () => {
    for (const [ms, shown] of [
      [1_000, '1s'],
      [1_250, '1.3s'],
      [30_000, '30s'],
      [40, '0s'],
    ] as const) {
      expect(unanswered(new BodyTooLarge(), true, WHAT, HOST, ms)).toStrictEqual({
        transient: `could not look up ${WHAT}: no answer from ${HOST} within ${shown}`,
        retryAfterMs: undefined,
      });
    }
  });
});

describe('judge: the headers', () => {
  it('reads Retry-After and x-ratelimit-remaining only when they are strings', () => {
    const busy = `could not look up ${WHAT}: ${HOST} answered HTTP 429`;
    expect(judge(429, { 'retry-after': '3' }, '', WHAT, HOST, TOKEN)).toStrictEqual({ transient: busy, retryAfterMs: 3_000 });
    expect(judge(429, { 'retry-after': 3 }, '', WHAT, HOST, TOKEN)).toStrictEqual({ transient: busy, retryAfterMs: undefined });
    expect(judge(429, { 'retry-after': ['3'] }, '', WHAT, HOST, TOKEN)).toStrictEqual({ transient: busy, retryAfterMs: undefined });
    expect(judge(403, { 'x-ratelimit-remaining': 0 }, '', WHAT, HOST, TOKEN)).toStrictEqual({
      answer: {
        kind: 'failed',
        message: `could not look up ${WHAT}: ${HOST} answered HTTP 403; github-token may be invalid or lack access to this repository (metadata: read)`,
      },
    });
  });
});

describe('answerOf', () => {
  it("takes the status and headers of an error's response", () => {
    expect(answerOf({ response: { status: 404, headers: { 'retry-after': '1' } } })).toStrictEqual({
      status: 404,
      headers: { 'retry-after': '1' },
    });
    for (const headers of [undefined, null, 'x', ['a']]) {
      expect(answerOf({ response: { status: 500, headers } }), String(headers)).toStrictEqual({ status: 500, headers: {} });
    }
  });

  it('finds no answer without a response that has a numeric status', () => {
    for (const error of [undefined, null, 'x', new Error('x'), {}, { response: null }, { response: {} }, { response: { status: '404' } }]) {
      expect(answerOf(error), JSON.stringify(error)).toBeUndefined();
    }
  });
});
