// The two GitHub REST look-ups the fork-safety gate needs: a user's permission on the repository
// and the head repository and author of a pull request. Pure HTTP plus parsing; no logging, no
// @actions/core.
//
// Every answer is typed; nothing throws. A network error or timeout, 429 and 5xx are transient and
// retried once after a short delay; after that, and for any other unexpected answer, the result
// is `failed` with a message a person understands. Messages never carry the token: they name the
// host and the look-up, quote at most GitHub's short `message` field, and are redacted again.
import { NetworkError, header, request, safeHost } from '../credentials/http.ts';
import { oneLine } from '../log/log-line.ts';

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
  readonly retryDelayMs?: number;
  /** Epoch milliseconds shared by every look-up of one gate decision: no request runs and no
   *  retry waits past it. */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** The legacy base roles the permission endpoint reports (maintain → write, triage → read). */
export type BasePermission = 'admin' | 'write' | 'read' | 'none';

export type PermissionResult =
  | { readonly kind: 'ok'; readonly permission: BasePermission; /** as GitHub sent it */ readonly reported: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'failed'; readonly message: string };

export interface PullRequestHead {
  /** `head.repo.id`, or null when the head repository was deleted. */
  readonly headRepoId: number | null;
  /** `head.repo.full_name`, or null when unknown or deleted. */
  readonly headRepoFullName: string | null;
  /** `user.login`, trimmed: the pull request's author. An answer without one is `failed`. */
  readonly authorLogin: string;
  /** `user.type` ("User", "Bot", "Organization"), or null when it is not a string. */
  readonly authorType: string | null;
}

export type PullRequestResult =
  ({ readonly kind: 'ok' } & PullRequestHead) | { readonly kind: 'not-found' } | { readonly kind: 'failed'; readonly message: string };

const DEFAULT_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 5_000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** A Map, not a plain object: `permission: "toString"` (or `constructor`, `__proto__`) must not
 *  find Object.prototype's members and pass for a known permission. */
const PERMISSION_MAP: ReadonlyMap<string, BasePermission> = new Map<string, BasePermission>([
  ['admin', 'admin'],
  ['maintain', 'write'],
  ['write', 'write'],
  ['triage', 'read'],
  ['read', 'read'],
  ['none', 'none'],
]);

/** `GET /repos/{owner}/{repo}/collaborators/{username}/permission`. 404: not a collaborator. */
export async function getCollaboratorPermission(
  options: GitHubApiOptions,
  repository: string,
  username: string,
): Promise<PermissionResult> {
  const what = `the permission of ${username} on ${repository}`;
  const path = repoPath(repository);
  if (path === undefined) return { kind: 'failed', message: `could not look up ${what}: "${repository}" is not OWNER/REPO` };
  const answer = await getJson(options, `${path}/collaborators/${encodeURIComponent(username)}/permission`, what);
  if (answer.kind !== 'ok') return answer;
  const body = answer.json;
  if (!isRecord(body) || typeof body['permission'] !== 'string') {
    return { kind: 'failed', message: `${what}: GitHub's answer has no "permission" field` };
  }
  const reported = body['permission'];
  const permission = PERMISSION_MAP.get(reported);
  if (permission === undefined) {
    return { kind: 'failed', message: `${what}: GitHub reported an unknown permission "${clip(reported, 40)}"` };
  }
  // The answer names the user it describes; a different login means we are not reading what we asked.
  const user = body['user'];
  if (isRecord(user) && typeof user['login'] === 'string' && user['login'].toLowerCase() !== username.toLowerCase()) {
    return { kind: 'failed', message: `${what}: GitHub's answer describes another user` };
  }
  return { kind: 'ok', permission, reported };
}

/** `GET /repos/{owner}/{repo}/pulls/{number}`: where the pull request's head lives, and who opened
 *  it. An answer that does not name the author (`user.login`, not blank) is `failed`: the gate
 *  checks the author, and cannot without a name. */
export async function getPullRequestHead(options: GitHubApiOptions, repository: string, number: number): Promise<PullRequestResult> {
  const what = `pull request #${number} of ${repository}`;
  const path = repoPath(repository);
  if (path === undefined) return { kind: 'failed', message: `could not look up ${what}: "${repository}" is not OWNER/REPO` };
  if (!Number.isSafeInteger(number) || number <= 0)
    return { kind: 'failed', message: `could not look up ${what}: not a pull request number` };
  const answer = await getJson(options, `${path}/pulls/${number}`, what);
  if (answer.kind !== 'ok') return answer;
  const body = answer.json;
  const head = isRecord(body) ? body['head'] : undefined;
  if (!isRecord(head)) return { kind: 'failed', message: `${what}: GitHub's answer has no "head"` };
  const repo = head['repo'];
  const user = isRecord(body) ? body['user'] : undefined;
  const authorLogin = isRecord(user) && typeof user['login'] === 'string' ? user['login'].trim() : '';
  if (authorLogin === '') return { kind: 'failed', message: `${what}: GitHub's answer does not name the author ("user.login")` };
  const authorType = isRecord(user) && typeof user['type'] === 'string' ? user['type'] : null;
  if (repo === null || repo === undefined) return { kind: 'ok', headRepoId: null, headRepoFullName: null, authorLogin, authorType };
  if (!isRecord(repo) || typeof repo['id'] !== 'number') {
    return { kind: 'failed', message: `${what}: GitHub's answer has a "head.repo" without a numeric id` };
  }
  const fullName = typeof repo['full_name'] === 'string' ? repo['full_name'] : null;
  return { kind: 'ok', headRepoId: repo['id'], headRepoFullName: fullName, authorLogin, authorType };
}

