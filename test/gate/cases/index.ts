// Every table of gate cases, in one list: for the checks that span them all (every reason is
// reached; the token never appears in a decision).
import type { Case } from '../builders.ts';
import { blankLogins } from './blank-logins.ts';
import { faults } from './faults.ts';
import { issueComment } from './issue-comment.ts';
import { commentLike, issuesOnPullRequest } from './issues.ts';
import { pullRequestTarget } from './pull-request-target.ts';
import { pullRequestEvents } from './pull-request.ts';
import { trustedEvents } from './trusted.ts';
import { unsupported } from './unsupported.ts';
import { workflowRun } from './workflow-run.ts';

export const tables: Array<[string, Case[]]> = [
  ['trusted events', trustedEvents],
  ['pull_request, pull_request_review, pull_request_review_comment', pullRequestEvents],
  ['pull_request_target', pullRequestTarget],
  ['workflow_run', workflowRun],
  ['issue_comment', issueComment],
  ['issues, discussion, discussion_comment', commentLike],
  ['issues on a pull request', issuesOnPullRequest],
  ['unknown events and allowed-events', unsupported],
  ['faults of the GitHub API', faults],
  ['blank logins', blankLogins],
];
