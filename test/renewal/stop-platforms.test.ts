// Stopping the renewal process on macOS and Windows, emulated on Linux through the platform seam
// (src/platform/): no /proc to read, no signal a handler sees on Windows, pids that get reused. The
// renewal processes here are real (started from source); only the OS's primitives are emulated.
// Every wait is on a condition: a status written, a process exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import { platform, platformFor } from '../../src/platform/index.ts';
import { answerMac, requestStop } from '../../src/renewal/channel.ts';
import type { RenewalConfig } from '../../src/renewal/loop.ts';
import { isAlive, startRenewalProcess, stopChannelTooLong, stopRenewalProcess } from '../../src/renewal/process.ts';
import { describeMissingStatus, describeUnconfirmed } from '../../src/renewal/report.ts';
import { readStatus, startingStatus, writeStatus } from '../../src/renewal/status.ts';
import type { OidcService } from '../support/oidc-service.ts';
import { emulate, windowsKill } from '../support/platforms.ts';
import { parseCommands, ROOT } from '../support/runner.ts';
import type { FederationRule, TokenEndpoint } from '../support/token-endpoint.ts';
import { ORG, startRenewalStandIns } from '../support/renewal-rule.ts';

const RENEWAL_ENTRY = path.join(ROOT, 'src', 'main.ts');
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ oidc, endpoint, rule } = await startRenewalStandIns('Plat'));
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'renewal-platforms-'));
  mkdirSync(path.join(dir, 'claude-oidc', 'credentials'), { recursive: true, mode: 0o700 });
  mkdirSync(path.join(dir, 'claude-oidc', 'configs'), { recursive: true, mode: 0o700 });
  writeFileSync(credentialsFile(), credentialsJson('sk-ant-oat01-test-initial', Date.now() + 600_000), { mode: 0o600 });
  writeFileSync(path.join(configDir(), 'configs', 'ci.json'), '{}\n', { mode: 0o600 });
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const configDir = (): string => path.join(dir, 'claude-oidc');
const statusFile = (): string => path.join(configDir(), 'renewal-ci.json');
const credentialsFile = (): string => path.join(configDir(), 'credentials', 'ci.json');

