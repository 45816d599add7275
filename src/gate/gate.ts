// The fork-safety gate: decides, before anything is minted, whether this run is trusted.
//
// Pure logic plus the two GitHub REST look-ups in ./github-api.ts. No @actions/core: the caller
// logs `summary` and `warnings`, writes `summary` to the step summary, and sets the outputs
// `allowed` and `reason`. The decision fails closed: any doubt (unreadable payload, failed or
// malformed API answer, unknown event) denies.
//
// Policy (see the issue and shared/notes/github-oidc-and-forks.md):
// - The bot rule, on every event and before any look-up: an actor that is a bot (a login ending in
//   `[bot]`, or a payload user of type "Bot") is `bot-not-allowed` unless allowed-bots names it.
//   The actors are GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the payload's sender and, per event, the
//   pull request, review or comment author and the workflow_run actors. One exemption: GitHub's own
//   merge queue (github-merge-queue[bot]), on merge_group and on a push to one of its branches
//   (`refs/heads/gh-readonly-queue/…`, read from the payload's `ref` and GITHUB_REF, which must
//   agree): only people with write access can put a pull request in the queue. Any other bot, on
//   those branches too, and a push by dependabot[bot] need allowed-bots.
// - push, workflow_dispatch, schedule, merge_group, release, create, repository_dispatch: only
//   writers or the repository itself start them, so no permission look-up; the bot rule applies.
//   A missing or unreadable event file is tolerated (the environment names the actors), but a run
//   with no known actor at all is `permission-check-failed`.
//   repository_dispatch: POST /repos/{owner}/{repo}/dispatches needs a token with write access to
//   this repository (contents: write), like workflow_dispatch, so it is trusted the same way. Its
//   sender is the token's owner, often a GitHub App or this repository's GITHUB_TOKEN
//   (github-actions[bot]): a bot, so it needs allowed-bots. Its `client_payload` is as trusted as
//   whoever holds such a token; a workflow that relays outsiders' text into a dispatch makes it
//   outsiders' text.
// - pull_request, pull_request_review, pull_request_review_comment: a head in another repository
//   (or a deleted one) is `fork-pr`, a skip: GitHub gives those runs no OIDC token anyway. A head
//   in this repository goes through the actor check (GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the
//   sender, the pull request author, and the review or comment author): in a private repository
//   anyone with read access can open a pull request between two existing branches.
// - pull_request_target: `dangerous-event` unless allow-pull-request-target, and a fork head is
//   `dangerous-event` unless allow-fork-heads too; then the actor check.
// - workflow_run: `dangerous-event` when the triggering run came from a fork head (always: the
//   issue gives no switch for it); otherwise the actor check.
// - issue_comment, issues, discussion, discussion_comment: the actor check. For a comment on a
//   pull request, or an issues event whose issue is a pull request (`issue.pull_request`, e.g.
//   milestoned), the pull request is looked up: a fork head is `dangerous-event` unless
//   allow-fork-heads, and its author is an actor like on pull_request (see below).
// - anything else: `unsupported-event`, unless named in allowed-events; then the actor check.
// In a reusable workflow GITHUB_EVENT_NAME and the payload are the caller's, so nothing changes.
//
// Fork detection compares numeric ids (`head.repo.id`, `workflow_run.head_repository.id` against
// `repository.id`), never names and never `head.repo.fork` (true for every PR of a repository that
// is itself a fork).
//
// Lookups keyed by strings from outside (event names, logins, permissions GitHub reports) use Sets
// and Maps, never plain objects: `RANK["toString"]` would find Object.prototype's method.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { type GitHubApiOptions, clip, getCollaboratorPermission, getPullRequestHead, redact } from './github.ts';

export type GateReason =
  | 'ok'
  | 'fork-pr'
  | 'dangerous-event'
  | 'insufficient-permission'
  | 'not-a-collaborator'
  | 'bot-not-allowed'
  | 'permission-check-failed'
  | 'unsupported-event';

export const GATE_REASONS: readonly GateReason[] = [
  'ok',
  'fork-pr',
  'dangerous-event',
  'insufficient-permission',
  'not-a-collaborator',
  'bot-not-allowed',
  'permission-check-failed',
  'unsupported-event',
];

export type MinPermission = 'read' | 'write' | 'admin';
export const MIN_PERMISSIONS: readonly MinPermission[] = ['read', 'write', 'admin'];
export function isMinPermission(value: string): value is MinPermission {
  return (MIN_PERMISSIONS as readonly string[]).includes(value);
}

