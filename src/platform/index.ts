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
//   protected ACL with one entry, full control for this account's SID (from whoami), set with icacls
//   and checked from the SDDL `icacls /save` writes.
//
// `platform` is the one for this machine. Tests build another OS's with `platformFor(name, ops)`,
// with fake primitives (kill, rename, command runner) where they need them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, promises as fs, readFileSync, renameSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
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
  /** The environment (Windows: SystemRoot, where whoami and icacls are). */
  readonly env: () => NodeJS.ProcessEnv;
  /** A directory for scratch files (icacls /save). */
  readonly tempDir: () => string;
  readonly readFileBytes: (file: string) => Buffer;
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
  /** The address of a stop channel named `id` for the renewal process whose status file is
   *  `statusFile`: a Unix socket beside it, or a named pipe on Windows; undefined when a socket path
   *  would be too long. */
  readonly stopChannelAddress: (statusFile: string, id: string) => string | undefined;
  /** How the socket files of that process's stop channels begin (each ends in .sock), so one left
   *  behind can be found without its id; undefined where a channel leaves no file (Windows). */
  readonly stopChannelFilePrefix: (statusFile: string) => string | undefined;
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
  env: () => process.env,
  tempDir: () => tmpdir(),
  readFileBytes: (file) => readFileSync(file),
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

/** C:\Windows\System32\<program>, from SystemRoot (an earlier step cannot put another program first
 *  on PATH that way, though SystemRoot, like any variable, comes from the environment). */
function system32(env: NodeJS.ProcessEnv, program: string): string {
  const root = env['SystemRoot'] ?? env['SYSTEMROOT'] ?? 'C:\\Windows';
  return path.win32.join(root === '' ? 'C:\\Windows' : root, 'System32', program);
}

/** The SID in `whoami /user /fo csv /nh` output: `"domain\user","S-1-5-..."`. */
export function whoamiSid(output: string): string | undefined {
  const match = /"(S-1-\d+(?:-\d+)+)"\s*$/i.exec(output.trim());
  return match?.[1]?.toUpperCase();
}

/** SDDL aliases icacls /save may write for well-known accounts a runner service can run as. */
const SID_ALIASES: Readonly<Record<string, string>> = {
  SY: 'S-1-5-18',
  LS: 'S-1-5-19',
  NS: 'S-1-5-20',
  BA: 'S-1-5-32-544',
};

/** Full access in an ACE: FA, or the same rights as a number. */
const FULL_ACCESS = new Set(['FA', '0X1F01FF']);

/**
 * Why the file `icacls <dir> /save <file>` wrote (UTF-16LE: the path on one line, the SDDL of its
 * DACL on the next) does not show a protected DACL with exactly one entry, full access allowed to
 * `sid` and passed down to files and folders; undefined when it does.
 */
export function saveFileProblem(saved: Buffer, sid: string): string | undefined {
  const text = saved.toString('utf16le').replace(/^\uFEFF/, '');
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const sddl = lines[1];
  if (sddl === undefined) return 'icacls saved no access list';
  const match = /^D:([A-Z]*)((?:\([^()]*\))*)$/.exec(sddl);
  if (match === null) return `unexpected access list ${sddl}`;
  const flags = match[1] ?? '';
  if (!flags.includes('P')) return `the access list still inherits entries (${sddl})`;
  const aces = (match[2] ?? '').match(/\([^()]*\)/g) ?? [];
  if (aces.length !== 1) return `the access list has ${aces.length} entries, not one (${sddl})`;
  const fields = aces[0].slice(1, -1).split(';');
  const [type, aceFlags = '', rights = '', , , trustee = ''] = fields;
  const who = SID_ALIASES[trustee.toUpperCase()] ?? trustee.toUpperCase();
  if (fields.length !== 6 || type !== 'A') return `unexpected entry ${aces[0]}`;
  if (who !== sid.toUpperCase()) return `the entry is for ${trustee}, not ${sid} (${sddl})`;
  if (!FULL_ACCESS.has(rights.toUpperCase())) return `${sid} lacks full control (${sddl})`;
  if (!aceFlags.includes('OI') || !aceFlags.includes('CI') || aceFlags.includes('ID'))
    return `unexpected inheritance ${aceFlags} (${sddl})`;
  return undefined;
}

