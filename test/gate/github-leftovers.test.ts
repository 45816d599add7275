// What a look-up leaves behind once it has its answer: nothing printed (not even the warning
// Octokit gives for a deprecated endpoint) and no timer still running (its per-attempt timeout,
// however long, would otherwise hold the step open). Against the servers of ./github-support.ts.
import { describe, expect, it, vi } from 'vitest';
import { getCollaboratorPermission } from '../../src/gate/github.ts';
import { REPOSITORY, type Scripted, scripted, useLookupServers } from './github-support.ts';

useLookupServers();

const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('after a look-up', () => {
  it('nothing is printed, even for an endpoint GitHub says is deprecated', async () => {
    const warn = vi.spyOn(console, 'warn');
    const stderr = vi.spyOn(process.stderr, 'write');
    const stdout = vi.spyOn(process.stdout, 'write');
    try {
      const deprecated = {
        deprecation: 'Sat, 01 Nov 2025 00:00:00 GMT',
        sunset: 'Sun, 01 Nov 2026 00:00:00 GMT',
        link: '<https://docs.github.com/rest/deprecation>; rel="deprecation"',
      };
      const result = await getCollaboratorPermission(
        scripted([{ status: 200, body: { permission: 'read' }, headers: deprecated }]),
        REPOSITORY,
        'alice',
      );
      expect(result).toStrictEqual({ kind: 'ok', permission: 'read', reported: 'read' });
      expect(warn).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });

  it('no timer of it is left running, answered or failed', async () => {
    const cases: Array<[Scripted, string]> = [
      [{ status: 200, body: { permission: 'read' } }, 'ok'],
      [{ status: 401, body: { message: 'Bad credentials' } }, 'failed'],
    ];
    for (const [answer, kind] of cases) {
      const before = timers();
      const result = await getCollaboratorPermission(scripted([answer], { timeoutMs: 600_000 }), REPOSITORY, 'alice');
      expect(result.kind, String(answer.status)).toBe(kind);
      // Timers of the test runner come and go; the look-up's own 10-minute timeout would stay.
      await vi.waitFor(
        () => {
          expect(timers()).toBeLessThanOrEqual(before);
        },
        { timeout: 5_000, interval: 20 },
      );
    }
  });
});