export interface GateSettings {
  /** Input allow-pull-request-target, default false. */
  readonly allowPullRequestTarget: boolean;
  /** Input allow-fork-heads, default false. */
  readonly allowForkHeads: boolean;
  /** Input min-permission, default write. */
  readonly minPermission: MinPermission;
  /** Input allowed-bots: logins with or without the `[bot]` suffix, any case. */
  readonly allowedBots: readonly string[];
  /** Input allowed-users: logins, any case. */
  readonly allowedUsers: readonly string[];
  /** Input allowed-events: extra event names; they still go through the actor check. */
  readonly allowedEvents: readonly string[];
  /** Input github-token, default the job's token. Never appears in any message. */
  readonly githubToken: string;
}

export interface GateContext {
  readonly eventName: string;
  /** GITHUB_REPOSITORY, OWNER/REPO. */
  readonly repository: string;
  readonly actor: string;
  readonly triggeringActor: string;
  /** GITHUB_API_URL without a trailing slash. */
  readonly apiUrl: string;
  /** GITHUB_REF, e.g. refs/heads/main; empty when unset. */
  readonly ref: string;
  /** The parsed event file (a JSON object), or undefined when it could not be read. */
  readonly payload: unknown;
  /** Why the payload is undefined, for the decision message. */
  readonly payloadError?: string;
}

export interface GateDecision {
  readonly allowed: boolean;
  readonly reason: GateReason;
  /** One line a person understands: who, which event, which rule. Never contains the token. */
  readonly summary: string;
  /** Things the caller should log as warnings (allowed-users overrides, fork heads let through…). */
  readonly warnings: readonly string[];
  /** Every login involved in the run, deduplicated case-insensitively, in the order found. */
  readonly actors: readonly string[];
}

export interface GateDeps {
  readonly userAgent?: string;
  /** Per GitHub API request, default 10 s. */
  readonly timeoutMs?: number;
  /** Used before the single retry of a transient failure. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly retryDelayMs?: number;
  /** Epoch milliseconds by which every look-up of this decision must be done. */
  readonly deadline?: number;
  readonly now?: () => number;
}

const DEFAULT_API_URL = 'https://api.github.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_USER_AGENT = 'claude-oidc-action (fork-safety gate)';

/** Started only by people (or tokens) with write access, or by the repository itself. */
const TRUSTED_EVENTS: ReadonlySet<string> = new Set([
  'push',
  'workflow_dispatch',
  'schedule',
  'merge_group',
  'release',
  'create',
  'repository_dispatch',
]);
/** pull_request* in the issue; pull_request_target is separate. */
const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);
/** Events outsiders can trigger that are decided by the actor check alone. */
const COMMENT_LIKE_EVENTS: ReadonlySet<string> = new Set(['issue_comment', 'issues', 'discussion', 'discussion_comment']);

function isKnownEvent(name: string): boolean {
  return (
    TRUSTED_EVENTS.has(name) ||
    PULL_REQUEST_EVENTS.has(name) ||
    COMMENT_LIKE_EVENTS.has(name) ||
    name === 'pull_request_target' ||
    name === 'workflow_run'
  );
}

/** Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the JSON file), GITHUB_REPOSITORY, GITHUB_ACTOR,
 *  GITHUB_TRIGGERING_ACTOR, GITHUB_API_URL and GITHUB_REF. Never throws: an unreadable or
 *  malformed event file leaves `payload` undefined and says why in `payloadError`. */
export function readGateContext(env: NodeJS.ProcessEnv): GateContext {
  const base = {
    eventName: (env['GITHUB_EVENT_NAME'] ?? '').trim(),
    repository: (env['GITHUB_REPOSITORY'] ?? '').trim(),
    actor: (env['GITHUB_ACTOR'] ?? '').trim(),
    triggeringActor: (env['GITHUB_TRIGGERING_ACTOR'] ?? '').trim(),
    apiUrl: ((env['GITHUB_API_URL'] ?? '').trim() || DEFAULT_API_URL).replace(/\/+$/, ''),
    ref: (env['GITHUB_REF'] ?? '').trim(),
  };
  const path = env['GITHUB_EVENT_PATH'] ?? '';
  if (path === '') return { ...base, payload: undefined, payloadError: 'GITHUB_EVENT_PATH is not set' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    return { ...base, payload: undefined, payloadError: `the event file could not be read (${code})` };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ...base, payload: undefined, payloadError: 'the event file is not valid JSON' };
  }
  if (!isRecord(payload)) return { ...base, payload: undefined, payloadError: 'the event file is not a JSON object' };
  return { ...base, payload };
}

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

