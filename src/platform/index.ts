// Everything that differs by operating system, and only that: starting the renewal process, telling
// whether a pid still runs it, ending it, where its stop channel lives, replacing a file another
// process may hold open, and making a directory private to this user. No other module asks which OS
// it runs on (no `process.platform` outside this file).
//
// What differs:
// - Command lines: only Linux shows a process's command line, in /proc/<pid>/cmdline. Elsewhere
//   /proc is not read at all (on Windows the path resolves to <drive>:\proc\..., which any local
//   user can create).
// - Signals: SIGTERM runs a handler on Linux and macOS; on Windows every signal is
//   TerminateProcess, so the renewal process is asked to stop on its stop channel instead.
// - Stop channels: a Unix socket in the (private) config directory; on Windows a named pipe.
// - Replacing a file: a rename over a file that a reader holds open without delete sharing fails on
//   Windows (EPERM, EACCES, EBUSY) until the reader lets go; callers retry those briefly.
// - Private directories: mode 0700 and the owner's uid on POSIX; on Windows an explicit,
//   non-inherited ACL granting only this user, set and checked with icacls.
//
// `platform` is the one for this machine. Tests build another OS's with `platformFor(name, ops)`,
// with fake primitives (kill, rename, command runner) where they need them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, promises as fs, readFileSync, renameSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { ActionError } from '../errors.ts';

export type OsName = NodeJS.Platform;

/** Runs a program directly (no shell) and resolves with its output; rejects when it fails. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<{ stdout: string; stderr: string }>;

/** The primitives a Platform is built on; tests replace some of them. */
export interface PlatformOps {
  readonly readFileSync: (file: string) => string;
  readonly renameSync: (from: string, to: string) => void;
  /** process.kill: signal 0 tests for a process; on Windows any other signal terminates it. */
  readonly kill: (pid: number, signal: NodeJS.Signals | 0) => void;
  readonly run: RunCommand;
  readonly sleep: (ms: number) => Promise<void>;
  /** Windows: the account to grant the config directory to, as DOMAIN\user. */
  readonly windowsUser: () => string;
  /** POSIX: this process's uid, if the OS has one. */
  readonly uid: () => number | undefined;
  readonly spawn: (command: string, args: readonly string[], options: Parameters<typeof spawn>[2]) => ChildProcess;
}

export interface Platform {
  readonly name: OsName;
  /** Starts `script` with this Node, detached, with only `env`, in `cwd`; its output goes nowhere. */
  readonly spawnDetached: (script: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }) => ChildProcess;
  /** Whether a process with this pid exists (any process: a pid can be reused). */
  readonly isAlive: (pid: number) => boolean;
  /** The arguments `pid` was started with, where the OS shows them reliably (Linux); undefined
   *  elsewhere, and when the process is gone. */
  readonly commandLine: (pid: number) => string[] | undefined;
  /** Asks `pid` to stop with a signal its handler sees (SIGTERM); false where no such signal exists
   *  (Windows), and then nothing was sent. */
  readonly signalStop: (pid: number) => boolean;
  /** Ends `pid` at once (SIGKILL; TerminateProcess on Windows). Only for a process known to be ours. */
  readonly terminate: (pid: number) => void;
  /** The address of a stop channel named `id` for a process whose files live in `dir`: a Unix
   *  socket there, or a named pipe on Windows; undefined when a socket path would be too long. */
  readonly stopChannelAddress: (dir: string, id: string) => string | undefined;
  /** Whether a stop channel address leaves a file behind in its directory (a Unix socket). */
  readonly stopChannelIsFile: boolean;
  /** Whether a failed rename means another process holds the target open (retry shortly). */
  readonly isBusy: (error: unknown) => boolean;
  /** The waits between renames retried while the target is busy: a few seconds in all. */
  readonly busyRetryDelaysMs: readonly number[];
  readonly renameSync: (from: string, to: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  /** Whether a directory watcher reports renames in order (inotify), so an interfering removal can be
   *  told from our own rename. */
  readonly orderedRenameEvents: boolean;
  /** Creates `dir` (or accepts it if it is already ours) and makes it private to this user; throws an
   *  ActionError saying what to do when it cannot. */
  readonly makePrivateDir: (dir: string) => Promise<void>;
}

/** Longest Unix socket path every POSIX system accepts (macOS: 104 bytes with the terminator). */
const MAX_SOCKET_PATH = 103;
const BUSY_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);
/** 25 ms doubling to 1 s, then 1 s: about 3.6 s in all. */
const BUSY_RETRY_DELAYS_MS = [25, 50, 100, 200, 400, 800, 1_000, 1_000];

const defaultOps: PlatformOps = {
  readFileSync: (file) => readFileSync(file, 'utf8'),
  renameSync,
  kill: (pid, signal) => {
    process.kill(pid, signal);
  },
  run: (file, args) =>
    new Promise((resolve, reject) => {
      execFile(file, [...args], { windowsHide: true, timeout: 30_000 }, (error, stdout, stderr) => {
        if (error !== null) reject(Object.assign(new Error(error.message), { stdout, stderr, code: error.code }));
        else resolve({ stdout, stderr });
      });
    }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  windowsUser: () => {
    const user = process.env['USERNAME'] ?? userInfo().username;
    const domain = process.env['USERDOMAIN'];
    return domain === undefined || domain === '' ? user : `${domain}\\${user}`;
  },
  uid: () => (typeof process.getuid === 'function' ? process.getuid() : undefined),
  spawn: (command, args, options) => spawn(command, [...args], options),
};

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function mkdirPrivate(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  // A link (a junction, on Windows) could point anywhere: only a plain directory will do.
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    throw new ActionError('unsafe-config-dir', `${dir} exists and is not a plain directory; refusing to write credentials there.`);
  }
}

