// Entry of the detached refresher process (dist/refresher). Prints nothing; see refresh.ts.
import { oidcEndpointFromEnv } from './oidc.ts';
import { runRefresher } from './refresh.ts';
import { isWatchedParentAlive, readRefresherConfig } from './refresher-process.ts';

let stopping = false;
let wake: (() => void) | undefined;

function requestStop(): void {
  stopping = true;
  wake?.();
}

process.on('SIGTERM', requestStop);
process.on('SIGINT', requestStop);
process.on('SIGHUP', requestStop);

function interruptibleSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      wake = undefined;
      resolve();
    }
    wake = done;
  });
}

async function main(): Promise<void> {
  const config = readRefresherConfig(process.env);
  await runRefresher(config, {
    oidc: oidcEndpointFromEnv(process.env),
    now: Date.now,
    sleep: interruptibleSleep,
    isParentAlive: () => isWatchedParentAlive(config.watchPid),
    shouldStop: () => stopping,
    pid: process.pid,
  });
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
