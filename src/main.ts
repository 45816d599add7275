// Entry of the main step: runs the steps and turns any failure into a failed step.
import { reportFailure } from './failure.ts';
import { run, type RunContext } from './run.ts';

const context: RunContext = { secrets: [] };
await run(process.env, context).catch((error: unknown) => reportFailure(error, context, process.env));
// The step is over. A request abandoned at its deadline can still hold a socket open (a server
// behind a proxy that trickles its answer keeps the tunnel busy); it must not keep the step running.
// The timer does not hold the process itself: with nothing else left, the step ends at once.
setTimeout(() => process.exit(), 1_000).unref();
