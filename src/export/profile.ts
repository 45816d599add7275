// The `user_oauth` profile the SDKs and the `claude` CLI read: configs/<name>.json (not secret) and
// credentials/<name>.json (secret, 0600, in directories private to this user: 0700, or on Windows
// an owner-only access list), all under RUNNER_TEMP. What differs by OS is in platform/.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, rmSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { ActionError } from '../errors.ts';
import { platform, type Platform } from '../platform/index.ts';

export const CONFIG_DIR_NAME = 'claude-oidc';

/** Letters, digits, `_`, `.` and `-`, not `.` or `..`: a name that stays one file in its directory. */
export function isProfileName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) && name !== '.' && name !== '..';
}

/** Where one use of the action keeps the renewal process's status, beside the profile. */
export function statusFilePath(configDir: string, name: string): string {
  return path.join(configDir, `renewal-${name}.json`);
}

export interface ProfilePaths {
  readonly configDir: string;
  readonly config: string;
  readonly credentials: string;
}

export function profilePaths(configDir: string, name: string): ProfilePaths {
  return {
    configDir,
    config: path.join(configDir, 'configs', `${name}.json`),
    credentials: path.join(configDir, 'credentials', `${name}.json`),
  };
}

/** Creates the config directory under RUNNER_TEMP (shared by every use of the action in the job),
 *  each directory private to this user; refuses a link, another user's directory, or (Windows) a
 *  directory whose access list cannot be made owner-only. */
export async function prepareConfigDir(runnerTemp: string, on: Platform = platform): Promise<string> {
  if (runnerTemp === '' || !path.isAbsolute(runnerTemp)) {
    throw new ActionError('no-runner-temp', 'RUNNER_TEMP is not set to an absolute path; the action keeps credentials only there.');
  }
  const configDir = path.join(runnerTemp, CONFIG_DIR_NAME);
  await on.makePrivateDir(configDir);
  await on.makePrivateDir(path.join(configDir, 'configs'));
  await on.makePrivateDir(path.join(configDir, 'credentials'));
  return configDir;
}

export function credentialsJson(accessToken: string, expiresAtMs: number): string {
  return `${JSON.stringify({ version: '1.0', type: 'oauth_token', access_token: accessToken, expires_at: Math.floor(expiresAtMs / 1000) })}\n`;
}

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `content` to a new 0600 temp file beside `file` and flushes it; returns its path. */
async function writeTemp(file: string, content: string): Promise<string> {
  const temp = tempPathFor(file);
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // A half-written temp file may hold part of a token: it goes too.
    await fs.rm(temp, { force: true });
    throw error;
  }
  return temp;
}

/**
 * Renames `temp` over `file`, retrying for a few seconds while another process holds `file` open
 * (Windows); `ready()` runs right before each try, in the same tick as the rename, and can call the
 * rename off. Returns 'busy' when the holder did not let go in time.
 */
async function renameRetrying<T extends string>(
  temp: string,
  file: string,
  on: Platform,
  ready: () => T | undefined,
): Promise<T | 'renamed' | 'busy'> {
  for (let attempt = 0; ; attempt++) {
    const instead = ready();
    if (instead !== undefined) return instead;
    try {
      on.renameSync(temp, file);
      return 'renamed';
    } catch (error) {
      const wait = on.busyRetryDelaysMs[attempt];
      if (!on.isBusy(error)) throw error;
      if (wait === undefined) return 'busy';
      await on.sleep(wait);
    }
  }
}

/** Writes `content` to `file` atomically: a 0600 temp file beside it, then rename (retried while a
 *  reader holds the file on Windows). */
