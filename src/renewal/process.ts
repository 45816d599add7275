// Starting and stopping the detached renewal process. `main` starts it; `post` stops it.
import path from 'node:path';
import { platform, type Platform } from '../platform/index.ts';
import { isStopChannel, requestStop } from './channel.ts';
import type { RenewalConfig } from './loop.ts';
import { readStatus } from './status.ts';

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
  readonly platform?: Platform;
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
 * file names it: the post step, however soon it runs, then finds a status to report and the process's
 * stop channel. It runs in the config directory (its status file's), not the job's workspace: a
 * process whose working directory is the workspace keeps Windows from deleting or renaming it.
 */
export async function startRenewalProcess(
  script: string,
  config: RenewalConfig,
  env: NodeJS.ProcessEnv,
  options: StartOptions = {},
): Promise<RenewalStart> {
  const child = (options.platform ?? platform).spawnDetached(script, [markerFor(config.statusFile)], {
    env: renewalEnv(env, config),
    cwd: path.dirname(config.statusFile),
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

/** Whether a process with this pid exists (whichever process holds the pid now). */
export function isAlive(pid: number, on: Platform = platform): boolean {
  return on.isAlive(pid);
}

/**
 * Whether the process the renewal process watches (the step's parent, the runner's worker) still runs.
 * In a container job the step's parent is outside the container (ppid 0), and an orphan's is 1:
 * nothing to watch there. A watched pid can also be reused once the runner is gone. Neither keeps
 * the renewal process alive past the job: the refused OIDC request token (checked at least every
 * JOB_CHECK_MS) and the job time limit end it on every runner (see loop.ts).
 */
export function isWatchedParentAlive(pid: number, on: Platform = platform): boolean {
  return pid <= 1 || on.isAlive(pid);
}

/** Whether a renewal process with this status file had no stop channel because its socket path would
 *  be too long for the OS (a long RUNNER_TEMP on macOS), rather than because something went wrong. */
export function stopChannelTooLong(statusFile: string, on: Platform = platform): boolean {
  return on.stopChannelIsFile && on.stopChannelAddress(statusFile, '0'.repeat(32)) === undefined;
}

/**
 * What stopRenewalProcess found and did: `not-running` (no process of this use's renewal process to
 * stop), `stopped` (it ended after the stop request), `killed` (it lingered and was killed),
 * `still-running`, or `unconfirmed`: a process holds the pid, but nothing showed it is this use's
 * renewal process (no answer on its stop channel, and no command line to read off Linux), so it was
 * left alone.
 */
export type StopOutcome = 'not-running' | 'stopped' | 'killed' | 'still-running' | 'unconfirmed';

export interface StopOptions {
  /** How long the process gets to stop before it is killed. */
  readonly graceMs?: number;
  /** How long to wait for an answer on the stop channel. */
  readonly answerWithinMs?: number;
  readonly platform?: Platform;
}

/**
 * Stops this use's renewal process, and never another process that holds its pid now. It is asked on
 * its stop channel first (its answer, with the nonce from the status file, is what shows the pid is
 * ours on every OS); on Linux, a process whose command line carries this use's marker but that has
 * no channel yet (still starting) gets SIGTERM. Only a process shown to be ours that lingers past
 * the grace is killed.
 */
export async function stopRenewalProcess(pid: number, statusFile: string, options: StopOptions = {}): Promise<StopOutcome> {
  const on = options.platform ?? platform;
  const graceMs = options.graceMs ?? 5_000;
  const marker = markerFor(statusFile);
  /** True or false on Linux (its command line); undefined where it cannot be read. */
  const hasMarker = (): boolean | undefined => {
    const argv = on.commandLine(pid);
    return argv === undefined ? undefined : argv.includes(marker);
  };
  if (!on.isAlive(pid)) return 'not-running';

  const status = await readStatus(statusFile);
  let confirmed = false;
  /** Asks on the stop channel; true only for an answer that proves knowledge of the nonce for this pid. */
  let ask = (): Promise<boolean> => Promise.resolve(false);
  if (status?.pid === pid && status.stoppedAt === null && isStopChannel(status.stop)) {
    const channel = status.stop;
    const address = on.stopChannelAddress(statusFile, channel.id);
    if (address !== undefined) ask = () => requestStop(address, channel, pid, options.answerWithinMs);
    confirmed = await ask();
  }
  if (!confirmed) {
    const marked = hasMarker();
    if (marked !== true) {
      // Linux: not our command line, so another process has the pid (or none). Elsewhere nothing
      // vouches for the pid: a status that says running is what a killed process leaves behind.
      if (!on.isAlive(pid)) return 'not-running';
      return marked === false ? 'not-running' : 'unconfirmed';
    }
    try {
      on.signalStop(pid);
    } catch {
      return on.isAlive(pid) ? 'still-running' : 'not-running';
    }
  }

  // Gone: exited, or (Linux) the pid no longer runs our command line (an exited child not yet reaped).
  const gone = (): boolean => !on.isAlive(pid) || hasMarker() === false;
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (gone()) return 'stopped';
    await sleep(50);
  }
  // Still ours? On Linux its command line says; elsewhere only a second answer on its stop channel,
  // proving the nonce again for this pid (a status not marked stopped is what a killed process leaves
  // too, and its pid may already be someone else's).
  const stillOurs = hasMarker() ?? (confirmed && (await ask()));
  if (!stillOurs) {
    // Not shown to be ours now: left alone. Gone soon (it closed its channel on its way out), or not.
    for (let i = 0; i < 20 && !gone(); i++) await sleep(50);
    return gone() ? 'stopped' : 'still-running';
  }
  try {
    on.terminate(pid);
  } catch {
    return 'stopped';
  }
  for (let i = 0; i < 20 && !gone(); i++) await sleep(50);
  return gone() ? 'killed' : 'still-running';
}
