// Entry of the main bundle. As the action's main step: runs the steps and turns any failure into a
// failed step. Started again with the renewal marker (by the main step itself): the background
// renewal process. One bundle serves both, so a job downloads their shared code once; each role
// loads only its own modules (the imports below stay inside this file, and run only when chosen),
// so the renewal process, which the main step waits for, starts without the step's toolkit.
import { isRenewalProcess } from './renewal/process.ts';

async function mainStep(): Promise<void> {
  const [{ run }, { reportFailure }] = await Promise.all([
    import(/* webpackMode: "eager" */ './run.ts'),
    import(/* webpackMode: "eager" */ './log/failure.ts'),
  ]);
  const context: Parameters<typeof run>[1] = { secrets: [] };
  await run(process.env, context).catch((error: unknown) => reportFailure(error, context, process.env));
  // The step is over. A request abandoned at its deadline can still hold a socket open (a server
  // behind a proxy that trickles its answer keeps the tunnel busy); it must not keep the step running.
  // The timer does not hold the process itself: with nothing else left, the step ends at once.
  setTimeout(() => process.exit(), 1_000).unref();
}

async function renewalProcess(): Promise<void> {
  const { runRenewalProcess } = await import(/* webpackMode: "eager" */ './renewal/entry.ts');
  await runRenewalProcess();
}

await (isRenewalProcess(process.argv) ? renewalProcess() : mainStep());
