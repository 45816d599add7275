// Runs a committed dist/ bundle the way the GitHub runner does: INPUT_* variables, the
// GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_STEP_SUMMARY files, RUNNER_TEMP, and the
// workflow commands on stdout. Only what the test passes reaches the step's environment.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface WorkflowCommand {
  readonly line: number;
  readonly name: string;
  readonly properties: Record<string, string>;
  readonly value: string;
}

export interface StepResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
  readonly commands: readonly WorkflowCommand[];
  readonly outputs: Record<string, string>;
  readonly env: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  readonly files: { readonly output: string; readonly env: string; readonly state: string; readonly summary: string };
}

export interface Job {
  readonly dir: string;
  readonly runnerTemp: string;
  readonly workspace: string;
  /** Variables every step of this job sees (like the runner's GITHUB_* context). */
  readonly base: Record<string, string>;
  /** Accumulated GITHUB_ENV exports, as later steps see them. */
  readonly exported: Record<string, string>;
}

export function newJob(base: Record<string, string> = {}): Job {
  const dir = mkdtempSync(path.join(tmpdir(), 'job-'));
  const runnerTemp = path.join(dir, 'runner-temp');
  const workspace = path.join(dir, 'workspace');
  for (const d of [runnerTemp, workspace]) mkdirSync(d, { recursive: true });
  return {
    dir,
    runnerTemp,
    workspace,
    base: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_RUN_ID: '1001',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_ACTOR: 'octocat',
      GITHUB_TRIGGERING_ACTOR: 'octocat',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      GITHUB_ACTION_REF: 'v1',
      ...base,
    },
    exported: {},
  };
}

export async function removeJob(job: Job): Promise<void> {
  await fs.rm(job.dir, { recursive: true, force: true });
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return unescapeData(value).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

export function parseCommands(lines: readonly string[]): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  lines.forEach((line, index) => {
    const match = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line);
    if (match === null) return;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '')
      .trim()
      .split(',')
      .filter((p) => p !== '')) {
      const eq = pair.indexOf('=');
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ line: index, name: match[1] ?? '', properties, value: unescapeData(match[3] ?? '') });
  });
  return commands;
}

/** Parses the runner's file-command format: `name=value` or `name<<DELIM` … `DELIM`. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const [, name = '', delimiter = ''] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export interface StepOptions {
  readonly inputs?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly state?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Runs dist/<entry>/index.js as a step of `job`; GITHUB_ENV exports carry over to later steps. */
export async function runStep(job: Job, entry: 'main' | 'post', options: StepOptions = {}): Promise<StepResult> {
  const stepDir = mkdtempSync(path.join(job.dir, `${entry}-`));
  const files = {
    output: path.join(stepDir, 'output'),
    env: path.join(stepDir, 'env'),
    state: path.join(stepDir, 'state'),
    summary: path.join(stepDir, 'summary'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = {
    ...job.base,
    ...job.exported,
    ...(options.env ?? {}),
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const { code, stdout, stderr } = await runNode(
    path.join(ROOT, 'dist', entry, 'index.js'),
    env,
    job.workspace,
    `${entry} step`,
    options.timeoutMs,
  );
  const lines = stdout.split('\n');
  const read = async (file: string): Promise<string> => fs.readFile(file, 'utf8');
  const outputText = await read(files.output);
  const envText = await read(files.env);
  const stateText = await read(files.state);
  const exportedNow = parseFileCommands(envText);
  Object.assign(job.exported, exportedNow);
  return {
    code,
    stdout,
    stderr,
    lines,
    commands: parseCommands(lines),
    outputs: parseFileCommands(outputText),
    env: exportedNow,
    state: parseFileCommands(stateText),
    summary: await read(files.summary),
    files,
  };
}

/** Fails unless every appearance of `secret` on stdout comes after its ::add-mask:: line. */
export function maskedBeforeUse(result: StepResult, secret: string): { masked: boolean; firstMask: number; firstUse: number } {
  const firstMask = result.lines.findIndex((line) => line === `::add-mask::${secret}`);
  const firstUse = result.lines.findIndex((line, index) => index !== firstMask && line.includes(secret));
  return { masked: firstMask >= 0 && (firstUse === -1 || firstUse > firstMask), firstMask, firstUse };
}

export function warnings(result: StepResult): string[] {
  return result.commands.filter((c) => c.name === 'warning').map((c) => c.value);
}

export function errors(result: StepResult): string[] {
  return result.commands.filter((c) => c.name === 'error').map((c) => c.value);
}

export interface SdkCall {
  readonly i: number;
  readonly at: number;
  readonly ok: boolean;
  readonly status?: number | null;
  readonly error?: string;
}

/** Runs test/support/sdk-step.ts as a later step of `job`, with the job's exported environment. */
export async function runSdkStep(
  job: Job,
  options: { calls?: number; intervalMs?: number; timeoutMs?: number } = {},
): Promise<{ code: number | null; calls: SdkCall[]; stderr: string }> {
  const env: Record<string, string> = {
    ...job.base,
    ...job.exported,
    SDK_CALLS: String(options.calls ?? 1),
    SDK_INTERVAL_MS: String(options.intervalMs ?? 0),
  };
  const { code, stdout, stderr } = await runNode(
    path.join(ROOT, 'test', 'support', 'sdk-step.ts'),
    env,
    ROOT,
    'SDK step',
    options.timeoutMs,
  );
  const calls = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as SdkCall);
  return { code, calls, stderr };
}

/** Runs `script` with this Node and `env` only; kills it and rejects after `timeoutMs`. */
async function runNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  label: string,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, stdout, stderr };
}
