// issue_comment, issues, discussion, discussion_comment: events anyone who can open or comment can
// trigger, decided by the actor check (GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, and the
// comment author). The issue's or discussion's own author is not an actor of the run (a writer
// labelling an outsider's issue is the writer's decision): the gate judges who starts the run, not
// who wrote the text the run reads.
//
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
import { actorCheck, botRule } from '../actors.ts';
import { getPullRequestHead } from '../github.ts';
import {
  type DiscussionCommentPayload,
  type DiscussionPayload,
  type IssueCommentPayload,
  type IssuesPayload,
  type Unchecked,
  fields,
  readRepositoryId,
  userLogin,
  userType,
} from '../payload.ts';
import { type Run, forkPhrase, payloadProblem } from '../run.ts';
import type { GateDecision } from '../types.ts';

/** Events outsiders can trigger that are decided by the actor check alone. */
export const COMMENT_LIKE_EVENTS: ReadonlySet<string> = new Set(['issue_comment', 'issues', 'discussion', 'discussion_comment']);

type Issue = IssueCommentPayload['issue'];

export async function issueCommentEvent(run: Run, payload: Unchecked<IssueCommentPayload>): Promise<GateDecision> {
  const issue = fields<Issue>(payload.issue);
  if (issue === undefined) return payloadProblem(run, 'the event payload has no issue');
  const number = issue.number;
  const onPullRequest = issue.pull_request !== undefined && issue.pull_request !== null;
  if (typeof number === 'number') run.subject = `on ${onPullRequest ? 'pull request' : 'issue'} #${number}`;
  const commentUser = fields<IssueCommentPayload['comment']>(payload.comment)?.user;
  const author = userLogin(commentUser);
  run.addActors([{ login: author, type: userType(commentUser), role: 'the comment author' }]);
  if (author === undefined) return payloadProblem(run, 'the event payload does not name the comment author');

  if (!onPullRequest) return actorCheck(run, 'a comment on an issue');
  return onPullRequestOfIssue(run, payload, number, { what: 'a comment', the: 'the comment' });
}

// Checked: GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR and the sender. An issue that is a pull request
// gets the rule of a comment on a pull request: its head is looked up and its author is checked.
export async function issuesEvent(run: Run, payload: Unchecked<IssuesPayload>): Promise<GateDecision> {
  const issue = fields<IssuesPayload['issue']>(payload.issue);
  const number = issue?.number;
  const onPullRequest = issue?.pull_request !== undefined && issue.pull_request !== null;
  if (typeof number === 'number') run.subject = onPullRequest ? `on pull request #${number}` : `#${number}`;
  if (!onPullRequest) return actorCheck(run, 'issues can be triggered by anyone who can open or comment');
  return onPullRequestOfIssue(run, payload, number, { what: 'an issues event', the: 'the issues event' });
}

// Checked: GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the sender, and for discussion_comment the comment
// author.
export async function discussionEvent(run: Run, payload: Unchecked<DiscussionPayload | DiscussionCommentPayload>): Promise<GateDecision> {
  const event = run.context.eventName;
  const discussion = fields<DiscussionPayload['discussion']>(payload.discussion);
  if (typeof discussion?.number === 'number') run.subject = `#${discussion.number}`;
  if (event === 'discussion_comment') {
    const commentUser = fields<DiscussionCommentPayload['comment']>(payload.comment)?.user;
    const author = userLogin(commentUser);
    run.addActors([{ login: author, type: userType(commentUser), role: 'the comment author' }]);
    if (author === undefined) return payloadProblem(run, 'the event payload does not name the comment author');
  }
  return actorCheck(run, `${event} can be triggered by anyone who can open or comment`);
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
  payload: Unchecked<IssueCommentPayload | IssuesPayload>,
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
