// One GET against the GitHub REST API, the way the gate needs it, with its one retry. The request
// is @actions/github's: getOctokit builds the URL from GITHUB_API_URL and the route, encodes the
// path parameters and sends the token; its fetch goes through the proxy HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY name. Held here: a timeout per attempt and the decision's deadline (an AbortSignal per
// call), no redirects (`redirect: 'manual'`: a 3xx is an answer, and a wrong one), one connection
// per request, and one retry of a transient failure (network error or timeout, 429, 5xx) unless
// the deadline is too close. What an answer means is ./github-answer.ts's; the body, capped at
// 2 MiB, is read by ./github-fetch.ts's fetch. Nothing throws; no message carries the token.
//
// How it is wired, and why (the traps are in the issue-12 research):
// - @actions/github is imported on first use, not when the bundle loads: importing it reads the
//   event file, and an invalid one makes the import throw. `webpackMode: "eager"` keeps it in
//   dist/main/index.js (one file, minified, its licenses listed) while still evaluating it only here.
// - `signal`, `redirect` and `fetch` go with each call, never in getOctokit's options: Octokit
//   merges its defaults shallowly, so a `request` option there would replace the proxy-aware fetch
//   @actions/github installs. The fetch given per call is that same fetch (its `defaults`), wrapped.
// - The body is parsed by the gate as JSON whatever its content-type, as it always was; Octokit's
//   own parsing (by content-type, large integers as BigInt, unparseable JSON as a string) decides
//   nothing.
// - Octokit sends the token as `authorization: token …` (its scheme for a token that is not a JWT),
//   and its RequestError never reaches a message: only the status, the headers and our own words.
import type { getOctokit } from '@actions/github';
import { type AnswerHeaders, type Attempt, answerOf, judge, unanswered } from './github-answer.ts';
import { type Fetch, readingBody } from './github-fetch.ts';
import { redact } from './text.ts';

export interface GitHubApiOptions {
  /** `GITHUB_API_URL`: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly apiUrl: string;
  readonly token: string;
  readonly userAgent: string;
  /** Per request, connect to last byte. */
  readonly timeoutMs: number;
  /** Waits before the single retry; injectable so tests do not wait. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Default delay before the retry when the server does not ask for one (Retry-After). */
  readonly retryDelayMs?: number | undefined;
  /** Epoch milliseconds shared by every look-up of one gate decision: no request runs and no
   *  retry waits past it. */
  readonly deadline?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** A route of the REST API and its parameters, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
export interface ApiCall {
  readonly route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission' | 'GET /repos/{owner}/{repo}/pulls/{pull_number}';
  readonly params: Readonly<Record<string, string | number>>;
}

export type JsonAnswer =
  { readonly kind: 'ok'; readonly json: unknown } | { readonly kind: 'not-found' } | { readonly kind: 'failed'; readonly message: string };

type Octokit = ReturnType<typeof getOctokit>;

const DEFAULT_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 5_000;
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** `call`, parsed as JSON: `what` names the look-up in messages ("pull request #12 of acme/widgets"). */
export async function getJson(options: GitHubApiOptions, call: ApiCall, what: string): Promise<JsonAnswer> {
  const base = apiBase(options.apiUrl);
  if (base === undefined) {
    return { kind: 'failed', message: `could not look up ${what}: GITHUB_API_URL is not an http(s) URL` };
  }
  if (options.token === '') {
    return { kind: 'failed', message: `could not look up ${what}: github-token is empty` };
  }
  const client = await loadClient(options.token, base);
  if (!client.ok) return { kind: 'failed', message: `could not look up ${what}: ${client.problem}` };
  const send = (timeoutMs: number): Promise<Attempt> => attempt(client, options, call, what, new URL(base).host, timeoutMs);

  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const outOfTime: JsonAnswer = { kind: 'failed', message: `could not look up ${what}: ran out of time (timeout-seconds)` };
  if (deadline - now() <= 0) return outOfTime;
  const first = await send(Math.min(options.timeoutMs, deadline - now()));
  if ('answer' in first) return redactAnswer(first.answer, options.token);
  const delay = Math.min(first.retryAfterMs ?? options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS);
  if (now() + delay >= deadline) {
    return redactAnswer({ kind: 'failed', message: `${first.transient} (no time left to retry)` }, options.token);
  }
  await options.sleep(delay);
  if (deadline - now() <= 0) return outOfTime;
  const second = await send(Math.min(options.timeoutMs, deadline - now()));
  if ('answer' in second) return redactAnswer(second.answer, options.token);
  return redactAnswer({ kind: 'failed', message: `${second.transient} (after a retry)` }, options.token);
}

interface Client {
  readonly ok: true;
  readonly octokit: Octokit;
  /** @actions/github's fetch: undici's, through the proxy the environment names for GITHUB_API_URL. */
  readonly fetch: Fetch;
}

async function loadClient(token: string, baseUrl: string): Promise<Client | { readonly ok: false; readonly problem: string }> {
  try {
    const [{ getOctokit }, { defaults }] = await Promise.all([
      import(/* webpackMode: "eager" */ '@actions/github'),
      import(/* webpackMode: "eager" */ '@actions/github/lib/utils'),
    ]);
    const fetch: unknown = defaults.request?.fetch;
    if (typeof fetch !== 'function') return { ok: false, problem: '@actions/github provides no fetch' };
    return { ok: true, octokit: getOctokit(token, { baseUrl, log: QUIET }), fetch: fetch as Fetch };
  } catch (error) {
    return { ok: false, problem: `@actions/github could not be loaded (${error instanceof Error ? error.name : 'error'})` };
  }
}

async function attempt(
  client: Client,
  options: GitHubApiOptions,
  call: ApiCall,
  what: string,
  host: string,
  timeoutMs: number,
): Promise<Attempt> {
  const kept: { body?: string } = {};
  const stop = new AbortController();
  // Aborted only by this timer: an aborted signal means the attempt ran out of time.
  const timer = setTimeout(() => {
    stop.abort();
  }, timeoutMs);
  let status: number;
  let headers: AnswerHeaders;
  try {
    // As a plain string: Octokit then takes the parameters as given (both routes are GETs of JSON).
    const route: string = call.route;
    const response = await client.octokit.request(route, {
      ...call.params,
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': options.userAgent,
        'x-github-api-version': '2022-11-28',
        // One connection per request, as before: no socket outlives its look-up.
        connection: 'close',
      },
      request: { fetch: readingBody(client.fetch, kept), signal: stop.signal, redirect: 'manual', log: QUIET },
    });
    status = response.status;
    headers = response.headers;
  } catch (error) {
    // Octokit's RequestError carries the answer when there was one.
    const answered = answerOf(error);
    if (answered === undefined) return unanswered(error, stop.signal.aborted, what, host, timeoutMs);
    ({ status, headers } = answered);
  } finally {
    clearTimeout(timer);
  }
  return judge(status, headers, kept.body ?? '', what, host, options.token);
}

/** GITHUB_API_URL without trailing slashes; undefined unless it is http(s) with no credentials,
 *  query or fragment. */
function apiBase(apiUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url.href.replace(/\/+$/, '');
}

function redactAnswer(answer: JsonAnswer, token: string): JsonAnswer {
  return answer.kind === 'failed' ? { kind: 'failed', message: redact(answer.message, token) } : answer;
}
