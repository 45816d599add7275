import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActionError } from '../src/errors.ts';
import { exchangeBody, parseTokenResponse } from '../src/exchange.ts';

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
  ])('refuses %s, without echoing the token', (_what, body, message) => {
    let error: unknown;
    try {
      parseTokenResponse(body, 0, () => undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(TOKEN);
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
    expect(body).toEqual({
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