const ACL_HINT =
  'The credentials must be readable by this user alone. Run the job as a user that may change the access list of RUNNER_TEMP (on a self-hosted runner: the runner service account owning its _work folder), or point RUNNER_TEMP at a folder that user owns.';

async function makePrivateDirWindows(ops: PlatformOps, dir: string): Promise<void> {
  await mkdirPrivate(dir);
  const env = ops.env();
  const icacls = system32(env, 'icacls.exe');
  // The account this process runs as, by SID: USERDOMAIN\USERNAME is only the environment (an earlier
  // step can change it) and names no usable account for a service running as SYSTEM or NETWORK SERVICE.
  let sid: string | undefined;
  let whoami: string;
  try {
    whoami = (await ops.run(system32(env, 'whoami.exe'), ['/user', '/fo', 'csv', '/nh'])).stdout;
    sid = whoamiSid(whoami);
  } catch (error) {
    throw new ActionError('private-dir-acl', `Could not tell which account this job runs as (whoami /user): ${firstLine(error)}`, ACL_HINT);
  }
  if (sid === undefined) {
    throw new ActionError(
      'private-dir-acl',
      `Could not read this account's SID from whoami /user: ${whoami.trim().slice(0, 200)}`,
      ACL_HINT,
    );
  }
  // Inheritance off (inherited entries removed, not copied), then one grant: this account, full
  // control, passed down to the files and folders inside.
  try {
    await ops.run(icacls, [dir, '/inheritance:r', '/grant:r', `*${sid}:(OI)(CI)F`]);
  } catch (error) {
    throw new ActionError('private-dir-acl', `Could not make ${dir} private to ${sid} with icacls: ${firstLine(error)}`, ACL_HINT);
  }
  // Checked from the SDDL icacls saves (UTF-16LE, SIDs rather than names in the console's code page).
  const saveFile = path.join(ops.tempDir(), `claude-oidc-acl-${randomBytes(6).toString('hex')}.txt`);
  let saved: Buffer;
  try {
    await ops.run(icacls, [dir, '/save', saveFile]);
    saved = ops.readFileBytes(saveFile);
  } catch (error) {
    throw new ActionError('private-dir-acl', `Could not read the access list of ${dir} with icacls: ${firstLine(error)}`, ACL_HINT);
  } finally {
    await fs.rm(saveFile, { force: true }).catch(() => undefined);
  }
  const problem = saveFileProblem(saved, sid);
  if (problem !== undefined) {
    throw new ActionError('private-dir-acl', `${dir} is not private to ${sid} after icacls: ${problem}.`, ACL_HINT);
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

/** `s-<6 hex>-`: the start of the socket names of one status file's process (one profile's), short
 *  enough for macOS's socket path limit whatever the profile's name. */
function socketPrefix(statusFile: string): string {
  return `s-${createHash('sha256').update(path.basename(statusFile)).digest('hex').slice(0, 6)}-`;
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
    stopChannelAddress: (statusFile, id) => {
      if (windows) return `\\\\.\\pipe\\claude-oidc-stop-${id}`;
      // Short (macOS allows 103 bytes in all, and RUNNER_TEMP is already long there); the directory is
      // private, so 8 hex characters of the random id keep names apart without hiding anything.
      const socket = path.join(path.dirname(statusFile), `${socketPrefix(statusFile)}${id.slice(0, 8)}.sock`);
      return Buffer.byteLength(socket) <= MAX_SOCKET_PATH ? socket : undefined;
    },
    stopChannelFilePrefix: (statusFile) => (windows ? undefined : socketPrefix(statusFile)),
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
