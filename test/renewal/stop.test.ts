// The renewal process as a real process, started from source: main waits until it has written its
// first status, a stop request during an exchange cuts the exchange and asks for nothing more, and
// the post step says what happened when a renewal process left no status. Real loopback servers, and
// every wait is on a condition (a status written, a request held, a connection closed).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import type { RenewalConfig } from '../../src/renewal/loop.ts';
import { readStatus } from '../../src/renewal/status.ts';
import { isAlive, startRenewalProcess, stopRenewalProcess } from '../../src/renewal/process.ts';
import type { OidcService } from '../support/oidc-service.ts';
import { newJob, parseCommands, parseFileCommands, removeJob, ROOT, type Job } from '../support/runner.ts';
import { startFront, type Front } from '../support/tls.ts';
import type { FederationRule, TokenEndpoint } from '../support/token-endpoint.ts';
import { ORG, startRenewalStandIns } from '../support/renewal-rule.ts';

const RENEWAL_ENTRY = path.join(ROOT, 'src', 'main.ts');
let oidc: OidcService;
let endpoint: TokenEndpoint;
let rule: FederationRule;
let dir: string;
const pids: number[] = [];

beforeAll(async () => {
  ({ oidc, endpoint, rule } = await startRenewalStandIns('Proc'));
});
afterAll(async () => {
  await Promise.all([oidc.close(), endpoint.close()]);
});
beforeEach(() => {
  oidc.clearFaults();
  endpoint.clearFaults();
  // Under RUNNER_TEMP's layout, so the post step accepts the state pointing here.
  dir = mkdtempSync(path.join(tmpdir(), 'renewal-process-'));
  mkdirSync(path.join(dir, 'claude-oidc', 'credentials'), { recursive: true, mode: 0o700 });
  mkdirSync(path.join(dir, 'claude-oidc', 'configs'), { recursive: true, mode: 0o700 });
});
afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const configDir = (): string => path.join(dir, 'claude-oidc');
const statusFile = (): string => path.join(configDir(), 'renewal-ci.json');
const credentialsFile = (): string => path.join(configDir(), 'credentials', 'ci.json');

function config(baseUrl: string, due: 'now' | 'later'): RenewalConfig {
  const now = Date.now();
  return {
    ids: { federationRuleId: rule.id, organizationId: ORG },
    audience: 'https://api.anthropic.com',
    baseUrl,
    userAgent: 'test renewal process',
    credentialsFile: credentialsFile(),
    statusFile: statusFile(),
    watchPid: process.pid,
    token: due === 'now' ? { issuedAt: now - 120_000, expiresAt: now + 60_000 } : { issuedAt: now, expiresAt: now + 600_000 },
  };
}

function writeCredentials(token = 'sk-ant-oat01-test-initial'): void {
  writeFileSync(credentialsFile(), credentialsJson(token, Date.now() + 600_000), { mode: 0o600 });
  writeFileSync(path.join(configDir(), 'configs', 'ci.json'), '{}\n', { mode: 0o600 });
}

const renewalEnvOf = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], ...oidc.env() });

/** Running, not a zombie (an orphan whose parent step ended may not be reaped here). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Runs `script` with node and `env` only, as the runner runs a step. */
async function runNode(script: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [script, ...args], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout };
}

describe('starting the renewal process', () => {
  it('resolves once the renewal process has written its first status, naming its pid', async () => {
    writeCredentials();
    const started = await startRenewalProcess(RENEWAL_ENTRY, config(endpoint.url, 'later'), renewalEnvOf(), { readyWithinMs: 30_000 });
    pids.push(started.pid);
    expect(started.pid).toBeGreaterThan(0);
    // Nothing waited on here: the status was there when startRenewalProcess resolved.
    expect(await readStatus(statusFile())).toMatchObject({ pid: started.pid, stoppedAt: null, rotations: 0 });
    expect(started.state).toBe('running');
    expect(await stopRenewalProcess(started.pid, statusFile())).toBe('stopped');
    expect(await readStatus(statusFile())).toMatchObject({ pid: started.pid, stopReason: 'stopped' });
  });

  it('says so when the process ends before it writes a status, and when it writes none in time', async () => {
    const exits = path.join(dir, 'exits.js');
    writeFileSync(exits, 'process.exit(3);\n');
    expect(await startRenewalProcess(exits, config(endpoint.url, 'later'), renewalEnvOf(), { readyWithinMs: 30_000 })).toMatchObject({
      state: 'exited',
      code: 3,
    });
    const hangs = path.join(dir, 'hangs.js');
    writeFileSync(hangs, 'setInterval(() => undefined, 1000);\n');
    const silent = await startRenewalProcess(hangs, config(endpoint.url, 'later'), renewalEnvOf(), { readyWithinMs: 200 });
    pids.push(silent.pid);
    expect(silent.state).toBe('silent');
    expect(isAlive(silent.pid)).toBe(true);
  });
});