// ---------------------------------------------------------------------------------------------

interface Actor {
  readonly login: string;
  readonly key: string;
  readonly roles: string[];
  bot: boolean;
}

interface ActorSource {
  readonly login: unknown;
  readonly role: string;
  /** `type` of the payload's user object ("User", "Bot", "Organization"). */
  readonly type?: unknown;
}

class Run {
  readonly settings: GateSettings;
  readonly context: GateContext;
  readonly api: GitHubApiOptions;
  readonly warnings: string[] = [];
  readonly actors: Actor[] = [];
  /** Extra words for the run's description, e.g. "#12" or "on pull request #12". */
  subject = '';

  constructor(settings: GateSettings, context: GateContext, api: GitHubApiOptions) {
    this.settings = settings;
    this.context = context;
    this.api = api;
  }

  addActors(sources: readonly ActorSource[]): void {
    for (const source of sources) {
      if (typeof source.login !== 'string') continue;
      const login = source.login.trim();
      if (login === '') continue;
      const key = login.toLowerCase();
      const bot = key.endsWith('[bot]') || source.type === 'Bot';
      const existing = this.actors.find((a) => a.key === key);
      if (existing === undefined) {
        this.actors.push({ login, key, roles: [source.role], bot });
      } else {
        if (!existing.roles.includes(source.role)) existing.roles.push(source.role);
        existing.bot ||= bot;
      }
    }
  }

  describe(): string {
    return describeRun(this.context, this.subject);
  }

  finish(allowed: boolean, reason: GateReason, why: string): GateDecision {
    const verdict = allowed ? 'Allowed' : 'Denied';
    return {
      allowed,
      reason,
      summary: `${verdict} (${reason}): ${this.describe()}: ${why}`,
      warnings: [...this.warnings],
      actors: this.actors.map((a) => a.login),
    };
  }

  allow(why: string): GateDecision {
    return this.finish(true, 'ok', why);
  }

  deny(reason: Exclude<GateReason, 'ok'>, why: string): GateDecision {
    return this.finish(false, reason, why);
  }
}

async function decideUnsafe(settings: GateSettings, context: GateContext, deps: GateDeps): Promise<GateDecision> {
  const api: GitHubApiOptions = {
    apiUrl: context.apiUrl || DEFAULT_API_URL,
    token: settings.githubToken,
    userAgent: deps.userAgent ?? DEFAULT_USER_AGENT,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    sleep: deps.sleep ?? ((ms: number) => delay(ms).then(() => undefined)),
    ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }),
    ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
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
  if (COMMENT_LIKE_EVENTS.has(event)) return commentLikeEvent(run, payload);

  if (normalizedList(settings.allowedEvents).includes(event)) {
    return actorCheck(run, `${event} is listed in allowed-events`);
  }
  return run.deny(
    'unsupported-event',
    `${event} is not an event this action trusts; list it in allowed-events to allow it (its actors are then checked)`,
  );
}

// --- push, workflow_dispatch, schedule, merge_group, release, create, repository_dispatch --------

// No permission look-up: only people with write access (or the repository itself) can start these.
// But a bot can (Dependabot pushes its branches here; an app token can publish a release or send a
// repository_dispatch), and a bot is let through only when allowed-bots names it. For schedule
// GITHUB_ACTOR is the user who last changed the cron; a bot there is denied too.
function trustedEvent(run: Run): GateDecision {
  const event = run.context.eventName;
  const context =
    event === 'repository_dispatch'
      ? 'repository_dispatch runs are started only with a token that has write access to this repository'
      : `${event} runs are started only by people with write access or by the repository itself`;
  if (run.actors.length === 0) {
    return run.deny(
      'permission-check-failed',
      `${context}, but no actor of the run is known (GITHUB_ACTOR is empty and the payload names no sender), so the bot rule cannot be applied`,
    );
  }
  const bots = botRule(run, context);
  if (!bots.ok) return bots.decision;
  const passed = bots.passed.length === 0 ? 'no actor is a bot' : `bots let through: ${bots.passed.join(', ')}`;
  return run.allow(`${context}; ${passed}`);
}

