// Reading the webhook payload. Field names come from GitHub's own OpenAPI description of each
// payload (@octokit/openapi-webhooks-types, types only: nothing of it is bundled), so a misspelt
// field does not compile; every value stays `unknown` until it is checked here or by the rule that
// decides on it. A cast would prove nothing about the file GitHub (or anyone who can write it)
// handed the runner.
import type { components } from '@octokit/openapi-webhooks-types';

type Schemas = components['schemas'];

/** pull_request and pull_request_target (which has no schema of its own: it has this shape). */
export type PullRequestPayload = Schemas['webhook-pull-request-opened'];
export type PullRequestReviewPayload = Schemas['webhook-pull-request-review-submitted'];
export type PullRequestReviewCommentPayload = Schemas['webhook-pull-request-review-comment-created'];
export type WorkflowRunPayload = Schemas['webhook-workflow-run-completed'];
export type IssueCommentPayload = Schemas['webhook-issue-comment-created'];
export type IssuesPayload = Schemas['webhook-issues-opened'];
export type DiscussionPayload = Schemas['webhook-discussion-created'];
export type DiscussionCommentPayload = Schemas['webhook-discussion-comment-created'];
export type PushPayload = Schemas['webhook-push'];
/** A payload's user object (sender, author, actor). */
export type User = Schemas['simple-user'];

/** Every key of every member of a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;

/** A JSON object read as GitHub's shape `T` (or any member of the union `T`): T's field names, and
 *  every value `unknown`. */
export type Unchecked<T> = Readonly<Partial<Record<KeysOf<NonNullable<T>>, unknown>>>;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` read as GitHub's shape `T` when it is a JSON object; undefined otherwise. */
export function fields<T>(value: unknown): Unchecked<T> | undefined {
  return isRecord(value) ? (value as Unchecked<T>) : undefined;
}

/** A user's login, trimmed; undefined when there is none, and a blank login names nobody: the
 *  payload checks then fail closed instead of deciding on the other actors alone. */
export function userLogin(user: unknown): string | undefined {
  const login = fields<User>(user)?.login;
  if (typeof login !== 'string') return undefined;
  const trimmed = login.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A user's `type` ("User", "Bot", "Organization"), unchecked: only "Bot" means anything. */
export function userType(user: unknown): unknown {
  return fields<User>(user)?.type;
}

/** `repository.id`: the base repository every fork check compares against. */
export function readRepositoryId(payload: Unchecked<{ repository: unknown }>): Parsed<number> {
  const id = fields<PushPayload['repository']>(payload.repository)?.id;
  if (typeof id !== 'number') return { ok: false, problem: 'the event payload has no numeric repository.id' };
  return { ok: true, value: id };
}
