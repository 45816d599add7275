// pull_request, pull_request_review, pull_request_review_comment, and pull_request_target.
//
// - pull_request*: a head in another repository (or a deleted one) is `fork-pr`, a skip: GitHub
//   gives those runs no OIDC token anyway. A head in this repository goes through the actor check
//   (GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, the pull request author, and the review or
//   comment author): in a private repository anyone with read access can open a pull request
//   between two existing branches.
// - pull_request_target: `dangerous-event` unless allow-pull-request-target, and a fork head is
//   `dangerous-event` unless allow-fork-heads too; then the actor check, the author included.
//
// Fork detection compares numeric ids (`pull_request.head.repo.id` against `repository.id`), never
// names and never `head.repo.fork` (true for every pull request of a repository that is itself a
// fork). `head.repo` is null when the head repository was deleted (GitHub's schema says it never
// is): treated as a fork.
import { actorCheck } from '../actors.ts';
import {
  type Parsed,
  type PullRequestPayload,
  type PullRequestReviewCommentPayload,
  type PullRequestReviewPayload,
  type Unchecked,
  fields,
  readRepositoryId,
  userLogin,
  userType,
} from '../payload.ts';
import { type ActorSource, type Run, forkPhrase, payloadProblem } from '../run.ts';
import type { GateDecision } from '../types.ts';

/** pull_request* in the issue; pull_request_target is separate. */
export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

type PullRequestEvents = PullRequestPayload | PullRequestReviewPayload | PullRequestReviewCommentPayload;
type PullRequest = PullRequestPayload['pull_request'];

interface PullRequestFacts {
  readonly number: number | undefined;
  /** null: the head repository was deleted. */
  readonly headRepoId: number | null;
  readonly headRepoFullName: string | null;
  readonly author: string | undefined;
  readonly authorType: unknown;
}

function readPullRequest(payload: Unchecked<PullRequestEvents>): Parsed<PullRequestFacts> {
  const pr = fields<PullRequest>(payload.pull_request);
  if (pr === undefined) return { ok: false, problem: 'the event payload has no pull_request' };
  const head = fields<PullRequest['head']>(pr.head);
  if (head === undefined) return { ok: false, problem: 'the event payload has no pull_request.head' };
  let headRepoId: number | null = null; // deleted head repository: treated as a fork
  let headRepoFullName: string | null = null;
  if (head.repo !== null && head.repo !== undefined) {
    const repo = fields<PullRequest['head']['repo']>(head.repo);
    if (repo === undefined || typeof repo.id !== 'number') {
      return { ok: false, problem: 'the event payload has a pull_request.head.repo without a numeric id' };
    }
    headRepoId = repo.id;
    headRepoFullName = typeof repo.full_name === 'string' ? repo.full_name : null;
  }
  const number = typeof pr.number === 'number' ? pr.number : typeof payload.number === 'number' ? payload.number : undefined;
  return {
    ok: true,
    value: { number, headRepoId, headRepoFullName, author: userLogin(pr.user), authorType: userType(pr.user) },
  };
}

export async function pullRequestEvent(run: Run, payload: Unchecked<PullRequestEvents>): Promise<GateDecision> {
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
  if (facts.author === undefined) {
    return payloadProblem(run, 'the event payload does not name the pull request author');
  }
  // A head in this repository is not proof of write access: in a private repository anyone who can
  // read it can open a pull request between two existing branches. So every actor is checked:
  // GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, the pull request author, and for the review
  // events the review or comment author (a review or comment anyone who can read may post).
  if (event !== 'pull_request') {
    const author = event === 'pull_request_review' ? reviewAuthor(payload) : commentAuthor(payload);
    if (typeof author.login !== 'string') {
      return payloadProblem(run, `the event payload does not name ${author.role}`);
    }
    run.addActors([author]);
  }
  return actorCheck(run, 'the pull request head is a branch of this repository');
}

function reviewAuthor(payload: Unchecked<PullRequestReviewPayload>): ActorSource {
  const user = fields<PullRequestReviewPayload['review']>(payload.review)?.user;
  return { login: userLogin(user), type: userType(user), role: 'the review author' };
}

function commentAuthor(payload: Unchecked<PullRequestReviewCommentPayload>): ActorSource {
  const user = fields<PullRequestReviewCommentPayload['comment']>(payload.comment)?.user;
  return { login: userLogin(user), type: userType(user), role: 'the comment author' };
}

export async function pullRequestTargetEvent(run: Run, payload: Unchecked<PullRequestPayload>): Promise<GateDecision> {
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
  if (facts.author === undefined) {
    return payloadProblem(run, 'the event payload does not name the pull request author');
  }
  const fork = facts.headRepoId !== baseId.value;
  const from = forkPhrase(facts.headRepoId, facts.headRepoFullName);
  if (fork && !settings.allowForkHeads) {
    return run.deny('dangerous-event', `the pull request comes from ${from}, and allow-fork-heads is false`);
  }
  if (fork) {
    run.warnings.push(
      `pull_request_target${run.subject === '' ? '' : ` ${run.subject}`} comes from ${from} (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials`,
    );
  }
  return actorCheck(
    run,
    fork
      ? `pull_request_target is allowed (allow-pull-request-target) and so are fork heads (allow-fork-heads): the head is ${from}`
      : 'pull_request_target is allowed (allow-pull-request-target) and the head is a branch of this repository',
  );
}
