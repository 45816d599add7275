// The platform seam (src/platform/): what each OS does, checked on this Linux machine by building the
// other OSes' platforms over fake primitives.
import { describe, expect, it } from 'vitest';
import { platformFor, saveFileProblem, whoamiSid } from '../../src/platform/index.ts';

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

  it('puts the stop channel beside the status file (a short Unix socket named for its profile) or a named pipe on Windows, and has none where the path is too long', () => {
    const id = 'ab'.repeat(16);
    const status = (dir: string): string => `${dir}/renewal-ci.json`;
    expect(platformFor('win32').stopChannelAddress('C:\\a\\_temp\\claude-oidc\\renewal-ci.json', id)).toBe(
      `\\\\.\\pipe\\claude-oidc-stop-${id}`,
    );
    expect(platformFor('win32').stopChannelFilePrefix('C:\\a\\_temp\\claude-oidc\\renewal-ci.json')).toBeUndefined();
    const darwin = platformFor('darwin');
    const prefix = darwin.stopChannelFilePrefix(status('/x'))!;
    expect(prefix).toMatch(/^s-[0-9a-f]{6}-$/);
    expect(darwin.stopChannelFilePrefix(status('/y'))).toBe(prefix);
    expect(darwin.stopChannelFilePrefix('/x/renewal-other.json')).not.toBe(prefix);
    expect(darwin.stopChannelAddress(status('/Users/runner/work/_temp/claude-oidc'), id)).toBe(
      `/Users/runner/work/_temp/claude-oidc/${prefix}abababab.sock`,
    );
    // A self-hosted macOS runner's RUNNER_TEMP, 68 bytes: a socket still fits (a 32-hex name did not).
    const temp = `/Users/ci-runner/actions-runner-01/_work/${'t'.repeat(21)}/_temp`;
    expect(Buffer.byteLength(temp)).toBe(68);
    expect(darwin.stopChannelAddress(status(`${temp}/claude-oidc`), id)).toBe(`${temp}/claude-oidc/${prefix}abababab.sock`);
    expect(platformFor('linux').stopChannelAddress(status(`/${'d'.repeat(90)}`), id)).toBeUndefined();
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

describe('the Windows access list, read by SID', () => {
  const SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';
  const save = (sddl: string): Buffer => Buffer.from(`\uFEFFclaude-oidc\r\n${sddl}\r\n`, 'utf16le');

  it('reads the SID from `whoami /user /fo csv /nh`, whatever the account name', () => {
    expect(whoamiSid(`"corp\\host$","S-1-5-20"\r\n`)).toBe('S-1-5-20');
    expect(whoamiSid(`"runnervm\\r\u00e9nner","${SID}"\r\n`)).toBe(SID);
    expect(whoamiSid('ERROR: Access is denied.\r\n')).toBeUndefined();
  });

  it('accepts only a protected list with one entry: full access allowed to this SID, passed down', () => {
    expect(saveFileProblem(save(`D:PAI(A;OICI;FA;;;${SID})`), SID)).toBeUndefined();
    expect(saveFileProblem(save('D:PAI(A;OICI;FA;;;NS)'), 'S-1-5-20')).toBeUndefined();
    expect(saveFileProblem(save(`D:AI(A;OICI;FA;;;${SID})`), SID)).toMatch(/inherits/);
    expect(saveFileProblem(save(`D:PAI(A;OICI;FA;;;${SID})(A;OICIID;0x1200a9;;;BU)`), SID)).toMatch(/2 entries/);
    // NETWORK SERVICE granted by name as CORP\HOST$ would be another account.
    expect(saveFileProblem(save('D:PAI(A;OICI;FA;;;S-1-5-21-1-2-3-4242)'), 'S-1-5-20')).toMatch(/not S-1-5-20/);
    expect(saveFileProblem(save(`D:PAI(A;OICI;0x1200a9;;;${SID})`), SID)).toMatch(/lacks full control/);
    expect(saveFileProblem(save(`D:PAI(D;OICI;FA;;;${SID})`), SID)).toMatch(/unexpected entry/);
    expect(saveFileProblem(save(`D:PAI(A;;FA;;;${SID})`), SID)).toMatch(/inheritance/);
    expect(saveFileProblem(Buffer.alloc(0), SID)).toMatch(/no access list/);
  });
});
