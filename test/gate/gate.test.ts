// The fork-safety gate, table-driven over webhook payloads shaped like GitHub's (written to a file
// and read back through GITHUB_EVENT_PATH), against a loopback stand-in for the GitHub REST API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GATE_REASONS,
  type GateContext,
  type GateDecision,
  type GateReason,
  type GateSettings,
  MIN_PERMISSIONS,
  type MinPermission,
  decide,
  isMinPermission,
  readGateContext,
} from '../../src/gate/gate.ts';
import {
  type FakeGitHub,
  type FakeGitHubConfig,
  type PullAnswer,
  type UserAnswer,
  startFakeGitHub,
  TEST_PULLS,
  TEST_USERS,
} from '../support/github-api.ts';

// Webhook payloads are untyped JSON that the cases reshape (a fork head, `head.repo: null`, a
// deleted user); a type for each GitHub payload would check nothing the assertions do not.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const TOKEN = 'ghs_gateTestToken_0123456789abcdefABCDEF';
const REPOSITORY = 'acme/widgets'; // repository.id 100 in every fixture
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'events');

const USERS = TEST_USERS;
const PULLS = TEST_PULLS;

const DEFAULTS: GateSettings = {
  allowPullRequestTarget: false,
  allowForkHeads: false,
  minPermission: 'write',
  allowedBots: [],
  allowedUsers: [],
  allowedEvents: [],
  githubToken: TOKEN,
};

let gh: FakeGitHub;
let dir: string;
let sleeps: number[];

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

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

function user(login: string, id = 500, type = 'User'): Json {
  return { login, id, node_id: `U_${id}`, type, site_admin: false };
}

const fork = { id: 200, name: 'widgets', full_name: 'mallory/widgets', fork: true, owner: user('mallory', 66) };
const sameRepo = {
  id: 100,
  name: 'widgets',
  full_name: 'acme/widgets',
  fork: false,
  owner: { login: 'acme', id: 10, type: 'Organization' },
};

let fileCounter = 0;

interface Case {
  readonly name: string;
  readonly event: string;
  /** Fixture file name (defaults to the event name); null: no event file at all. */
  readonly fixture?: string | null;
  readonly mutate?: (payload: Json) => void;
  /** Raw event file content instead of a fixture. */
  readonly raw?: string;
  readonly actor?: string;
  readonly triggeringActor?: string;
  /** GITHUB_REF; unset when undefined. */
  readonly ref?: string;
  readonly settings?: Partial<GateSettings>;
  readonly users?: Readonly<Record<string, UserAnswer | string>>;
  readonly pulls?: Readonly<Record<number, PullAnswer>>;
  readonly timeoutMs?: number;
  readonly expected: {
    readonly allowed: boolean;
    readonly reason: GateReason;
    /** Exactly the look-ups made, in order. */
    readonly lookups: readonly string[];
    readonly summary?: readonly RegExp[];
    readonly warnings?: readonly RegExp[];
    readonly sleeps?: readonly number[];
  };
}

async function run(c: Case): Promise<GateDecision> {
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
  const context = readGateContext(env);
  return decide({ ...DEFAULTS, ...c.settings }, context, {
    timeoutMs: c.timeoutMs ?? 2_000,
    userAgent: 'gate-test',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

function check(c: Case, decision: GateDecision): void {
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
    expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r.method).toBe('GET');
  }
  for (const text of [decision.summary, ...decision.warnings, ...decision.actors]) expect(text).not.toContain(TOKEN);
}

const allow = (lookups: readonly string[], extra: Partial<Case['expected']> = {}): Case['expected'] => ({
  allowed: true,
  reason: 'ok',
  lookups,
  ...extra,
});
const deny = (reason: Exclude<GateReason, 'ok'>, lookups: readonly string[], extra: Partial<Case['expected']> = {}): Case['expected'] => ({
  allowed: false,
  reason,
  lookups,
  ...extra,
});

const setHead = (repo: Json | null) => (p: Json) => {
  p['pull_request'].head.repo = repo;
};

/** A pattern that matches exactly `text`, for asserting a whole summary or warning line. */
const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

// --------------------------------------------------------------------------------------------

const dependabot = (): Json => user('dependabot[bot]', 49699333, 'Bot');
const botSender = (login: string, id: number) => (p: Json) => {
  p['sender'] = user(login, id, 'Bot');
};

const MERGE_QUEUE_REF = 'refs/heads/gh-readonly-queue/main/pr-12-1111111111111111111111111111111111111111';

/** push by GitHub's merge queue: exempt from the bot rule only on its own branches, and only it. */
function mergeQueuePushes(): Case[] {
  const queuePush = (extra: Partial<Case>): Case => ({
    name: '',
    event: 'push',
    fixture: 'push_merge_queue',
    actor: 'github-merge-queue[bot]',
    ...extra,
    expected: extra.expected ?? deny('bot-not-allowed', []),
  });
  const setRef = (ref: unknown) => (p: Json) => {
    p['ref'] = ref;
  };
  return [
    queuePush({
      name: 'push by the merge queue to refs/heads/gh-readonly-queue/…: ok, no look-ups (only writers can enqueue)',
      expected: allow([], {
        summary: [
          exactly(
            "Allowed (ok): push in acme/widgets by github-merge-queue[bot]: push runs are started only by people with write access or by the repository itself; bots let through: github-merge-queue[bot] (GitHub's merge queue, pushing one of its gh-readonly-queue/ branches)",
          ),
        ],
      }),
    }),
    queuePush({
      name: 'push by the merge queue to its branch, GITHUB_REF agreeing: ok',
      ref: MERGE_QUEUE_REF,
      expected: allow([]),
    }),
    queuePush({
      name: 'push by the merge queue to its branch, deleting it after the merge: ok',
      ref: MERGE_QUEUE_REF,
      mutate: (p) => {
        p['deleted'] = true;
        p['created'] = false;
        p['after'] = '0000000000000000000000000000000000000000';
      },
      expected: allow([]),
    }),
    queuePush({
      name: 'push by the merge queue without an event file, GITHUB_REF its branch: ok (the runner sets GITHUB_REF)',
      fixture: null,
      ref: MERGE_QUEUE_REF,
      expected: allow([]),
    }),
    queuePush({
      name: 'push by the merge queue without an event file or GITHUB_REF: bot-not-allowed (the branch is unknown)',
      fixture: null,
    }),
    queuePush({
      name: 'push by the merge queue whose payload has no ref, GITHUB_REF its branch: ok',
      ref: MERGE_QUEUE_REF,
      mutate: (p) => {
        delete p['ref'];
      },
      expected: allow([]),
    }),
    queuePush({
      name: 'push by the merge queue whose payload says its branch but GITHUB_REF says main: bot-not-allowed (they must agree)',
      ref: 'refs/heads/main',
      expected: deny('bot-not-allowed', [], {
        summary: [
          /github-merge-queue\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender\) is a bot, and allowed-bots does not name it/,
        ],
      }),
    }),
    queuePush({
      name: 'push by the merge queue whose payload says main but GITHUB_REF says its branch: bot-not-allowed',
      ref: MERGE_QUEUE_REF,
      mutate: setRef('refs/heads/main'),
    }),
    queuePush({
      name: 'push by the merge queue whose payload ref is not a string: bot-not-allowed, even with GITHUB_REF its branch',
      ref: MERGE_QUEUE_REF,
      mutate: setRef(['refs/heads/gh-readonly-queue/main/pr-12-1']),
    }),
    ...[
      'refs/heads/gh-readonly-queue',
      'refs/heads/gh-readonly-queue/',
      'refs/heads/gh-readonly-queuex/main/pr-12-1',
      'refs/heads/GH-READONLY-QUEUE/main/pr-12-1',
      'refs/heads/feature/gh-readonly-queue/main/pr-12-1',
      'refs/tags/gh-readonly-queue/main/pr-12-1',
      ' refs/heads/gh-readonly-queue/main/pr-12-1',
      'gh-readonly-queue/main/pr-12-1',
    ].map((ref): Case =>
      queuePush({
        name: `push by the merge queue to ${JSON.stringify(ref)}: bot-not-allowed (only refs/heads/gh-readonly-queue/…)`,
        mutate: setRef(ref),
      }),
    ),
    queuePush({
      name: 'push by another bot to a gh-readonly-queue/ branch: bot-not-allowed (the exemption is the merge queue only)',
      actor: 'renovate[bot]',
      mutate: botSender('renovate[bot]', 29139614),
      expected: deny('bot-not-allowed', [], {
        summary: [/renovate\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender\) is a bot/],
      }),
    }),
    queuePush({
      name: 'push to a gh-readonly-queue/ branch by a bot typed "Bot" and called "github-merge-queue" without [bot]: bot-not-allowed',
      actor: 'github-merge-queue',
      mutate: botSender('github-merge-queue', 118344674),
      expected: deny('bot-not-allowed', [], { summary: [/`allowed-bots: github-merge-queue`/] }),
    }),
    queuePush({
      name: 'push by the merge queue to its branch, re-run by dependabot[bot]: bot-not-allowed (every other bot still needs allowed-bots)',
      triggeringActor: 'dependabot[bot]',
      expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] \(GITHUB_TRIGGERING_ACTOR\) is a bot/] }),
    }),
    queuePush({
      name: 'push by a writer to a gh-readonly-queue/ branch: ok as any push (no bot involved)',
      actor: 'bob',
      mutate: (p) => {
        p['sender'] = user('bob', 12);
      },
      expected: allow([], { summary: [/no actor is a bot$/] }),
    }),
  ];
}

/** repository_dispatch: POST /repos/{owner}/{repo}/dispatches needs write access, so it is trusted
 *  like workflow_dispatch; a bot sender (an app, GITHUB_TOKEN) needs allowed-bots. */
function repositoryDispatch(): Case[] {
  return [
    {
      name: "repository_dispatch sent with a writer's token: ok, no look-ups",
      event: 'repository_dispatch',
      expected: allow([], {
        summary: [
          exactly(
            'Allowed (ok): repository_dispatch in acme/widgets by alice: repository_dispatch runs are started only with a token that has write access to this repository; no actor is a bot',
          ),
        ],
      }),
    },
    {
      name: 'repository_dispatch sent by a GitHub App: bot-not-allowed, the message says what to add',
      event: 'repository_dispatch',
      actor: 'deploy-app[bot]',
      mutate: botSender('deploy-app[bot]', 88),
      expected: deny('bot-not-allowed', [], {
        summary: [
          /deploy-app\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender\) is a bot, and allowed-bots does not name it/,
          /`allowed-bots: deploy-app\[bot\]`/,
        ],
      }),
    },
    {
      name: 'repository_dispatch sent by a GitHub App named in allowed-bots: ok, no look-ups',
      event: 'repository_dispatch',
      actor: 'deploy-app[bot]',
      settings: { allowedBots: ['deploy-app'] },
      mutate: botSender('deploy-app[bot]', 88),
      expected: allow([], { summary: [/bots let through: deploy-app\[bot\] \(allowed bot\)$/] }),
    },
    {
      name: "repository_dispatch sent with a workflow's GITHUB_TOKEN (github-actions[bot]): bot-not-allowed",
      event: 'repository_dispatch',
      actor: 'github-actions[bot]',
      mutate: botSender('github-actions[bot]', 41898282),
      expected: deny('bot-not-allowed', []),
    },
    {
      name: 'repository_dispatch whose sender is a bot while GITHUB_ACTOR is a person: bot-not-allowed',
      event: 'repository_dispatch',
      actor: 'alice',
      mutate: botSender('deploy-app[bot]', 88),
      expected: deny('bot-not-allowed', [], { summary: [/deploy-app\[bot\] \(the event sender\) is a bot/] }),
    },
    {
      name: 'repository_dispatch listed in allowed-events as well: allowed anyway, with a warning',
      event: 'repository_dispatch',
      settings: { allowedEvents: [' Repository_Dispatch '] },
      expected: allow([], { warnings: [exactly('allowed-events names "repository_dispatch", which is allowed anyway')] }),
    },
    {
      name: 'repository_dispatch with no actor at all: permission-check-failed',
      event: 'repository_dispatch',
      actor: '',
      mutate: (p) => {
        delete p['sender'];
      },
      expected: deny('permission-check-failed', [], { summary: [/no actor of the run is known/] }),
    },
  ];
}

