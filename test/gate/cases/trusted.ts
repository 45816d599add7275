// push, workflow_dispatch, schedule, merge_group, release, create, repository_dispatch: no look-ups,
// the bot rule only; the merge queue's exemption on its own branches; repository_dispatch.
import { allow, botSender, type Case, deny, dependabot, exactly, type Json, user } from '../builders.ts';

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
      name: 'push by the merge queue whose payload and GITHUB_REF name two different queue branches: bot-not-allowed (they must agree)',
      ref: MERGE_QUEUE_REF,
      mutate: setRef('refs/heads/gh-readonly-queue/main/pr-13-2222222222222222222222222222222222222222'),
    }),
    queuePush({
      name: 'workflow_dispatch by the merge queue on one of its branches: bot-not-allowed (the push exemption is for push only)',
      event: 'workflow_dispatch',
      fixture: 'workflow_dispatch',
      ref: MERGE_QUEUE_REF,
      mutate: (p) => {
        p['ref'] = MERGE_QUEUE_REF;
        botSender('github-merge-queue[bot]', 118344674)(p);
      },
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

export const trustedEvents: Case[] = [
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
