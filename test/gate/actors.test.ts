// The rules on actors that every event family shares: a blank login names nobody (fail closed), and
// a min-permission the gate does not know denies before any look-up. The bot rule and the actor
// check themselves are exercised through every family's table (trusted, pull-request,
// workflow-run, issues) and decide.test.ts.
import { describe, expect, it } from 'vitest';
import type { MinPermission } from '../../src/gate/gate.ts';
import { deny } from './builders.ts';
import { blankLogins } from './cases/blank-logins.ts';
import { gh, run, runTables, useGateHarness } from './harness.ts';

useGateHarness();

runTables([['blank logins', blankLogins]]);

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
