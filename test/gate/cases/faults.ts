// Faults of the permission look-up through decide, on "issues labelled by bob": retried once when
// transient, otherwise permission-check-failed with a message that names the fault.
import { allow, type Case, deny } from '../builders.ts';

export const faults: Case[] = [
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
    expected: deny('permission-check-failed', ['permission:bob'], { summary: [/token \*\*\* is not allowed here/] }),
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
