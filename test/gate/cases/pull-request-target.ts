// pull_request_target: dangerous-event unless allow-pull-request-target; a fork head needs
// allow-fork-heads too; then the actor check, the pull request author included.
import { allow, type Case, deny, exactly, sameRepo, setHead, user } from '../builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

export const pullRequestTarget: Case[] = [
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
