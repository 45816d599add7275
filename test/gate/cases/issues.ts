// issues (on an issue, and on a pull request's issue: looked up like a comment on one), discussion
// and discussion_comment: the actor check.
import { allow, botSender, type Case, deny, exactly, user } from '../builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

/** An issues event on a pull request's issue: #13, opened by mallory between two branches of
 *  acme/widgets, milestoned by bob. It gets the rule of a comment on a pull request. */
export const issuesOnPullRequest: Case[] = [
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

export const commentLike: Case[] = [
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
    name: 'issues without an issue at all: the actor check, no number in the summary',
    event: 'issues',
    mutate: (p) => {
      delete p['issue'];
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
    name: 'issues listed in allowed-events: a warning that it cannot loosen the rule, which applies',
    event: 'issues',
    actor: 'carol',
    settings: { allowedEvents: ['issues'] },
    mutate: (p) => {
      p['sender'] = user('carol', 13);
    },
    expected: deny('insufficient-permission', ['permission:carol'], {
      warnings: [exactly('allowed-events cannot loosen the rule for "issues": it has its own rule, which applies')],
    }),
  },
  {
    name: 'discussion without discussion.number: the rule named, no number in the summary',
    event: 'discussion',
    mutate: (p) => {
      delete p['discussion'].number;
    },
    expected: deny('insufficient-permission', ['permission:carol'], {
      summary: [
        /^Denied \(insufficient-permission\): discussion in acme\/widgets by carol: discussion can be triggered by anyone who can open or comment; /,
      ],
    }),
  },
  {
    name: 'discussion without a discussion at all: the actor check, no number in the summary',
    event: 'discussion',
    mutate: (p) => {
      delete p['discussion'];
    },
    expected: deny('insufficient-permission', ['permission:carol'], {
      summary: [/^Denied \(insufficient-permission\): discussion in acme\/widgets by carol: discussion can be triggered by anyone/],
    }),
  },
  {
    name: 'discussion_comment without a comment at all: permission-check-failed, no look-ups',
    event: 'discussion_comment',
    mutate: (p) => {
      delete p['comment'];
    },
    expected: deny('permission-check-failed', [], {
      summary: [/^Denied \(permission-check-failed\): discussion_comment #5 in acme\/widgets by bob: .*does not name the comment author/],
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
