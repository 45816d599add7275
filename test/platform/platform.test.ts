// The platform seam (src/platform/): what each OS does, checked on this Linux machine by building the
// other OSes' platforms over fake primitives.
import { describe, expect, it } from 'vitest';
import { aclProblem, icaclsEntries, platformFor } from '../../src/platform/index.ts';

describe('process identity', () => {
  it('reads a command line from /proc on Linux only: never <drive>:\\proc on Windows, nor on macOS', () => {
    const read: string[] = [];
    // What a local user could plant at C:\proc\<pid>\cmdline: this use's marker.
    const planted = (file: string): string => {
      read.push(file);
      return 'node\0main.js\0--claude-oidc-renewal=/tmp/x/renewal-ci.json\0';
    };
    expect(platformFor('win32', { readFileSync: planted }).commandLine(4242)).toBeUndefined();
    expect(platformFor('darwin', { readFileSync: planted }).commandLine(4242)).toBeUndefined();
    expect(read).toEqual([]);
    expect(platformFor('linux', { readFileSync: planted }).commandLine(4242)).toContain('--claude-oidc-renewal=/tmp/x/renewal-ci.json');
    expect(read).toEqual(['/proc/4242/cmdline']);
  });

  it('sends no signal on Windows to ask for a stop (every signal there is TerminateProcess); SIGTERM elsewhere', () => {
    const sent: Array<[number, NodeJS.Signals | 0]> = [];
    const kill = (pid: number, signal: NodeJS.Signals | 0): void => {
      sent.push([pid, signal]);
    };
    expect(platformFor('win32', { kill }).signalStop(7)).toBe(false);
    expect(sent).toEqual([]);
    expect(platformFor('darwin', { kill }).signalStop(7)).toBe(true);
    expect(platformFor('linux', { kill }).signalStop(8)).toBe(true);
    expect(sent).toEqual([
      [7, 'SIGTERM'],
      [8, 'SIGTERM'],
    ]);
  });

  it('puts the stop channel in the private directory (a Unix socket) or a named pipe on Windows, and has none where the path is too long', () => {
    const id = 'ab'.repeat(16);
    expect(platformFor('win32').stopChannelAddress('C:\\a\\_temp\\claude-oidc', id)).toBe(`\\\\.\\pipe\\claude-oidc-stop-${id}`);
    expect(platformFor('darwin').stopChannelAddress('/Users/runner/work/_temp/claude-oidc', id)).toBe(
      `/Users/runner/work/_temp/claude-oidc/stop-${id}.sock`,
    );
    expect(platformFor('linux').stopChannelAddress(`/${'d'.repeat(80)}`, id)).toBeUndefined();
  });

  it('treats EPERM, EACCES and EBUSY from a rename as a reader holding the file on Windows only, retried for a few seconds', () => {
    const win = platformFor('win32');
    for (const code of ['EPERM', 'EACCES', 'EBUSY']) expect(win.isBusy(Object.assign(new Error(code), { code }))).toBe(true);
    expect(win.isBusy(Object.assign(new Error('EXDEV'), { code: 'EXDEV' }))).toBe(false);
    expect(platformFor('linux').isBusy(Object.assign(new Error('EPERM'), { code: 'EPERM' }))).toBe(false);
    const total = win.busyRetryDelaysMs.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(2_000);
    expect(total).toBeLessThanOrEqual(5_000);
  });
});

describe('icacls output', () => {
  const dir = 'C:\\a\\_temp\\claude-oidc';
  it('reads the access entries of `icacls <dir>`', () => {
    const output = `${dir} RUNNERVM\\runneradmin:(OI)(CI)(F)\r\n                       NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n`;
    expect(icaclsEntries(output, dir)).toEqual(['RUNNERVM\\runneradmin:(OI)(CI)(F)', 'NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)']);
  });

  it('accepts only entries of this user, none inherited, with full control', () => {
    const ok = `${dir} RUNNERVM\\runneradmin:(OI)(CI)(F)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n`;
    expect(aclProblem(ok, dir, 'RUNNERVM\\runneradmin')).toBeUndefined();
    expect(aclProblem(ok, dir, 'runneradmin')).toBeUndefined();
    expect(aclProblem(ok, dir, 'OTHER\\runneradmin')).toMatch(/RUNNERVM\\runneradmin has access/);
    expect(aclProblem(`${dir} BUILTIN\\Users:(OI)(CI)(RX)\r\n\r\n`, dir, 'RUNNERVM\\runneradmin')).toMatch(/BUILTIN\\Users has access/);
    expect(aclProblem(`${dir} RUNNERVM\\runneradmin:(I)(OI)(CI)(F)\r\n\r\n`, dir, 'RUNNERVM\\runneradmin')).toMatch(/inherited/);
    expect(aclProblem(`${dir} RUNNERVM\\runneradmin:(OI)(CI)(RX)\r\n\r\n`, dir, 'RUNNERVM\\runneradmin')).toMatch(/lacks full control/);
    expect(aclProblem('\r\n', dir, 'RUNNERVM\\runneradmin')).toMatch(/no access entries/);
  });
});
