// The workflow commands of src/log/commands.ts against @actions/core's own functions: the same call,
// in the same environment, must print the same lines, write the same file commands, and leave the
// same process.env and exit code. Only the random heredoc delimiters of file commands differ.
import * as core from '@actions/core';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as commands from '../../src/log/commands.ts';
import { parseFileCommands } from '../support/runner.ts';

const FILES = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_STATE: 'state' } as const;

interface Effects {
  readonly stdout: string;
  readonly files: Record<string, string>;
  readonly env: Record<string, string | undefined>;
  readonly exitCode: typeof process.exitCode;
}

let dir: string;
let savedEnv: NodeJS.ProcessEnv;
let savedExitCode: typeof process.exitCode;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'commands-'));
  savedEnv = { ...process.env };
  savedExitCode = process.exitCode;
});

afterEach(() => {
  vi.restoreAllMocks();
  process.env = savedEnv;
  process.exitCode = savedExitCode;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `call` with the runner's file commands on (`files: true`) or off, and records what it did. */
function effects(call: () => void, files: boolean, watch: readonly string[] = []): Effects {
  for (const [name, file] of Object.entries(FILES)) {
    const target = path.join(dir, file);
    writeFileSync(target, '');
    if (files) process.env[name] = target;
    else delete process.env[name];
  }
  for (const name of watch) delete process.env[name];
  process.exitCode = undefined;
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    call();
  } finally {
    write.mockRestore();
  }
  const written = Object.fromEntries(
    Object.values(FILES).map((file) => [file, readFileSync(path.join(dir, file), 'utf8').replace(/ghadelimiter_[0-9a-f-]+/g, 'DELIMITER')]),
  );
  return {
    stdout: chunks.join(''),
    files: written,
    env: Object.fromEntries(watch.map((name) => [name, process.env[name]])),
    exitCode: process.exitCode,
  };
}

// Text that a careless writer would let break out of its command: %, CR, LF, a colon and a comma.
const AWKWARD = 'line one\r\nline two: 100%, done\n::error::not a command';

const CASES: ReadonlyArray<{
  readonly name: string;
  readonly ours: () => void;
  readonly theirs: () => void;
  readonly watch?: readonly string[];
}> = [
  { name: 'setOutput', ours: () => commands.setOutput('token', AWKWARD), theirs: () => core.setOutput('token', AWKWARD) },
  {
    name: 'exportVariable',
    ours: () => commands.exportVariable('COMMANDS_TEST_VAR', AWKWARD),
    theirs: () => core.exportVariable('COMMANDS_TEST_VAR', AWKWARD),
    watch: ['COMMANDS_TEST_VAR'],
  },
  { name: 'saveState', ours: () => commands.saveState('config-dir', AWKWARD), theirs: () => core.saveState('config-dir', AWKWARD) },
  { name: 'setSecret', ours: () => commands.setSecret(AWKWARD), theirs: () => core.setSecret(AWKWARD) },
  { name: 'info', ours: () => commands.info(AWKWARD), theirs: () => core.info(AWKWARD) },
  { name: 'warning', ours: () => commands.warning(AWKWARD), theirs: () => core.warning(AWKWARD) },
  { name: 'notice', ours: () => commands.notice(AWKWARD), theirs: () => core.notice(AWKWARD) },
  { name: 'startGroup', ours: () => commands.startGroup(AWKWARD), theirs: () => core.startGroup(AWKWARD) },
  { name: 'endGroup', ours: () => commands.endGroup(), theirs: () => core.endGroup() },
  { name: 'setFailed', ours: () => commands.setFailed(AWKWARD), theirs: () => core.setFailed(AWKWARD) },
];

describe("workflow commands: the same effects as @actions/core's own functions", () => {
  for (const files of [true, false]) {
    describe(files ? 'with the runner’s command files' : 'without them (the old stdout commands)', () => {
      for (const c of CASES) {
        it(c.name, () => {
          const ours = effects(c.ours, files, c.watch);
          const theirs = effects(c.theirs, files, c.watch);
          expect(ours).toEqual(theirs);
          // Each call does something, so an empty pair cannot pass for agreement.
          expect(ours.stdout + Object.values(ours.files).join('')).not.toBe('');
        });
      }
    });
  }

  it('file commands carry the value whole, and the value reaches process.env', () => {
    const done = effects(
      () => {
        commands.setOutput('token', AWKWARD);
        commands.exportVariable('COMMANDS_TEST_VAR', AWKWARD);
        commands.saveState('config-dir', AWKWARD);
      },
      true,
      ['COMMANDS_TEST_VAR'],
    );
    expect(parseFileCommands(readFileSync(path.join(dir, 'output'), 'utf8'))).toEqual({ token: AWKWARD });
    expect(parseFileCommands(readFileSync(path.join(dir, 'env'), 'utf8'))).toEqual({ COMMANDS_TEST_VAR: AWKWARD });
    expect(parseFileCommands(readFileSync(path.join(dir, 'state'), 'utf8'))).toEqual({ 'config-dir': AWKWARD });
    expect(done.env).toEqual({ COMMANDS_TEST_VAR: AWKWARD });
    expect(done.stdout).toBe('');
  });

  it('setFailed sets exit code 1 and prints one escaped ::error:: line', () => {
    const done = effects(() => commands.setFailed('no credentials\nsee 100%'), true);
    expect(done.exitCode).toBe(1);
    expect(done.stdout).toBe('::error::no credentials%0Asee 100%25\n');
  });

  it('refuses a name or value that holds the file command delimiter, as core does', () => {
    // core's delimiter is ghadelimiter_<random UUID>; fix the UUID so the test can write it.
    vi.spyOn(crypto, 'randomUUID').mockReturnValue('00000000-0000-4000-8000-000000000000');
    syncBuiltinESMExports();
    try {
      const delimiter = 'ghadelimiter_00000000-0000-4000-8000-000000000000';
      const refused = (call: () => void): unknown => {
        try {
          effects(call, true);
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const ours = refused(() => commands.setOutput('token', `a\n${delimiter}\nb`));
      expect(ours).toBeInstanceOf(Error);
      expect(ours).toEqual(refused(() => core.setOutput('token', `a\n${delimiter}\nb`)));
      expect(refused(() => commands.exportVariable(`X${delimiter}`, 'v'))).toBeInstanceOf(Error);
    } finally {
      vi.restoreAllMocks();
      syncBuiltinESMExports();
    }
  });

  it("the summary is core's own writer", () => {
    expect(commands.summary).toBe(core.summary);
  });
});
