// Events the gate does not know: unsupported-event unless named in allowed-events (then the actor
// check); allowed-events cannot loosen an event that has its own rule.
import { allow, type Case, deny, exactly, fork, setHead, user } from '../builders.ts';

export const unsupported: Case[] = [
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
