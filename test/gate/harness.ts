// Runs the gate's table cases: the loopback stand-in for the GitHub REST API (started once per test
// file by useGateHarness), each case's payload written to a file and read back through
// GITHUB_EVENT_PATH and readGateContext, the decision made by decide, and the checks every case
// gets (reason, exact look-ups, summary and warnings, the token in every request and in no text).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GateContext, type GateDecision, decide, readGateContext } from '../../src/gate/gate.ts';
import { type FakeGitHub, type FakeGitHubConfig, startFakeGitHub, TEST_PULLS, TEST_USERS } from '../support/github-api.ts';
import { type Case, DEFAULTS, type Json, REPOSITORY, TOKEN, fixture } from './builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

export const USERS = TEST_USERS;
export const PULLS = TEST_PULLS;

/** The stand-in, a temp dir for event files, and the sleeps the gate asked for: set by the hooks
 *  useGateHarness registers, read by the test file. */
export let gh: FakeGitHub;
export let dir: string;
export let sleeps: number[];

let fileCounter = 0;

/** Starts the stand-in for this test file, and resets it (and the recorded sleeps) before each test. */
export function useGateHarness(): void {
  beforeAll(async () => {
    gh = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'gate-test-'));
  });

  afterAll(async () => {
    await gh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS });
    sleeps = [];
  });
}

export async function run(c: Case): Promise<GateDecision> {
  const config: FakeGitHubConfig = {
    repository: REPOSITORY,
    token: TOKEN,
    users: { ...USERS, ...c.users },
    pulls: { ...PULLS, ...c.pulls },
  };
  gh.reset(config);
  const env: NodeJS.ProcessEnv = {
    GITHUB_EVENT_NAME: c.event,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_API_URL: gh.url,
  };
  let payload: Json | undefined;
  if (c.raw !== undefined) {
    const path = join(dir, `event-${fileCounter++}.json`);
    writeFileSync(path, c.raw);
    env['GITHUB_EVENT_PATH'] = path;
  } else if (c.fixture !== null) {
    payload = fixture(c.fixture ?? c.event);
    c.mutate?.(payload);
    const path = join(dir, `event-${fileCounter++}.json`);
    writeFileSync(path, JSON.stringify(payload));
    env['GITHUB_EVENT_PATH'] = path;
  }
  const actor = c.actor ?? (typeof payload?.['sender']?.login === 'string' ? (payload['sender'].login as string) : 'alice');
  env['GITHUB_ACTOR'] = actor;
  env['GITHUB_TRIGGERING_ACTOR'] = c.triggeringActor ?? actor;
  if (c.ref !== undefined) env['GITHUB_REF'] = c.ref;
  const context = await readGateContext(env);
  return decide({ ...DEFAULTS, ...c.settings }, context, {
    timeoutMs: c.timeoutMs ?? 2_000,
    userAgent: 'gate-test',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

export function check(c: Case, decision: GateDecision): void {
  expect({ allowed: decision.allowed, reason: decision.reason }).toEqual({ allowed: c.expected.allowed, reason: c.expected.reason });
  expect(gh.lookups()).toEqual(c.expected.lookups);
  expect(decision.summary).toMatch(new RegExp(`^${c.expected.allowed ? 'Allowed' : 'Denied'} \\(${c.expected.reason}\\): `));
  expect(decision.summary).toContain(c.event === '' ? 'an unnamed event' : c.event);
  expect(decision.summary).not.toMatch(/[\r\n]/);
  for (const pattern of c.expected.summary ?? []) expect(decision.summary).toMatch(pattern);
  expect(decision.warnings.length).toBe(c.expected.warnings?.length ?? 0);
  for (const [i, pattern] of (c.expected.warnings ?? []).entries()) expect(decision.warnings[i]).toMatch(pattern);
  if (c.expected.sleeps !== undefined) expect(sleeps).toEqual(c.expected.sleeps);
  // Every look-up carried the token, and no text of the decision does.
  for (const r of gh.requests) {
    expect(r.authorization).toBe(`token ${TOKEN}`);
    expect(r.method).toBe('GET');
  }
  for (const text of [decision.summary, ...decision.warnings, ...decision.actors]) expect(text).not.toContain(TOKEN);
}

/** One describe per table, one test per case. */
export function runTables(tables: ReadonlyArray<readonly [string, readonly Case[]]>): void {
  for (const [title, cases] of tables) {
    describe(title, () => {
      it.each(cases)('$name', async (c) => {
        check(c, await run(c));
      });
    });
  }
}

/** bob labels issue #7 (the issues fixture), against the stand-in. */
export function baseContext(): GateContext {
  return {
    eventName: 'issues',
    repository: REPOSITORY,
    actor: 'bob',
    triggeringActor: 'bob',
    apiUrl: gh.url,
    ref: 'refs/heads/main',
    payload: fixture('issues'),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
