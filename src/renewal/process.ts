// Starting and stopping the detached renewal process. `main` starts it; `post` stops it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RenewalConfig } from './loop.ts';
import { readStatus, type RenewalStatus } from './status.ts';

export const CONFIG_ENV = 'CLAUDE_OIDC_RENEWAL_CONFIG';
const MARKER = '--claude-oidc-renewal';

/** The renewal process's argument: the marker plus its status file, unique to one use of the action. */
function markerFor(statusFile: string): string {
  return `${MARKER}=${statusFile}`;
}

/** Whether this process was started as a renewal process: its first argument is the marker. */
export function isRenewalProcess(argv: readonly string[]): boolean {
  return argv[2]?.startsWith(`${MARKER}=`) === true;
}

/**
 * The only variables the renewal process gets. It outlives the step, and any later step of the same user
 * can read a process's environment (/proc/<pid>/environ), so it must not carry what a JavaScript
 * action is given and a `run:` step is not (ACTIONS_RUNTIME_TOKEN, INPUT_GITHUB-TOKEN, the step's
 * own secrets). RUNNER_TRACKING_ID stays so the runner's orphan clean-up still finds it. What lets
 * the main step reach the servers (proxies, the certificates it trusts) goes too: NODE_OPTIONS only
 * in part, see `certificateNodeOptions`.
 */
export const RENEWAL_ENV = [
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
  'NODE_USE_SYSTEM_CA',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'ACTIONS_ORCHESTRATION_ID',
  'RUNNER_TRACKING_ID',
] as const;

/** The flags of NODE_OPTIONS that choose which certificate authorities Node trusts. */
const CERTIFICATE_FLAGS = new Set(['use-system-ca', 'use-openssl-ca', 'use-bundled-ca']);

/** NODE_OPTIONS split the way Node splits it: on spaces, with "double quotes" and \\ escapes in them. */
function splitNodeOptions(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '\\' && quoted && i + 1 < value.length) {
      word += value.charAt(i + 1);
      i++;
    } else if (c === ' ' && !quoted) {
      if (started) words.push(word);
      word = '';
      started = false;
      continue;
    } else if (c === '"') {
      quoted = !quoted;
    } else {
      word += c;
    }
    started = true;
  }
  if (started) words.push(word);
  return words;
}

/**
 * The certificate flags of NODE_OPTIONS (--use-system-ca, --use-openssl-ca, --use-bundled-ca), and
 * nothing else of it: they decide whether the servers the main step reached are trusted, so renewal
 * needs them too. The rest stays behind on purpose: the renewal process runs, holding the OIDC request
 * token, for the rest of the job, and NODE_OPTIONS can load code into it (--require, --import,
 * --loader), open a debugger on it (--inspect) or make it print; none of that was meant for a
 * process that outlives the step. Node spells `_` and `-` alike in a flag's name.
 */
export function certificateNodeOptions(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // As Node reads them: `--flag` and `--flag=value` turn a flag on, `--no-flag` off, the last wins.
  const state = new Map<string, boolean>();
  for (const word of splitNodeOptions(value)) {
    if (!word.startsWith('--')) continue;
    const name = (word.slice(2).split('=')[0] ?? '').replace(/_/g, '-');
    if (CERTIFICATE_FLAGS.has(name)) state.set(name, true);
    else if (name.startsWith('no-') && CERTIFICATE_FLAGS.has(name.slice(3))) state.set(name.slice(3), false);
  }
  const kept = [...state].filter(([, on]) => on).map(([name]) => `--${name}`);
  return kept.length === 0 ? undefined : kept.join(' ');
}

export function renewalEnv(env: NodeJS.ProcessEnv, config: RenewalConfig): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = {};
  for (const name of RENEWAL_ENV) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  const nodeOptions = certificateNodeOptions(env['NODE_OPTIONS']);
  if (nodeOptions !== undefined) picked['NODE_OPTIONS'] = nodeOptions;
  return { ...picked, [CONFIG_ENV]: JSON.stringify(config) };
}

/** How long main waits at most for the renewal process to write its first status: within the step's
 *  deadline, but never less than READY_MIN_WAIT_MS (starting Node takes a moment on a busy runner). */
