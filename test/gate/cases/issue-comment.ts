// issue_comment: the commenter is an actor; on a pull request, the pull request is looked up (a fork
// head needs allow-fork-heads) and its author is an actor too.
import { allow, type Case, deny, exactly, type Json, user } from '../builders.ts';
import { TEST_PULLS as PULLS } from '../../support/github-api.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

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

export const issueComment: Case[] = [
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
    name: 'issue_comment without a comment at all: permission-check-failed, no look-ups',
    event: 'issue_comment',
    mutate: (p) => {
      delete p['comment'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [/could not read the event payload: the event payload does not name the comment author, so the run cannot be judged$/],
    }),
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
