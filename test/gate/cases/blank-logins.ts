// A login of spaces (or an empty one) names nobody: the payload does not name that actor, and the
// gate fails closed rather than deciding on the other actors alone.
import { type Case, deny, sameRepo, user } from '../builders.ts';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

export const blankLogins: Case[] = [
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
