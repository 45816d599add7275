import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHOWN_CLAIMS, clockSkewWarning, formatClaims, readClaims } from '../../src/diagnostics/claims.ts';

/** An unsigned JWT with this payload: readClaims only decodes, it never checks a signature. */
function jwtOf(payload: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const GITHUB_PAYLOAD = {
  jti: 'a-jti-that-is-not-shown',
  sub: 'repo:acme/widgets:ref:refs/heads/main',
  aud: 'https://api.anthropic.com',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  repository: 'acme/widgets',
  repository_id: '123',
  repository_owner: 'acme',
  repository_owner_id: '45',
  run_id: '9',
  event_name: 'push',
  ref_type: 'branch',
  workflow_ref: 'acme/widgets/.github/workflows/ci.yml@refs/heads/main',
  job_workflow_ref: 'acme/widgets/.github/workflows/ci.yml@refs/heads/main',
  runner_environment: 'github-hosted',
  actor: 'alice',
  iss: 'https://token.actions.githubusercontent.com',
  iat: 1_700_000_000,
  exp: 1_700_000_300,
};

describe('readClaims', () => {
  it('keeps the shown claims of a GitHub-shaped token and nothing else', () => {
    const claims = readClaims(jwtOf(GITHUB_PAYLOAD));
    expect(Object.keys(claims).sort()).toEqual(
      [
        'iss',
        'aud',
        'sub',
        'repository',
        'repository_id',
        'repository_owner',
        'repository_owner_id',
        'ref',
        'ref_type',
        'event_name',
        'workflow_ref',
        'job_workflow_ref',
        'runner_environment',
        'actor',
        'iat',
        'exp',
      ].sort(),
    );
    expect(claims.sub).toBe('repo:acme/widgets:ref:refs/heads/main');
    expect(claims).not.toHaveProperty('jti');
    expect(claims).not.toHaveProperty('sha');
  });

  it('joins an audience array', () => {
    expect(readClaims(jwtOf({ aud: ['https://a.example', 'https://b.example'] })).aud).toBe('https://a.example,https://b.example');
  });

  it('rejects what is not a JWT', () => {
    expect(() => readClaims('not-a-jwt')).toThrow();
  });

  it('property: only shown claims come out, each a string or a number equal to what the token says', () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    const payload = fc.record(
      Object.fromEntries([...SHOWN_CLAIMS, 'jti', 'sha', 'secret', '__proto__', 'constructor'].map((name) => [name, value])),
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (p: Record<string, unknown>) => {
        const claims = readClaims(jwtOf(p)) as Record<string, unknown>;
        for (const [name, got] of Object.entries(claims)) {
          expect(SHOWN_CLAIMS).toContain(name);
          const sent = (JSON.parse(JSON.stringify(p)) as Record<string, unknown>)[name];
          if (Array.isArray(sent)) expect(got).toBe(sent.join(','));
          else expect(got).toBe(sent);
        }
        expect(Object.prototype.hasOwnProperty.call(claims, 'jti')).toBe(false);
        expect(Object.prototype.hasOwnProperty.call(claims, 'secret')).toBe(false);
      }),
    );
  });
});

describe('formatClaims', () => {
  it('prints one line per claim in a fixed order, with times as ISO dates', () => {
    const lines = formatClaims(readClaims(jwtOf(GITHUB_PAYLOAD)));
    expect(lines[0]).toBe('iss: https://token.actions.githubusercontent.com');
    expect(lines).toContain('iat: 1700000000 (2023-11-14T22:13:20.000Z)');
    expect(lines.at(-1)).toBe('exp: 1700000300 (2023-11-14T22:18:20.000Z)');
  });

  it('escapes a newline so a claim cannot start a workflow command', () => {
    const lines = formatClaims({ ref: 'refs/heads/x\n::add-mask::nothing', actor: 'a\r\nb' });
    expect(lines).toEqual(['ref: refs/heads/x\\u000a::add-mask::nothing', 'actor: a\\u000d\\u000ab']);
  });

  it('does not throw on a time far outside the range of dates', () => {
    expect(formatClaims({ iat: 1e300 })).toEqual(['iat: 1e+300']);
  });

  it('property: every line is one printable line that starts with a shown claim name', () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer());
    const claims = fc.record(Object.fromEntries(SHOWN_CLAIMS.map((name) => [name, value])), { requiredKeys: [] });
    fc.assert(
      fc.property(claims, (c) => {
        const lines = formatClaims(c);
        expect(lines).toHaveLength(Object.keys(c).length);
        for (const line of lines) {
          // eslint-disable-next-line no-control-regex
          expect(line).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
          expect(line.length).toBeLessThan(400);
          expect(SHOWN_CLAIMS.some((name) => line.startsWith(`${name}: `))).toBe(true);
        }
      }),
    );
  });
});

describe('clockSkewWarning', () => {
  const iat = 1_700_000_000;
  it.each([
    [0, undefined],
    [60, undefined],
    [-60, undefined],
    [61, /61s ahead of/],
    [-300, /300s behind/],
  ])('a clock %i s off the token: %s', (offset, expected) => {
    const warning = clockSkewWarning({ iat }, (iat + offset) * 1000);
    if (expected === undefined) expect(warning).toBeUndefined();
    else expect(warning).toMatch(expected);
  });

  it('says nothing without a usable iat', () => {
    expect(clockSkewWarning({}, Date.now())).toBeUndefined();
    expect(clockSkewWarning({ iat: 'soon' }, Date.now())).toBeUndefined();
    expect(clockSkewWarning({ iat: Infinity }, Date.now())).toBeUndefined();
  });
});