const trustedEvents: Case[] = [
  {
    name: 'push',
    event: 'push',
    expected: allow([], { summary: [/push in acme\/widgets by bob/, /write access or by the repository itself; no actor is a bot/] }),
  },
  { name: 'workflow_dispatch', event: 'workflow_dispatch', expected: allow([]) },
  { name: 'schedule (payload without a sender)', event: 'schedule', actor: 'alice', expected: allow([]) },
  {
    name: "merge_group started by GitHub's merge queue: ok, no look-ups (only writers can enqueue)",
    event: 'merge_group',
    actor: 'github-merge-queue[bot]',
    expected: allow([], { summary: [/bots let through: github-merge-queue\[bot\] \(GitHub's merge queue\)/] }),
  },
  {
    name: 'the merge queue bot pushing main: bot-not-allowed (the exemption is for merge_group and its own branches only)',
    event: 'push',
    actor: 'github-merge-queue[bot]',
    expected: deny('bot-not-allowed', [], {
      summary: [
        /github-merge-queue\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR\) is a bot/,
        /`allowed-bots: github-merge-queue\[bot\]`/,
      ],
    }),
  },
  ...mergeQueuePushes(),
  ...repositoryDispatch(),
  {
    name: 'merge_group with another bot as actor: bot-not-allowed',
    event: 'merge_group',
    actor: 'dependabot[bot]',
    expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] .* is a bot/] }),
  },
  {
    name: 'push by dependabot[bot], named in allowed-bots: ok, no look-ups',
    event: 'push',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['dependabot[bot]'] },
    expected: allow([], { summary: [/bots let through: dependabot\[bot\] \(allowed bot\)/] }),
  },
  { name: 'release', event: 'release', expected: allow([]) },
  { name: 'create (a tag)', event: 'create', expected: allow([]) },
  { name: 'push needs no payload: a missing event file still allows', event: 'push', fixture: null, actor: 'bob', expected: allow([]) },
  {
    name: 'push listed in allowed-events as well: allowed, with a warning',
    event: 'push',
    settings: { allowedEvents: ['push'] },
    expected: allow([], { warnings: [/allowed anyway/] }),
  },
  {
    name: 'push by dependabot[bot]: bot-not-allowed, no look-ups, the message says what to add',
    event: 'push',
    actor: 'dependabot[bot]',
    mutate: (p) => {
      p['sender'] = dependabot();
    },
    expected: deny('bot-not-allowed', [], {
      summary: [
        /push in acme\/widgets by dependabot\[bot\]/,
        /dependabot\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender\) is a bot, and allowed-bots does not name it/,
        /add it to allowed-bots \(e\.g\. `allowed-bots: dependabot\[bot\]`\)/,
      ],
    }),
  },
  {
    name: 'push by dependabot[bot] with allowed-bots "dependabot[bot]": ok, no look-ups',
    event: 'push',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['dependabot[bot]'] },
    mutate: (p) => {
      p['sender'] = dependabot();
    },
    expected: allow([], { summary: [/dependabot\[bot\] \(allowed bot\)/] }),
  },
  {
    name: 'push by dependabot[bot] with only another bot allowed: bot-not-allowed',
    event: 'push',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['renovate[bot]'] },
    mutate: (p) => {
      p['sender'] = dependabot();
    },
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'push by dependabot[bot] without an event file: GITHUB_ACTOR alone is enough to deny',
    event: 'push',
    fixture: null,
    actor: 'dependabot[bot]',
    expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR\)/] }),
  },
  {
    name: 'push whose payload sender is a bot while GITHUB_ACTOR is a person: bot-not-allowed',
    event: 'push',
    actor: 'bob',
    mutate: botSender('renovate[bot]', 29139614),
    expected: deny('bot-not-allowed', [], { summary: [/renovate\[bot\] \(the event sender\) is a bot/] }),
  },
  {
    name: 'push re-run by a bot (GITHUB_TRIGGERING_ACTOR): bot-not-allowed',
    event: 'push',
    actor: 'bob',
    triggeringActor: 'some-app[bot]',
    expected: deny('bot-not-allowed', [], {
      summary: [/re-run by some-app\[bot\]/, /some-app\[bot\] \(GITHUB_TRIGGERING_ACTOR\) is a bot/],
    }),
  },
  {
    name: 'push by a sender of type "Bot" without the [bot] suffix: bot-not-allowed',
    event: 'push',
    actor: 'Copilot',
    mutate: botSender('Copilot', 198982749),
    expected: deny('bot-not-allowed', [], { summary: [/`allowed-bots: Copilot`/] }),
  },
  {
    name: 'workflow_dispatch by github-actions[bot]: bot-not-allowed',
    event: 'workflow_dispatch',
    actor: 'github-actions[bot]',
    mutate: botSender('github-actions[bot]', 41898282),
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'schedule whose GITHUB_ACTOR is a bot: bot-not-allowed (no exception for schedule)',
    event: 'schedule',
    actor: 'dependabot[bot]',
    expected: deny('bot-not-allowed', [], { summary: [/schedule in acme\/widgets by dependabot\[bot\]/] }),
  },
  {
    name: 'release published by an app: bot-not-allowed',
    event: 'release',
    actor: 'release-app[bot]',
    mutate: botSender('release-app[bot]', 88),
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'release published by an app named in allowed-bots without the suffix: ok',
    event: 'release',
    actor: 'release-app[bot]',
    settings: { allowedBots: ['Release-App'] },
    mutate: botSender('release-app[bot]', 88),
    expected: allow([]),
  },
  {
    name: 'create (a branch) by dependabot[bot]: bot-not-allowed',
    event: 'create',
    actor: 'dependabot[bot]',
    mutate: (p) => {
      p['sender'] = dependabot();
    },
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'schedule with no actor at all (GITHUB_ACTOR empty, no sender): permission-check-failed',
    event: 'schedule',
    actor: '',
    expected: deny('permission-check-failed', [], { summary: [/no actor of the run is known/] }),
  },

  {
    name: 'push by a writer: the whole summary (who, which event, which rule), no re-run phrase',
    event: 'push',
    actor: 'bob',
    triggeringActor: 'bob',
    expected: allow([], {
      summary: [
        exactly(
          'Allowed (ok): push in acme/widgets by bob: push runs are started only by people with write access or by the repository itself; no actor is a bot',
        ),
      ],
    }),
  },
  {
    name: 'push re-run by a second allowed bot: both bots named, comma-separated',
    event: 'push',
    actor: 'dependabot[bot]',
    triggeringActor: 'renovate[bot]',
    settings: { allowedBots: ['dependabot', 'renovate'] },
    mutate: (p) => {
      p['sender'] = dependabot();
    },
    expected: allow([], {
      summary: [
        /by dependabot\[bot\] \(re-run by renovate\[bot\]\)/,
        /; bots let through: dependabot\[bot\] \(allowed bot\), renovate\[bot\] \(allowed bot\)$/,
      ],
    }),
  },
  {
    name: 'push whose payload sender is null: the sender is ignored, the actor decides',
    event: 'push',
    actor: 'bob',
    mutate: (p) => {
      p['sender'] = null;
    },
    expected: allow([], { summary: [/no actor is a bot$/] }),
  },
  {
    name: 'push whose sender login is a bot padded with spaces: still a bot (logins are trimmed)',
    event: 'push',
    actor: 'bob',
    mutate: (p) => {
      p['sender'] = user('  dependabot[bot]  ', 49699333, 'User');
    },
    expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] \(the event sender\) is a bot/] }),
  },
  {
    name: 'allowed-bots "depend[bot]abot" does not name dependabot[bot] (only a trailing [bot] is dropped)',
    event: 'push',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['depend[bot]abot'] },
    expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR\) is a bot/] }),
  },
  {
    name: 'allowed-bots "dependabot@" does not name dependabot[bot] (only a leading @ is dropped)',
    event: 'push',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['dependabot@'] },
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'blank allowed-bots entries name no bot, not even one called "[bot]"',
    event: 'push',
    actor: '[bot]',
    settings: { allowedBots: ['  ', '@', ''] },
    expected: deny('bot-not-allowed', [], { summary: [/\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR\) is a bot/] }),
  },
  {
    name: 'workflow_dispatch with GITHUB_TRIGGERING_ACTOR empty: no re-run phrase',
    event: 'workflow_dispatch',
    actor: 'alice',
    triggeringActor: '',
    expected: allow([], { summary: [/^Allowed \(ok\): workflow_dispatch in acme\/widgets by alice: workflow_dispatch runs are started/] }),
  },
  {
    name: 'push by ALICE, re-run by Alice: the same person, no re-run phrase',
    event: 'push',
    actor: 'ALICE',
    triggeringActor: 'Alice',
    fixture: null,
    expected: allow([], { summary: [/^Allowed \(ok\): push in acme\/widgets by ALICE: push runs/] }),
  },
];

