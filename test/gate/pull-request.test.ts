// The gate on pull_request, pull_request_review, pull_request_review_comment and
// pull_request_target. The cases are in ./cases/pull-request.ts and ./cases/pull-request-target.ts;
// each runs as a test of its own.
import { pullRequestEvents } from './cases/pull-request.ts';
import { pullRequestTarget } from './cases/pull-request-target.ts';
import { runTables, useGateHarness } from './harness.ts';

useGateHarness();

runTables([
  ['pull_request, pull_request_review, pull_request_review_comment', pullRequestEvents],
  ['pull_request_target', pullRequestTarget],
]);