function config(): RenewalConfig {
  const now = Date.now();
  return {
    ids: { federationRuleId: rule.id, organizationId: ORG },
    audience: 'https://api.anthropic.com',
    baseUrl: endpoint.url,
    userAgent: 'test renewal process',
    credentialsFile: credentialsFile(),
    statusFile: statusFile(),
    watchPid: process.pid,
    token: { issuedAt: now, expiresAt: now + 600_000 },
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A real renewal process, spawned by this test process (so it is reaped when it exits). */
async function renewalProcess(): Promise<{ pid: number; exited: Promise<unknown> }> {
  const spawned: ChildProcess[] = [];
  const started = await startRenewalProcess(
    RENEWAL_ENTRY,
    config(),
    { PATH: process.env['PATH'], ...oidc.env() },
    {
      readyWithinMs: 30_000,
      platform: {
        ...platform,
        spawnDetached: (script, args, options) => {
          const child = platform.spawnDetached(script, args, options);
          spawned.push(child);
          return child;
        },
      },
    },
  );
  expect(started.state).toBe('running');
  const child = spawned[0]!;
  children.push(child);
  return { pid: started.pid, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

/** A process that is not a renewal process: what holds the pid once a killed one's pid is reused. */
function unrelated(): { child: ChildProcess; signals: () => NodeJS.Signals | null } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
  children.push(child);
  return { child, signals: () => child.signalCode };
}

/** The status a renewal process leaves when it is killed: still "running", naming its channel. */
async function statusLeftBy(pid: number, stop?: { id: string; nonce: string }): Promise<void> {
  const now = new Date().toISOString();
  await writeStatus(statusFile(), startingStatus(pid, now, now, stop));
}

describe('the renewal process', () => {
  it('runs in the config directory, not the job workspace it was started from', async () => {
    const { pid } = await renewalProcess();
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(realpathSync(configDir()));
    expect(await stopRenewalProcess(pid, statusFile())).toBe('stopped');
  });

  it('refuses a stop request without its nonce, and stops for one with it', async () => {
    const { pid } = await renewalProcess();
    const status = (await readStatus(statusFile()))!;
    expect(status.stop?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(status.stop?.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(status.stop?.nonce).not.toBe(status.stop?.id);
    const address = platform.stopChannelAddress(statusFile(), status.stop!.id)!;
    expect(await requestStop(address, { id: status.stop!.id, nonce: '0'.repeat(32) }, pid)).toBe(false);
    expect((await readStatus(statusFile()))?.stoppedAt).toBeNull();
    expect(isAlive(pid)).toBe(true);
    expect(await requestStop(address, status.stop!, pid, 30_000)).toBe(true);
    await until(async () => (await readStatus(statusFile()))?.stopReason === 'stopped');
  });
});

describe('post stops it on Windows (emulated): no signal, and the process records why it stopped', () => {
  it('asks on the stop channel; sends no signal (on Windows each is TerminateProcess); leaves no file of the process behind', async () => {
    const { pid, exited } = await renewalProcess();
    const kills: Array<[number, NodeJS.Signals | 0]> = [];
    const windows = emulate('win32', { kill: windowsKill(kills), readFileSync: () => 'planted' });
    // A generous bound for the answer: a busy machine must not turn a slow answer into 'unconfirmed'.
    expect(await stopRenewalProcess(pid, statusFile(), { platform: windows, answerWithinMs: 30_000 })).toBe('stopped');
    await exited;
    // Only "is it alive?" checks: no signal was sent.
    expect(kills.filter(([, signal]) => signal !== 0)).toEqual([]);
    expect(await readStatus(statusFile())).toMatchObject({ pid, stopReason: 'stopped' });
    // The socket went with the process; only the status (post removes it) and the profile remain.
    expect(readdirSync(configDir()).sort()).toEqual(['configs', 'credentials', 'renewal-ci.json']);
    expect(readdirSync(path.join(configDir(), 'credentials'))).toEqual(['ci.json']);
  });

  it('kills a process that answered as ours but does not stop, as a last resort, and only then', async () => {
    const stubborn = spawn(process.execPath, [path.join(ROOT, 'test', 'support', 'stubborn-renewal.ts'), statusFile()], {
      stdio: 'ignore',
    });
    children.push(stubborn);
    const exited = new Promise((resolve) => stubborn.once('exit', resolve));
    await until(async () => (await readStatus(statusFile()))?.pid === stubborn.pid);
    const kills: Array<[number, NodeJS.Signals | 0]> = [];
    const windows = emulate('win32', { kill: windowsKill(kills) });
    expect(await stopRenewalProcess(stubborn.pid!, statusFile(), { platform: windows, graceMs: 300, answerWithinMs: 30_000 })).toBe(
      'killed',
    );
    await exited;
    expect(kills.filter(([, signal]) => signal !== 0)).toEqual([[stubborn.pid, 'SIGKILL']]);
  });
});

describe('a squatter on the stop channel address (Windows named pipes are open to any local user; emulated)', () => {
  it('learns no nonce, and cannot answer as the process: the pid it names is left alone', async () => {
    const other = unrelated();
    const pid = other.child.pid!;
    const stop = { id: 'a'.repeat(32), nonce: 'b'.repeat(32) };
    await statusLeftBy(pid, stop);
    const requests: string[] = [];
    const squatter = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        requests.push(chunk.toString('utf8'));
        // What the old protocol accepted as "this is ours".
        socket.end(`stopping ${pid}\n`);
      });
    });
    await new Promise<void>((resolve) => squatter.listen(platform.stopChannelAddress(statusFile(), stop.id)!, resolve));
    try {
      const kills: Array<[number, NodeJS.Signals | 0]> = [];
      const on = emulate('win32', { kill: windowsKill(kills) });
      expect(await stopRenewalProcess(pid, statusFile(), { platform: on, graceMs: 200, answerWithinMs: 5_000 })).toBe('unconfirmed');
      expect(requests).toHaveLength(1);
      expect(requests[0]).not.toContain(stop.nonce);
      expect(requests[0]).toMatch(/^stop [0-9a-f]{32} [0-9a-f]{64}\n$/);
      expect(kills.filter(([, signal]) => signal !== 0)).toEqual([]);
      expect(isAlive(pid)).toBe(true);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('off Linux, kills only after a second proof: a pid whose channel answered once and then went quiet is left alone', async () => {
    const other = unrelated();
    const pid = other.child.pid!;
    const stop = { id: 'c'.repeat(32), nonce: 'd'.repeat(32) };
    await statusLeftBy(pid, stop);
    // Answers once as the process would, then closes (the process is gone; another holds its pid).
    const once = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        const [, challenge] = chunk.toString('utf8').trim().split(' ');
        socket.end(`stopping ${pid} ${answerMac(stop.nonce, challenge!, pid)}\n`);
        once.close();
      });
    });
    await new Promise<void>((resolve) => once.listen(platform.stopChannelAddress(statusFile(), stop.id)!, resolve));
    const kills: Array<[number, NodeJS.Signals | 0]> = [];
    const on = emulate('darwin', { kill: windowsKill(kills) });
    expect(await stopRenewalProcess(pid, statusFile(), { platform: on, graceMs: 200, answerWithinMs: 5_000 })).toBe('still-running');
    expect(kills.filter(([, signal]) => signal !== 0)).toEqual([]);
    expect(isAlive(pid)).toBe(true);
  });

  it('a renewal process refuses a request that sends the nonce in clear', async () => {
    const { pid } = await renewalProcess();
    const status = (await readStatus(statusFile()))!;
    const address = platform.stopChannelAddress(statusFile(), status.stop!.id)!;
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = net.connect(address, () => socket.write(`stop ${status.stop!.nonce}\n`));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toBe('');
    expect((await readStatus(statusFile()))?.stoppedAt).toBeNull();
    expect(await requestStop(address, status.stop!, pid, 30_000)).toBe(true);
    await until(async () => (await readStatus(statusFile()))?.stopReason === 'stopped');
  });
});

