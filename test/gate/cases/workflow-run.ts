// workflow_run: never after a run on a fork head (or a missing one); otherwise the actor check, the
// workflow_run's actor and triggering actor included.
import { allow, type Case, deny, exactly, type Json, sameRepo, user } from '../builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

const sameRepoRun = (p: Json): void => {
  p['workflow_run'].head_repository = sameRepo;
  p['workflow_run'].actor = user('bob', 12);
  p['workflow_run'].triggering_actor = user('bob', 12);
  p['sender'] = user('bob', 12);
};

export const workflowRun: Case[] = [
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
