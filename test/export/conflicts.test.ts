import { describe, expect, it } from 'vitest';
import { findConflicts, resolveConflicts } from '../../src/export/conflicts.ts';
import { ActionError } from '../../src/errors.ts';

const profile = new Set(['profile'] as const);
const BASE = 'https://api.anthropic.com';

describe('conflicting credentials', () => {
  it('finds each variable that would shadow the minted credentials; empty ones do not count', () => {
    const env = { ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: 'y' };
    expect(findConflicts(env, profile, BASE).map((c) => c.name)).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);
    expect(findConflicts(env, new Set(['profile', 'claude-code-oauth-token'] as const), BASE).map((c) => c.name)).toEqual([
      'ANTHROPIC_API_KEY',
    ]);
    expect(findConflicts({ CLAUDE_CODE_OAUTH_TOKEN: 'y' }, new Set(), BASE)).toEqual([]);
  });

  it('fail: one error naming every variable, where it probably comes from, and the way out', () => {
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: 'z' }, profile, BASE);
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
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_AUTH_TOKEN: 'y', CLAUDE_CODE_OAUTH_TOKEN: 'z' }, profile, BASE);
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
    const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x' }, profile, BASE);
    const override = resolveConflicts(conflicts, 'override');
    expect(override.clear).toEqual(['ANTHROPIC_API_KEY']);
    expect(override.warnings).toHaveLength(1);
    const warn = resolveConflicts(conflicts, 'warn');
    expect(warn.clear).toEqual([]);
    expect(warn.warnings[0]).toMatch(/ANTHROPIC_API_KEY is already set/);
    expect(resolveConflicts([], 'fail')).toEqual({ clear: [], keepBaseUrl: false, warnings: [] });
  });

  describe('ANTHROPIC_BASE_URL already in the job', () => {
    const error = (fn: () => unknown): ActionError => {
      try {
        fn();
      } catch (e) {
        return e as ActionError;
      }
      throw new Error('no error');
    };

    it('is a conflict when it names another API root than base-url, and only when something is exported', () => {
      const env = { ANTHROPIC_BASE_URL: 'https://gateway.example.com/anthropic' };
      expect(findConflicts(env, profile, BASE)).toEqual([
        {
          name: 'ANTHROPIC_BASE_URL',
          why: 'the SDKs and the claude CLI would send the minted token to gateway.example.com, not to api.anthropic.com (base-url)',
        },
      ]);
      expect(findConflicts(env, new Set(['claude-code-oauth-token'] as const), BASE).map((c) => c.name)).toEqual(['ANTHROPIC_BASE_URL']);
      expect(findConflicts(env, new Set(), BASE)).toEqual([]);
    });

    it('is no conflict when it already names base-url (a trailing slash aside) or is empty', () => {
      for (const value of ['https://api.anthropic.com', 'https://api.anthropic.com/', ' https://api.anthropic.com ', '', '  ']) {
        expect(findConflicts({ ANTHROPIC_BASE_URL: value }, profile, BASE), value).toEqual([]);
      }
      expect(findConflicts({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:8080/' }, profile, 'http://127.0.0.1:8080')).toEqual([]);
      // Another port on the same host is another server.
      expect(findConflicts({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:8081' }, profile, 'http://127.0.0.1:8080')).toHaveLength(1);
    });

    it('fail: names the variable and both hosts, never the rest of the URL', () => {
      const conflicts = findConflicts({ ANTHROPIC_BASE_URL: 'https://user:hunter2@proxy.example.net/path' }, profile, BASE);
      const e = error(() => resolveConflicts(conflicts, 'fail'));
      expect(e.code).toBe('conflicting-credentials');
      expect(e.message).toMatch(/ANTHROPIC_BASE_URL is already set .*proxy\.example\.net, not to api\.anthropic\.com \(base-url\)/);
      expect(`${e.message}${e.hint ?? ''}`).not.toMatch(/hunter2|user:/);
    });

    it('override exports base-url over it (it is not blanked) with a warning', () => {
      const outcome = resolveConflicts(findConflicts({ ANTHROPIC_BASE_URL: 'https://gateway.example.com' }, profile, BASE), 'override');
      expect(outcome.clear).toEqual([]);
      expect(outcome.keepBaseUrl).toBe(false);
      expect(outcome.warnings).toEqual([
        'ANTHROPIC_BASE_URL was set; exported base-url over it for later steps so the minted token goes where it was minted (the SDKs and the claude CLI would send the minted token to gateway.example.com, not to api.anthropic.com (base-url)).',
      ]);
    });

    it('warn keeps a value that passes the base-url rules, and says so', () => {
      const outcome = resolveConflicts(findConflicts({ ANTHROPIC_BASE_URL: 'https://gateway.example.com' }, profile, BASE), 'warn');
      expect(outcome.keepBaseUrl).toBe(true);
      expect(outcome.clear).toEqual([]);
      expect(outcome.warnings[0]).toMatch(
        /^ANTHROPIC_BASE_URL is already set .*gateway\.example\.com.*Later steps will send the minted token there\.$/,
      );
    });

    it('warn still refuses a value that fails the base-url rules: http off loopback, not a URL, credentials', () => {
      for (const [value, why] of [
        ['http://gateway.example.com', /ANTHROPIC_BASE_URL may use http: only for localhost/],
        ['not a url', /ANTHROPIC_BASE_URL is not a URL/],
        ['https://u:p@gateway.example.com', /ANTHROPIC_BASE_URL must not carry credentials/],
        [
          'http://gateway.example.com/a?key=0123456789abcdefSECRET',
          /ANTHROPIC_BASE_URL must not have a query or fragment: got "http:\/\/gateway\.example\.com"; /,
        ],
      ] as const) {
        const conflicts = findConflicts({ ANTHROPIC_BASE_URL: value }, profile, BASE);
        const e = error(() => resolveConflicts(conflicts, 'warn'));
        expect(e.code, value).toBe('conflicting-credentials');
        expect(e.message, value).toMatch(why);
        // Only the scheme and host of a value from the environment are shown: the rest can carry a key.
        expect(e.message, value).not.toMatch(/key=|0123456789|u:p@|SECRET/);
        expect(e.hint).toMatch(/conflicting-credentials: override/);
        // override replaces it, so nothing unsafe is kept.
        expect(resolveConflicts(conflicts, 'override').keepBaseUrl).toBe(false);
      }
      expect(findConflicts({ ANTHROPIC_BASE_URL: 'not a url' }, profile, BASE)[0]?.why).toMatch(/to a value that is not a URL, not to/);
    });

    it('reads the value as a pasted one: surrounding spaces, a no-break space included, are not part of it', () => {
      // String.prototype.trim drops U+00A0; the URL parser alone would not, and would call the value not a URL.
      expect(findConflicts({ ANTHROPIC_BASE_URL: '\u00a0https://api.anthropic.com/\u00a0' }, profile, BASE)).toEqual([]);
      const conflicts = findConflicts({ ANTHROPIC_BASE_URL: '\u00a0 https://gateway.example.com \u00a0' }, profile, BASE);
      // Exactly this conflict: nothing in it says the value is unsafe to keep.
      expect(conflicts).toStrictEqual([
        {
          name: 'ANTHROPIC_BASE_URL',
          why: 'the SDKs and the claude CLI would send the minted token to gateway.example.com, not to api.anthropic.com (base-url)',
        },
      ]);
      expect(resolveConflicts(conflicts, 'warn').keepBaseUrl).toBe(true);
    });

    it('never shows a value that is not a URL (it can be a key pasted into the wrong variable)', () => {
      const value = 'pasted-into-the-wrong-variable';
      const e = error(() => resolveConflicts(findConflicts({ ANTHROPIC_BASE_URL: value }, profile, BASE), 'warn'));
      expect(e.message).toMatch(
        /^ANTHROPIC_BASE_URL is not a URL: got a value that is not a URL; conflicting-credentials: warn would keep it/,
      );
      expect(e.message).not.toContain(value);
    });

    it('warn refuses an unsafe value even when another conflict comes first', () => {
      const conflicts = findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: 'http://gateway.example.com' }, profile, BASE);
      expect(conflicts.map((c) => c.name)).toEqual(['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL']);
      expect(error(() => resolveConflicts(conflicts, 'warn')).message).toMatch(/^ANTHROPIC_BASE_URL may use http: only for localhost/);
    });

    it('warn keeps ANTHROPIC_BASE_URL only when it is among the conflicts, and says what each kept one does', () => {
      const key = 'ANTHROPIC_API_KEY is already set (probably from an `env:` block';
      const both = resolveConflicts(
        findConflicts({ ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: 'https://gateway.example.com' }, profile, BASE),
        'warn',
      );
      expect(both.keepBaseUrl).toBe(true);
      expect(both.warnings).toHaveLength(2);
      expect(both.warnings[0]?.startsWith(key)).toBe(true);
      expect(both.warnings[0]?.endsWith('. Later steps will use it instead of the minted credentials.')).toBe(true);
      expect(both.warnings[1]).toMatch(/^ANTHROPIC_BASE_URL is already set .*\. Later steps will send the minted token there\.$/);
      const keyOnly = resolveConflicts(findConflicts({ ANTHROPIC_API_KEY: 'x' }, profile, BASE), 'warn');
      expect(keyOnly.keepBaseUrl).toBe(false);
      expect(keyOnly.warnings).toEqual([both.warnings[0]]);
    });

    it('a dry run only warns, whatever the policy, and keeps everything', () => {
      const conflicts = findConflicts({ ANTHROPIC_BASE_URL: 'http://gateway.example.com', ANTHROPIC_API_KEY: 'x' }, profile, BASE);
      for (const policy of ['fail', 'override', 'warn'] as const) {
        const outcome = resolveConflicts(conflicts, policy, true);
        expect(outcome.clear).toEqual([]);
        expect(outcome.keepBaseUrl).toBe(true);
        expect(outcome.warnings).toHaveLength(2);
        expect(outcome.warnings[1]).toMatch(
          new RegExp(
            `^ANTHROPIC_BASE_URL is already set .*conflicting-credentials: ${policy} decides what a run that is not a dry run does`,
          ),
        );
      }
    });
  });
});
