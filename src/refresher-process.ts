// Starting and stopping the detached refresher process. `main` starts it; `post` stops it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RefresherConfig } from './refresh.ts';
import type { RefreshStatus } from './refresh-status.ts';

export const CONFIG_ENV = 'CLAUDE_OIDC_REFRESHER_CONFIG';
const MARKER = '--claude-oidc-refresher';

/** The refresher's argument: the marker plus its status file, unique to one use of the action. */
function markerFor(statusFile: string): string {
  return `${MARKER}=${statusFile}`;
}

/**
 * The only variables the refresher gets. It outlives the step, and any later step of the same user
 * can read a process's environment (/proc/<pid>/environ), so it must not carry what a JavaScript
 * action is given and a `run:` step is not (ACTIONS_RUNTIME_TOKEN, INPUT_GITHUB-TOKEN, the step's
 * own secrets). RUNNER_TRACKING_ID stays so the runner's orphan clean-up still finds it.
 */
export const REFRESHER_ENV = [
  'PATH',
  'HOME',
  'SYSTEMROOT',
  'TMPDIR',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'ACTIONS_ORCHESTRATION_ID',
  'RUNNER_TRACKING_ID',
] as const;

export function refresherEnv(env: NodeJS.ProcessEnv, config: RefresherConfig): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = {};
  for (const name of REFRESHER_ENV) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return { ...picked, [CONFIG_ENV]: JSON.stringify(config) };
}

/** Starts the refresher detached from this step; returns its pid. */
export function startRefresher(script: string, config: RefresherConfig, env: NodeJS.ProcessEnv): number {
  const child = spawn(process.execPath, [script, markerFor(config.statusFile)], {
    detached: true,
    stdio: 'ignore',
    env: refresherEnv(env, config),
    windowsHide: true,
  });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the refresher process');
  return child.pid;
}

export function readRefresherConfig(env: NodeJS.ProcessEnv): RefresherConfig {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw === '') throw new Error(`${CONFIG_ENV} is not set`);
  return JSON.parse(raw) as RefresherConfig;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process the refresher watches (the step's parent, the runner's worker) still runs.
 * In a container job the step's parent is outside the container (ppid 0), and an orphan's is 1:
 * nothing to watch there; the post step, the removed credentials file or the refused request token
 * still stop the refresher.
 */
export function isWatchedParentAlive(pid: number): boolean {
  return pid <= 1 || isAlive(pid);
}

/**
 * Whether the pid still runs this use's refresher and not a process that reused the pid. On Linux
 * its command line carries the marker; elsewhere its status file must name the pid as running.
 */
function isOurRefresher(pid: number, statusFile: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(markerFor(statusFile));
  } catch {
    return process.platform !== 'linux' && statusSaysRunning(pid, statusFile) && isAlive(pid);
  }
}

function statusSaysRunning(pid: number, statusFile: string): boolean {
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as Partial<RefreshStatus>;
    return status.pid === pid && status.stoppedAt === null;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the refresher to stop, waits for it, and kills it if it lingers. True if it is gone. */
export async function stopRefresher(pid: number, statusFile: string, graceMs = 5_000): Promise<boolean> {
  if (!isOurRefresher(pid, statusFile)) return true;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return !isAlive(pid);
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid) || !isOurRefresher(pid, statusFile)) return true;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return true;
  }
  await sleep(100);
  return !isAlive(pid) || !isOurRefresher(pid, statusFile);
}
