// pull_request, pull_request_review, pull_request_review_comment: a fork head is fork-pr (a skip);
// a head in this repository goes through the actor check, the pull request, review and comment
// authors included.
import { allow, type Case, deny, dependabot, exactly, fork, type Json, sameRepo, setHead, user } from '../builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

export const pullRequestEvents: Case[] = [
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
    name: 'pull_request without a repository at all: permission-check-failed',
    event: 'pull_request',
    mutate: (p) => {
      delete p['repository'];
    },
    expected: deny('permission-check-failed', [], { summary: [/the event payload has no numeric repository\.id/] }),
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
    name: 'pull_request_review payload without a review at all: permission-check-failed',
    event: 'pull_request_review',
    mutate: (p) => {
      delete p['review'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [/could not read the event payload: the event payload does not name the review author, so the run cannot be judged$/],
    }),
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
    name: 'pull_request_review_comment without a comment at all: permission-check-failed',
    event: 'pull_request_review_comment',
    mutate: (p) => {
      delete p['comment'];
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