describe('post never signals a reused pid (macOS and Windows, emulated)', () => {
  // The renewal process was killed (SIGKILL, OOM, TerminateProcess) and wrote nothing more: its
  // status still says running. Another process now holds its pid.
  it.each([
    ['macOS, a status with no stop channel', 'darwin' as const, false],
    ['macOS, a stale stop channel', 'darwin' as const, true],
    ['Windows, a stale stop channel and a planted C:\\proc\\<pid>\\cmdline', 'win32' as const, true],
  ])('%s: the process holding the pid is left alone', async (_, os, withChannel) => {
    const other = unrelated();
    const pid = other.child.pid!;
    const stop = withChannel ? { id: 'a'.repeat(32), nonce: 'b'.repeat(32) } : undefined;
    await statusLeftBy(pid, stop);
    // A killed process's socket file stays behind (nothing listens on it).
    if (stop !== undefined) writeFileSync(platform.stopChannelAddress(statusFile(), stop.id)!, '');
    const kills: Array<[number, NodeJS.Signals | 0]> = [];
    const marker = `node\0main.js\0--claude-oidc-renewal=${statusFile()}\0`;
    const on = emulate(os, { kill: windowsKill(kills), readFileSync: () => marker });
    expect(await stopRenewalProcess(pid, statusFile(), { platform: on, graceMs: 200, answerWithinMs: 500 })).toBe('unconfirmed');
    expect(kills.filter(([, signal]) => signal !== 0)).toEqual([]);
    expect(other.signals()).toBeNull();
    expect(isAlive(pid)).toBe(true);
    expect(describeMissingStatus(pid, 'unconfirmed').warnings.join('\n')).toMatch(/left it alone/);
  });

  it('and on Linux tells it from ours by its command line, as before', async () => {
    const other = unrelated();
    await until(() => existsSync(`/proc/${other.child.pid}/cmdline`));
    await statusLeftBy(other.child.pid!, { id: 'a'.repeat(32), nonce: 'b'.repeat(32) });
    expect(await stopRenewalProcess(other.child.pid!, statusFile(), { platform: platformFor('linux'), graceMs: 200 })).toBe('not-running');
    expect(other.signals()).toBeNull();
  });
});