const pullRequestEvents: Case[] = [
  {
    name: 'pull_request from a branch of this repository, by a writer: ok after the actor check',
    event: 'pull_request',
    expected: allow(['permission:bob'], {
      summary: [
        /pull_request #12 in acme\/widgets by bob/,
        /branch of this repository; every actor passed the actor check \(min-permission write\): bob \(write\)/,
      ],
    }),
  },
  {
    name: 'pull_request from a branch of this repository, opened by a reader: insufficient-permission',
    event: 'pull_request',
    actor: 'carol',
    mutate: (p) => {
      p['pull_request'].user = user('carol', 13);
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:carol'], {
      summary: [
        /carol \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the pull request author\) has read access, below min-permission write/,
      ],
    }),
  },
  {
    name: 'pull_request from a branch of this repository, opened by a non-collaborator: not-a-collaborator',
    event: 'pull_request',
    actor: 'mallory',
    mutate: (p) => {
      p['pull_request'].user = user('mallory', 66);
      p['sender'] = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:mallory']),
  },
  {
    name: 'pull_request by a reader, updated by a writer: the pull request author is checked too',
    event: 'pull_request',
    actor: 'bob',
    mutate: (p) => {
      p['action'] = 'synchronize';
      p['pull_request'].user = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:bob', 'permission:carol'], {
      summary: [/carol \(the pull request author\) has read access/],
    }),
  },
  {
    name: 'pull_request by a writer, re-run by a reader: GITHUB_TRIGGERING_ACTOR checked',
    event: 'pull_request',
    actor: 'bob',
    triggeringActor: 'carol',
    expected: deny('insufficient-permission', ['permission:bob', 'permission:carol'], {
      summary: [/re-run by carol/, /carol \(GITHUB_TRIGGERING_ACTOR\)/],
    }),
  },
  {
    name: 'pull_request by a writer whose sender is a reader: the sender is checked',
    event: 'pull_request',
    actor: 'bob',
    mutate: (p) => {
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:bob', 'permission:carol'], { summary: [/carol \(the event sender\)/] }),
  },
  {
    name: 'pull_request by a reader listed in allowed-users: ok with a warning',
    event: 'pull_request',
    actor: 'carol',
    settings: { allowedUsers: ['carol'] },
    mutate: (p) => {
      p['pull_request'].user = user('carol', 13);
      p['sender'] = user('carol', 13);
    },
    expected: allow(['permission:carol'], {
      warnings: [/carol has read access, below min-permission write, but is let through by allowed-users/],
    }),
  },
  {
    name: 'pull_request by a maintainer and an admin (re-run): ok, both checked',
    event: 'pull_request',
    actor: 'erin',
    triggeringActor: 'alice',
    mutate: (p) => {
      p['pull_request'].user = user('erin', 15);
      p['sender'] = user('erin', 15);
    },
    expected: allow(['permission:erin', 'permission:alice'], { summary: [/erin \(write\), alice \(admin\)/] }),
  },
  {
    name: 'pull_request whose permission look-up answers "toString": permission-check-failed',
    event: 'pull_request',
    users: { bob: 'toString' },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/unknown permission "toString"/] }),
  },
  {
    name: 'pull_request without pull_request.user: permission-check-failed, no look-ups',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'].user;
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'pull_request from a fork: fork-pr, explained as a skip',
    event: 'pull_request',
    actor: 'mallory',
    mutate: (p) => {
      setHead(fork)(p);
      p['pull_request'].user = user('mallory', 66);
      p['sender'] = user('mallory', 66);
    },
    expected: deny('fork-pr', [], { summary: [/fork mallory\/widgets/, /no OIDC token/, /skipped/] }),
  },
  {
    name: 'pull_request whose fork was deleted (head.repo null): treated as a fork',
    event: 'pull_request',
    mutate: setHead(null),
    expected: deny('fork-pr', [], { summary: [/deleted \(treated as a fork\)/] }),
  },
  {
    name: 'pull_request with head.repo absent: treated as a fork',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'].head.repo;
    },
    expected: deny('fork-pr', []),
  },
  {
    name: 'base repository that is itself a fork: head.repo.fork true, same id, not a fork PR',
    event: 'pull_request',
    mutate: (p) => {
      p['repository'].fork = true;
      p['pull_request'].head.repo = { ...sameRepo, fork: true, full_name: 'acme/widgets-renamed' };
      p['pull_request'].base.repo.fork = true;
    },
    expected: allow(['permission:bob']),
  },
  {
    name: 'fork named like the base repository: ids decide, not names',
    event: 'pull_request',
    mutate: setHead({ ...sameRepo, id: 300 }),
    expected: deny('fork-pr', [], { summary: [/fork acme\/widgets/] }),
  },
  {
    name: 'pull_request from a fork re-run by an admin: still fork-pr',
    event: 'pull_request',
    actor: 'mallory',
    triggeringActor: 'alice',
    mutate: setHead(fork),
    expected: deny('fork-pr', [], { summary: [/re-run by alice/] }),
  },
  {
    name: 'pull_request by dependabot from a branch of this repository: bot-not-allowed, no look-ups',
    event: 'pull_request',
    actor: 'dependabot[bot]',
    mutate: (p) => {
      p['pull_request'].user = dependabot();
      p['sender'] = dependabot();
    },
    expected: deny('bot-not-allowed', [], {
      summary: [
        /dependabot\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the pull request author\) is a bot/,
        /`allowed-bots: dependabot\[bot\]`/,
      ],
    }),
  },
  {
    name: 'pull_request by dependabot with allowed-bots "dependabot[bot]": ok, no look-ups',
    event: 'pull_request',
    actor: 'dependabot[bot]',
    settings: { allowedBots: ['dependabot[bot]'] },
    mutate: (p) => {
      p['pull_request'].user = dependabot();
      p['sender'] = dependabot();
    },
    expected: allow([], { summary: [/dependabot\[bot\] \(allowed bot\)/] }),
  },
  {
    name: 'pull_request by dependabot (allowed) re-run by a reader: the person is still checked',
    event: 'pull_request',
    actor: 'dependabot[bot]',
    triggeringActor: 'carol',
    settings: { allowedBots: ['dependabot'] },
    mutate: (p) => {
      p['pull_request'].user = dependabot();
      p['sender'] = dependabot();
    },
    expected: deny('insufficient-permission', ['permission:carol']),
  },
  {
    name: 'pull_request by a writer on a dependabot PR (not allowed): bot-not-allowed before any look-up',
    event: 'pull_request',
    actor: 'bob',
    mutate: (p) => {
      p['pull_request'].user = dependabot();
    },
    expected: deny('bot-not-allowed', [], { summary: [/dependabot\[bot\] \(the pull request author\)/] }),
  },
  {
    name: 'pull_request payload without pull_request: permission-check-failed',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'];
    },
    expected: deny('permission-check-failed', [], { summary: [/could not read the event payload: .*no pull_request/] }),
  },
  {
    name: 'pull_request with a head.repo lacking an id: permission-check-failed',
    event: 'pull_request',
    mutate: setHead({ full_name: 'acme/widgets' }),
    expected: deny('permission-check-failed', [], {
      summary: [
        /could not read the event payload: the event payload has a pull_request\.head\.repo without a numeric id, so the run cannot be judged$/,
      ],
    }),
  },
  {
    name: 'pull_request without repository.id: permission-check-failed',
    event: 'pull_request',
    mutate: (p) => {
      delete p['repository'].id;
    },
    expected: deny('permission-check-failed', [], { summary: [/repository\.id/] }),
  },
  {
    name: 'pull_request with a malformed event file: permission-check-failed',
    event: 'pull_request',
    raw: '{"action": "opened", "pull_request": {',
    actor: 'bob',
    expected: deny('permission-check-failed', [], { summary: [/could not read the event payload \(the event file is not valid JSON\)/] }),
  },
  {
    name: 'pull_request with no event file: permission-check-failed',
    event: 'pull_request',
    fixture: null,
    actor: 'bob',
    expected: deny('permission-check-failed', [], { summary: [/GITHUB_EVENT_PATH is not set/] }),
  },
  {
    name: 'pull_request with an event file that is a JSON array: permission-check-failed',
    event: 'pull_request',
    raw: '[]',
    actor: 'bob',
    expected: deny('permission-check-failed', [], { summary: [/not a JSON object/] }),
  },
  {
    name: 'pull_request_review by a writer on a same-repo PR: actors checked',
    event: 'pull_request_review',
    expected: allow(['permission:alice', 'permission:bob'], { summary: [/alice \(admin\), bob \(write\)/] }),
  },
  {
    name: 'pull_request_review by a reader: insufficient-permission',
    event: 'pull_request_review',
    actor: 'carol',
    mutate: (p) => {
      p['review'].user = user('carol', 13);
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:carol'], {
      summary: [
        /carol \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the review author\) has read access, below min-permission write/,
      ],
    }),
  },
  {
    name: 'pull_request_review on a fork PR: fork-pr before any look-up',
    event: 'pull_request_review',
    mutate: setHead(fork),
    expected: deny('fork-pr', []),
  },
  {
    name: 'pull_request_review_comment by an outsider on a same-repo PR: not-a-collaborator',
    event: 'pull_request_review_comment',
    actor: 'mallory',
    mutate: (p) => {
      p['comment'].user = user('mallory', 66);
      p['sender'] = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:mallory'], { summary: [/mallory .* is not a collaborator of acme\/widgets/] }),
  },
  {
    name: 'pull_request_review on a dependabot PR: bot-not-allowed, no look-ups',
    event: 'pull_request_review',
    mutate: (p) => {
      p['pull_request'].user = user('dependabot[bot]', 49699333, 'Bot');
    },
    expected: deny('bot-not-allowed', [], {
      summary: [/dependabot\[bot\] \(the pull request author\) is a bot, and allowed-bots does not name it/],
    }),
  },
  {
    name: 'pull_request_review on a dependabot PR with allowed-bots "Dependabot": the bot skips the look-up',
    event: 'pull_request_review',
    settings: { allowedBots: ['Dependabot'] },
    mutate: (p) => {
      p['pull_request'].user = user('dependabot[bot]', 49699333, 'Bot');
    },
    expected: allow(['permission:alice'], { summary: [/dependabot\[bot\] \(allowed bot\)/] }),
  },
  {
    name: 'pull_request_review payload without review.user: permission-check-failed',
    event: 'pull_request_review',
    mutate: (p) => {
      delete p['review'].user;
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the review author/] }),
  },

  {
    name: 'pull_request without pull_request.head: permission-check-failed',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'].head;
    },
    expected: deny('permission-check-failed', [], {
      summary: [/could not read the event payload: the event payload has no pull_request\.head, so the run cannot be judged$/],
    }),
  },
  {
    name: 'pull_request whose head.repo is a string: permission-check-failed',
    event: 'pull_request',
    mutate: setHead('acme/widgets' as unknown as Json),
    expected: deny('permission-check-failed', [], { summary: [/pull_request\.head\.repo without a numeric id/] }),
  },
  {
    name: 'pull_request from a fork whose full_name is missing: the fork is named by its id',
    event: 'pull_request',
    mutate: setHead({ id: 200, fork: true }),
    expected: deny('fork-pr', [], { summary: [/the pull request comes from the fork with repository id 200; GitHub gives/] }),
  },
  {
    name: 'pull_request whose number is only at the top level of the payload: that number is shown',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'].number;
    },
    expected: allow(['permission:bob'], { summary: [/^Allowed \(ok\): pull_request #12 in acme\/widgets by bob: /] }),
  },
  {
    name: 'pull_request whose number is only in pull_request: that number is shown',
    event: 'pull_request',
    mutate: (p) => {
      delete p['number'];
      p['pull_request'].number = 13;
    },
    expected: allow(['permission:bob'], { summary: [/^Allowed \(ok\): pull_request #13 in acme\/widgets by bob: /] }),
  },
  {
    name: 'pull_request numbered differently in pull_request and at the top level: pull_request.number wins',
    event: 'pull_request',
    mutate: (p) => {
      p['number'] = 99;
    },
    expected: allow(['permission:bob'], { summary: [/^Allowed \(ok\): pull_request #12 in /] }),
  },
  {
    name: 'pull_request without a numeric number anywhere: no number in the summary',
    event: 'pull_request',
    mutate: (p) => {
      delete p['pull_request'].number;
      p['number'] = '12';
    },
    expected: allow(['permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): pull_request in acme/widgets by bob: the pull request head is a branch of this repository; every actor passed the actor check (min-permission write): bob (write)',
        ),
      ],
    }),
  },
  {
    name: 'pull_request whose author login is empty: permission-check-failed, no look-ups',
    event: 'pull_request',
    mutate: (p) => {
      p['pull_request'].user.login = '';
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'pull_request opened by a bot known only by user.type "Bot": bot-not-allowed, no look-ups',
    event: 'pull_request',
    mutate: (p) => {
      p['pull_request'].user = user('Copilot', 198982749, 'Bot');
    },
    expected: deny('bot-not-allowed', [], { summary: [/Copilot \(the pull request author\) is a bot/] }),
  },
  {
    name: 'pull_request_review whose review author login is empty: permission-check-failed',
    event: 'pull_request_review',
    mutate: (p) => {
      p['review'].user.login = '';
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the review author/] }),
  },
  {
    name: 'pull_request_review by a bot known only by user.type "Bot": bot-not-allowed, no look-ups',
    event: 'pull_request_review',
    mutate: (p) => {
      p['review'].user = user('Copilot', 198982749, 'Bot');
    },
    expected: deny('bot-not-allowed', [], { summary: [/Copilot \(the review author\) is a bot/] }),
  },
  {
    name: 'pull_request_review_comment without comment.user: permission-check-failed',
    event: 'pull_request_review_comment',
    mutate: (p) => {
      delete p['comment'].user;
    },
    expected: deny('permission-check-failed', [], {
      summary: [/could not read the event payload: the event payload does not name the comment author, so the run cannot be judged$/],
    }),
  },
  {
    name: 'pull_request_review_comment by a bot known only by user.type "Bot": bot-not-allowed, no look-ups',
    event: 'pull_request_review_comment',
    mutate: (p) => {
      p['comment'].user = user('Copilot', 198982749, 'Bot');
    },
    expected: deny('bot-not-allowed', [], { summary: [/Copilot \(the comment author\) is a bot/] }),
  },
];

const pullRequestTarget: Case[] = [
  {
    name: 'pull_request_target by default: dangerous-event, no look-ups',
    event: 'pull_request_target',
    expected: deny('dangerous-event', [], { summary: [/pull_request_target #34/, /allow-pull-request-target: true/] }),
  },
  {
    name: 'pull_request_target from a branch of this repository, by default: still dangerous-event',
    event: 'pull_request_target',
    actor: 'bob',
    mutate: (p) => {
      setHead(sameRepo)(p);
      p['pull_request'].user = user('bob', 12);
    },
    expected: deny('dangerous-event', []),
  },
  {
    name: 'pull_request_target allowed, fork head, allow-fork-heads false: dangerous-event',
    event: 'pull_request_target',
    settings: { allowPullRequestTarget: true },
    expected: deny('dangerous-event', [], { summary: [/fork mallory\/widgets, and allow-fork-heads is false/] }),
  },
  {
    name: 'pull_request_target allowed, deleted fork head: dangerous-event',
    event: 'pull_request_target',
    settings: { allowPullRequestTarget: true },
    mutate: setHead(null),
    expected: deny('dangerous-event', [], { summary: [/deleted/] }),
  },
  {
    name: 'pull_request_target allowed, same-repo head, writer: ok after the actor check',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      setHead(sameRepo)(p);
      p['pull_request'].user = user('bob', 12);
      p['sender'] = user('bob', 12);
    },
    expected: allow(['permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): pull_request_target #34 in acme/widgets by bob: pull_request_target is allowed (allow-pull-request-target) and the head is a branch of this repository; every actor passed the actor check (min-permission write): bob (write)',
        ),
      ],
    }),
  },
  {
    name: 'pull_request_target allowed with fork heads, opened by an outsider: not-a-collaborator',
    event: 'pull_request_target',
    settings: { allowPullRequestTarget: true, allowForkHeads: true },
    expected: deny('not-a-collaborator', ['permission:mallory'], {
      summary: [
        /^Denied \(not-a-collaborator\): pull_request_target #34 in acme\/widgets by mallory: /,
        /fork heads \(allow-fork-heads\): the head is the fork mallory\/widgets; /,
        /mallory \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the pull request author\) is not a collaborator of acme\/widgets$/,
      ],
      warnings: [
        exactly(
          'pull_request_target #34 comes from the fork mallory/widgets (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials',
        ),
      ],
    }),
  },
  {
    name: 'pull_request_target with fork heads, labelled by an admin, outsider author in allowed-users: ok with warnings',
    event: 'pull_request_target',
    actor: 'alice',
    settings: { allowPullRequestTarget: true, allowForkHeads: true, allowedUsers: ['@Mallory'] },
    mutate: (p) => {
      p['action'] = 'labeled';
      p['sender'] = user('alice', 11);
    },
    expected: allow(['permission:alice', 'permission:mallory'], {
      summary: [/fork heads \(allow-fork-heads\)/, /mallory \(allowed-users, not a collaborator\)/],
      warnings: [/fork mallory\/widgets/, /mallory is not a collaborator .* allowed-users/],
    }),
  },
  {
    name: 'pull_request_target, same-repo head, re-run by a reader: insufficient-permission',
    event: 'pull_request_target',
    actor: 'bob',
    triggeringActor: 'carol',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      setHead(sameRepo)(p);
      p['pull_request'].user = user('bob', 12);
      p['sender'] = user('bob', 12);
    },
    expected: deny('insufficient-permission', ['permission:bob', 'permission:carol'], {
      summary: [/re-run by carol/, /carol \(GITHUB_TRIGGERING_ACTOR\) has read access/],
    }),
  },

  {
    name: 'pull_request_target by default with no pull_request in the payload: dangerous-event (the switch decides first)',
    event: 'pull_request_target',
    mutate: (p) => {
      delete p['pull_request'];
    },
    expected: deny('dangerous-event', [], {
      summary: [/^Denied \(dangerous-event\): pull_request_target in acme\/widgets by mallory: pull_request_target runs with/],
    }),
  },
  {
    name: 'pull_request_target allowed, same-repo head, without pull_request.user: permission-check-failed',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      setHead(sameRepo)(p);
      delete p['pull_request'].user;
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'pull_request_target allowed, same-repo head, empty author login: permission-check-failed',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      setHead(sameRepo)(p);
      p['pull_request'].user = user('', 12);
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'pull_request_target allowed, same-repo head, without repository.id: permission-check-failed',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      setHead(sameRepo)(p);
      p['pull_request'].user = user('bob', 12);
      p['sender'] = user('bob', 12);
      delete p['repository'].id;
    },
    expected: deny('permission-check-failed', [], { summary: [/no numeric repository\.id/] }),
  },
  {
    name: 'pull_request_target allowed, without pull_request: permission-check-failed',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true, allowForkHeads: true },
    mutate: (p) => {
      delete p['pull_request'];
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], {
      summary: [/: could not read the event payload: the event payload has no pull_request, so the run cannot be judged$/],
    }),
  },
  {
    name: 'pull_request_target with fork heads and no pull request number: the warning names no number',
    event: 'pull_request_target',
    settings: { allowPullRequestTarget: true, allowForkHeads: true },
    mutate: (p) => {
      delete p['number'];
      delete p['pull_request'].number;
    },
    expected: deny('not-a-collaborator', ['permission:mallory'], {
      summary: [/^Denied \(not-a-collaborator\): pull_request_target in acme\/widgets by mallory: /],
      warnings: [/^pull_request_target comes from the fork mallory\/widgets \(allowed by allow-fork-heads\): do not check out/],
    }),
  },
];

