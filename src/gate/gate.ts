// The fork-safety gate: decides, before anything is minted, whether this run is trusted. This file
// is its entry: decide() names the event's family and hands the run to its rule, and turns anything
// unforeseen into a denial. It re-exports the gate's types, and readGateContext, for the caller.
//
// No @actions/core here: the caller logs `summary` and `warnings`, writes `summary` to the step
// summary, and sets the outputs `allowed` and `reason`. The decision fails closed: any doubt
// (unreadable payload, failed or malformed API answer, unknown event) denies.
//
// Where each part lives (policy: the issue and shared/notes/github-oidc-and-forks.md):
// - context.ts: reading the run's context (event name, payload, actors, API URL, ref);
// - run.ts: the decision being built, and the words of its summary;
// - actors.ts: the bot rule, the merge queue's exemption from it, and the actor check (the
//   permission look-up of every actor), which every family below ends with;
// - events/trusted.ts: push, workflow_dispatch, schedule, merge_group, release, create,
//   repository_dispatch (no look-up; the bot rule only);
// - events/pull-request.ts: pull_request, pull_request_review, pull_request_review_comment (a fork
//   head is `fork-pr`, a skip) and pull_request_target (an opt-in, and fork heads a second one);
// - events/workflow-run.ts: workflow_run (never after a fork run);
// - events/issues.ts: issue_comment, issues, discussion, discussion_comment (the pull request of a
//   comment or an issues event on one is looked up; a fork head needs allow-fork-heads);
// - anything else: `unsupported-event`, unless named in allowed-events; then the actor check;
// - payload.ts: reading payload fields (typed by GitHub's webhook schemas, checked at run time);
// - github.ts: the two REST look-ups and what their answers must hold; github-request.ts (one GET
//   through @actions/github's Octokit, its deadline and its retry), github-answer.ts (what an
//   answer means, and its message), github-fetch.ts (the proxy-aware fetch, its body capped);
// - types.ts: the gate's vocabulary; text.ts: one-line, token-free text.
// In a reusable workflow GITHUB_EVENT_NAME and the payload are the caller's, so nothing changes.
import { setTimeout as delay } from 'node:timers/promises';
import { actorCheck, baseActorSources, normalizedList } from './actors.ts';
import { DEFAULT_API_URL } from './context.ts';
import { COMMENT_LIKE_EVENTS, discussionEvent, issueCommentEvent, issuesEvent } from './events/issues.ts';
import { PULL_REQUEST_EVENTS, pullRequestEvent, pullRequestTargetEvent } from './events/pull-request.ts';
import { TRUSTED_EVENTS, trustedEvent } from './events/trusted.ts';
import { workflowRunEvent } from './events/workflow-run.ts';
import type { GitHubApiOptions } from './github.ts';
import { isRecord, userLogin, userType } from './payload.ts';
import { Run, describeRun } from './run.ts';
import { clip, redact } from './text.ts';
import type { GateContext, GateDecision, GateDeps, GateSettings } from './types.ts';

export { readGateContext } from './context.ts';
export {
  GATE_REASONS,
  type GateContext,
  type GateDecision,
  type GateDeps,
  type GateReason,
  type GateSettings,
  MIN_PERMISSIONS,
  type MinPermission,
  isMinPermission,
} from './types.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_USER_AGENT = 'claude-oidc-action (fork-safety gate)';

/** Decides whether the run may mint credentials. Never throws; never rejects. */
export async function decide(settings: GateSettings, context: GateContext, deps: GateDeps = {}): Promise<GateDecision> {
  let decision: GateDecision;
  try {
    decision = await decideUnsafe(settings, context, deps);
  } catch (error) {
    // Fail closed on anything unforeseen.
    const what = error instanceof Error ? error.name : 'error';
    decision = {
      allowed: false,
      reason: 'permission-check-failed',
      summary: `Denied (permission-check-failed): ${describeRun(context)}: the gate itself failed (${what}), so the run is not trusted`,
      warnings: [],
      actors: [],
    };
  }
  const token = settings.githubToken;
  return {
    allowed: decision.allowed,
    reason: decision.reason,
    summary: clip(redact(decision.summary, token), 2000),
    warnings: decision.warnings.map((w) => clip(redact(w, token), 2000)),
    actors: decision.actors,
  };
}

function isKnownEvent(name: string): boolean {
  return (
    TRUSTED_EVENTS.has(name) ||
    PULL_REQUEST_EVENTS.has(name) ||
    COMMENT_LIKE_EVENTS.has(name) ||
    name === 'pull_request_target' ||
    name === 'workflow_run'
  );
}

async function decideUnsafe(settings: GateSettings, context: GateContext, deps: GateDeps): Promise<GateDecision> {
  const api: GitHubApiOptions = {
    apiUrl: context.apiUrl || DEFAULT_API_URL,
    token: settings.githubToken,
    userAgent: deps.userAgent ?? DEFAULT_USER_AGENT,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    sleep: deps.sleep ?? ((ms: number) => delay(ms).then(() => undefined)),
    retryDelayMs: deps.retryDelayMs,
    deadline: deps.deadline,
    now: deps.now,
  };
  const run = new Run(settings, context, api);
  const event = context.eventName;
  run.addActors(baseActorSources(context));

  if (event === '') return run.deny('unsupported-event', 'GITHUB_EVENT_NAME is not set, so the event cannot be judged');
  const payload = context.payload;
  if (isRecord(payload)) {
    run.addActors([{ login: userLogin(payload['sender']), type: userType(payload['sender']), role: 'the event sender' }]);
  }

  if (TRUSTED_EVENTS.has(event)) {
    if (normalizedList(settings.allowedEvents).includes(event)) {
      run.warnings.push(`allowed-events names "${event}", which is allowed anyway`);
    }
    return trustedEvent(run);
  }

  if (isKnownEvent(event) && normalizedList(settings.allowedEvents).includes(event)) {
    run.warnings.push(`allowed-events cannot loosen the rule for "${event}": it has its own rule, which applies`);
  }

  // Every other event reads the payload.
  if (!isRecord(payload)) {
    return run.deny(
      'permission-check-failed',
      `could not read the event payload (${context.payloadError ?? 'not a JSON object'}), so the run cannot be judged`,
    );
  }

  if (PULL_REQUEST_EVENTS.has(event)) return pullRequestEvent(run, payload);
  if (event === 'pull_request_target') return pullRequestTargetEvent(run, payload);
  if (event === 'workflow_run') return workflowRunEvent(run, payload);
  if (event === 'issue_comment') return issueCommentEvent(run, payload);
  if (event === 'issues') return issuesEvent(run, payload);
  if (COMMENT_LIKE_EVENTS.has(event)) return discussionEvent(run, payload);

  if (normalizedList(settings.allowedEvents).includes(event)) {
    return actorCheck(run, `${event} is listed in allowed-events`);
  }
  return run.deny(
    'unsupported-event',
    `${event} is not an event this action trusts; list it in allowed-events to allow it (its actors are then checked)`,
  );
}
