// Starting and stopping the detached refresher process. `main` starts it; `post` stops it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RefresherConfig } from './refresh.ts';

export const CONFIG_ENV = 'CLAUDE_OIDC_REFRESHER_CONFIG';
const MARKER = '--claude-oidc-refresher';

/** Starts the refresher detached from this step; returns its pid. */
export function startRefresher(script: string, config: RefresherConfig, env: NodeJS.ProcessEnv): number {
  const child = spawn(process.execPath, [script, MARKER], {
    detached: true,
    stdio: 'ignore',
    env: { ...env, [CONFIG_ENV]: JSON.stringify(config) },
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

/** On Linux, checks that the pid still runs our refresher and not a process that reused the pid. */
function isOurRefresher(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(MARKER);
  } catch {
    return process.platform !== 'linux' && isAlive(pid);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the refresher to stop, waits for it, and kills it if it lingers. True if it is gone. */
export async function stopRefresher(pid: number, graceMs = 5_000): Promise<boolean> {
  if (!isOurRefresher(pid)) return true;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid) || !isOurRefresher(pid)) return true;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return true;
  }
  await sleep(100);
  return !isAlive(pid) || !isOurRefresher(pid);
}