const sameRepoRun = (p: Json): void => {
  p['workflow_run'].head_repository = sameRepo;
  p['workflow_run'].actor = user('bob', 12);
  p['workflow_run'].triggering_actor = user('bob', 12);
  p['sender'] = user('bob', 12);
};

const workflowRun: Case[] = [
  {
    name: 'workflow_run after a fork pull request run: dangerous-event',
    event: 'workflow_run',
    expected: deny('dangerous-event', [], { summary: [/workflow_run after "CI" \(pull_request\)/, /fork mallory\/widgets/] }),
  },
  {
    name: 'workflow_run after a fork run, even with allow-fork-heads: dangerous-event',
    event: 'workflow_run',
    settings: { allowForkHeads: true, allowPullRequestTarget: true },
    expected: deny('dangerous-event', []),
  },
  {
    name: 'workflow_run with head_repository null: treated as a fork',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].head_repository = null;
    },
    expected: deny('dangerous-event', [], { summary: [/missing \(treated as a fork\)/] }),
  },
  {
    name: 'workflow_run with head_repository absent: treated as a fork',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      delete p['workflow_run'].head_repository;
    },
    expected: deny('dangerous-event', []),
  },
  {
    name: 'workflow_run after a same-repo run by a writer: ok',
    event: 'workflow_run',
    mutate: sameRepoRun,
    expected: allow(['permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): workflow_run after "CI" (pull_request) in acme/widgets by bob: the triggering run ran on a branch of this repository; every actor passed the actor check (min-permission write): bob (write)',
        ),
      ],
    }),
  },
  {
    name: 'workflow_run whose run actor is a reader: insufficient-permission',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].actor = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:bob', 'permission:carol'], { summary: [/carol \(the workflow_run actor\)/] }),
  },
  {
    name: 'workflow_run whose triggering run was re-run by an outsider: not-a-collaborator',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].triggering_actor = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:bob', 'permission:mallory'], {
      summary: [/mallory \(the workflow_run triggering actor\)/],
    }),
  },
  {
    name: 'workflow_run without workflow_run: permission-check-failed',
    event: 'workflow_run',
    mutate: (p) => {
      delete p['workflow_run'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [/: could not read the event payload: the event payload has no workflow_run, so the run cannot be judged$/],
    }),
  },

  {
    name: 'workflow_run after a fork run, without a workflow name or event: described generically',
    event: 'workflow_run',
    mutate: (p) => {
      delete p['workflow_run'].name;
      delete p['workflow_run'].event;
    },
    expected: deny('dangerous-event', [], {
      summary: [
        exactly(
          'Denied (dangerous-event): workflow_run after the triggering workflow in acme/widgets by mallory: the triggering run ran on the fork mallory/widgets; workflow_run after a fork run is never trusted',
        ),
      ],
    }),
  },
  {
    name: 'workflow_run after a fork run whose head_repository has no full_name: the fork is named by its id',
    event: 'workflow_run',
    mutate: (p) => {
      p['workflow_run'].head_repository = { id: 200, fork: true };
    },
    expected: deny('dangerous-event', [], { summary: [/ran on the fork with repository id 200; workflow_run after a fork run/] }),
  },
  {
    name: 'workflow_run whose head_repository id is a string: permission-check-failed (not compared as a fork)',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].head_repository = { ...sameRepo, id: '100' };
    },
    expected: deny('permission-check-failed', [], { summary: [/workflow_run\.head_repository without a numeric id/] }),
  },
  {
    name: 'workflow_run whose head_repository is a string: permission-check-failed',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].head_repository = 'acme/widgets';
    },
    expected: deny('permission-check-failed', [], { summary: [/workflow_run\.head_repository without a numeric id/] }),
  },
  {
    name: 'workflow_run after a same-repo run without workflow_run.actor: permission-check-failed, no look-ups',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      delete p['workflow_run'].actor;
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the workflow_run actor/] }),
  },
  {
    name: 'workflow_run after a same-repo run without repository.id: permission-check-failed',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      delete p['repository'].id;
    },
    expected: deny('permission-check-failed', [], { summary: [/no numeric repository\.id/] }),
  },
  {
    name: 'workflow_run whose run actor is a bot known only by user.type "Bot": bot-not-allowed',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].actor = user('Copilot', 198982749, 'Bot');
    },
    expected: deny('bot-not-allowed', [], { summary: [/Copilot \(the workflow_run actor\) is a bot/] }),
  },
  {
    name: 'workflow_run whose triggering actor is a bot known only by user.type "Bot": bot-not-allowed',
    event: 'workflow_run',
    mutate: (p) => {
      sameRepoRun(p);
      p['workflow_run'].triggering_actor = user('Copilot', 198982749, 'Bot');
    },
    expected: deny('bot-not-allowed', [], { summary: [/Copilot \(the workflow_run triggering actor\) is a bot/] }),
  },
];

const onIssue = (p: Json): void => {
  delete p['issue'].pull_request;
  p['issue'].number = 7;
};
const commentBy =
  (login: string, id = 500, type = 'User') =>
  (p: Json) => {
    p['comment'].user = user(login, id, type);
    p['sender'] = user(login, id, type);
  };