function baseActorSources(context: GateContext): ActorSource[] {
  return [
    { login: context.actor, role: 'GITHUB_ACTOR' },
    { login: context.triggeringActor, role: 'GITHUB_TRIGGERING_ACTOR' },
  ];
}

// --- pull_request, pull_request_review, pull_request_review_comment -----------------------------

interface PullRequestFacts {
  readonly number: number | undefined;
  /** null: the head repository was deleted. */
  readonly headRepoId: number | null;
  readonly headRepoFullName: string | null;
  readonly author: unknown;
  readonly authorType: unknown;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function readRepositoryId(payload: Record<string, unknown>): Parsed<number> {
  const repository = payload['repository'];
  if (!isRecord(repository) || typeof repository['id'] !== 'number') {
    return { ok: false, problem: 'the event payload has no numeric repository.id' };
  }
  return { ok: true, value: repository['id'] };
}

function readPullRequest(payload: Record<string, unknown>): Parsed<PullRequestFacts> {
  const pr = payload['pull_request'];
  if (!isRecord(pr)) return { ok: false, problem: 'the event payload has no pull_request' };
  const head = pr['head'];
  if (!isRecord(head)) return { ok: false, problem: 'the event payload has no pull_request.head' };
  const repo = head['repo'];
  let headRepoId: number | null;
  let headRepoFullName: string | null = null;
  if (repo === null || repo === undefined) {
    headRepoId = null; // deleted fork: treated as a fork
  } else if (isRecord(repo) && typeof repo['id'] === 'number') {
    headRepoId = repo['id'];
    headRepoFullName = typeof repo['full_name'] === 'string' ? repo['full_name'] : null;
  } else {
    return { ok: false, problem: 'the event payload has a pull_request.head.repo without a numeric id' };
  }
  const number = typeof pr['number'] === 'number' ? pr['number'] : typeof payload['number'] === 'number' ? payload['number'] : undefined;
  return {
    ok: true,
    value: { number, headRepoId, headRepoFullName, author: userLogin(pr['user']), authorType: userType(pr['user']) },
  };
}

function forkPhrase(headRepoId: number | null, fullName: string | null): string {
  if (headRepoId === null) return 'a head repository that was deleted (treated as a fork)';
  return `the fork ${fullName === null ? `with repository id ${headRepoId}` : name(fullName)}`;
}

async function pullRequestEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const event = run.context.eventName;
  const baseId = readRepositoryId(payload);
  const pr = readPullRequest(payload);
  if (!baseId.ok) return payloadProblem(run, baseId.problem);
  if (!pr.ok) return payloadProblem(run, pr.problem);
  const facts = pr.value;
  if (facts.number !== undefined) run.subject = `#${facts.number}`;
  run.addActors([{ login: facts.author, type: facts.authorType, role: 'the pull request author' }]);

  if (facts.headRepoId !== baseId.value) {
    return run.deny(
      'fork-pr',
      `the pull request comes from ${forkPhrase(facts.headRepoId, facts.headRepoFullName)}; GitHub gives runs for fork pull requests no OIDC token (and no secrets), so no credentials can be minted here and the step is skipped`,
    );
  }
  if (typeof facts.author !== 'string') {
    return payloadProblem(run, 'the event payload does not name the pull request author');
  }
  // A head in this repository is not proof of write access: in a private repository anyone who can
  // read it can open a pull request between two existing branches. So every actor is checked:
  // GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, the pull request author, and for the review
  // events the review or comment author (a review or comment anyone who can read may post).
  if (event !== 'pull_request') {
    const author =
      event === 'pull_request_review'
        ? {
            login: userLogin(recordField(payload, 'review', 'user')),
            type: userType(recordField(payload, 'review', 'user')),
            role: 'the review author',
          }
        : {
            login: userLogin(recordField(payload, 'comment', 'user')),
            type: userType(recordField(payload, 'comment', 'user')),
            role: 'the comment author',
          };
    if (typeof author.login !== 'string') {
      return payloadProblem(run, `the event payload does not name ${author.role}`);
    }
    run.addActors([author]);
  }
  return actorCheck(run, 'the pull request head is a branch of this repository');
}

// --- pull_request_target ------------------------------------------------------------------------

