// The loopback servers the look-up tests (github-*.test.ts) run against: the stand-in for the
// GitHub API (test/support/github-api.ts), one under GitHub Enterprise Server's /api/v3 prefix, and
// for answers the stand-in cannot give (a 2xx/3xx edge, a Retry-After of any form, a body of any
// shape) a small loopback server whose answers each test scripts. Sleeps are recorded, never
// waited; the deadline tests run on a clock the test moves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type GitHubApiOptions, type PermissionResult, type PullRequestResult, getCollaboratorPermission } from '../../src/gate/github.ts';
import { type FakeGitHub, type FakeGitHubConfig, type PullAnswer, startFakeGitHub, TEST_PULLS, TEST_USERS } from '../support/github-api.ts';
import { type LoopbackServer, sendJson, sendText, startLoopbackServer } from '../support/http-util.ts';

export const TOKEN = 'ghs_apiTestToken_0123456789abcdefABCDEF';
export const REPOSITORY = 'acme/widgets';
export const ALICE = `the permission of alice on ${REPOSITORY}`;
export const PR12 = `pull request #12 of ${REPOSITORY}`;

export const USERS = TEST_USERS;
/** The gate's pull requests, and #1 (head in acme/widgets). */
export const PULLS: Readonly<Record<number, PullAnswer>> = { ...TEST_PULLS, 1: { headRepoId: 100, author: 'bob' } };

/** One scripted answer of the ad-hoc server. */
export interface Scripted {
  readonly status: number;
  /** Sent as is when a string, as JSON otherwise; omitted when undefined. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export let gh: FakeGitHub;
export let ghes: FakeGitHub;
export let adhoc: LoopbackServer;
/** What the ad-hoc server answers, in order; the last one repeats. */
let script: readonly Scripted[];
/** Paths the ad-hoc server was asked for. */
export let hits: string[];
export let sleeps: number[];

function answer(req: IncomingMessage, res: ServerResponse): void {
  hits.push(req.url ?? '');
  req.resume();
  const next = script[Math.min(hits.length, script.length) - 1];
  if (next === undefined) throw new Error('no scripted answer');
  if (next.body === undefined) {
    res.writeHead(next.status, next.headers);
    res.end();
  } else if (typeof next.body === 'string') {
    sendText(res, next.status, next.body, 'text/html', next.headers);
  } else {
    sendJson(res, next.status, next.body, next.headers);
  }
}

/** Starts the stand-ins for this test file, and resets them (and what was recorded) before each test. */
export function useLookupServers(): void {
  beforeAll(async () => {
    gh = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN });
    ghes = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3' });
    adhoc = await startLoopbackServer(answer);
  });

  afterAll(async () => {
    await gh.close();
    await ghes.close();
    await adhoc.close();
  });

  beforeEach(() => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS });
    ghes.reset({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3', users: USERS, pulls: PULLS });
    script = [];
    hits = [];
    sleeps = [];
  });
}

export function configure(config: Partial<FakeGitHubConfig>): void {
  gh.reset({ repository: REPOSITORY, token: TOKEN, users: USERS, pulls: PULLS, ...config });
}

export function options(overrides: Partial<GitHubApiOptions> = {}): GitHubApiOptions {
  return {
    apiUrl: gh.url,
    token: TOKEN,
    userAgent: 'github-api-test',
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  };
}

/** Options aimed at the ad-hoc server, which answers `answers` in order. */
export function scripted(answers: readonly Scripted[], overrides: Partial<GitHubApiOptions> = {}): GitHubApiOptions {
  script = answers;
  return options({ apiUrl: adhoc.origin, ...overrides });
}

/** A clock the test moves: `sleep` records the delay and advances time by what `advance` says. */
export function clock(start: number, advance: (ms: number) => number = (ms) => ms) {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += advance(ms);
    },
  };
}

export const host = (url: string): string => new URL(url).host;
export const failed = (message: string) => ({ kind: 'failed', message }) as const;

/** Asserts the look-up failed, and that no message carries the token. */
export function messageOf(result: PermissionResult | PullRequestResult): string {
  expect(result.kind).toBe('failed');
  const message = result.kind === 'failed' ? result.message : '';
  expect(message).not.toContain(TOKEN);
  return message;
}

export const permission = (login = 'alice', overrides: Partial<GitHubApiOptions> = {}) =>
  getCollaboratorPermission(options(overrides), REPOSITORY, login);