describe('the post step after a renewal process was killed', () => {
  it('says it was killed, signals nothing, and removes every file the action and the process created', async () => {
    const { pid, exited } = await renewalProcess();
    // Killed mid status write: a half-written status temp file and its socket stay behind.
    process.kill(pid, 'SIGKILL');
    await exited;
    writeFileSync(path.join(configDir(), '.renewal-ci.json.0123456789ab.tmp'), '{"version":');
    expect(readdirSync(configDir()).some((e) => /^s-[0-9a-f]{6}-[0-9a-f]{8}\.sock$/.test(e))).toBe(true);
    const post = spawn(process.execPath, [path.join(ROOT, 'src', 'post.ts')], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        RUNNER_TEMP: dir,
        'STATE_config-dir': configDir(),
        STATE_profile: 'ci',
        'STATE_status-file': statusFile(),
        'STATE_renewal-pid': String(pid),
      },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    post.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await new Promise((resolve) => post.on('exit', resolve))).toBe(0);
    const warnings = parseCommands(stdout.split('\n')).filter((c) => c.name === 'warning');
    expect(warnings.map((c) => c.value)).toEqual([
      `The background renewal process (pid ${pid}) was no longer running when the post step began, and had not recorded why: it was killed or crashed, and nothing renewed the credentials after its last recorded renewal.`,
    ]);
    expect(existsSync(configDir())).toBe(false);
  });

  it('removes its socket even when its status was never read (the status file gone), found by the profile name', async () => {
    const { pid, exited } = await renewalProcess();
    process.kill(pid, 'SIGKILL');
    await exited;
    rmSync(statusFile());
    expect(readdirSync(configDir()).some((e) => e.endsWith('.sock'))).toBe(true);
    const post = spawn(process.execPath, [path.join(ROOT, 'src', 'post.ts')], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        RUNNER_TEMP: dir,
        'STATE_config-dir': configDir(),
        STATE_profile: 'ci',
        'STATE_status-file': statusFile(),
        'STATE_renewal-pid': String(pid),
      },
      cwd: dir,
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => post.on('exit', resolve))).toBe(0);
    expect(existsSync(configDir())).toBe(false);
  });
});

describe('a renewal process with no stop channel because RUNNER_TEMP is too long for a socket', () => {
  it('is reported as such on macOS, not as most likely killed', () => {
    const long = `/Users/runner/${'w'.repeat(70)}/_temp/claude-oidc/renewal-ci.json`;
    const short = '/Users/runner/work/_temp/claude-oidc/renewal-ci.json';
    expect(stopChannelTooLong(long, platformFor('darwin'))).toBe(true);
    expect(stopChannelTooLong(short, platformFor('darwin'))).toBe(false);
    expect(stopChannelTooLong(long, platformFor('win32'))).toBe(false);
    expect(describeUnconfirmed(42, true)).toMatch(/longer than the 103 bytes/);
    expect(describeUnconfirmed(42, true)).not.toMatch(/killed/);
    expect(describeUnconfirmed(42, false)).toMatch(/most likely killed/);
  });
});
