// The two GitHub REST look-ups the fork-safety gate needs: a user's permission on the repository
// and the head repository and author of a pull request. Each answer is checked here, field by
// field, and typed; nothing throws. The request, its retry and its messages are
// ./github-request.ts's.
import { type GitHubApiOptions, getJson } from './github-request.ts';
import { isRecord } from './payload.ts';
import { clip } from './text.ts';

export type { GitHubApiOptions } from './github-request.ts';

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
  const repo = ownerAndRepo(repository);
  if (repo === undefined) return { kind: 'failed', message: `could not look up ${what}: "${repository}" is not OWNER/REPO` };
  if (isDotSegment(username)) return { kind: 'failed', message: `could not look up ${what}: "${username}" is not a GitHub login` };
  const answer = await getJson(
    options,
    { route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission', params: { ...repo, username } },
    what,
  );
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

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}`: where the pull request's head lives, and who
 *  opened it. An answer that does not name the author (`user.login`, not blank) is `failed`: the
 *  gate checks the author, and cannot without a name. */
export async function getPullRequestHead(options: GitHubApiOptions, repository: string, number: number): Promise<PullRequestResult> {
  const what = `pull request #${number} of ${repository}`;
  const repo = ownerAndRepo(repository);
  if (repo === undefined) return { kind: 'failed', message: `could not look up ${what}: "${repository}" is not OWNER/REPO` };
  if (!Number.isSafeInteger(number) || number <= 0) {
    return { kind: 'failed', message: `could not look up ${what}: not a pull request number` };
  }
  const answer = await getJson(
    options,
    { route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}', params: { ...repo, pull_number: number } },
    what,
  );
  if (answer.kind !== 'ok') return answer;
  const body = answer.json;
  const head = isRecord(body) ? body['head'] : undefined;
  if (!isRecord(head)) return { kind: 'failed', message: `${what}: GitHub's answer has no "head"` };
  const repoOfHead = head['repo'];
  const user = isRecord(body) ? body['user'] : undefined;
  const authorLogin = isRecord(user) && typeof user['login'] === 'string' ? user['login'].trim() : '';
  if (authorLogin === '') return { kind: 'failed', message: `${what}: GitHub's answer does not name the author ("user.login")` };
  const authorType = isRecord(user) && typeof user['type'] === 'string' ? user['type'] : null;
  if (repoOfHead === null || repoOfHead === undefined) {
    return { kind: 'ok', headRepoId: null, headRepoFullName: null, authorLogin, authorType };
  }
  if (!isRecord(repoOfHead) || typeof repoOfHead['id'] !== 'number') {
    return { kind: 'failed', message: `${what}: GitHub's answer has a "head.repo" without a numeric id` };
  }
  const fullName = typeof repoOfHead['full_name'] === 'string' ? repoOfHead['full_name'] : null;
  return { kind: 'ok', headRepoId: repoOfHead['id'], headRepoFullName: fullName, authorLogin, authorType };
}

/** `OWNER/REPO` → its two parts; undefined when not of that shape. Octokit encodes each in the path,
 *  but not a `.` or `..` part, which the URL would then resolve as a step up: no GitHub name is one. */
function ownerAndRepo(repository: string): { owner: string; repo: string } | undefined {
  const parts = repository.split('/');
  if (parts.length !== 2 || parts.some((part) => part === '' || isDotSegment(part))) return undefined;
  const [owner, repo] = parts as [string, string];
  return { owner, repo };
}

/** `.` and `..`: path segments a URL resolves (moving the request to another endpoint of the same
 *  host) instead of names; GitHub allows neither as a login, an owner or a repository. */
function isDotSegment(name: string): boolean {
  return name === '.' || name === '..';
}
