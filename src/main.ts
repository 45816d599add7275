// Entry of the main bundle. As the action's main step: runs the steps and turns any failure into a
// failed step. Started again with the renewal marker (by the main step itself): the background
// renewal process. One bundle serves both, so a job downloads their shared code once.
import { reportFailure } from './log/failure.ts';
import { runRenewalProcess } from './renewal/entry.ts';
import { isRenewalProcess } from './renewal/process.ts';
import { run, type RunContext } from './run.ts';

async function mainStep(): Promise<void> {
  const context: RunContext = { secrets: [] };
  await run(process.env, context).catch((error: unknown) => reportFailure(error, context, process.env));
  // The step is over. A request abandoned at its deadline can still hold a socket open (a server
  // behind a proxy that trickles its answer keeps the tunnel busy); it must not keep the step running.
  // The timer does not hold the process itself: with nothing else left, the step ends at once.
  setTimeout(() => process.exit(), 1_000).unref();
}

await (isRenewalProcess(process.argv) ? runRenewalProcess() : mainStep());