type JsonAnswer =
  { readonly kind: 'ok'; readonly json: unknown } | { readonly kind: 'not-found' } | { readonly kind: 'failed'; readonly message: string };

type Attempt =
  | { readonly kind: 'done'; readonly answer: JsonAnswer }
  | { readonly kind: 'transient'; readonly message: string; readonly retryAfterMs: number | undefined };

async function getJson(options: GitHubApiOptions, path: string, what: string): Promise<JsonAnswer> {
  const base = apiBase(options.apiUrl);
  if (base === undefined) {
    return { kind: 'failed', message: `could not look up ${what}: GITHUB_API_URL is not an http(s) URL` };
  }
  if (options.token === '') {
    return { kind: 'failed', message: `could not look up ${what}: github-token is empty` };
  }
  const url = `${base}${path}`;
  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const outOfTime: JsonAnswer = { kind: 'failed', message: `could not look up ${what}: ran out of time (timeout-seconds)` };
  if (deadline - now() <= 0) return outOfTime;
  const first = await attempt(options, url, what, Math.min(options.timeoutMs, deadline - now()));
  if (first.kind === 'done') return redactAnswer(first.answer, options.token);
  const delay = Math.min(first.retryAfterMs ?? options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS);
  if (now() + delay >= deadline)
    return redactAnswer({ kind: 'failed', message: `${first.message} (no time left to retry)` }, options.token);
  await options.sleep(delay);
  if (deadline - now() <= 0) return outOfTime;
  const second = await attempt(options, url, what, Math.min(options.timeoutMs, deadline - now()));
  if (second.kind === 'done') return redactAnswer(second.answer, options.token);
  return redactAnswer({ kind: 'failed', message: `${second.message} (after a retry)` }, options.token);
}

async function attempt(options: GitHubApiOptions, url: string, what: string, timeoutMs: number): Promise<Attempt> {
  const host = safeHost(url);
  let status: number;
  let body: string;
  let retryAfter: string | undefined;
  let rateRemaining: string | undefined;
  try {
    const res = await request({
      method: 'GET',
      url,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
      },
      timeoutMs,
      maxBodyBytes: MAX_BODY_BYTES,
      userAgent: options.userAgent,
    });
    status = res.status;
    body = res.body;
    retryAfter = header(res.headers, 'retry-after');
    rateRemaining = header(res.headers, 'x-ratelimit-remaining');
  } catch (error) {
    if (error instanceof NetworkError && error.kind !== 'too-large') {
      return { kind: 'transient', message: `could not look up ${what}: ${error.message}`, retryAfterMs: undefined };
    }
    const detail = error instanceof Error ? error.message : 'request failed';
    return { kind: 'done', answer: { kind: 'failed', message: `could not look up ${what}: ${detail}` } };
  }

  if (status >= 200 && status < 300) {
    try {
      return { kind: 'done', answer: { kind: 'ok', json: JSON.parse(body) as unknown } };
    } catch {
      return { kind: 'done', answer: { kind: 'failed', message: `${what}: ${host} answered HTTP ${status} with malformed JSON` } };
    }
  }
  if (status === 404) return { kind: 'done', answer: { kind: 'not-found' } };
  const said = githubMessage(body, options.token);
  if (status === 429 || status >= 500) {
    return {
      kind: 'transient',
      message: `could not look up ${what}: ${host} answered HTTP ${status}${said}`,
      retryAfterMs: parseRetryAfter(retryAfter),
    };
  }
  if (status === 403 && rateRemaining === '0') {
    return {
      kind: 'done',
      answer: { kind: 'failed', message: `could not look up ${what}: the API rate limit of github-token is exhausted (HTTP 403)${said}` },
    };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'done',
      answer: {
        kind: 'failed',
        message: `could not look up ${what}: ${host} answered HTTP ${status}${said}; github-token may be invalid or lack access to this repository (metadata: read)`,
      },
    };
  }
  return {
    kind: 'done',
    answer: {
      kind: 'failed',
      message: `could not look up ${what}: ${host} answered HTTP ${status}${said}; check GITHUB_API_URL and that github-token has access to this repository`,
    },
  };
}

/** `OWNER/REPO` → `/repos/OWNER/REPO`, each part encoded; undefined when not of that shape. */
function repoPath(repository: string): string | undefined {
  const parts = repository.split('/');
  if (parts.length !== 2) return undefined;
  const [owner, repo] = parts;
  if (owner === undefined || repo === undefined || owner === '' || repo === '') return undefined;
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

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

/** GitHub's short error `message`, token redacted, quoted and clipped; empty when there is none. */
function githubMessage(body: string, token: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed) && typeof parsed['message'] === 'string' && parsed['message'] !== '') {
      // Redacted before it is cut: a cut must not leave part of the token.
      return ` ("${clip(redact(parsed['message'], token), 160)}")`;
    }
  } catch {
    // not JSON: say nothing about the body
  }
  return '';
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

function redactAnswer(answer: JsonAnswer, token: string): JsonAnswer {
  return answer.kind === 'failed' ? { kind: 'failed', message: redact(answer.message, token) } : answer;
}

/** Replaces every occurrence of the token (when it is long enough to be one) with ***. */
export function redact(text: string, token: string): string {
  if (token.length < 4) return text;
  return text.split(token).join('***');
}

/** One printable line: control characters become spaces, no workflow command, long text is cut. */
export function clip(text: string, max: number): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
