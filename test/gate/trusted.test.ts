// The gate on push, workflow_dispatch, schedule, merge_group, release, create and
// repository_dispatch: no look-ups, the bot rule, and the merge queue's exemption from it. The
// cases are in ./cases/trusted.ts; each runs as a test of its own.
import { trustedEvents } from './cases/trusted.ts';
import { runTables, useGateHarness } from './harness.ts';

useGateHarness();

runTables([['trusted events', trustedEvents]]);
