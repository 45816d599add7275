import { existsSync, mkdtempSync, promises as fs, renameSync as renameSyncReal, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionError } from '../../src/errors.ts';
import { platformFor, type RunCommand } from '../../src/platform/index.ts';
import { fsError } from '../support/platforms.ts';
import {
  prepareConfigDir,
  profilePaths,
  removeProfile,
  removeRenewalFiles,
  replaceIfPresent,
  statusFilePath,
  writeFileAtomic,
  writeProfile,
} from '../../src/export/profile.ts';

let runnerTemp: string;
beforeEach(() => {
  runnerTemp = mkdtempSync(path.join(tmpdir(), 'profile-test-'));
});
afterEach(async () => {
  await fs.rm(runnerTemp, { recursive: true, force: true });
});

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('profile files', () => {
  it('writes a user_oauth profile with 0600 credentials in 0700 directories under RUNNER_TEMP', async () => {
    const dir = await prepareConfigDir(runnerTemp);
    expect(dir.startsWith(runnerTemp)).toBe(true);
    const paths = await writeProfile(dir, 'ci', 'sk-ant-oat01-test-x', 1_700_000_000_500);
    expect(JSON.parse(await fs.readFile(paths.config, 'utf8'))).toEqual({ version: '1.0', authentication: { type: 'user_oauth' } });
    expect(JSON.parse(await fs.readFile(paths.credentials, 'utf8'))).toEqual({
      version: '1.0',
      type: 'oauth_token',
      access_token: 'sk-ant-oat01-test-x',
      expires_at: 1_700_000_000,
    });
    expect(mode(paths.credentials)).toBe(0o600);
    for (const d of [dir, path.join(dir, 'credentials'), path.join(dir, 'configs')]) expect(mode(d)).toBe(0o700);
  });

  it('refuses a second profile of the same name, and allows another name beside it', async () => {
    const dir = await prepareConfigDir(runnerTemp);
    await writeProfile(dir, 'a', 'tok1', 0);
    await expect(writeProfile(dir, 'a', 'tok2', 0)).rejects.toThrow(/already written by an earlier step/);
    const b = await writeProfile(await prepareConfigDir(runnerTemp), 'b', 'tok3', 0);
    expect((JSON.parse(await fs.readFile(b.credentials, 'utf8')) as { access_token: string }).access_token).toBe('tok3');
  });

  it('refuses a config directory that is a symlink', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'elsewhere-'));
    await fs.symlink(elsewhere, path.join(runnerTemp, 'claude-oidc'));
    await expect(prepareConfigDir(runnerTemp)).rejects.toBeInstanceOf(ActionError);
    await fs.rm(elsewhere, { recursive: true, force: true });
  });

  it('refuses a RUNNER_TEMP that is missing or relative', async () => {
    await expect(prepareConfigDir('')).rejects.toThrow(/RUNNER_TEMP/);
    await expect(prepareConfigDir('relative/dir')).rejects.toThrow(/RUNNER_TEMP/);
  });

  it('replaces a file atomically and leaves no temp file behind', async () => {
    const dir = await prepareConfigDir(runnerTemp);
    const file = path.join(dir, 'credentials', 'x.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await fs.readFile(file, 'utf8')).toBe('two');
    expect(mode(file)).toBe(0o600);
    expect(await fs.readdir(path.dirname(file))).toEqual(['x.json']);
  });

  it('leaves no temp file and no half profile behind when writing the credentials fails', async () => {
    const dir = await prepareConfigDir(runnerTemp);
    // A directory in the credentials file's place makes the final rename fail.
    await fs.mkdir(path.join(dir, 'credentials', 'ci.json', 'x'), { recursive: true });
    await expect(writeProfile(dir, 'ci', 'sk-ant-oat01-test-x', 0)).rejects.toThrow();
    expect(await fs.readdir(path.join(dir, 'credentials'))).toEqual(['ci.json']);
    expect(await fs.readdir(path.join(dir, 'configs'))).toEqual([]);
  });

  it('removes only its own profile, then the directories once empty', async () => {
    const dir = await prepareConfigDir(runnerTemp);
    const a = await writeProfile(dir, 'a', 'tok1', 0);
    const b = await writeProfile(dir, 'b', 'tok2', 0);
    await fs.writeFile(path.join(dir, 'credentials', '.a.json.abc.tmp'), 'partial');
    await removeProfile(a);
    expect(await fs.readdir(path.join(dir, 'credentials'))).toEqual(['b.json']);
    await removeProfile(b);
    await expect(fs.stat(dir)).rejects.toThrow();
    expect(profilePaths(dir, 'x').credentials).toBe(path.join(dir, 'credentials', 'x.json'));
  });

  describe('replacing credentials only while they are wanted', () => {
    async function credentials(): Promise<string> {
      const dir = await prepareConfigDir(runnerTemp);
      const file = path.join(dir, 'credentials', 'ci.json');
      await fs.writeFile(file, 'old', { mode: 0o600 });
      return file;
    }

    it('replaces a file that is there, 0600, with no temp file left', async () => {
      const file = await credentials();
      expect(await replaceIfPresent(file, 'new', () => true)).toBe('replaced');
      expect(await fs.readFile(file, 'utf8')).toBe('new');
      expect(mode(file)).toBe(0o600);
      expect(await fs.readdir(path.dirname(file))).toEqual(['ci.json']);
    });

    it('does not bring back a removed file, and removes its temp file', async () => {
      const file = await credentials();
      await fs.rm(file);
      expect(await replaceIfPresent(file, 'new', () => true)).toBe('removed');
      expect(await fs.readdir(path.dirname(file))).toEqual([]);
    });

    it('leaves the file alone once it is no longer wanted (a stop request)', async () => {
      const file = await credentials();
      expect(await replaceIfPresent(file, 'new', () => false)).toBe('unwanted');
      expect(await fs.readFile(file, 'utf8')).toBe('old');
      expect(await fs.readdir(path.dirname(file))).toEqual(['ci.json']);
    });

    it.runIf(process.platform === 'linux')(
      'undoes a rename that recreated a file removed after the last check (Linux: from the directory events)',
      async () => {
        const file = await credentials();
        let removed = false;
        // wanted() is the last check before the rename: the file goes right after it.
        const outcome = await replaceIfPresent(file, 'new', () => {
          if (!removed) {
            rmSync(file);
            removed = true;
          }
          return true;
        });
        expect(removed).toBe(true);
        expect(outcome).toBe('removed');
        expect(existsSync(file)).toBe(false);
        expect(await fs.readdir(path.dirname(file))).toEqual([]);
      },
    );

    it('removes what it wrote when the stop request came during the rename', async () => {
      const file = await credentials();
      let checks = 0;
      // Wanted at the check before the rename, not at the one after it.
      expect(await replaceIfPresent(file, 'new', () => ++checks === 1)).toBe('unwanted');
      expect(existsSync(file)).toBe(false);
      expect(await fs.readdir(path.dirname(file))).toEqual([]);
    });
  });

  describe('on Windows, where a reader holding the file blocks the rename (emulated through the platform seam)', () => {
    async function credentials(): Promise<string> {
      const dir = await prepareConfigDir(runnerTemp);
      const file = path.join(dir, 'credentials', 'ci.json');
      await fs.writeFile(file, 'old', { mode: 0o600 });
      return file;
    }

    /** Windows' rename: EPERM while a reader holds the target open without delete sharing. */
    function windows(reader: { holds: boolean }, waits: number[], onWait: (n: number) => void = () => undefined) {
      let renames = 0;
      const on = platformFor('win32', {
        renameSync: (from, to) => {
          renames++;
          if (reader.holds) throw fsError('EPERM');
          renameSyncReal(from, to);
        },
        sleep: async (ms) => {
          waits.push(ms);
          onWait(waits.length);
        },
      });
      return { on, renames: () => renames };
    }

    it('retries the rename with the token in hand until the reader lets go, and replaces the file', async () => {
      const file = await credentials();
      const reader = { holds: true };
      const waits: number[] = [];
      // The reader closes the file during the third wait.
      const win = windows(reader, waits, (n) => {
        if (n === 3) reader.holds = false;
      });
      expect(await replaceIfPresent(file, 'new', () => true, win.on)).toBe('replaced');
      expect(win.renames()).toBe(4);
      expect(waits).toEqual([25, 50, 100]);
      expect(await fs.readFile(file, 'utf8')).toBe('new');
      expect(await fs.readdir(path.dirname(file))).toEqual(['ci.json']);
    });

    it('gives up after a few seconds (busy), leaving the file as it was and no temp file', async () => {
      const file = await credentials();
      const waits: number[] = [];
      const win = windows({ holds: true }, waits);
      expect(await replaceIfPresent(file, 'new', () => true, win.on)).toBe('busy');
      expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
      expect(await fs.readFile(file, 'utf8')).toBe('old');
      expect(await fs.readdir(path.dirname(file))).toEqual(['ci.json']);
    });

    it('checks again before every retry: a file removed or a stop requested while it waits wins', async () => {
      const file = await credentials();
      const reader = { holds: true };
      const waits: number[] = [];
      const removed = windows(reader, waits, () => rmSync(file, { force: true }));
      expect(await replaceIfPresent(file, 'new', () => true, removed.on)).toBe('removed');
      expect(existsSync(file)).toBe(false);
      await fs.writeFile(file, 'old', { mode: 0o600 });
      let wanted = true;
      const stopped = windows(reader, [], () => (wanted = false));
      expect(await replaceIfPresent(file, 'new', () => wanted, stopped.on)).toBe('unwanted');
      expect(await fs.readFile(file, 'utf8')).toBe('old');
      expect(await fs.readdir(path.dirname(file))).toEqual(['ci.json']);
    });

    it('writes the status file through the same retries', async () => {
      const file = await credentials();
      const reader = { holds: true };
      const win = windows(reader, [], () => (reader.holds = false));
      await writeFileAtomic(file, 'status', win.on);
      expect(win.renames()).toBe(2);
      expect(await fs.readFile(file, 'utf8')).toBe('status');
    });
  });

  describe('on Windows, the config directory gets an owner-only access list (icacls, emulated)', () => {
    // A self-hosted runner service running as NETWORK SERVICE: USERDOMAIN\USERNAME would say CORP\HOST$.
    const SID = 'S-1-5-20';
    const ROOT = 'D:\\Win';
    const WHOAMI = `${ROOT}\\System32\\whoami.exe`;
    const ICACLS = `${ROOT}\\System32\\icacls.exe`;
    const protectedFor = (sid: string): string => `D:PAI(A;OICI;FA;;;${sid})`;

    function icacls(sddl: (dir: string) => string, fail?: 'whoami' | 'set' | 'save') {
      const calls: Array<[string, readonly string[]]> = [];
      const run: RunCommand = async (file, args) => {
        calls.push([file, args]);
        const step = file === WHOAMI ? 'whoami' : args.includes('/save') ? 'save' : 'set';
        if (fail === step) throw Object.assign(new Error(`Command failed: ${file}`), { stderr: 'Access is denied.\r\n' });
        if (step === 'whoami') return { stdout: `"corp\\host$","${SID}"\r\n`, stderr: '' };
        if (step === 'save')
          writeFileSync(args[2] ?? '', Buffer.from(`\uFEFF${path.basename(args[0] ?? '')}\r\n${sddl(args[0] ?? '')}\r\n`, 'utf16le'));
        return { stdout: 'processed file\r\n', stderr: '' };
      };
      const env = { SystemRoot: ROOT, USERDOMAIN: 'CORP', USERNAME: 'HOST$' };
      return { on: platformFor('win32', { run, env: () => env }), calls };
    }

    it('grants the SID whoami reports, by full path, removing inheritance, then checks the saved SDDL', async () => {
      const { on, calls } = icacls(() => protectedFor(SID));
      const dir = await prepareConfigDir(runnerTemp, on);
      const dirs = [dir, path.join(dir, 'configs'), path.join(dir, 'credentials')];
      const scratch = (args: readonly string[]): readonly string[] => (args[1] === '/save' ? [...args.slice(0, 2), 'FILE'] : args);
      expect(calls.map(([file, args]) => [file, scratch(args)])).toEqual(
        dirs.flatMap((d) => [
          [WHOAMI, ['/user', '/fo', 'csv', '/nh']],
          [ICACLS, [d, '/inheritance:r', '/grant:r', `*${SID}:(OI)(CI)F`]],
          [ICACLS, [d, '/save', 'FILE']],
        ]),
      );
      // The save file is scratch: removed afterwards.
      for (const [, args] of calls) if (args[1] === '/save') expect(existsSync(args[2] ?? '')).toBe(false);
    });

    it('fails clearly, saying what to do, when whoami or icacls fails', async () => {
      for (const step of ['whoami', 'set', 'save'] as const) {
        const error = await prepareConfigDir(runnerTemp, icacls(() => protectedFor(SID), step).on).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ActionError);
        expect(error).toMatchObject({ code: 'private-dir-acl' });
        expect((error as ActionError).message).toMatch(/Access is denied\./);
        expect((error as ActionError).hint).toMatch(/RUNNER_TEMP/);
      }
    });

    it('fails when the list is for another account, still inherits, or lets someone else in', async () => {
      for (const sddl of [
        protectedFor('S-1-5-21-1-2-3-4242'),
        `D:AI(A;OICI;FA;;;${SID})`,
        `D:PAI(A;OICI;FA;;;${SID})(A;OICI;0x1200a9;;;BU)`,
      ]) {
        await expect(prepareConfigDir(runnerTemp, icacls(() => sddl).on)).rejects.toThrow(/is not private to S-1-5-20 after icacls/);
      }
    });
  });

  describe("removing a killed renewal process's files", () => {
    it("removes its stop socket by profile name, even when its status (and so its id) was never read, and no other profile's", async () => {
      const dir = await prepareConfigDir(runnerTemp, platformFor('linux'));
      const darwin = platformFor('darwin');
      const ours = darwin.stopChannelAddress(statusFilePath(dir, 'ci'), 'c'.repeat(32))!;
      const theirs = darwin.stopChannelAddress(statusFilePath(dir, 'other'), 'd'.repeat(32))!;
      for (const file of [ours, theirs, path.join(dir, '.renewal-ci.json.0123456789ab.tmp')]) await fs.writeFile(file, '');
      await removeRenewalFiles(dir, 'ci', darwin);
      expect(existsSync(ours)).toBe(false);
      expect(existsSync(theirs)).toBe(true);
      expect((await fs.readdir(dir)).filter((e) => e.endsWith('.tmp'))).toEqual([]);
      // Windows: a named pipe leaves no file; nothing else is touched.
      await removeRenewalFiles(dir, 'other', platformFor('win32'));
      expect(existsSync(theirs)).toBe(true);
    });
  });
});
