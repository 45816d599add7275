// The renewal loop when the credentials file cannot be replaced: a reader holding it open (Windows, emulated), or other write errors.
import { promises as fs, readdirSync, renameSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import { runRenewal } from '../../src/renewal/loop.ts';
import { platformFor } from '../../src/platform/index.ts';
import { fsError } from '../support/platforms.ts';
import { readStatus } from '../../src/renewal/status.ts';
import { describeRenewal } from '../../src/renewal/report.ts';
import { advance, clock, config, deps, dir, endpoint, fileToken, oidc, rule } from './loop-harness.ts';

describe('runRenewal on Windows: a reader holding the credentials file (emulated through the platform seam)', () => {
  it('keeps the renewed token and writes it once the reader lets go: one OIDC token and one exchange, no lapse', async () => {
    // A 600 s token: renewal is due at 300 s. A reader (an SDK opening the file without delete
    // sharing) holds it from 290 s to 340 s, long past the few seconds of retries of one write.
    const start = clock;
    await fs.writeFile(config().credentialsFile, credentialsJson('sk-ant-oat01-test-initial', clock + 600_000), { mode: 0o600 });
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    const holds = (): boolean => clock - start >= 290_000 && clock - start < 340_000;
    let refused = 0;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json') && holds()) {
          refused++;
          throw fsError('EPERM');
        }
        renameSync(from, to);
      },
      sleep: async (ms) => {
        advance(ms);
      },
    });
    const oidcBefore = oidc.requests.length;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(600_000),
      deps(() => clock - start >= 400_000, { platform: windows }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    // The rename was refused again and again while the reader held the file...
    expect(refused).toBeGreaterThan(10);
    // ...and no new token was minted for it: the one renewal's token was written once it let go.
    expect(exchanges.map((e) => e.status)).toEqual([200]);
    expect(oidc.requests.length - oidcBefore).toBe(1);
    expect((await fileToken()).access_token).toBe(endpoint.minted.at(-1)!.token);
    expect(status).toMatchObject({ rotations: 1, failuresInARow: 0, lapsedAt: null, stopReason: 'stopped' });
    expect(Date.parse(status.lastSuccessAt!) - start).toBeGreaterThanOrEqual(340_000);
    expect(Date.parse(status.lastSuccessAt!) - start).toBeLessThan(350_000);
    expect(readdirSync(dir).sort()).toEqual(['creds.json', 'status.json']);
  });

  it('gives up, saying why, once the file stayed unwritable for as long as the held token was of use (a permanent EPERM)', async () => {
    // A 60 s token: renewal is due at 20 s; the rename is refused for good.
    const start = clock;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json')) throw fsError('EPERM');
        renameSync(from, to);
      },
      sleep: async (ms) => {
        advance(ms);
      },
    });
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 300_000, { platform: windows }),
    );
    // The held token (60 s, issued at 20 s) stays good until 50 s: then it stops, minting nothing more.
    const at = endpoint.exchanges.slice(before).map((e) => e.at - start);
    expect(at).toEqual([20_000]);
    expect(status.stopReason).toBe('credentials-unwritable');
    expect(Date.parse(status.stoppedAt!) - start).toBeGreaterThanOrEqual(50_000);
    expect(Date.parse(status.stoppedAt!) - start).toBeLessThan(60_000);
    expect(status.lastError).toMatch(/refused replacement/);
    expect(await readStatus(config().statusFile)).toMatchObject({ stopReason: 'credentials-unwritable' });
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/could not replace the credentials file/);
  });

  it('records a final status, not a crash, when writing the held token fails otherwise (its directory gone)', async () => {
    const start = clock;
    let refused = 0;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json')) {
          // Held open through the first write's retries; then the directory is gone.
          if (++refused <= 9) throw fsError('EPERM');
          rmSync(to, { force: true });
          throw fsError('ENOENT');
        }
        renameSync(from, to);
      },
      sleep: async (ms) => {
        advance(ms);
      },
    });
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 300_000, { platform: windows }),
    );
    expect(refused).toBe(10);
    expect(status.stopReason).toBe('credentials-removed');
    const written = await readStatus(config().statusFile);
    expect(written?.stopReason).toBe('credentials-removed');
    expect(written?.lastError).toMatch(/ENOENT/);
  });

  it('counts the credentials as lapsed from the moment readers stop using the old token, while the renewed one waits', async () => {
    // A 60 s token: renewal at 20 s; the reader never lets go, and the write's retries take no time
    // here, so each poll's write ends where it began: at 20, 25 and 30 s, when readers stop using it.
    const start = clock;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (from.includes('creds.json')) throw fsError('EPERM');
        renameSync(from, to);
      },
      sleep: async () => undefined,
    });
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start > 30_000, { platform: windows }),
    );
    expect(endpoint.exchanges.slice(before).map((e) => e.at - start)).toEqual([20_000]);
    expect(status).toMatchObject({
      stopReason: 'stopped',
      rotations: 0,
      lapsedAt: new Date(start + 30_000).toISOString(),
      lastError: 'The credentials file was held open by another process; the renewed token is written at the next try.',
      lastErrorAt: new Date(start + 30_000).toISOString(),
    });
    expect(Date.parse(status.stoppedAt!) - start).toBe(35_000);
    expect(await readStatus(config().statusFile)).toEqual(status);
  });

  it('writes a held token again at every 5 s poll through other write errors, and gives up the moment it is of no more use', async () => {
    // Held open through the first write's retries (20 s to 23.575 s); then every rename fails
    // otherwise (EIO). The renewed 60 s token, issued at 20 s, is of use to readers until 50 s.
    const start = clock;
    const renames: number[] = [];
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (!from.includes('creds.json')) return renameSync(from, to);
        renames.push(clock - start);
        throw fsError(renames.length <= 9 ? 'EPERM' : 'EIO');
      },
      sleep: async (ms) => {
        advance(ms);
      },
    });
    const status = await runRenewal(
      config(),
      // The renames counted too: a loop that no longer waits between writes ends here, not never.
      deps(() => clock - start >= 300_000 || renames.length > 30, { platform: windows }),
    );
    expect(renames.slice(0, 9)).toEqual([20_000, 20_025, 20_075, 20_175, 20_375, 20_775, 21_575, 22_575, 23_575]);
    expect(renames.slice(9)).toEqual([25_000, 30_000, 35_000, 40_000, 45_000, 50_000]);
    expect(status.stopReason).toBe('credentials-unwritable');
    expect(Date.parse(status.stoppedAt!) - start).toBe(50_000);
    expect(status.lastError).toMatch(/refused replacement/);
  });

  it('stops as removed, not as unwritable, when the file goes during the last write of a held token', async () => {
    // The reader never lets go; the post step removes the file at 50 s, as the held token runs out of use.
    const start = clock;
    const windows = platformFor('win32', {
      renameSync: (from, to) => {
        if (!from.includes('creds.json')) return renameSync(from, to);
        if (clock - start >= 50_000) rmSync(to, { force: true });
        throw fsError('EPERM');
      },
      sleep: async (ms) => {
        advance(ms);
      },
    });
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 300_000, { platform: windows }),
    );
    expect(status.stopReason).toBe('credentials-removed');
    expect(Date.parse(status.stoppedAt!) - start).toBe(50_025);
  });
});
