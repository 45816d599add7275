// The detached renewal process: the main bundle started again with the renewal marker (see
// process.ts). Prints nothing; see loop.ts for what it does.
import { oidcEndpointFromEnv } from '../credentials/oidc.ts';
import { sleep } from '../credentials/retry.ts';
import { runRenewal } from './loop.ts';
import { isWatchedParentAlive, readRenewalConfig } from './process.ts';

/** Runs until told to stop (or until the job is gone), then exits the process. */
export async function runRenewalProcess(): Promise<void> {
  // One stop request, carried from the signal into everything the renewal under way does: its waits
  // end, its OIDC request or exchange is cut, and nothing new starts.
  const stop = new AbortController();
  const requestStop = (): void => {
    stop.abort();
  };
  process.on('SIGTERM', requestStop);
  process.on('SIGINT', requestStop);
  process.on('SIGHUP', requestStop);

  try {
    const config = readRenewalConfig(process.env);
    await runRenewal(config, {
      oidc: oidcEndpointFromEnv(process.env),
      now: Date.now,
      sleep: (ms) => sleep(ms, stop.signal),
      isParentAlive: () => isWatchedParentAlive(config.watchPid),
      shouldStop: () => stop.signal.aborted,
      signal: stop.signal,
      pid: process.pid,
    });
  } catch {
    process.exit(1);
  }
  process.exit(0);
}