export async function writeFileAtomic(file: string, content: string, on: Platform = platform): Promise<void> {
  const temp = await writeTemp(file, content);
  try {
    const outcome = await renameRetrying(temp, file, on, () => undefined);
    if (outcome === 'busy') throw new Error(`${file} is held open by another process; it was not replaced`);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** `busy`: another process held the file open for longer than the retries (Windows); nothing changed. */
export type ReplaceOutcome = 'replaced' | 'removed' | 'unwanted' | 'busy';

/** How long to wait for the directory events of our own rename before giving up on reading them. */
const RENAME_EVENT_WAIT_MS = 2_000;

/**
 * Watches `dir` for what happens to `name` until our rename of `temp` shows up. On Linux (inotify)
 * events come in order, and a rename reports the temp name just before the target name: so any
 * event naming the target before the temp's one is someone else's removal or replacement of the
 * file between our last check and our rename. Undefined where that order is not promised.
 */
function watchForInterference(
  dir: string,
  name: string,
  temp: string,
  on: Platform,
): { interfered: () => Promise<boolean | undefined>; close: () => void } | undefined {
  if (!on.orderedRenameEvents) return undefined;
  let watcher: FSWatcher;
  let others = 0;
  let seenOurs: (() => void) | undefined;
  let ours = false;
  try {
    watcher = watch(dir, { persistent: false }, (event, filename) => {
      if (ours || event !== 'rename') return;
      if (filename === name) others++;
      if (filename === temp) {
        ours = true;
        seenOurs?.();
      }
    });
    watcher.on('error', () => undefined);
  } catch {
    return undefined;
  }
  return {
    interfered: async () => {
      if (!ours) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RENAME_EVENT_WAIT_MS);
          seenOurs = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return ours ? others > 0 : undefined;
    },
    close: () => {
      watcher.close();
    },
  };
}

/**
 * Replaces `file` atomically, but only while it still exists and `wanted()` holds: the renewal of a
 * file someone removed must not bring it back. The last checks run right before the rename, in the
 * same tick; on Linux a removal that still lands between them and the rename is seen afterwards in
 * the directory's events, and what was written is removed again. Where a reader holding the file
 * blocks the rename (Windows), it is retried for a few seconds, the checks before each try; then
 * 'busy', and the caller keeps what it meant to write. Returns what happened; the temp file never
 * stays behind.
 */
export async function replaceIfPresent(
  file: string,
  content: string,
  wanted: () => boolean,
  on: Platform = platform,
): Promise<ReplaceOutcome> {
  const temp = await writeTemp(file, content);
  let watch: ReturnType<typeof watchForInterference>;
  try {
    watch = watchForInterference(path.dirname(file), path.basename(file), path.basename(temp), on);
    // Synchronous from the checks to the rename: no other work runs in between.
    const outcome = await renameRetrying(temp, file, on, () => {
      if (!existsSync(file)) return 'removed';
      if (!wanted()) return 'unwanted';
      return undefined;
    });
    if (outcome !== 'renamed') {
      watch?.close();
      rmSync(temp, { force: true });
      return outcome;
    }
  } catch (error) {
    watch?.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  try {
    if ((await watch?.interfered()) === true) {
      await fs.rm(file, { force: true });
      return 'removed';
    }
    // A stop requested during the rename: what was just written goes (the post step removes the
    // file anyway, and a token should not outlive the request).
    if (!wanted()) {
      await fs.rm(file, { force: true });
      return 'unwanted';
    }
    return 'replaced';
  } finally {
    watch?.close();
  }
}

/** Writes a new profile; a profile of the same name already in the directory is an error. */
export async function writeProfile(configDir: string, name: string, accessToken: string, expiresAtMs: number): Promise<ProfilePaths> {
  const paths = profilePaths(configDir, name);
  const config = `${JSON.stringify({ version: '1.0', authentication: { type: 'user_oauth' } })}\n`;
  try {
    await fs.writeFile(paths.config, config, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ActionError(
        'profile-in-use',
        `A profile named "${name}" was already written by an earlier step of this job (${paths.config}).`,
        'Give each use of this action in one job its own `profile:` name, e.g. `profile: reviewer` and `profile: fixer`.',
      );
    }
    throw error;
  }
  try {
    await writeFileAtomic(paths.credentials, credentialsJson(accessToken, expiresAtMs));
  } catch (error) {
    // Post removes only a profile whose state was saved, which a failed write never gets to.
    await fs.rm(paths.config, { force: true });
    throw error;
  }
  return paths;
}

/** Removal retried for a moment while another process holds the file open (Windows). */
const RM_RETRIES = { force: true, maxRetries: 5, retryDelay: 100 } as const;

/**
 * Removes what the renewal process of profile `name` may leave in the config directory besides its
 * status file: the temp files of a status write it did not finish, and its stop channel's socket
 * (both stay behind when it was killed).
 */
export async function removeRenewalFiles(configDir: string, name: string, on: Platform = platform): Promise<void> {
  const entries = await fs.readdir(configDir).catch(() => [] as string[]);
  const statusFile = statusFilePath(configDir, name);
  const statusTemp = `.${path.basename(statusFile)}.`;
  for (const entry of entries.filter((e) => e.startsWith(statusTemp) && e.endsWith('.tmp'))) {
    await fs.rm(path.join(configDir, entry), RM_RETRIES);
  }
  // Its sockets, found by name: one whose status was never read has no recorded id.
  const socket = on.stopChannelFilePrefix(statusFile);
  for (const entry of socket === undefined ? [] : entries.filter((e) => e.startsWith(socket) && e.endsWith('.sock'))) {
    await fs.rm(path.join(configDir, entry), RM_RETRIES);
  }
}

/** Removes the profile's files, and the directories when nothing else is left in them. */
export async function removeProfile(paths: ProfilePaths): Promise<void> {
  await fs.rm(paths.credentials, RM_RETRIES);
  await fs.rm(paths.config, RM_RETRIES);
  const credentialsDir = path.dirname(paths.credentials);
  const tempPrefix = `.${path.basename(paths.credentials)}.`;
  const leftovers = await fs.readdir(credentialsDir).catch(() => [] as string[]);
  for (const entry of leftovers.filter((e) => e.startsWith(tempPrefix) && e.endsWith('.tmp'))) {
    await fs.rm(path.join(credentialsDir, entry), RM_RETRIES);
  }
  for (const dir of [path.dirname(paths.credentials), path.dirname(paths.config), paths.configDir]) {
    try {
      await fs.rmdir(dir);
    } catch {
      // Not empty (another profile, or a renewal process status file) or already gone.
    }
  }
}
