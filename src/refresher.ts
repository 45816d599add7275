// Entry of the detached refresher process (dist/refresher). Prints nothing; see refresh.ts.
import { oidcEndpointFromEnv } from './oidc.ts';
import { runRefresher } from './refresh.ts';
import { isWatchedParentAlive, readRefresherConfig } from './refresher-process.ts';
import { sleep } from './retry.ts';

// One stop request, carried from the signal into everything the renewal under way does: its waits
// end, its OIDC request or exchange is cut, and nothing new starts.
const stop = new AbortController();

function requestStop(): void {
  stop.abort();
}

process.on('SIGTERM', requestStop);
process.on('SIGINT', requestStop);
process.on('SIGHUP', requestStop);

async function main(): Promise<void> {
  const config = readRefresherConfig(process.env);
  await runRefresher(config, {
    oidc: oidcEndpointFromEnv(process.env),
    now: Date.now,
    sleep: (ms) => sleep(ms, stop.signal),
    isParentAlive: () => isWatchedParentAlive(config.watchPid),
    shouldStop: () => stop.signal.aborted,
    signal: stop.signal,
    pid: process.pid,
  });
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
