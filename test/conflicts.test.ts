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

  it('says why each one shadows the minted credentials, in the error and in each warning', () => {
    const why = {
      ANTHROPIC_API_KEY: 'an API key outranks the minted token in the SDKs and the claude CLI',
      ANTHROPIC_AUTH_TOKEN: 'a static bearer token outranks the profile in the SDKs and the claude CLI',
      CLAUDE_CODE_OAUTH_TOKEN: 'the claude CLI (and claude-code-action) use it before any profile',
    };
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: 'y', CLAUDE_CODE_OAUTH_TOKEN: 'z' }, profile);
    expect(conflicts).toEqual(Object.entries(why).map(([name, text]) => ({ name, why: text })));
    let error: unknown;
    try {
      resolveConflicts(conflicts, 'fail');
    } catch (e) {
      error = e;
    }
    expect((error as ActionError).code).toBe('conflicting-credentials');
    const lines = (error as ActionError).message.split('\n');
    expect(lines[0]).toBe("Credentials already in this job's environment would shadow the ones this action sets up:");
    expect(lines).toHaveLength(4);
    Object.entries(why).forEach(([name, text], i) => {
      expect(lines[i + 1]?.startsWith(`  - ${name} is already set (probably from an \`env:\` block`)).toBe(true);
      expect(lines[i + 1]?.endsWith(`): ${text}`)).toBe(true);
    });
    expect(resolveConflicts(conflicts, 'override').warnings).toEqual(
      Object.entries(why).map(
        ([name, text]) => `${name} was set; exported it as empty for later steps so the minted credentials are used (${text}).`,
      ),
    );
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
