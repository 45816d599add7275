// The gate on workflow_run. The cases are in ./cases/workflow-run.ts; each runs as a test of its
// own.
import { workflowRun } from './cases/workflow-run.ts';
import { runTables, useGateHarness } from './harness.ts';

useGateHarness();

runTables([['workflow_run', workflowRun]]);
