// The export step on its own: what later steps find in GITHUB_ENV for each choice of export, with
// the runner's file commands written to real files.
import { mkdtempSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportCredentials } from '../../src/export/export.ts';
import { inputsFromEnv, readSettings } from '../../src/inputs.ts';
import { parseFileCommands } from '../support/runner.ts';

const MINTED = { accessToken: 'sk-ant-oat01-test-export', expiresIn: 600, expiresAt: Date.now() + 600_000, scope: undefined, attempts: 1 };
const saved = { ...process.env };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'export-'));
  for (const name of ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE']) {
    const file = path.join(dir, name);
    writeFileSync(file, '');
    process.env[name] = file;
  }
  process.env['RUNNER_TEMP'] = dir;
});
afterEach(async () => {
  process.env = { ...saved };
  await fs.rm(dir, { recursive: true, force: true });
});

function settings(inputs: Record<string, string>): ReturnType<typeof readSettings> {
  const env: NodeJS.ProcessEnv = { GITHUB_TOKEN: '' };
  for (const [name, value] of Object.entries({
    'federation-rule-id': 'fdrl_01Export',
    'organization-id': '12345678-90ab-cdef-1234-567890abcdef',
    ...inputs,
  })) {
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return readSettings(inputsFromEnv(env), env);
}

const exported = (): Record<string, string> => parseFileCommands(readFileSync(process.env['GITHUB_ENV'] ?? '', 'utf8'));
const noConflicts = { clear: [], keepBaseUrl: false, warnings: [] };

describe('exportCredentials', () => {
  it('exports ANTHROPIC_BASE_URL with the default base-url too, whenever it exports anything', async () => {
    const result = await exportCredentials(settings({}), MINTED, noConflicts, process.env);
    expect(exported()['ANTHROPIC_BASE_URL']).toBe('https://api.anthropic.com');
    expect(result.names).toEqual(['ANTHROPIC_CONFIG_DIR', 'ANTHROPIC_PROFILE', 'ANTHROPIC_BASE_URL']);

    writeFileSync(process.env['GITHUB_ENV'] ?? '', '');
    await exportCredentials(settings({ export: 'claude-code-oauth-token' }), MINTED, noConflicts, process.env);
    expect(Object.keys(exported())).toEqual(['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL']);
    expect(exported()['ANTHROPIC_BASE_URL']).toBe('https://api.anthropic.com');
  });

  it('exports nothing at all with export: none', async () => {
    const result = await exportCredentials(settings({ export: 'none' }), MINTED, noConflicts, process.env);
    expect(exported()).toEqual({});
    expect(result.names).toEqual([]);
  });

  it('leaves ANTHROPIC_BASE_URL alone when the conflict policy keeps the value already there (warn)', async () => {
    const result = await exportCredentials(settings({}), MINTED, { ...noConflicts, keepBaseUrl: true }, process.env);
    expect(exported()['ANTHROPIC_BASE_URL']).toBeUndefined();
    expect(result.names).toEqual(['ANTHROPIC_CONFIG_DIR', 'ANTHROPIC_PROFILE']);
  });

  it('blanks the variables override clears, and exports a custom base-url as given', async () => {
    await exportCredentials(
      settings({ 'base-url': 'https://gateway.example.com/anthropic/' }),
      MINTED,
      { clear: ['ANTHROPIC_API_KEY'], keepBaseUrl: false, warnings: [] },
      process.env,
    );
    expect(exported()['ANTHROPIC_API_KEY']).toBe('');
    expect(exported()['ANTHROPIC_BASE_URL']).toBe('https://gateway.example.com/anthropic');
  });
});
