// The `user_oauth` profile the SDKs and the `claude` CLI read: configs/<name>.json (not secret) and
// credentials/<name>.json (secret, 0600, in 0700 directories), all under RUNNER_TEMP.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, renameSync, rmSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { ActionError } from '../errors.ts';

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

/** A 0700 directory we own, never a link; refuses anything else. */
async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await fs.lstat(dir);
  if (!stat.isDirectory() || stat.isSymbolicLink()) {
    throw new ActionError('unsafe-config-dir', `${dir} exists and is not a plain directory; refusing to write credentials there.`);
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new ActionError('unsafe-config-dir', `${dir} belongs to another user; refusing to write credentials there.`);
  }
  await fs.chmod(dir, 0o700);
}

/** Creates the config directory under RUNNER_TEMP (shared by every use of the action in the job). */
export async function prepareConfigDir(runnerTemp: string): Promise<string> {
  if (runnerTemp === '' || !path.isAbsolute(runnerTemp)) {
    throw new ActionError('no-runner-temp', 'RUNNER_TEMP is not set to an absolute path; the action keeps credentials only there.');
  }
  const configDir = path.join(runnerTemp, CONFIG_DIR_NAME);
  await ensurePrivateDir(configDir);
  await ensurePrivateDir(path.join(configDir, 'configs'));
  await ensurePrivateDir(path.join(configDir, 'credentials'));
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

/** Writes `content` to `file` atomically: a 0600 temp file beside it, then rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = await writeTemp(file, content);
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export type ReplaceOutcome = 'replaced' | 'removed' | 'unwanted';

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
): { interfered: () => Promise<boolean | undefined>; close: () => void } | undefined {
  if (process.platform !== 'linux') return undefined;
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
 * the directory's events, and what was written is removed again. Returns what happened; the temp
 * file never stays behind.
 */
export async function replaceIfPresent(file: string, content: string, wanted: () => boolean): Promise<ReplaceOutcome> {
  const temp = await writeTemp(file, content);
  let watch: ReturnType<typeof watchForInterference>;
  try {
    watch = watchForInterference(path.dirname(file), path.basename(file), path.basename(temp));
    // Synchronous from here to the rename: no other work runs in between.
    if (!existsSync(file)) {
      rmSync(temp, { force: true });
      return 'removed';
    }
    if (!wanted()) {
      rmSync(temp, { force: true });
      return 'unwanted';
    }
    renameSync(temp, file);
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

/** Removes the profile's files, and the directories when nothing else is left in them. */
export async function removeProfile(paths: ProfilePaths): Promise<void> {
  await fs.rm(paths.credentials, { force: true });
  await fs.rm(paths.config, { force: true });
  const credentialsDir = path.dirname(paths.credentials);
  const tempPrefix = `.${path.basename(paths.credentials)}.`;
  const leftovers = await fs.readdir(credentialsDir).catch(() => [] as string[]);
  for (const entry of leftovers.filter((e) => e.startsWith(tempPrefix) && e.endsWith('.tmp'))) {
    await fs.rm(path.join(credentialsDir, entry), { force: true });
  }
  for (const dir of [path.dirname(paths.credentials), path.dirname(paths.config), paths.configDir]) {
    try {
      await fs.rmdir(dir);
    } catch {
      // Not empty (another profile, or a renewal process status file) or already gone.
    }
  }
}