async function pullRequestTargetEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const { settings } = run;
  const baseId = readRepositoryId(payload);
  const pr = readPullRequest(payload);
  if (pr.ok && pr.value.number !== undefined) run.subject = `#${pr.value.number}`;
  if (pr.ok) run.addActors([{ login: pr.value.author, type: pr.value.authorType, role: 'the pull request author' }]);
  if (!settings.allowPullRequestTarget) {
    return run.deny(
      'dangerous-event',
      "pull_request_target runs with this repository's privileges for a pull request anyone can open; set allow-pull-request-target: true to allow it (its actors are then checked)",
    );
  }
  if (!baseId.ok) return payloadProblem(run, baseId.problem);
  if (!pr.ok) return payloadProblem(run, pr.problem);
  const facts = pr.value;
  if (typeof facts.author !== 'string') {
    return payloadProblem(run, 'the event payload does not name the pull request author');
  }
  const fork = facts.headRepoId !== baseId.value;
  if (fork && !settings.allowForkHeads) {
    return run.deny(
      'dangerous-event',
      `the pull request comes from ${forkPhrase(facts.headRepoId, facts.headRepoFullName)}, and allow-fork-heads is false`,
    );
  }
  if (fork) {
    run.warnings.push(
      `pull_request_target${run.subject === '' ? '' : ` ${run.subject}`} comes from ${forkPhrase(facts.headRepoId, facts.headRepoFullName)} (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials`,
    );
  }
  return actorCheck(
    run,
    fork
      ? `pull_request_target is allowed (allow-pull-request-target) and so are fork heads (allow-fork-heads): the head is ${forkPhrase(facts.headRepoId, facts.headRepoFullName)}`
      : 'pull_request_target is allowed (allow-pull-request-target) and the head is a branch of this repository',
  );
}

// --- workflow_run -------------------------------------------------------------------------------

async function workflowRunEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const baseId = readRepositoryId(payload);
  if (!baseId.ok) return payloadProblem(run, baseId.problem);
  const wr = payload['workflow_run'];
  if (!isRecord(wr)) return payloadProblem(run, 'the event payload has no workflow_run');
  const workflowName = typeof wr['name'] === 'string' ? `"${name(wr['name'])}"` : 'the triggering workflow';
  const triggerEvent = typeof wr['event'] === 'string' ? ` (${name(wr['event'])})` : '';
  run.subject = `after ${workflowName}${triggerEvent}`;
  run.addActors([
    { login: userLogin(wr['actor']), type: userType(wr['actor']), role: 'the workflow_run actor' },
    { login: userLogin(wr['triggering_actor']), type: userType(wr['triggering_actor']), role: 'the workflow_run triggering actor' },
  ]);

  const head = wr['head_repository'];
  let headId: number | null;
  let headName: string | null = null;
  if (head === null || head === undefined) {
    headId = null;
  } else if (isRecord(head) && typeof head['id'] === 'number') {
    headId = head['id'];
    headName = typeof head['full_name'] === 'string' ? head['full_name'] : null;
  } else {
    return payloadProblem(run, 'the event payload has a workflow_run.head_repository without a numeric id');
  }
  if (headId !== baseId.value) {
    // No switch for this one in the issue: the artifacts, branch names and titles a fork run
    // leaves behind are attacker-controlled, and the privileged follow-up run is exactly the
    // "pwn request" GitHub Security Lab describes.
    const where = headId === null ? 'a head repository that is missing (treated as a fork)' : forkPhrase(headId, headName);
    return run.deny('dangerous-event', `the triggering run ran on ${where}; workflow_run after a fork run is never trusted`);
  }
  if (typeof userLogin(wr['actor']) !== 'string') {
    return payloadProblem(run, 'the event payload does not name the workflow_run actor');
  }
  return actorCheck(run, 'the triggering run ran on a branch of this repository');
}

// --- issue_comment, and issues on a pull request -----------------------------------------------

