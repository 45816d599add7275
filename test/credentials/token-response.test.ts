import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActionError } from '../../src/errors.ts';
import { exchangeBody, parseTokenResponse } from '../../src/credentials/exchange.ts';

const TOKEN = 'sk-ant-oat01-test-0123456789abcdef';

describe('parseTokenResponse', () => {
  it('accepts the documented answer and masks the token first', () => {
    const masked: string[] = [];
    const t = parseTokenResponse(
      JSON.stringify({ access_token: TOKEN, token_type: 'bearer', expires_in: 600, scope: 'user:inference' }),
      1_000,
      (s) => masked.push(s),
    );
    expect(masked).toEqual([TOKEN]);
    expect(t).toEqual({ accessToken: TOKEN, expiresIn: 600, expiresAt: 601_000, scope: 'user:inference' });
  });

  it('treats a lifetime over a day as a day, so expiry stays a valid date', () => {
    const t = parseTokenResponse(JSON.stringify({ access_token: TOKEN, expires_in: 1e13 }), 0, () => undefined);
    expect(t.expiresIn).toBe(86_400);
    expect(new Date(t.expiresAt).toISOString()).toBe('1970-01-02T00:00:00.000Z');
  });

  it('accepts a missing token_type', () => {
    expect(parseTokenResponse(JSON.stringify({ access_token: TOKEN, expires_in: 60 }), 0, () => undefined).expiresIn).toBe(60);
  });

  it.each([
    ['not JSON', '<html>', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no access_token', '{"expires_in":60}', /no access_token/],
    ['an empty access_token', '{"access_token":"","expires_in":60}', /no access_token/],
    ['a MAC token', JSON.stringify({ access_token: TOKEN, token_type: 'mac', expires_in: 60 }), /token_type is "mac", not Bearer/],
    ['expires_in as text', JSON.stringify({ access_token: TOKEN, expires_in: '600' }), /expires_in/],
    ['no expires_in', JSON.stringify({ access_token: TOKEN }), /expires_in/],
    ['a negative expires_in', JSON.stringify({ access_token: TOKEN, expires_in: -5 }), /expires_in/],
    ['a token with a space', JSON.stringify({ access_token: 'a b', expires_in: 60 }), /malformed/],
    ['JSON null', 'null', /not a JSON object/],
    ['a JSON number', '600', /not a JSON object/],
    ['a token with a quote', JSON.stringify({ access_token: 'a"b', expires_in: 60 }), /the access_token is malformed/],
    ['a token with a backslash', JSON.stringify({ access_token: 'a\\b', expires_in: 60 }), /the access_token is malformed/],
    ['a token over 8 KiB', JSON.stringify({ access_token: 'a'.repeat(8 * 1024 + 1), expires_in: 60 }), /the access_token is malformed/],
    ['expires_in of 0', JSON.stringify({ access_token: TOKEN, expires_in: 0 }), /expires_in is not a positive finite number of seconds/],
    [
      'an expires_in too large to be finite',
      `{"access_token":"${TOKEN}","expires_in":1e400}`,
      /expires_in is not a positive finite number of seconds/,
    ],
    [
      'expires_in of null',
      JSON.stringify({ access_token: TOKEN, expires_in: null }),
      /expires_in is not a positive finite number of seconds/,
    ],
    [
      'a token_type that is not text',
      JSON.stringify({ access_token: TOKEN, token_type: 7, expires_in: 60 }),
      /token_type is number, not Bearer/,
    ],
    [
      'a long token_type, shown cut to 20 characters',
      JSON.stringify({ access_token: TOKEN, token_type: 'x'.repeat(19) + 'yz', expires_in: 60 }),
      /token_type is "x{19}y", not Bearer/,
    ],
  ])('refuses %s, without echoing the token', (_what, body, message) => {
    let error: unknown;
    try {
      parseTokenResponse(body, 0, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^The token endpoint answered 200 but .*; refusing to use it\.$/);
    expect((error as ActionError).code).toBe('bad-token-response');
    expect((error as ActionError).hint).toBe(
      'Check base-url: it must point at the Anthropic API (or a gateway that passes /v1/oauth/token through unchanged).',
    );
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('masks a token it then refuses as malformed (it was still on the wire)', () => {
    const masked: string[] = [];
    expect(() => parseTokenResponse(JSON.stringify({ access_token: 'a b', expires_in: 60 }), 0, (s) => masked.push(s))).toThrow(
      /malformed/,
    );
    expect(masked).toEqual(['a b']);
  });

  it('takes a token of exactly 8 KiB, and a scope only when it is text', () => {
    const long = 'a'.repeat(8 * 1024);
    expect(parseTokenResponse(JSON.stringify({ access_token: long, expires_in: 60 }), 0, () => undefined)).toStrictEqual({
      accessToken: long,
      expiresIn: 60,
      expiresAt: 60_000,
      scope: undefined,
    });
    expect(parseTokenResponse(JSON.stringify({ access_token: TOKEN, expires_in: 60, scope: 5 }), 0, () => undefined).scope).toBeUndefined();
  });

  it('property: any body either yields a masked Bearer token with a finite expiry or a clean ActionError', () => {
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(fc.record({ access_token: field, token_type: field, expires_in: field }, { requiredKeys: [] }), (record) => {
        const masked: string[] = [];
        try {
          const t = parseTokenResponse(JSON.stringify(record), 0, (s) => masked.push(s));
          return masked[0] === t.accessToken && Number.isFinite(t.expiresAt) && t.expiresIn > 0;
        } catch (error) {
          return error instanceof ActionError;
        }
      }),
    );
  });
});

describe('exchangeBody', () => {
  it('sends optional IDs only when set, and never scope or empty strings', () => {
    const body = exchangeBody({ federationRuleId: 'fdrl_1', organizationId: 'org' }, 'jwt');
    // Strict: a key present with an undefined value counts as sent here.
    expect(body).toStrictEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: 'jwt',
      federation_rule_id: 'fdrl_1',
      organization_id: 'org',
    });
    const full = exchangeBody(
      { federationRuleId: 'fdrl_1', organizationId: 'org', serviceAccountId: 'svac_1', workspaceId: 'default' },
      'jwt',
    );
    expect(full['service_account_id']).toBe('svac_1');
    expect(full['workspace_id']).toBe('default');
    expect('scope' in full).toBe(false);
  });
});