/**
 * The access entries `icacls <dir>` lists: the first line starts with the path, the others with
 * spaces, up to the first blank line (then the "Successfully processed" line).
 */
export function icaclsEntries(output: string, dir: string): string[] {
  const text = output.replace(/\r\n/g, '\n');
  const block = text.split(/\n\s*\n/)[0] ?? '';
  const lines = block.split('\n');
  const first = lines[0] ?? '';
  lines[0] = first.toLowerCase().startsWith(dir.toLowerCase()) ? first.slice(dir.length) : first;
  return lines.map((line) => line.trim()).filter((line) => line !== '');
}

/** Whether an icacls entry names `user` (DOMAIN\user, or user alone when no domain was known). */
function namesUser(principal: string, user: string): boolean {
  const p = principal.toLowerCase();
  const u = user.toLowerCase();
  return p === u || (!u.includes('\\') && p.endsWith(`\\${u}`));
}

/** Why `icacls <dir>` output does not show a directory private to `user`, or undefined if it does. */
export function aclProblem(output: string, dir: string, user: string): string | undefined {
  const entries = icaclsEntries(output, dir);
  if (entries.length === 0) return 'icacls listed no access entries';
  for (const entry of entries) {
    const at = entry.indexOf(':(');
    const principal = at < 0 ? entry : entry.slice(0, at);
    if (!namesUser(principal, user)) return `${principal} has access (${entry})`;
    if (entry.includes('(I)')) return `an inherited entry remains (${entry})`;
  }
  if (!entries.some((e) => e.includes('(F)'))) return `${user} lacks full control`;
  return undefined;
}

const ACL_HINT =
  'The credentials must be readable by this user alone. Run the job as a user that may change the access list of RUNNER_TEMP (on a self-hosted runner: the runner service account owning its _work folder), or point RUNNER_TEMP at a folder that user owns.';

async function makePrivateDirWindows(ops: PlatformOps, dir: string): Promise<void> {
  await mkdirPrivate(dir);
  const user = ops.windowsUser();
  // Inheritance off (inherited entries removed, not copied), then one grant: this user, full
  // control, passed down to the files and folders inside.
  try {
    await ops.run('icacls', [dir, '/inheritance:r', '/grant:r', `${user}:(OI)(CI)F`]);
  } catch (error) {
    throw new ActionError('private-dir-acl', `Could not make ${dir} private to ${user} with icacls: ${firstLine(error)}`, ACL_HINT);
  }
  let listed: string;
  try {
    listed = (await ops.run('icacls', [dir])).stdout;
  } catch (error) {
    throw new ActionError('private-dir-acl', `Could not read the access list of ${dir} with icacls: ${firstLine(error)}`, ACL_HINT);
  }
  const problem = aclProblem(listed, dir, user);
  if (problem !== undefined) {
    throw new ActionError('private-dir-acl', `${dir} is not private to ${user} after icacls: ${problem}.`, ACL_HINT);
  }
}

async function makePrivateDirPosix(ops: PlatformOps, dir: string): Promise<void> {
  await mkdirPrivate(dir);
  const uid = ops.uid();
  if (uid !== undefined && lstatSync(dir).uid !== uid) {
    throw new ActionError('unsafe-config-dir', `${dir} belongs to another user; refusing to write credentials there.`);
  }
  await fs.chmod(dir, 0o700);
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown } | undefined)?.stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : error instanceof Error ? error.message : String(error);
  return (text.trim().split(/\r?\n/)[0] ?? '').slice(0, 300);
}

/** A Platform for OS `name`, on the given primitives (this machine's by default). */
export function platformFor(name: OsName, overrides: Partial<PlatformOps> = {}): Platform {
  const ops: PlatformOps = { ...defaultOps, ...overrides };
  const windows = name === 'win32';
  const linux = name === 'linux';
  const isAlive = (pid: number): boolean => {
    try {
      ops.kill(pid, 0);
      return true;
    } catch (error) {
      return errorCode(error) === 'EPERM';
    }
  };
  return {
    name,
    spawnDetached: (script, args, options) =>
      ops.spawn(process.execPath, [script, ...args], {
        detached: true,
        stdio: 'ignore',
        env: options.env,
        cwd: options.cwd,
        windowsHide: true,
      }),
    isAlive,
    commandLine: (pid) => {
      if (!linux) return undefined;
      try {
        return ops.readFileSync(`/proc/${pid}/cmdline`).split('\0');
      } catch {
        return undefined;
      }
    },
    signalStop: (pid) => {
      if (windows) return false;
      ops.kill(pid, 'SIGTERM');
      return true;
    },
    terminate: (pid) => {
      ops.kill(pid, 'SIGKILL');
    },
    stopChannelAddress: (dir, id) => {
      if (windows) return `\\\\.\\pipe\\claude-oidc-stop-${id}`;
      const socket = path.join(dir, `stop-${id}.sock`);
      return Buffer.byteLength(socket) <= MAX_SOCKET_PATH ? socket : undefined;
    },
    stopChannelIsFile: !windows,
    isBusy: (error) => windows && BUSY_CODES.has(errorCode(error) ?? ''),
    busyRetryDelaysMs: windows ? BUSY_RETRY_DELAYS_MS : [],
    renameSync: (from, to) => {
      ops.renameSync(from, to);
    },
    sleep: (ms) => ops.sleep(ms),
    orderedRenameEvents: linux,
    makePrivateDir: (dir) => (windows ? makePrivateDirWindows(ops, dir) : makePrivateDirPosix(ops, dir)),
  };
}

/** This machine's platform. */
export const platform: Platform = platformFor(process.platform);