// A comment on a pull request, and an issues event whose issue is a pull request (GitHub sends
// `issues` for some changes to a pull request's issue, e.g. milestoned), carry no head repository
// and no pull request author, so the pull request is looked up (GET /repos/{o}/{r}/pulls/{n}).
// - Its author is an actor of the run, as on pull_request and pull_request_target: on a public
//   repository anyone can open a pull request between two existing branches, and in a private one
//   anyone with read access can, so a same-repository head says nothing about who wrote the title,
//   the body and the code an agent started here would act on. An answer without an author fails
//   closed.
// - A fork head does not by itself deny (the comment or the label, not the fork, started the run),
//   but with allow-fork-heads: false (the default) it is `dangerous-event`: an agent started from
//   it would be asked to act on fork code while holding credentials. With allow-fork-heads: true
//   the run goes on to the actor check, the author included (as for pull_request_target, so the
//   opt-in admits a fork only when its author passes too), and the fork is named in the summary
//   and in a warning.
// A comment on a plain issue checks the commenter and the run's actors, not the issue's author: the
// gate judges who starts the run, not who wrote the text the run reads.
async function issueCommentEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const issue = payload['issue'];
  if (!isRecord(issue)) return payloadProblem(run, 'the event payload has no issue');
  const number = issue['number'];
  const onPullRequest = issue['pull_request'] !== undefined && issue['pull_request'] !== null;
  if (typeof number === 'number') run.subject = `on ${onPullRequest ? 'pull request' : 'issue'} #${number}`;
  const commentUser = recordField(payload, 'comment', 'user');
  const author = userLogin(commentUser);
  run.addActors([{ login: author, type: userType(commentUser), role: 'the comment author' }]);
  if (typeof author !== 'string') return payloadProblem(run, 'the event payload does not name the comment author');

  if (!onPullRequest) return actorCheck(run, 'a comment on an issue');
  return onPullRequestOfIssue(run, payload, number, { what: 'a comment', the: 'the comment' });
}

interface IssueEventWords {
  /** "a comment": the start of the decision's rule, e.g. "a comment on a fork pull request". */
  readonly what: string;
  /** "the comment": the start of the fork warning. */
  readonly the: string;
}

/** The rule for an event on a pull request's issue: the bot rule, the look-up, the fork rule, then
 *  the actor check with the pull request author added. */
async function onPullRequestOfIssue(
  run: Run,
  payload: Record<string, unknown>,
  number: unknown,
  words: IssueEventWords,
): Promise<GateDecision> {
  if (typeof number !== 'number') return payloadProblem(run, 'the event payload has no issue.number');
  // The bot rule needs no look-up: a bot that is not allowed is denied before the pull request is.
  const bots = botRule(run, `${words.what} on a pull request`);
  if (!bots.ok) return bots.decision;

  const baseId = readRepositoryId(payload);
  if (!baseId.ok) return payloadProblem(run, baseId.problem);
  const pr = await getPullRequestHead(run.api, run.context.repository, number);
  if (pr.kind === 'failed') {
    return run.deny('permission-check-failed', `could not check pull request #${number}: ${pr.message}`);
  }
  if (pr.kind === 'not-found') {
    return run.deny(
      'permission-check-failed',
      `could not check pull request #${number}: GitHub answered 404 (not found, or github-token cannot read pull requests)`,
    );
  }
  run.addActors([{ login: pr.authorLogin, type: pr.authorType, role: 'the pull request author' }]);
  const fork = pr.headRepoId !== baseId.value;
  if (!fork) return actorCheck(run, `${words.what} on a pull request whose head is a branch of this repository`);
  const from = forkPhrase(pr.headRepoId, pr.headRepoFullName);
  if (!run.settings.allowForkHeads) {
    return run.deny(
      'dangerous-event',
      `${words.what} on a fork pull request: #${number} comes from ${from}, and allow-fork-heads is false (the agent would be asked to act on fork code)`,
    );
  }
  run.warnings.push(
    `${words.the} is on pull request #${number} from ${from} (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials`,
  );
  return actorCheck(run, `${words.what} on a pull request from ${from}, allowed by allow-fork-heads`);
}

// --- issues -------------------------------------------------------------------------------------

// Checked: GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR and the sender. The issue's own author is not an
// actor of this run (a writer labelling an outsider's issue is the writer's decision), as for a
// comment on an issue. An issue that is a pull request gets the rule of a comment on a pull
// request (above): its head is looked up and its author is checked.
async function issuesEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const issue = payload['issue'];
  const number = isRecord(issue) ? issue['number'] : undefined;
  const onPullRequest = isRecord(issue) && issue['pull_request'] !== undefined && issue['pull_request'] !== null;
  if (typeof number === 'number') run.subject = onPullRequest ? `on pull request #${number}` : `#${number}`;
  if (!onPullRequest) return actorCheck(run, 'issues can be triggered by anyone who can open or comment');
  return onPullRequestOfIssue(run, payload, number, { what: 'an issues event', the: 'the issues event' });
}

// --- discussion, discussion_comment -------------------------------------------------------------

