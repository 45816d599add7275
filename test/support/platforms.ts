// Other operating systems' platforms, on this Linux machine (see src/platform/). A stop channel stays
// this machine's kind (a Windows named pipe is a Unix socket here), so a real renewal process started
// by a test can still be reached; everything else is the emulated OS's.
import { platform, platformFor, type OsName, type Platform, type PlatformOps } from '../../src/platform/index.ts';

export function emulate(name: OsName, ops: Partial<PlatformOps> = {}): Platform {
  return {
    ...platformFor(name, ops),
    stopChannelAddress: platform.stopChannelAddress,
    stopChannelFilePrefix: platform.stopChannelFilePrefix,
    stopChannelIsFile: platform.stopChannelIsFile,
  };
}

/** process.kill as Windows does it: signal 0 tests for the process; any other signal is
 *  TerminateProcess (no handler runs). Every call is recorded. */
export function windowsKill(calls: Array<[number, NodeJS.Signals | 0]>): PlatformOps['kill'] {
  return (pid, signal) => {
    calls.push([pid, signal]);
    process.kill(pid, signal === 0 ? 0 : 'SIGKILL');
  };
}

/** An error as fs.renameSync throws it. */
export function fsError(code: string, syscall = 'rename'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation not permitted, ${syscall}`), { code, syscall });
}