const issueComment: Case[] = [
  {
    name: 'issue_comment on a fork pull request, allow-fork-heads false: dangerous-event after the PR look-up',
    event: 'issue_comment',
    expected: deny('dangerous-event', ['pull:34'], {
      summary: [
        /issue_comment on pull request #34 in acme\/widgets by alice/,
        /a comment on a fork pull request: #34 comes from the fork mallory\/widgets/,
      ],
    }),
  },
  {
    name: "issue_comment by an admin on an outsider's fork pull request, allow-fork-heads true: not-a-collaborator (the author is checked, as on pull_request_target)",
    event: 'issue_comment',
    settings: { allowForkHeads: true },
    expected: deny('not-a-collaborator', ['pull:34', 'permission:alice', 'permission:mallory'], {
      summary: [
        /a comment on a pull request from the fork mallory\/widgets, allowed by allow-fork-heads; mallory \(the pull request author\) is not a collaborator/,
      ],
      warnings: [/pull request #34 from the fork mallory\/widgets/],
    }),
  },
  {
    name: "issue_comment by an admin on a maintainer's fork pull request, allow-fork-heads true: ok, fork named",
    event: 'issue_comment',
    settings: { allowForkHeads: true },
    mutate: (p) => {
      p['issue'].number = 36;
    },
    expected: allow(['pull:36', 'permission:alice', 'permission:erin'], {
      summary: [
        exactly(
          'Allowed (ok): issue_comment on pull request #36 in acme/widgets by alice: a comment on a pull request from the fork erin/widgets, allowed by allow-fork-heads; every actor passed the actor check (min-permission write): alice (admin), erin (write)',
        ),
      ],
      warnings: [
        exactly(
          'the comment is on pull request #36 from the fork erin/widgets (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials',
        ),
      ],
    }),
  },
  {
    name: 'issue_comment on a pull request whose head was deleted, allow-fork-heads true: the author is checked (not-a-collaborator)',
    event: 'issue_comment',
    settings: { allowForkHeads: true },
    mutate: (p) => {
      p['issue'].number = 35;
    },
    expected: deny('not-a-collaborator', ['pull:35', 'permission:alice', 'permission:mallory'], {
      summary: [/mallory \(the pull request author\) is not a collaborator/],
      warnings: [/deleted \(treated as a fork\)/],
    }),
  },
  {
    name: 'issue_comment on a fork pull request, allow-fork-heads true, by the outsider: not-a-collaborator',
    event: 'issue_comment',
    actor: 'mallory',
    settings: { allowForkHeads: true },
    mutate: commentBy('mallory', 66),
    expected: deny('not-a-collaborator', ['pull:34', 'permission:mallory'], { warnings: [/from the fork mallory\/widgets/] }),
  },
  {
    name: 'issue_comment on a pull request whose head was deleted: dangerous-event',
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].number = 35;
    },
    expected: deny('dangerous-event', ['pull:35'], { summary: [/deleted \(treated as a fork\)/] }),
  },
  {
    name: "issue_comment by an admin on a writer's same-repo pull request: ok, the author checked too",
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].number = 12;
    },
    expected: allow(['pull:12', 'permission:alice', 'permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): issue_comment on pull request #12 in acme/widgets by alice: a comment on a pull request whose head is a branch of this repository; every actor passed the actor check (min-permission write): alice (admin), bob (write)',
        ),
      ],
    }),
  },
  {
    name: "issue_comment by an admin on an outsider's same-repo pull request: not-a-collaborator (anyone can open a PR between two branches)",
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].number = 13;
    },
    expected: deny('not-a-collaborator', ['pull:13', 'permission:alice', 'permission:mallory'], {
      summary: [
        exactly(
          'Denied (not-a-collaborator): issue_comment on pull request #13 in acme/widgets by alice: a comment on a pull request whose head is a branch of this repository; mallory (the pull request author) is not a collaborator of acme/widgets',
        ),
      ],
    }),
  },
  {
    name: "issue_comment by a writer on a reader's same-repo pull request: insufficient-permission",
    event: 'issue_comment',
    actor: 'bob',
    pulls: { 13: { headRepoId: 100, author: 'carol' } },
    mutate: (p) => {
      p['issue'].number = 13;
      commentBy('bob', 12)(p);
    },
    expected: deny('insufficient-permission', ['pull:13', 'permission:bob', 'permission:carol'], {
      summary: [/carol \(the pull request author\) has read access, below min-permission write/],
    }),
  },
  {
    name: "issue_comment by an admin on an outsider's same-repo pull request, the outsider in allowed-users: ok with a warning",
    event: 'issue_comment',
    settings: { allowedUsers: ['Mallory'] },
    mutate: (p) => {
      p['issue'].number = 13;
    },
    expected: allow(['pull:13', 'permission:alice', 'permission:mallory'], {
      warnings: [/mallory is not a collaborator of acme\/widgets but is let through by allowed-users/],
    }),
  },
  {
    name: 'issue_comment by the author of the same-repo pull request: one actor, one permission look-up',
    event: 'issue_comment',
    actor: 'bob',
    mutate: (p) => {
      p['issue'].number = 12;
      commentBy('BOB', 12)(p);
    },
    expected: allow(['pull:12', 'permission:bob']),
  },
  {
    name: "issue_comment by an admin on dependabot[bot]'s same-repo pull request: bot-not-allowed after the look-up",
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].number = 14;
    },
    expected: deny('bot-not-allowed', ['pull:14'], {
      summary: [
        /a comment on a pull request whose head is a branch of this repository; dependabot\[bot\] \(the pull request author\) is a bot, and allowed-bots does not name it/,
        /`allowed-bots: dependabot\[bot\]`/,
      ],
    }),
  },
  {
    name: "issue_comment by an admin on dependabot[bot]'s pull request, dependabot in allowed-bots: ok",
    event: 'issue_comment',
    settings: { allowedBots: ['dependabot'] },
    mutate: (p) => {
      p['issue'].number = 14;
    },
    expected: allow(['pull:14', 'permission:alice'], { summary: [/dependabot\[bot\] \(allowed bot\), alice \(admin\)$/] }),
  },
  {
    name: 'issue_comment on a pull request whose author GitHub reports as type "Bot" (no [bot] suffix): bot-not-allowed',
    event: 'issue_comment',
    pulls: { 12: { headRepoId: 100, author: 'Copilot', authorType: 'Bot' } },
    mutate: (p) => {
      p['issue'].number = 12;
    },
    expected: deny('bot-not-allowed', ['pull:12'], {
      summary: [/Copilot \(the pull request author\) is a bot/, /`allowed-bots: Copilot`/],
    }),
  },
  {
    name: 'issue_comment on a pull request whose look-up answer names no author: permission-check-failed (fail closed)',
    event: 'issue_comment',
    pulls: { 12: { headRepoId: 100, author: null } },
    mutate: (p) => {
      p['issue'].number = 12;
    },
    expected: deny('permission-check-failed', ['pull:12'], {
      summary: [/could not check pull request #12: pull request #12 of acme\/widgets: GitHub's answer does not name the author/],
    }),
  },
  {
    name: 'issue_comment on a fork pull request whose look-up answer names no author: permission-check-failed',
    event: 'issue_comment',
    pulls: { 34: { headRepoId: 200, headRepoFullName: 'mallory/widgets', author: null } },
    expected: deny('permission-check-failed', ['pull:34'], { summary: [/does not name the author/] }),
  },
  {
    name: 'issue_comment on an issue by a writer: ok, no PR look-up',
    event: 'issue_comment',
    actor: 'bob',
    mutate: (p) => {
      onIssue(p);
      commentBy('bob', 12)(p);
    },
    expected: allow(['permission:bob'], { summary: [/issue_comment on issue #7/] }),
  },
  {
    name: 'issue_comment on an issue by an outsider: not-a-collaborator',
    event: 'issue_comment',
    actor: 'mallory',
    mutate: (p) => {
      onIssue(p);
      commentBy('mallory', 66)(p);
    },
    expected: deny('not-a-collaborator', ['permission:mallory']),
  },
  {
    name: 'issue_comment by a reader: insufficient-permission',
    event: 'issue_comment',
    actor: 'carol',
    mutate: (p) => {
      onIssue(p);
      commentBy('carol', 13)(p);
    },
    expected: deny('insufficient-permission', ['permission:carol']),
  },
  {
    name: 'issue_comment by a user with no permission (none) and min-permission read: insufficient-permission',
    event: 'issue_comment',
    actor: 'dave',
    settings: { minPermission: 'read' },
    mutate: (p) => {
      onIssue(p);
      commentBy('dave', 14)(p);
    },
    expected: deny('insufficient-permission', ['permission:dave'], { summary: [/dave .* has none access, below min-permission read/] }),
  },
  {
    name: 'issue_comment by a bot: bot-not-allowed, no look-ups',
    event: 'issue_comment',
    actor: 'github-actions[bot]',
    mutate: (p) => {
      onIssue(p);
      commentBy('github-actions[bot]', 41898282, 'Bot')(p);
    },
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'issue_comment on a pull request by a bot: bot-not-allowed before the pull request look-up',
    event: 'issue_comment',
    actor: 'github-actions[bot]',
    mutate: commentBy('github-actions[bot]', 41898282, 'Bot'),
    expected: deny('bot-not-allowed', [], {
      summary: [
        /issue_comment on pull request #34/,
        /: a comment on a pull request; github-actions\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the comment author\) is a bot/,
        /`allowed-bots: github-actions\[bot\]`/,
      ],
    }),
  },
  {
    name: 'issue_comment on a same-repo pull request by an allowed bot: the look-up still runs, then ok',
    event: 'issue_comment',
    actor: 'renovate[bot]',
    settings: { allowedBots: ['renovate'] },
    mutate: (p) => {
      p['issue'].number = 12;
      commentBy('renovate[bot]', 29139614, 'Bot')(p);
    },
    expected: allow(['pull:12', 'permission:bob'], { summary: [/renovate\[bot\] \(allowed bot\), bob \(write\)$/] }),
  },
  {
    name: 'issue_comment by an allowed bot named without the suffix, any case: ok, no look-ups',
    event: 'issue_comment',
    actor: 'renovate[bot]',
    settings: { allowedBots: ['Renovate'] },
    mutate: (p) => {
      onIssue(p);
      commentBy('renovate[bot]', 29139614, 'Bot')(p);
    },
    expected: allow([], { summary: [/renovate\[bot\] \(allowed bot\)/] }),
  },
  {
    name: 'issue_comment by a bot known only by user.type "Bot" (no [bot] suffix): bot-not-allowed',
    event: 'issue_comment',
    actor: 'Copilot',
    mutate: (p) => {
      onIssue(p);
      commentBy('Copilot', 198982749, 'Bot')(p);
    },
    expected: deny('bot-not-allowed', [], {
      summary: [/Copilot \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender, the comment author\) is a bot/],
    }),
  },
  {
    name: 'issue_comment by an admin, bot allowed as "copilot[bot]" for a type-Bot login "Copilot"',
    event: 'issue_comment',
    actor: 'Copilot',
    settings: { allowedBots: ['copilot[bot]'] },
    mutate: (p) => {
      onIssue(p);
      commentBy('Copilot', 198982749, 'Bot')(p);
    },
    expected: allow([]),
  },
  {
    name: 'issue_comment re-run by an outsider: not-a-collaborator',
    event: 'issue_comment',
    actor: 'alice',
    triggeringActor: 'mallory',
    mutate: onIssue,
    expected: deny('not-a-collaborator', ['permission:alice', 'permission:mallory'], {
      summary: [/by alice \(re-run by mallory\)/, /mallory \(GITHUB_TRIGGERING_ACTOR\) is not a collaborator/],
    }),
  },
  {
    name: 'issue_comment re-run by another writer: ok, both checked',
    event: 'issue_comment',
    actor: 'alice',
    triggeringActor: 'bob',
    mutate: onIssue,
    expected: allow(['permission:alice', 'permission:bob']),
  },
  {
    name: 'issue_comment: actors deduplicated case-insensitively',
    event: 'issue_comment',
    actor: 'ALICE',
    triggeringActor: 'Alice',
    mutate: onIssue,
    expected: allow(['permission:ALICE']),
  },
  {
    name: 'issue_comment on a PR that GitHub does not find: permission-check-failed',
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].number = 99;
    },
    expected: deny('permission-check-failed', ['pull:99'], { summary: [/pull request #99/, /404/] }),
  },
  {
    name: 'issue_comment PR look-up fails once with 500: retried, then decided',
    event: 'issue_comment',
    pulls: { 34: { ...PULLS[34], fault: 'error-once' } },
    expected: deny('dangerous-event', ['pull:34', 'pull:34'], { sleeps: [1000] }),
  },
  {
    name: 'issue_comment PR look-up answers without head: permission-check-failed',
    event: 'issue_comment',
    pulls: { 34: { fault: 'wrong-shape' } },
    expected: deny('permission-check-failed', ['pull:34'], { summary: [/no "head"/] }),
  },
  {
    name: 'issue_comment PR look-up always 500: permission-check-failed after a retry',
    event: 'issue_comment',
    pulls: { 34: { fault: 'error-always' } },
    expected: deny('permission-check-failed', ['pull:34', 'pull:34'], { summary: [/HTTP 500 .*after a retry/], sleeps: [1000] }),
  },
  {
    name: 'issue_comment without comment.user: permission-check-failed, no look-ups',
    event: 'issue_comment',
    mutate: (p) => {
      delete p['comment'].user;
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the comment author/] }),
  },

  {
    name: 'issue_comment without issue: permission-check-failed, no look-ups',
    event: 'issue_comment',
    mutate: (p) => {
      delete p['issue'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [
        /^Denied \(permission-check-failed\): issue_comment in acme\/widgets by alice: could not read the event payload: the event payload has no issue, so/,
      ],
    }),
  },
  {
    name: 'issue_comment on a pull request without issue.number: permission-check-failed, no look-ups',
    event: 'issue_comment',
    mutate: (p) => {
      delete p['issue'].number;
    },
    expected: deny('permission-check-failed', [], {
      summary: [/^Denied \(permission-check-failed\): issue_comment in acme\/widgets by alice: .*has no issue\.number, so/],
    }),
  },
  {
    name: 'issue_comment whose issue.pull_request is null: a comment on an issue, no pull request look-up',
    event: 'issue_comment',
    mutate: (p) => {
      p['issue'].pull_request = null;
    },
    expected: allow(['permission:alice'], {
      summary: [
        exactly(
          'Allowed (ok): issue_comment on issue #34 in acme/widgets by alice: a comment on an issue; every actor passed the actor check (min-permission write): alice (admin)',
        ),
      ],
    }),
  },
  {
    name: 'issue_comment on an issue without a number: no number in the summary',
    event: 'issue_comment',
    mutate: (p) => {
      onIssue(p);
      delete p['issue'].number;
    },
    expected: allow(['permission:alice'], {
      summary: [/^Allowed \(ok\): issue_comment in acme\/widgets by alice: a comment on an issue; /],
    }),
  },
  {
    name: 'issue_comment whose comment author login is empty: permission-check-failed, no look-ups',
    event: 'issue_comment',
    mutate: (p) => {
      onIssue(p);
      p['comment'].user.login = '';
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the comment author/] }),
  },
  {
    name: 'issue_comment on a pull request without repository.id: permission-check-failed before the look-up',
    event: 'issue_comment',
    mutate: (p) => {
      delete p['repository'].id;
    },
    expected: deny('permission-check-failed', [], { summary: [/no numeric repository\.id/] }),
  },
];

/** An issues event on a pull request's issue: #13, opened by mallory between two branches of
 *  acme/widgets, milestoned by bob. It gets the rule of a comment on a pull request. */