// Checked: GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, and for discussion_comment the comment
// author. The discussion's own author is not an actor of this run, as for issues.
async function commentLikeEvent(run: Run, payload: Record<string, unknown>): Promise<GateDecision> {
  const event = run.context.eventName;
  const subject = payload['discussion'];
  if (isRecord(subject) && typeof subject['number'] === 'number') run.subject = `#${subject['number']}`;
  if (event === 'discussion_comment') {
    const commentUser = recordField(payload, 'comment', 'user');
    const author = userLogin(commentUser);
    run.addActors([{ login: author, type: userType(commentUser), role: 'the comment author' }]);
    if (typeof author !== 'string') return payloadProblem(run, 'the event payload does not name the comment author');
  }
  return actorCheck(run, `${event} can be triggered by anyone who can open or comment`);
}

// --- the actor check ----------------------------------------------------------------------------

/** A Map, not a plain object: a permission string GitHub reports must not find `toString`. */
const RANK: ReadonlyMap<string, number> = new Map<string, number>([
  ['none', 0],
  ['read', 1],
  ['write', 2],
  ['admin', 3],
]);

type BotRuleResult = { readonly ok: true; readonly passed: string[] } | { readonly ok: false; readonly decision: GateDecision };

/** GitHub's merge queue: it starts every merge_group run and pushes the queue's branches, and only
 *  writers can enqueue. */
const MERGE_QUEUE_BOT = 'github-merge-queue';
/** Its login, exactly (any case): on a push nothing less is taken for the merge queue. */
const MERGE_QUEUE_LOGIN = 'github-merge-queue[bot]';
/** The branches the merge queue creates and pushes: gh-readonly-queue/{base}/pr-{n}-{sha}. */
const MERGE_QUEUE_REF_PREFIX = 'refs/heads/gh-readonly-queue/';

/** The merge queue's exemption from the bot rule, as the words that name it, or undefined when it
 *  does not apply to this actor: github-merge-queue[bot] on merge_group, or on a push to one of the
 *  queue's branches. */
function mergeQueueExemption(context: GateContext, actor: Actor): string | undefined {
  if (context.eventName === 'merge_group') return botKey(actor.key) === MERGE_QUEUE_BOT ? "GitHub's merge queue" : undefined;
  if (context.eventName === 'push' && actor.key === MERGE_QUEUE_LOGIN && pushToMergeQueueBranch(context)) {
    return "GitHub's merge queue, pushing one of its gh-readonly-queue/ branches";
  }
  return undefined;
}

/** Every ref known (the payload's `ref`, GITHUB_REF) is under refs/heads/gh-readonly-queue/, and
 *  they agree; with neither known, false. */
function pushToMergeQueueBranch(context: GateContext): boolean {
  const refs: string[] = [];
  if (isRecord(context.payload) && context.payload['ref'] !== undefined) {
    const ref = context.payload['ref'];
    if (typeof ref !== 'string') return false;
    refs.push(ref);
  }
  if (context.ref !== '') refs.push(context.ref);
  return (
    refs.length > 0 &&
    refs.every((ref) => ref === refs[0] && ref.startsWith(MERGE_QUEUE_REF_PREFIX) && ref.length > MERGE_QUEUE_REF_PREFIX.length)
  );
}

/** The bot rule: every actor that is a bot must be named in allowed-bots. Needs no look-up. */
function botRule(run: Run, context: string): BotRuleResult {
  const allowedBots = new Set(normalizedList(run.settings.allowedBots).map(botKey));
  const passed: string[] = [];
  for (const actor of run.actors.filter((a) => a.bot)) {
    const mergeQueue = mergeQueueExemption(run.context, actor);
    if (mergeQueue !== undefined) {
      passed.push(`${name(actor.login)} (${mergeQueue})`);
      continue;
    }
    if (!allowedBots.has(botKey(actor.key))) {
      return {
        ok: false,
        decision: run.deny(
          'bot-not-allowed',
          `${context}; ${who(actor)} is a bot, and allowed-bots does not name it; to trust it, add it to allowed-bots (e.g. \`allowed-bots: ${name(actor.login)}\`)`,
        ),
      };
    }
    passed.push(`${name(actor.login)} (allowed bot)`);
  }
  return { ok: true, passed };
}

/** Every actor must hold min-permission; bots need allowed-bots; allowed-users override with a
 *  warning. Stops at the first denial, bots first (they need no look-up). An unknown permission
 *  or an unknown min-permission denies (`permission-check-failed`). */
