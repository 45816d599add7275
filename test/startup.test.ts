// What the bundled main step loads. undici (the HTTP client of @actions/http-client's HttpClient and
// of @actions/core's OIDC client) is the largest part of the bundle and the costliest to load; the
// main step uses neither client, so a run that needs no GitHub look-up must never load it. Its tell
// is Node's HTTP/2 module, which undici loads at once and nothing else in the action uses.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRenewalStandIns, ORG, type RenewalStandIns } from './support/renewal-rule.ts';
import { errors, newJob, removeJob, runStep } from './support/runner.ts';

let standIns: RenewalStandIns;
let dir: string;
let preload: string;

beforeAll(async () => {
  standIns = await startRenewalStandIns('Startup');
  dir = mkdtempSync(path.join(tmpdir(), 'startup-'));
  preload = path.join(dir, 'record-modules.cjs');
  // At exit, the process writes the list of Node's own modules it loaded to LOADED_MODULES_FILE.
  writeFileSync(
    preload,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, process.moduleLoadList.join('\\n')));\n",
  );
});
afterAll(async () => {
  await Promise.all([standIns.oidc.close(), standIns.endpoint.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function loadedBy(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n');
}

describe('what the main step loads', () => {
  it('undici loads HTTP/2 at once (the tell the next test looks for)', () => {
    const file = path.join(dir, 'undici.txt');
    const undici = createRequire(import.meta.url).resolve('undici');
    const result = spawnSync(process.execPath, ['--require', preload, '-e', `require(${JSON.stringify(undici)})`], {
      env: { ...process.env, LOADED_MODULES_FILE: file },
    });
    expect(result.status).toBe(0);
    expect(loadedBy(file)).toContain('NativeModule http2');
  });

  it('a run with no GitHub look-up mints without loading undici', async () => {
    const job = newJob(standIns.oidc.env());
    const eventPath = path.join(job.dir, 'event.json');
    writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { id: 1 } }));
    Object.assign(job.base, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventPath });
    const file = path.join(dir, 'main.txt');
    try {
      const main = await runStep(job, 'main', {
        inputs: { 'federation-rule-id': standIns.rule.id, 'organization-id': ORG, 'base-url': standIns.endpoint.url, refresh: 'false' },
        env: { NODE_OPTIONS: `--require ${preload}`, LOADED_MODULES_FILE: file },
      });
      expect(errors(main)).toEqual([]);
      expect(main.code).toBe(0);
      expect(main.outputs['expires-at']).toMatch(/^\d{4}-/);
      const loaded = loadedBy(file);
      expect(loaded).toContain('NativeModule https');
      expect(loaded).not.toContain('NativeModule http2');
    } finally {
      await removeJob(job);
    }
  });
});