const issuesOnPullRequest: Case[] = [
  {
    name: "issues milestoned by a writer on an outsider's same-repo pull request: not-a-collaborator (the author is checked)",
    event: 'issues',
    fixture: 'issues_pull_request',
    expected: deny('not-a-collaborator', ['pull:13', 'permission:bob', 'permission:mallory'], {
      summary: [
        exactly(
          'Denied (not-a-collaborator): issues on pull request #13 in acme/widgets by bob: an issues event on a pull request whose head is a branch of this repository; mallory (the pull request author) is not a collaborator of acme/widgets',
        ),
      ],
    }),
  },
  {
    name: "issues labeled by a writer on a writer's same-repo pull request: ok",
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['action'] = 'labeled';
      p['label'] = { id: 1, name: 'claude', color: 'ededed' };
      p['issue'].number = 12;
    },
    expected: allow(['pull:12', 'permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): issues on pull request #12 in acme/widgets by bob: an issues event on a pull request whose head is a branch of this repository; every actor passed the actor check (min-permission write): bob (write)',
        ),
      ],
    }),
  },
  {
    name: 'issues on a fork pull request, allow-fork-heads false: dangerous-event after the look-up, no permission look-up',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['issue'].number = 34;
    },
    expected: deny('dangerous-event', ['pull:34'], {
      summary: [
        /issues on pull request #34 in acme\/widgets by bob: an issues event on a fork pull request: #34 comes from the fork mallory\/widgets, and allow-fork-heads is false/,
      ],
    }),
  },
  {
    name: 'issues on a pull request whose head was deleted: dangerous-event',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['issue'].number = 35;
    },
    expected: deny('dangerous-event', ['pull:35'], { summary: [/deleted \(treated as a fork\)/] }),
  },
  {
    name: "issues on a maintainer's fork pull request, allow-fork-heads true: ok, fork named in a warning",
    event: 'issues',
    fixture: 'issues_pull_request',
    settings: { allowForkHeads: true },
    mutate: (p) => {
      p['issue'].number = 36;
    },
    expected: allow(['pull:36', 'permission:bob', 'permission:erin'], {
      summary: [/an issues event on a pull request from the fork erin\/widgets, allowed by allow-fork-heads/],
      warnings: [
        exactly(
          'the issues event is on pull request #36 from the fork erin/widgets (allowed by allow-fork-heads): do not check out or run its code in a job that holds credentials',
        ),
      ],
    }),
  },
  {
    name: "issues on an outsider's fork pull request, allow-fork-heads true: not-a-collaborator",
    event: 'issues',
    fixture: 'issues_pull_request',
    settings: { allowForkHeads: true },
    mutate: (p) => {
      p['issue'].number = 34;
    },
    expected: deny('not-a-collaborator', ['pull:34', 'permission:bob', 'permission:mallory'], {
      warnings: [/from the fork mallory\/widgets/],
    }),
  },
  {
    name: "issues on dependabot[bot]'s pull request: bot-not-allowed after the look-up",
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['issue'].number = 14;
    },
    expected: deny('bot-not-allowed', ['pull:14'], { summary: [/dependabot\[bot\] \(the pull request author\) is a bot/] }),
  },
  {
    name: 'issues on a pull request sent by a bot: bot-not-allowed before the look-up',
    event: 'issues',
    fixture: 'issues_pull_request',
    actor: 'some-app[bot]',
    mutate: botSender('some-app[bot]', 77),
    expected: deny('bot-not-allowed', [], {
      summary: [
        /: an issues event on a pull request; some-app\[bot\] \(GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR, the event sender\) is a bot/,
      ],
    }),
  },
  {
    name: 'issues on a pull request GitHub does not find: permission-check-failed',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['issue'].number = 99;
    },
    expected: deny('permission-check-failed', ['pull:99'], { summary: [/could not check pull request #99: GitHub answered 404/] }),
  },
  {
    name: 'issues on a pull request whose look-up fails every time: permission-check-failed after a retry',
    event: 'issues',
    fixture: 'issues_pull_request',
    pulls: { 13: { fault: 'error-always' } },
    expected: deny('permission-check-failed', ['pull:13', 'pull:13'], { summary: [/HTTP 500 .*after a retry/], sleeps: [1000] }),
  },
  {
    name: 'issues on a pull request without issue.number: permission-check-failed, no look-ups',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      delete p['issue'].number;
    },
    expected: deny('permission-check-failed', [], {
      summary: [/^Denied \(permission-check-failed\): issues in acme\/widgets by bob: .*has no issue\.number, so/],
    }),
  },
  {
    name: 'issues on a pull request without repository.id: permission-check-failed before the look-up',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      delete p['repository'].id;
    },
    expected: deny('permission-check-failed', [], { summary: [/no numeric repository\.id/] }),
  },
  {
    name: 'issues whose issue.pull_request is null: a plain issue, no pull request look-up',
    event: 'issues',
    fixture: 'issues_pull_request',
    mutate: (p) => {
      p['issue'].pull_request = null;
    },
    expected: allow(['permission:bob'], { summary: [/^Allowed \(ok\): issues #13 in acme\/widgets by bob: issues can be triggered/] }),
  },
];

const commentLike: Case[] = [
  {
    name: "issues labelled by a writer on a reader's issue: ok (the issue author is not an actor of the run)",
    event: 'issues',
    expected: allow(['permission:bob'], { summary: [/issues #7 in acme\/widgets by bob/] }),
  },
  {
    name: 'issues opened by a reader: insufficient-permission',
    event: 'issues',
    actor: 'carol',
    mutate: (p) => {
      p['action'] = 'opened';
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:carol']),
  },
  {
    name: 'issues by a reader with min-permission read: ok, with a warning about public repositories',
    event: 'issues',
    actor: 'carol',
    settings: { minPermission: 'read' },
    mutate: (p) => {
      p['sender'] = user('carol', 13);
    },
    expected: allow(['permission:carol'], { warnings: [/public repository/] }),
  },
  {
    name: 'issues by a writer with min-permission admin: insufficient-permission',
    event: 'issues',
    settings: { minPermission: 'admin' },
    expected: deny('insufficient-permission', ['permission:bob'], { summary: [/below min-permission admin/] }),
  },
  {
    name: 'issues by a maintainer (maintain maps to write): ok',
    event: 'issues',
    actor: 'erin',
    mutate: (p) => {
      p['sender'] = user('erin', 15);
    },
    expected: allow(['permission:erin'], { summary: [/erin \(write\)/] }),
  },
  {
    name: 'issues by a triager (triage maps to read): insufficient-permission',
    event: 'issues',
    actor: 'trish',
    mutate: (p) => {
      p['sender'] = user('trish', 16);
    },
    expected: deny('insufficient-permission', ['permission:trish'], { summary: [/has read access/] }),
  },
  {
    name: 'issues where the sender differs from GITHUB_ACTOR: both checked',
    event: 'issues',
    actor: 'bob',
    mutate: (p) => {
      p['sender'] = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:bob', 'permission:mallory'], { summary: [/mallory \(the event sender\)/] }),
  },
  {
    name: 'issues by a reader listed in allowed-users: ok with a warning',
    event: 'issues',
    actor: 'carol',
    settings: { allowedUsers: ['CAROL'] },
    mutate: (p) => {
      p['sender'] = user('carol', 13);
    },
    expected: allow(['permission:carol'], {
      summary: [/every actor passed the actor check \(min-permission write\): carol \(allowed-users, read\)$/],
      warnings: [/carol has read access, below min-permission write, but is let through by allowed-users/],
    }),
  },
  {
    name: 'issues by an outsider listed in allowed-users as a bot is not enough (bots need allowed-bots)',
    event: 'issues',
    actor: 'some-app[bot]',
    settings: { allowedUsers: ['some-app[bot]'] },
    mutate: (p) => {
      p['sender'] = user('some-app[bot]', 77, 'Bot');
    },
    expected: deny('bot-not-allowed', []),
  },
  {
    name: 'discussion created by a reader: insufficient-permission',
    event: 'discussion',
    expected: deny('insufficient-permission', ['permission:carol'], { summary: [/discussion #5/] }),
  },
  {
    name: 'discussion_comment by a writer: ok',
    event: 'discussion_comment',
    expected: allow(['permission:bob']),
  },
  {
    name: 'discussion_comment whose comment author is an outsider: not-a-collaborator',
    event: 'discussion_comment',
    mutate: (p) => {
      p['comment'].user = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:bob', 'permission:mallory'], { summary: [/mallory \(the comment author\)/] }),
  },
  {
    name: 'issues with an unreadable event file: permission-check-failed',
    event: 'issues',
    raw: 'not json',
    actor: 'bob',
    expected: deny('permission-check-failed', []),
  },

  {
    name: 'issues without issue.number: no number in the summary',
    event: 'issues',
    mutate: (p) => {
      delete p['issue'].number;
    },
    expected: allow(['permission:bob'], {
      summary: [
        exactly(
          'Allowed (ok): issues in acme/widgets by bob: issues can be triggered by anyone who can open or comment; every actor passed the actor check (min-permission write): bob (write)',
        ),
      ],
    }),
  },
  {
    name: 'issues with no actor at all (GITHUB_ACTOR empty, no sender): permission-check-failed, no look-ups',
    event: 'issues',
    actor: '',
    mutate: (p) => {
      delete p['sender'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [
        exactly(
          'Denied (permission-check-failed): issues #7 in acme/widgets: issues can be triggered by anyone who can open or comment, but no actor of the run is known (GITHUB_ACTOR is empty), so none can be checked',
        ),
      ],
    }),
  },
  {
    name: 'issues with GITHUB_ACTOR empty, re-run by a writer: no "by", the re-run named',
    event: 'issues',
    actor: '',
    triggeringActor: 'bob',
    expected: allow(['permission:bob'], { summary: [/^Allowed \(ok\): issues #7 in acme\/widgets \(re-run by bob\): issues can be/] }),
  },
  {
    name: 'issues whose sender login is padded with spaces: one actor, one look-up',
    event: 'issues',
    mutate: (p) => {
      p['sender'].login = '  bob  ';
    },
    expected: allow(['permission:bob'], { summary: [/\): bob \(write\)$/] }),
  },
  {
    name: 'allowed-users "car@ol" does not name carol (only a leading @ is dropped)',
    event: 'issues',
    actor: 'carol',
    settings: { allowedUsers: ['car@ol'] },
    mutate: (p) => {
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:carol']),
  },
  {
    name: 'discussion_comment without comment.user: permission-check-failed, no look-ups',
    event: 'discussion_comment',
    mutate: (p) => {
      delete p['comment'].user;
    },
    expected: deny('permission-check-failed', [], {
      summary: [
        /^Denied \(permission-check-failed\): discussion_comment #5 in acme\/widgets by bob: could not read the event payload: the event payload does not name the comment author, so/,
      ],
    }),
  },
  {
    name: 'discussion_comment whose comment author login is empty: permission-check-failed, no look-ups',
    event: 'discussion_comment',
    mutate: (p) => {
      p['comment'].user.login = '';
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the comment author/] }),
  },
];

const unsupported: Case[] = [
  {
    name: 'watch (anyone can star a repository): unsupported-event',
    event: 'watch',
    expected: deny('unsupported-event', [], {
      summary: [/watch is not an event this action trusts; list it in allowed-events/],
    }),
  },
  {
    name: 'watch listed in allowed-events: allowed after the actor check',
    event: 'watch',
    settings: { allowedEvents: [' Watch '] },
    expected: allow(['permission:alice'], { summary: [/listed in allowed-events/] }),
  },
  {
    name: 'watch listed in allowed-events, starred by an outsider: not-a-collaborator',
    event: 'watch',
    actor: 'mallory',
    settings: { allowedEvents: ['watch'] },
    mutate: (p) => {
      p['sender'] = user('mallory', 66);
    },
    expected: deny('not-a-collaborator', ['permission:mallory']),
  },
  {
    name: 'allowed-events cannot loosen pull_request_target',
    event: 'pull_request_target',
    settings: { allowedEvents: ['pull_request_target'] },
    expected: deny('dangerous-event', [], { warnings: [/cannot loosen the rule for "pull_request_target"/] }),
  },
  {
    name: "workflow_call (never the event name; the caller's is): unsupported-event",
    event: 'workflow_call',
    fixture: 'push',
    expected: deny('unsupported-event', []),
  },
  {
    name: 'no GITHUB_EVENT_NAME: unsupported-event',
    event: '',
    fixture: 'push',
    expected: deny('unsupported-event', [], { summary: [/GITHUB_EVENT_NAME is not set/] }),
  },

  {
    name: 'allowed-events cannot loosen pull_request: warned, its own rule applies',
    event: 'pull_request',
    settings: { allowedEvents: ['pull_request'] },
    expected: allow(['permission:bob'], {
      warnings: [exactly('allowed-events cannot loosen the rule for "pull_request": it has its own rule, which applies')],
    }),
  },
  {
    name: 'allowed-events cannot loosen pull_request from a fork: still fork-pr',
    event: 'pull_request',
    settings: { allowedEvents: ['pull_request'] },
    mutate: setHead(fork),
    expected: deny('fork-pr', [], { warnings: [/cannot loosen the rule for "pull_request"/] }),
  },
  {
    name: 'allowed-events cannot loosen workflow_run',
    event: 'workflow_run',
    settings: { allowedEvents: ['workflow_run'] },
    expected: deny('dangerous-event', [], { warnings: [/cannot loosen the rule for "workflow_run"/] }),
  },
  {
    name: 'allowed-events cannot loosen issue_comment',
    event: 'issue_comment',
    settings: { allowedEvents: ['issue_comment'] },
    expected: deny('dangerous-event', ['pull:34'], { warnings: [/cannot loosen the rule for "issue_comment"/] }),
  },
  {
    name: 'watch listed in allowed-events with no actor at all: permission-check-failed',
    event: 'watch',
    actor: '',
    settings: { allowedEvents: ['watch'] },
    mutate: (p) => {
      delete p['sender'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [/watch is listed in allowed-events, but no actor of the run is known \(GITHUB_ACTOR is empty\)/],
    }),
  },
];

// Faults of the permission look-up, on "issues labelled by bob".
const faults: Case[] = [
  {
    name: '500 once: retried once after the default delay, then ok',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'error-once' } },
    expected: allow(['permission:bob', 'permission:bob'], { sleeps: [1000] }),
  },
  {
    name: '503 once with Retry-After: 2: the retry waits what GitHub asked',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'unavailable-once' } },
    expected: allow(['permission:bob', 'permission:bob'], { sleeps: [2000] }),
  },
  {
    name: '429 once: retried, then ok',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'rate-limited-once' } },
    expected: allow(['permission:bob', 'permission:bob'], { sleeps: [1000] }),
  },
  {
    name: '500 always: permission-check-failed after one retry',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'error-always' } },
    expected: deny('permission-check-failed', ['permission:bob', 'permission:bob'], {
      summary: [/could not check bob .*HTTP 500 \("Server Error"\) \(after a retry\)/],
      sleeps: [1000],
    }),
  },
  {
    name: 'hang: timed out twice, permission-check-failed',
    event: 'issues',
    // Long enough for each request to reach the stand-in before it is abandoned, however busy the
    // machine: both look-ups must be recorded.
    timeoutMs: 1_000,
    users: { bob: { permission: 'write', fault: 'hang' } },
    expected: deny('permission-check-failed', ['permission:bob', 'permission:bob'], {
      summary: [/no answer from 127\.0\.0\.1:\d+ within/],
      sleeps: [1000],
    }),
  },
  {
    name: 'hang once: the retry gets the answer',
    event: 'issues',
    // The retry must get its loopback answer within this: 150 ms was outrun on a busy machine.
    timeoutMs: 1_000,
    users: { bob: { permission: 'write', fault: 'hang-once' } },
    expected: allow(['permission:bob', 'permission:bob']),
  },
  {
    name: 'connection reset every time: permission-check-failed after a retry',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'reset' } },
    expected: deny('permission-check-failed', ['permission:bob', 'permission:bob'], { summary: [/could not reach/] }),
  },
  {
    name: 'malformed JSON: permission-check-failed, not retried',
    event: 'issues',
    users: { bob: { permission: 'write', fault: 'malformed-json' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/malformed JSON/], sleeps: [] }),
  },
  {
    name: 'an answer without "permission": permission-check-failed',
    event: 'issues',
    users: { bob: { fault: 'wrong-shape' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/no "permission" field/] }),
  },
  {
    name: 'an unknown permission value: permission-check-failed',
    event: 'issues',
    users: { bob: 'superuser' },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/unknown permission "superuser"/] }),
  },
  // A plain-object map would find Object.prototype's members for these and let them through.
  ...['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'].map((reported): Case => ({
    name: `a permission of "${reported}" (an Object.prototype key): permission-check-failed`,
    event: 'issues',
    users: { bob: reported },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [new RegExp(`unknown permission "${reported}"`)] }),
  })),
  {
    name: 'an answer about another user: permission-check-failed',
    event: 'issues',
    users: { bob: { permission: 'write', returnLogin: 'alice' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/describes another user/] }),
  },
  {
    name: '401: permission-check-failed, the token may lack access, not retried',
    event: 'issues',
    users: { bob: { fault: 'unauthorized' } },
    expected: deny('permission-check-failed', ['permission:bob'], {
      summary: [/HTTP 401 .*github-token may be invalid or lack access/],
      sleeps: [],
    }),
  },
  {
    name: "403: permission-check-failed, GitHub's message quoted",
    event: 'issues',
    users: { bob: { fault: 'forbidden' } },
    expected: deny('permission-check-failed', ['permission:bob'], {
      summary: [/HTTP 403 \("Resource not accessible by integration"\); github-token may be invalid or lack access/],
    }),
  },
  {
    name: '403 with the rate limit exhausted: permission-check-failed, says so',
    event: 'issues',
    users: { bob: { fault: 'rate-limit-exhausted' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/rate limit of github-token is exhausted/] }),
  },
  {
    name: '422: permission-check-failed',
    event: 'issues',
    users: { bob: { fault: 'unprocessable' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/HTTP 422/] }),
  },
  {
    name: '301 (not followed): permission-check-failed',
    event: 'issues',
    users: { bob: { fault: 'moved' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/HTTP 301/] }),
  },
  {
    name: 'an error message echoing the token: redacted',
    event: 'issues',
    users: { bob: { fault: 'echo-token' } },
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/Bearer \*\*\* is not allowed here/] }),
  },
  {
    name: 'a failure stops the check: later actors are not looked up',
    event: 'issues',
    triggeringActor: 'alice',
    users: { bob: { fault: 'forbidden' } },
    expected: deny('permission-check-failed', ['permission:bob']),
  },
];

