// Entry of the main step: runs the steps and turns any failure into a failed step.
import { reportFailure } from './failure.ts';
import { run, type RunContext } from './run.ts';

const context: RunContext = { secrets: [] };
await run(process.env, context).catch((error: unknown) => reportFailure(error, context, process.env));