async function actorCheck(run: Run, context: string): Promise<GateDecision> {
  const { settings } = run;
  const min = settings.minPermission;
  if (run.actors.length === 0) {
    return run.deny(
      'permission-check-failed',
      `${context}, but no actor of the run is known (GITHUB_ACTOR is empty), so none can be checked`,
    );
  }
  const needed = RANK.get(min);
  if (needed === undefined) {
    return run.deny('permission-check-failed', `${context}, but min-permission "${name(min)}" is not one of read, write, admin`);
  }
  const allowedUsers = new Set(normalizedList(settings.allowedUsers));
  const bots = botRule(run, context);
  if (!bots.ok) return bots.decision;
  const passed: string[] = [...bots.passed];

  for (const actor of run.actors.filter((a) => !a.bot)) {
    const answer = await getCollaboratorPermission(run.api, run.context.repository, actor.login);
    const listed = allowedUsers.has(actor.key);
    if (answer.kind === 'failed') {
      return run.deny('permission-check-failed', `${context}; could not check ${who(actor)}: ${answer.message}`);
    }
    if (answer.kind === 'not-found') {
      if (!listed) {
        return run.deny('not-a-collaborator', `${context}; ${who(actor)} is not a collaborator of ${name(run.context.repository)}`);
      }
      run.warnings.push(
        `${name(actor.login)} is not a collaborator of ${name(run.context.repository)} but is let through by allowed-users`,
      );
      passed.push(`${name(actor.login)} (allowed-users, not a collaborator)`);
      continue;
    }
    const rank = RANK.get(answer.permission);
    if (rank === undefined) {
      return run.deny(
        'permission-check-failed',
        `${context}; could not check ${who(actor)}: GitHub reported a permission the gate does not know`,
      );
    }
    if (rank < needed) {
      if (!listed) {
        return run.deny(
          'insufficient-permission',
          `${context}; ${who(actor)} has ${answer.permission} access, below min-permission ${min}`,
        );
      }
      run.warnings.push(
        `${name(actor.login)} has ${answer.permission} access, below min-permission ${min}, but is let through by allowed-users`,
      );
      passed.push(`${name(actor.login)} (allowed-users, ${answer.permission})`);
      continue;
    }
    passed.push(`${name(actor.login)} (${answer.permission})`);
  }

  if (min === 'read') {
    run.warnings.push(
      'min-permission is read: on a public repository GitHub reports read access for every account, so the actor check admits anyone there',
    );
  }
  return run.allow(`${context}; every actor passed the actor check (min-permission ${min}): ${passed.join(', ')}`);
}

// --- helpers ------------------------------------------------------------------------------------

function payloadProblem(run: Run, problem: string): GateDecision {
  return run.deny('permission-check-failed', `could not read the event payload: ${problem}, so the run cannot be judged`);
}

function describeRun(context: GateContext, subject = ''): string {
  const event = context.eventName === '' ? 'an unnamed event' : name(context.eventName);
  const repo = context.repository === '' ? 'an unnamed repository' : name(context.repository);
  const by = context.actor === '' ? '' : ` by ${name(context.actor)}`;
  const rerun =
    context.triggeringActor !== '' && context.triggeringActor.toLowerCase() !== context.actor.toLowerCase()
      ? ` (re-run by ${name(context.triggeringActor)})`
      : '';
  return `${event}${subject === '' ? '' : ` ${subject}`} in ${repo}${by}${rerun}`;
}

function who(actor: Actor): string {
  return `${name(actor.login)} (${actor.roles.join(', ')})`;
}

/** A name from the payload or the environment, safe for a one-line message. */
function name(text: string): string {
  return clip(text, 100);
}

function normalizedList(list: readonly string[]): string[] {
  return list.map((item) => item.trim().replace(/^@/, '').toLowerCase()).filter((item) => item !== '');
}

function botKey(login: string): string {
  return login.toLowerCase().replace(/\[bot\]$/, '');
}

/** A user's login, trimmed; undefined when there is none, and a blank login names nobody: the
 *  payload checks then fail closed instead of deciding on the other actors alone. */
function userLogin(user: unknown): string | undefined {
  if (!isRecord(user) || typeof user['login'] !== 'string') return undefined;
  const login = user['login'].trim();
  return login === '' ? undefined : login;
}

function userType(user: unknown): unknown {
  return isRecord(user) ? user['type'] : undefined;
}

function recordField(payload: Record<string, unknown>, key: string, field: string): unknown {
  const value = payload[key];
  return isRecord(value) ? value[field] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