// A login of spaces (or an empty one) names nobody: the payload does not name that actor, and the
// gate fails closed rather than deciding on the other actors alone.
const blankLogins: Case[] = [
  ...['', '   '].map((login): Case => ({
    name: `workflow_run whose actor login is ${JSON.stringify(login)}: permission-check-failed`,
    event: 'workflow_run',
    actor: 'bob',
    mutate: (p) => {
      p['workflow_run'].head_repository = sameRepo;
      p['workflow_run'].actor = { login, type: 'User' };
      p['workflow_run'].triggering_actor = user('bob', 12);
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the workflow_run actor/] }),
  })),
  {
    name: 'pull_request whose author login is blank: permission-check-failed',
    event: 'pull_request',
    actor: 'bob',
    mutate: (p) => {
      p['pull_request'].user = { login: '   ', type: 'User' };
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'pull_request_target (allowed) whose author login is blank: permission-check-failed',
    event: 'pull_request_target',
    actor: 'bob',
    settings: { allowPullRequestTarget: true },
    mutate: (p) => {
      p['pull_request'].head.repo = sameRepo;
      p['pull_request'].user = { login: ' ', type: 'User' };
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the pull request author/] }),
  },
  {
    name: 'a comment on an issue whose author login is blank: permission-check-failed',
    event: 'issue_comment',
    actor: 'bob',
    mutate: (p) => {
      delete p['issue'].pull_request;
      p['comment'].user = { login: ' ', type: 'User' };
      p['sender'] = user('bob', 12);
    },
    expected: deny('permission-check-failed', [], { summary: [/does not name the comment author/] }),
  },
];

const tables: Array<[string, Case[]]> = [
  ['trusted events', trustedEvents],
  ['pull_request, pull_request_review, pull_request_review_comment', pullRequestEvents],
  ['pull_request_target', pullRequestTarget],
  ['workflow_run', workflowRun],
  ['issue_comment', issueComment],
  ['issues, discussion, discussion_comment', commentLike],
  ['issues on a pull request', issuesOnPullRequest],
  ['unknown events and allowed-events', unsupported],
  ['faults of the GitHub API', faults],
  ['blank logins', blankLogins],
];

for (const [title, cases] of tables) {
  describe(title, () => {
    it.each(cases)('$name', async (c) => {
      check(c, await run(c));
    });
  });
}

describe('requests', () => {
  it('sends the token, the API version and the user agent; encodes the login', async () => {
    const decision = await run({
      name: 'encoding',
      event: 'issues',
      actor: 'bob',
      triggeringActor: 'we?ird/name',
      expected: deny('not-a-collaborator', []),
    });
    expect(decision.reason).toBe('not-a-collaborator');
    expect(gh.requests.map((r) => r.path)).toEqual([
      '/repos/acme/widgets/collaborators/bob/permission',
      '/repos/acme/widgets/collaborators/we%3Fird%2Fname/permission',
    ]);
    for (const r of gh.requests) {
      expect(r.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.accept).toBe('application/vnd.github+json');
      expect(r.apiVersion).toBe('2022-11-28');
      expect(r.userAgent).toBe('gate-test');
    }
  });

  it('fetches the pull request of an issue comment from /pulls/{number}, then checks the commenter and the author', async () => {
    await run({ name: 'pr', event: 'issue_comment', settings: { allowForkHeads: true }, expected: allow([]) });
    expect(gh.requests.map((r) => r.path)).toEqual([
      '/repos/acme/widgets/pulls/34',
      '/repos/acme/widgets/collaborators/alice/permission',
      '/repos/acme/widgets/collaborators/mallory/permission',
    ]);
  });

  it('a wrong token: 401 from GitHub, permission-check-failed, the token not echoed', async () => {
    gh.reset({ repository: REPOSITORY, token: 'ghs_someOtherToken', users: USERS, pulls: PULLS });
    const context = readGateContext({
      GITHUB_EVENT_NAME: 'issues',
      GITHUB_EVENT_PATH: join(FIXTURES, 'issues.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'bob',
      GITHUB_API_URL: gh.url,
    });
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/HTTP 401 \("Bad credentials"\)/);
    expect(gh.requests).toHaveLength(1);
    expect(decision.summary).not.toContain(TOKEN);
  });

  it('an empty github-token: permission-check-failed without any request', async () => {
    const decision = await run({
      name: 'empty',
      event: 'issues',
      settings: { githubToken: '' },
      expected: deny('permission-check-failed', []),
    });
    expect(decision.reason).toBe('permission-check-failed');
    expect(decision.summary).toMatch(/github-token is empty/);
    expect(gh.requests).toHaveLength(0);
  });

  it('an empty github-token is not needed for events without look-ups', async () => {
    const decision = await run({ name: 'push', event: 'push', settings: { githubToken: '' }, expected: allow([]) });
    expect(decision.allowed).toBe(true);
  });

  it('the bot rule needs no github-token and no request, on a push and on a same-repo pull request', async () => {
    const push = await run({
      name: 'push',
      event: 'push',
      actor: 'dependabot[bot]',
      settings: { githubToken: '' },
      expected: deny('bot-not-allowed', []),
    });
    expect(push.reason).toBe('bot-not-allowed');
    const allowed = await run({
      name: 'push',
      event: 'push',
      actor: 'dependabot[bot]',
      settings: { githubToken: '', allowedBots: ['dependabot[bot]'] },
      expected: allow([]),
    });
    expect(allowed.allowed).toBe(true);
    const pr = await run({
      name: 'pr',
      event: 'pull_request',
      actor: 'dependabot[bot]',
      settings: { githubToken: '' },
      mutate: (p) => {
        p['pull_request'].user = dependabot();
        p['sender'] = dependabot();
      },
      expected: deny('bot-not-allowed', []),
    });
    expect(pr.reason).toBe('bot-not-allowed');
    expect(gh.requests).toHaveLength(0);
  });

  it('a GITHUB_API_URL that is not a URL: permission-check-failed without any request', async () => {
    const context: GateContext = { ...baseContext(), apiUrl: 'not a url' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/GITHUB_API_URL is not an http\(s\) URL/);
  });

  it('an API nobody listens on: permission-check-failed after one retry', async () => {
    const port = await freePort();
    const slept: number[] = [];
    const context: GateContext = { ...baseContext(), apiUrl: `http://127.0.0.1:${port}` };
    const decision = await decide(DEFAULTS, context, { sleep: async (ms) => void slept.push(ms), timeoutMs: 1000 });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/could not reach 127\.0\.0\.1:\d+: ECONNREFUSED \(after a retry\)/);
    expect(slept).toEqual([1000]);
  });

  /** alice's comment on pull request #34 (the issue_comment fixture), against the API at `apiUrl`. */
  const aliceCommentContext = (apiUrl: string): GateContext =>
    readGateContext({
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: join(FIXTURES, 'issue_comment.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'alice',
      GITHUB_TRIGGERING_ACTOR: 'alice',
      GITHUB_API_URL: apiUrl,
    });

  it('GitHub Enterprise Server: GITHUB_API_URL with a path prefix (and a trailing slash)', async () => {
    // #34 here comes from a fork of erin's, a maintainer, so every look-up answers and the run is allowed.
    const pulls = { ...PULLS, 34: { headRepoId: 300, headRepoFullName: 'erin/widgets', author: 'erin' } };
    const ghes = await startFakeGitHub({ repository: REPOSITORY, token: TOKEN, prefix: '/api/v3', users: USERS, pulls });
    try {
      const context = aliceCommentContext(`${ghes.url}/`);
      expect(context.apiUrl).toBe(ghes.url);
      const decision = await decide({ ...DEFAULTS, allowForkHeads: true }, context, { sleep: async () => undefined });
      expect(decision).toMatchObject({ allowed: true, reason: 'ok' });
      expect(ghes.requests.map((r) => r.path)).toEqual([
        '/api/v3/repos/acme/widgets/pulls/34',
        '/api/v3/repos/acme/widgets/collaborators/alice/permission',
        '/api/v3/repos/acme/widgets/collaborators/erin/permission',
      ]);
    } finally {
      await ghes.close();
    }
  });

  it('one deadline for every look-up: a comment whose look-ups all hang ends by it, failing closed', async () => {
    // Without the shared deadline: two look-ups (the pull request, the commenter), each tried twice
    // with a 1 s timeout and a 1 s wait between, would take about 6 s.
    gh.reset({
      repository: REPOSITORY,
      token: TOKEN,
      users: { alice: { permission: 'write', fault: 'hang' } },
      pulls: { 34: { headRepoId: 1, fault: 'hang' } },
    });
    const context = aliceCommentContext(gh.url);
    let clock = Date.now();
    const started = clock;
    const decision = await decide({ ...DEFAULTS, allowForkHeads: true }, context, {
      timeoutMs: 1000,
      deadline: started + 1500,
      // Real time for the requests, plus the time the (instant) sleeps stand for.
      now: () => Date.now() + (clock - started),
      sleep: async (ms) => void (clock += ms),
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/no time left to retry|ran out of time \(timeout-seconds\)/);
    // The first look-up timed out at 1 s; its retry would have ended past the deadline.
    expect(gh.lookups()).toEqual(['pull:34']);
  });

  it('a look-up started after the deadline is not sent at all', async () => {
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline: Date.now() - 1 });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toMatch(/ran out of time \(timeout-seconds\)/);
    expect(gh.requests).toEqual([]);
  });

  it('the retry honours Retry-After up to a cap, and the injected retryDelayMs otherwise', async () => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: { ...USERS, bob: { permission: 'write', fault: 'error-once' } } });
    const slept: number[] = [];
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async (ms) => void slept.push(ms), retryDelayMs: 5 });
    expect(decision.allowed).toBe(true);
    expect(slept).toEqual([5]);
  });
});

