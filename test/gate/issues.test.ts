// The gate on issue_comment, issues, discussion and discussion_comment, and on a comment or an
// issues event on a pull request (whose pull request is looked up). The cases are in
// ./cases/issue-comment.ts and ./cases/issues.ts; each runs as a test of its own.
import { issueComment } from './cases/issue-comment.ts';
import { commentLike, issuesOnPullRequest } from './cases/issues.ts';
import { runTables, useGateHarness } from './harness.ts';

useGateHarness();

runTables([
  ['issue_comment', issueComment],
  ['issues, discussion, discussion_comment', commentLike],
  ['issues on a pull request', issuesOnPullRequest],
]);
