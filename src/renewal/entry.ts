// The detached renewal process: the main bundle started again with the renewal marker (see
// process.ts). Prints nothing; see loop.ts for what it does.
import { oidcEndpointFromEnv } from '../credentials/oidc.ts';
import { sleep } from '../credentials/retry.ts';
import { platform } from '../platform/index.ts';
import { openStopChannel } from './channel.ts';
import { runRenewal } from './loop.ts';
import { isWatchedParentAlive, readRenewalConfig } from './process.ts';

/** How long a process that accepted a stop request may take to end before it exits anyway. */
export const STOP_EXIT_MS = 3_000;

/** Runs until told to stop (or until the job is gone), then exits the process. */
export async function runRenewalProcess(): Promise<void> {
  // One stop request, carried from the stop channel or a signal into everything the renewal under
  // way does: its waits end, its OIDC request or exchange is cut, and nothing new starts.
  const stop = new AbortController();
  const requestStop = (): void => {
    stop.abort();
  };
  /** A stop accepted on the channel (the post step then trusts the process to end): it ends within
   *  STOP_EXIT_MS even if something it waits on hangs, so the post step rarely needs to kill it. */
  const acceptStop = (): void => {
    requestStop();
    setTimeout(() => process.exit(1), STOP_EXIT_MS).unref();
  };
  // Where a handler sees them (not on Windows, where post uses the stop channel instead).
  process.on('SIGTERM', requestStop);
  process.on('SIGINT', requestStop);
  process.on('SIGHUP', requestStop);

  let code = 0;
  let channel: Awaited<ReturnType<typeof openStopChannel>> = undefined;
  try {
    const config = readRenewalConfig(process.env);
    // Open before the first status is written, so the status names it from the start.
    channel = await openStopChannel(platform, config.statusFile, process.pid, acceptStop).catch(() => undefined);
    await runRenewal(config, {
      oidc: oidcEndpointFromEnv(process.env),
      now: Date.now,
      sleep: (ms) => sleep(ms, stop.signal),
      isParentAlive: () => isWatchedParentAlive(config.watchPid),
      shouldStop: () => stop.signal.aborted,
      signal: stop.signal,
      pid: process.pid,
      ...(channel === undefined ? {} : { stopChannel: channel.channel }),
    });
  } catch {
    code = 1;
  }
  // Closing removes the Unix socket: a stopped process leaves no file of its own behind.
  await channel?.close().catch(() => undefined);
  process.exit(code);
}