describe('dependencies the caller may leave out', () => {
  it('without an injected sleep, the retry really waits (retryDelayMs)', async () => {
    gh.reset({ repository: REPOSITORY, token: TOKEN, users: { ...USERS, bob: { permission: 'write', fault: 'error-once' } } });
    const started = performance.now();
    const decision = await decide(DEFAULTS, baseContext(), { retryDelayMs: 150 });
    const elapsed = performance.now() - started;
    expect(decision).toMatchObject({ allowed: true, reason: 'ok' });
    expect(gh.lookups()).toEqual(['permission:bob', 'permission:bob']);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it('without an injected user agent, the requests name the action and the gate', async () => {
    const decision = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined });
    expect(decision.allowed).toBe(true);
    expect(gh.requests.map((r) => r.userAgent)).toEqual(['claude-oidc-action (fork-safety gate)']);
  });

  it('an injected clock, not the wall clock, decides whether time is left before the deadline', async () => {
    const deadline = Date.now() + 60_000;
    const late = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline, now: () => Date.now() + 120_000 });
    expect(late).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(late.summary).toMatch(/could not check bob .*ran out of time \(timeout-seconds\)/);
    expect(gh.requests).toEqual([]);
    // The same deadline on the wall clock leaves plenty of time.
    const onTime = await decide(DEFAULTS, baseContext(), { sleep: async () => undefined, deadline });
    expect(onTime).toMatchObject({ allowed: true, reason: 'ok' });
    expect(gh.lookups()).toEqual(['permission:bob']);
  });
});

describe('fail closed on the unforeseen', () => {
  /** An issues payload whose `sender` cannot be read: reading it throws `thrown`. */
  const throwingPayload = (thrown: () => unknown): Json => ({
    ...fixture('issues'),
    get sender(): never {
      throw thrown();
    },
  });

  it('an exception inside the decision: permission-check-failed, named by its class; no warnings, no actors, no look-ups', async () => {
    const context: GateContext = { ...baseContext(), payload: throwingPayload(() => new RangeError('boom')) };
    const decision = await decide({ ...DEFAULTS, allowedUsers: ['bob'], minPermission: 'read' }, context, { sleep: async () => undefined });
    expect(decision).toEqual({
      allowed: false,
      reason: 'permission-check-failed',
      summary:
        'Denied (permission-check-failed): issues in acme/widgets by bob: the gate itself failed (RangeError), so the run is not trusted',
      warnings: [],
      actors: [],
    });
    expect(gh.lookups()).toEqual([]);
  });

  it('a thrown value that is not an Error: permission-check-failed, called "error"', async () => {
    const context: GateContext = {
      ...baseContext(),
      eventName: 'push',
      payload: throwingPayload(() => Object.assign(Object.create(null) as object, { name: 'NotAnError' })),
    };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed', warnings: [], actors: [] });
    expect(decision.summary).toBe(
      'Denied (permission-check-failed): push in acme/widgets by bob: the gate itself failed (error), so the run is not trusted',
    );
  });

  it('a payload that is not an object, with no reason given: permission-check-failed, "not a JSON object"', async () => {
    const context: GateContext = { ...baseContext(), eventName: 'pull_request', payload: 'not an object' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
    expect(decision.summary).toBe(
      'Denied (permission-check-failed): pull_request in acme/widgets by bob: could not read the event payload (not a JSON object), so the run cannot be judged',
    );
    expect(gh.lookups()).toEqual([]);
  });
});

describe('the decision line', () => {
  it('an empty GITHUB_REPOSITORY is "an unnamed repository"', async () => {
    const context: GateContext = { ...baseContext(), eventName: 'push', repository: '' };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision).toMatchObject({ allowed: true, reason: 'ok', actors: ['bob'] });
    expect(decision.summary).toBe(
      'Allowed (ok): push in an unnamed repository by bob: push runs are started only by people with write access or by the repository itself; no actor is a bot',
    );
  });

  it('names the re-run only when GITHUB_TRIGGERING_ACTOR is another login (compared case-insensitively)', async () => {
    const line = async (actor: string, triggeringActor: string): Promise<string> =>
      (await decide(DEFAULTS, { ...baseContext(), eventName: 'push', actor, triggeringActor }, { sleep: async () => undefined })).summary;
    const rule = 'push runs are started only by people with write access or by the repository itself; no actor is a bot';
    expect(await line('bob', 'bob')).toBe(`Allowed (ok): push in acme/widgets by bob: ${rule}`);
    expect(await line('Bob', 'bOB')).toBe(`Allowed (ok): push in acme/widgets by Bob: ${rule}`);
    expect(await line('bob', '')).toBe(`Allowed (ok): push in acme/widgets by bob: ${rule}`);
    expect(await line('bob', 'alice')).toBe(`Allowed (ok): push in acme/widgets by bob (re-run by alice): ${rule}`);
  });
});

describe('a min-permission the gate does not know (the caller validates it; the gate fails closed anyway)', () => {
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'maintain'])(
    'min-permission "%s": permission-check-failed, no look-ups',
    async (min) => {
      const decision = await run({
        name: min,
        event: 'issues',
        settings: { minPermission: min as MinPermission },
        expected: deny('permission-check-failed', []),
      });
      expect(decision).toMatchObject({ allowed: false, reason: 'permission-check-failed' });
      expect(decision.summary).toMatch(/is not one of read, write, admin/);
      expect(gh.lookups()).toEqual([]);
    },
  );
});

describe('the github token never appears in a decision', () => {
  it('across every table case, with the token also used as a login and a repository name', async () => {
    const all = tables.flatMap(([, cases]) => cases);
    for (const c of all) {
      const decision = await run(c);
      const text = [decision.summary, ...decision.warnings].join('\n');
      expect(text, c.name).not.toContain(TOKEN);
    }
    // Even if the token were to end up in a name the gate prints, it is redacted.
    const context: GateContext = { ...baseContext(), actor: TOKEN, repository: `acme/${TOKEN}` };
    const decision = await decide(DEFAULTS, context, { sleep: async () => undefined });
    expect(decision.allowed).toBe(false);
    expect([decision.summary, ...decision.warnings].join('\n')).not.toContain(TOKEN);
    expect(decision.summary).toContain('***');
  });
});

describe('readGateContext', () => {
  it('reads the environment and the event file', () => {
    const context = readGateContext({
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: join(FIXTURES, 'push.json'),
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_ACTOR: 'bob',
      GITHUB_TRIGGERING_ACTOR: 'alice',
      GITHUB_REF: 'refs/heads/main',
    });
    expect(context).toMatchObject({
      eventName: 'push',
      repository: REPOSITORY,
      actor: 'bob',
      triggeringActor: 'alice',
      apiUrl: 'https://api.github.com',
      ref: 'refs/heads/main',
    });
    expect((context.payload as Json)['repository'].id).toBe(100);
    expect(context.payloadError).toBeUndefined();
  });

  it('an empty environment: empty names and the default API URL', () => {
    expect(readGateContext({})).toEqual({
      eventName: '',
      repository: '',
      actor: '',
      triggeringActor: '',
      apiUrl: 'https://api.github.com',
      ref: '',
      payload: undefined,
      payloadError: 'GITHUB_EVENT_PATH is not set',
    });
    expect(readGateContext({ GITHUB_API_URL: '  ' }).apiUrl).toBe('https://api.github.com');
  });

  it('trims every variable and drops every trailing slash of GITHUB_API_URL', () => {
    expect(
      readGateContext({
        GITHUB_EVENT_NAME: ' push\n',
        GITHUB_REPOSITORY: '  acme/widgets ',
        GITHUB_ACTOR: ' bob ',
        GITHUB_TRIGGERING_ACTOR: '\talice ',
        GITHUB_API_URL: ' https://ghe.example.com/api/v3// ',
        GITHUB_REF: ' refs/heads/gh-readonly-queue/main/pr-1-abc\n',
      }),
    ).toMatchObject({
      eventName: 'push',
      repository: 'acme/widgets',
      actor: 'bob',
      triggeringActor: 'alice',
      apiUrl: 'https://ghe.example.com/api/v3',
      ref: 'refs/heads/gh-readonly-queue/main/pr-1-abc',
    });
  });

  it('says why the payload is missing', () => {
    expect(readGateContext({}).payloadError).toBe('GITHUB_EVENT_PATH is not set');
    expect(readGateContext({ GITHUB_EVENT_PATH: join(dir, 'nope.json') }).payloadError).toBe('the event file could not be read (ENOENT)');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    expect(readGateContext({ GITHUB_EVENT_PATH: bad })).toMatchObject({
      payload: undefined,
      payloadError: 'the event file is not valid JSON',
    });
    writeFileSync(bad, '"string"');
    expect(readGateContext({ GITHUB_EVENT_PATH: bad }).payloadError).toBe('the event file is not a JSON object');
  });
});

describe('exports', () => {
  it('lists the reasons and the permissions', () => {
    expect(GATE_REASONS).toEqual([
      'ok',
      'fork-pr',
      'dangerous-event',
      'insufficient-permission',
      'not-a-collaborator',
      'bot-not-allowed',
      'permission-check-failed',
      'unsupported-event',
    ]);
    expect(MIN_PERMISSIONS).toEqual(['read', 'write', 'admin']);
    expect(isMinPermission('write')).toBe(true);
    expect(isMinPermission('maintain')).toBe(false);
  });

  it('every reason is reached by some table case', () => {
    const reached = new Set(tables.flatMap(([, cases]) => cases.map((c) => c.expected.reason)));
    expect([...reached].sort()).toEqual([...GATE_REASONS].sort());
  });
});

function baseContext(): GateContext {
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

async function freePort(): Promise<number> {
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