describe('a stop request during a renewal', () => {
  let front: Front;
  beforeEach(async () => {
    // Holds every exchange: the renewal is in flight until something ends it.
    front = await startFront(endpoint.url, {
      onRequest: (method, where) => (method === 'POST' && where === '/v1/oauth/token' ? 'hold' : 'forward'),
    });
  });
  afterEach(async () => {
    await front.close();
  });

  it('cuts the exchange under way, asks for no new OIDC token or exchange, and is not recorded as a failure', async () => {
    writeCredentials();
    const started = await startRenewalProcess(RENEWAL_ENTRY, config(front.url, 'now'), renewalEnvOf(), { readyWithinMs: 30_000 });
    pids.push(started.pid);
    await until(() => front.held.length === 1);
    const oidcRequests = oidc.requests.length;
    const seen = front.seen.length;

    // What the post step does first: SIGTERM, and a 5 s grace before SIGKILL.
    expect(await stopRenewalProcess(started.pid, statusFile())).toBe('stopped');
    await front.held[0]!.closed;
    const status = await readStatus(statusFile());
    expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 0, lastError: null, lapsedAt: null, rotations: 0 });
    expect(oidc.requests.length).toBe(oidcRequests);
    expect(front.seen.length).toBe(seen);
    expect(readFileSync(credentialsFile(), 'utf8')).toContain('sk-ant-oat01-test-initial');
  });
});

describe('the post step, given a renewal process that left no status', () => {
  function postEnv(pid: number): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      RUNNER_TEMP: dir,
      'STATE_config-dir': configDir(),
      STATE_profile: 'ci',
      'STATE_status-file': statusFile(),
      'STATE_renewal-pid': String(pid),
    };
  }

  it('stops a process of this use that is still starting, and says what happened', async () => {
    writeCredentials();
    // Stands in for a renewal process that has not got as far as its first status: this use's marker
    // on its command line, and nothing written.
    const stuck = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)', '--', `--claude-oidc-renewal=${statusFile()}`], {
      stdio: 'ignore',
    });
    pids.push(stuck.pid!);
    const exited = new Promise((resolve) => stuck.on('exit', resolve));
    await until(
      () =>
        existsSync(`/proc/${stuck.pid}/cmdline`) && readFileSync(`/proc/${stuck.pid}/cmdline`, 'utf8').includes('--claude-oidc-renewal='),
    );

    const post = await runNode(path.join(ROOT, 'src', 'post.ts'), postEnv(stuck.pid!));
    expect(post.code).toBe(0);
    await exited;
    const warnings = parseCommands(post.stdout.split('\n'))
      .filter((c) => c.name === 'warning')
      .map((c) => c.value);
    expect(warnings).toEqual([
      `The background renewal process (pid ${stuck.pid}) was running but had written no status; the post step stopped it. No renewal was recorded, so the credentials may not have been renewed.`,
    ]);
    expect(existsSync(credentialsFile())).toBe(false);
  });

  it('says the process was gone when it is', async () => {
    writeCredentials();
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => gone.on('exit', resolve));
    const post = await runNode(path.join(ROOT, 'src', 'post.ts'), postEnv(gone.pid!));
    const warnings = parseCommands(post.stdout.split('\n')).filter((c) => c.name === 'warning');
    expect(warnings.map((c) => c.value)).toEqual([
      `The background renewal process (pid ${gone.pid}) wrote no status and was not running when the post step began (it ended early, or was killed); no renewal was recorded, so the credentials may not have been renewed.`,
    ]);
    expect(existsSync(credentialsFile())).toBe(false);
  });
});

describe('main, then post at once (the action as the last step of a job)', () => {
  let job: Job;
  beforeEach(() => {
    job = newJob(oidc.env());
    const eventPath = path.join(job.dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { id: 123456789 } }));
    Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
  });
  afterEach(async () => {
    await removeJob(job);
  });

  /** Runs src/<entry>.ts as a step of `job` (the source, not dist/), and returns its commands, state and env file. */
  async function step(
    entry: 'main' | 'post',
    extra: Record<string, string>,
  ): Promise<{ code: number | null; stdout: string; state: Record<string, string> }> {
    const files = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' };
    const env: Record<string, string> = { ...job.base, ...job.exported, ...extra };
    const stepDir = mkdtempSync(path.join(job.dir, `${entry}-`));
    for (const [name, file] of Object.entries(files)) {
      env[name] = path.join(stepDir, file);
      writeFileSync(env[name], '');
    }
    const { code, stdout } = await runNode(path.join(ROOT, 'src', `${entry}.ts`), env);
    Object.assign(job.exported, parseFileCommands(await fs.readFile(env['GITHUB_ENV']!, 'utf8')));
    return { code, stdout, state: parseFileCommands(await fs.readFile(env['GITHUB_STATE']!, 'utf8')) };
  }

  it('finds the status main waited for, stops the renewal process and warns of nothing', async () => {
    const main = await step('main', { 'INPUT_FEDERATION-RULE-ID': rule.id, 'INPUT_ORGANIZATION-ID': ORG, 'INPUT_BASE-URL': endpoint.url });
    expect(main.code).toBe(0);
    const pid = Number(main.state['renewal-pid']);
    pids.push(pid);
    // main returned only after the renewal process wrote its status.
    expect(await readStatus(main.state['status-file']!)).toMatchObject({ pid, stoppedAt: null });
    const post = await step('post', Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v])));
    expect(post.code).toBe(0);
    expect(parseCommands(post.stdout.split('\n')).filter((c) => c.name === 'warning')).toEqual([]);
    expect(post.stdout).toMatch(/renewed 0 times/);
    expect(running(pid)).toBe(false);
  });
});