export const READY_WAIT_MS = 5_000;
const READY_MIN_WAIT_MS = 1_000;
const READY_POLL_MS = 20;

export interface StartOptions {
  /** Epoch milliseconds of the step's deadline. */
  readonly deadline?: number;
  /** Overrides the wait (tests). */
  readonly readyWithinMs?: number;
}

function readyWait(options: StartOptions): number {
  if (options.readyWithinMs !== undefined) return options.readyWithinMs;
  if (options.deadline === undefined) return READY_WAIT_MS;
  return Math.min(READY_WAIT_MS, Math.max(READY_MIN_WAIT_MS, options.deadline - Date.now()));
}

export type RenewalStart =
  /** Its status file names it: it is running, and the post step will find a status to report. */
  | { readonly pid: number; readonly state: 'running' }
  /** It ended before it wrote a status: nothing renews the credentials. */
  | { readonly pid: number; readonly state: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  /** Still running, but no status within the wait: it may yet start, or hang. */
  | { readonly pid: number; readonly state: 'silent' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the renewal process detached from this step, and waits (a few seconds at most) until its status
 * file names it: the post step, however soon it runs, then finds a status to report and a process
 * that handles its stop signal.
 */
export async function startRenewalProcess(
  script: string,
  config: RenewalConfig,
  env: NodeJS.ProcessEnv,
  options: StartOptions = {},
): Promise<RenewalStart> {
  const child = spawn(process.execPath, [script, markerFor(config.statusFile)], {
    detached: true,
    stdio: 'ignore',
    env: renewalEnv(env, config),
    windowsHide: true,
  });
  child.on('error', () => undefined);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the renewal process');
  const until = Date.now() + readyWait(options);
  for (;;) {
    if ((await readStatus(config.statusFile))?.pid === pid) return { pid, state: 'running' };
    if (exited !== undefined) return { pid, state: 'exited', ...exited };
    if (Date.now() >= until) return { pid, state: 'silent' };
    await sleep(READY_POLL_MS);
  }
}

export function readRenewalConfig(env: NodeJS.ProcessEnv): RenewalConfig {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw === '') throw new Error(`${CONFIG_ENV} is not set`);
  return JSON.parse(raw) as RenewalConfig;
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
 * Whether the process the renewal process watches (the step's parent, the runner's worker) still runs.
 * In a container job the step's parent is outside the container (ppid 0), and an orphan's is 1:
 * nothing to watch there; the post step, the removed credentials file or the refused request token
 * still stop the renewal process.
 */
export function isWatchedParentAlive(pid: number): boolean {
  return pid <= 1 || isAlive(pid);
}

/**
 * Whether the pid still runs this use's renewal process and not a process that reused the pid. On Linux
 * its command line carries the marker; elsewhere its status file must name the pid as running.
 */
function isOurRenewalProcess(pid: number, statusFile: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(markerFor(statusFile));
  } catch {
    return process.platform !== 'linux' && statusSaysRunning(pid, statusFile) && isAlive(pid);
  }
}

function statusSaysRunning(pid: number, statusFile: string): boolean {
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as Partial<RenewalStatus>;
    return status.pid === pid && status.stoppedAt === null;
  } catch {
    return false;
  }
}

/**
 * What stopRenewalProcess found and did: `not-running` (no process of this use's renewal process to signal),
 * `stopped` (it ended after the stop request), `killed` (it lingered and was killed), `still-running`.
 */
export type StopOutcome = 'not-running' | 'stopped' | 'killed' | 'still-running';

/** Asks the renewal process to stop, waits for it, and kills it if it lingers. */
export async function stopRenewalProcess(pid: number, statusFile: string, graceMs = 5_000): Promise<StopOutcome> {
  if (!isOurRenewalProcess(pid, statusFile)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return isAlive(pid) ? 'still-running' : 'not-running';
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid) || !isOurRenewalProcess(pid, statusFile)) return 'stopped';
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  await sleep(100);
  return !isAlive(pid) || !isOurRenewalProcess(pid, statusFile) ? 'killed' : 'still-running';
}
