// What one attempt at a look-up came to: an answer judged by its status (2xx is JSON to parse, 404
// is not-found, 429 and 5xx are worth the one retry, anything else fails with a hint), or no answer
// (a timeout or a network error, worth the retry; a body over the cap, not). Messages quote at most
// GitHub's short `message` field, redacted, and name a network error by its code, never by the
// text of the error.
import { BodyTooLarge, MAX_BODY_BYTES } from './github-fetch.ts';
import type { JsonAnswer } from './github-request.ts';
import { isRecord } from './payload.ts';
import { clip, redact } from './text.ts';

/** An answer (the look-up is over), or the message of a failure worth the one retry. */
export type Attempt = { readonly answer: JsonAnswer } | { readonly transient: string; readonly retryAfterMs: number | undefined };

export type AnswerHeaders = Readonly<Record<string, unknown>>;

/** What an answer means: 2xx is JSON to parse, 404 is not-found, 429 and 5xx are worth a retry,
 *  and anything else (3xx included) fails with a hint. (No status is below 200: fetch gives no 1xx
 *  answer, and a Response cannot have one.) */
export function judge(status: number, headers: AnswerHeaders, body: string, what: string, host: string, token: string): Attempt {
  if (status < 300) {
    try {
      return { answer: { kind: 'ok', json: JSON.parse(body) as unknown } };
    } catch {
      return { answer: { kind: 'failed', message: `${what}: ${host} answered HTTP ${status} with malformed JSON` } };
    }
  }
  if (status === 404) return { answer: { kind: 'not-found' } };
  const said = githubMessage(body, token);
  const failed = (message: string): Attempt => ({
    answer: { kind: 'failed', message: `could not look up ${what}: ${message}` },
  });
  if (status === 429 || status >= 500) {
    return {
      transient: `could not look up ${what}: ${host} answered HTTP ${status}${said}`,
      retryAfterMs: parseRetryAfter(headerText(headers, 'retry-after')),
    };
  }
  if (status === 403 && headerText(headers, 'x-ratelimit-remaining') === '0') {
    return failed(`the API rate limit of github-token is exhausted (HTTP 403)${said}`);
  }
  if (status === 401 || status === 403) {
    return failed(`${host} answered HTTP ${status}${said}; github-token may be invalid or lack access to this repository (metadata: read)`);
  }
  return failed(`${host} answered HTTP ${status}${said}; check GITHUB_API_URL and that github-token has access to this repository`);
}

/** An attempt that got no answer: it ran out of time (`timedOut`), its body was over the cap, or
 *  the server could not be reached. */
export function unanswered(error: unknown, timedOut: boolean, what: string, host: string, timeoutMs: number): Attempt {
  if (timedOut) {
    return {
      transient: `could not look up ${what}: no answer from ${host} within ${seconds(timeoutMs)}`,
      retryAfterMs: undefined,
    };
  }
  if (causes(error).some((cause) => cause instanceof BodyTooLarge)) {
    return {
      answer: { kind: 'failed', message: `could not look up ${what}: the answer from ${host} is larger than ${MAX_BODY_BYTES} bytes` },
    };
  }
  return {
    transient: `could not look up ${what}: could not reach ${host}: ${networkCode(error)}`,
    retryAfterMs: undefined,
  };
}

/** The status and headers of Octokit's RequestError, when the request got an answer. */
export function answerOf(error: unknown): { status: number; headers: AnswerHeaders } | undefined {
  const response = isRecord(error) ? error['response'] : undefined;
  if (!isRecord(response) || typeof response['status'] !== 'number') return undefined;
  const headers = response['headers'];
  return { status: response['status'], headers: isRecord(headers) ? headers : {} };
}

/** The error and its causes, outermost first (Octokit wraps fetch's TypeError, which wraps the socket's error). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

/** The first error code in the chain (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET…): it names the
 *  failure without echoing anything the request carried. */
function networkCode(error: unknown): string {
  for (const cause of causes(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return clip(code, 40);
  }
  return 'connection failed';
}

function headerText(headers: AnswerHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** GitHub's short error `message`, token redacted, quoted and clipped; empty when there is none. */
function githubMessage(body: string, token: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON: say nothing about the body (parsed stays undefined)
  }
  const message = isRecord(parsed) ? parsed['message'] : undefined;
  if (typeof message !== 'string' || message === '') return '';
  // Redacted before it is cut: a cut must not leave part of the token.
  return ` ("${clip(redact(message, token), 160)}")`;
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value) * 1000; // Number() ignores the whitespace around the digits
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
