import { describe, expect, it } from 'vitest';
import { findConflicts, resolveConflicts } from '../src/conflicts.ts';
import { ActionError } from '../src/errors.ts';

const profile = new Set(['profile'] as const);

describe('conflicting credentials', () => {
  it('finds each variable that would shadow the minted credentials; empty ones do not count', () => {
    const env = { ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: 'y' };
    expect(findConflicts(env, profile).map((c) => c.name)).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);
    expect(findConflicts(env, new Set(['profile', 'claude-code-oauth-token'] as const)).map((c) => c.name)).toEqual(['ANTHROPIC_API_KEY']);
    expect(findConflicts({ CLAUDE_CODE_OAUTH_TOKEN: 'y' }, new Set())).toEqual([]);
  });

  it('fail: one error naming every variable, where it probably comes from, and the way out', () => {
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: 'z' }, profile);
    const error = (() => {
      try {
        resolveConflicts(conflicts, 'fail');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ActionError);
    const text = `${(error as ActionError).message}\n${(error as ActionError).hint ?? ''}`;
    expect(text).toMatch(/ANTHROPIC_API_KEY/);
    expect(text).toMatch(/ANTHROPIC_AUTH_TOKEN/);
    expect(text).toMatch(/secrets\.ANTHROPIC_API_KEY|GITHUB_ENV/);
    expect(text).toMatch(/conflicting-credentials: override/);
    expect(text).not.toMatch(/\bx\b.*\bz\b/);
  });

  it('override blanks them with a warning each; warn only warns', () => {
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x' }, profile);
    const override = resolveConflicts(conflicts, 'override');
    expect(override.clear).toEqual(['ANTHROPIC_API_KEY']);
    expect(override.warnings).toHaveLength(1);
    const warn = resolveConflicts(conflicts, 'warn');
    expect(warn.clear).toEqual([]);
    expect(warn.warnings[0]).toMatch(/ANTHROPIC_API_KEY is already set/);
    expect(resolveConflicts([], 'fail')).toEqual({ clear: [], warnings: [] });
  });
});
