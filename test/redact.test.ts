import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeErrorBody, errorCode, scrub } from '../src/redact.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.c2lnbmF0dXJl';
const TOKEN = 'sk-ant-oat01-test-AbCdEf0123456789';

describe('describeErrorBody', () => {
  it('keeps only the OAuth and API error fields', () => {
    const body = JSON.stringify({
      error: 'invalid_grant',
      error_description: 'Authentication failed',
      error_uri: 'https://x',
      assertion: JWT,
      debug: { token: TOKEN },
    });
    const text = describeErrorBody(body);
    expect(text).toBe('error=invalid_grant, error_description=Authentication failed, error_uri=https://x');
  });

  it('reads the nested API error shape', () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'Authentication failed' } });
    expect(describeErrorBody(body)).toBe('type=authentication_error, message=Authentication failed');
    expect(errorCode(body)).toBe('authentication_error');
    expect(errorCode('{"error":"invalid_grant"}')).toBe('invalid_grant');
    expect(errorCode('nope')).toBeUndefined();
  });

  it('scrubs secrets echoed inside the kept fields', () => {
    const body = JSON.stringify({
      error: 'invalid_request',
      error_description: `bad assertion ${JWT} for token ${TOKEN} with Bearer abc.def`,
    });
    const text = describeErrorBody(body);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('abc.def');
    expect(text).toContain('[redacted-jwt]');
  });

  it('never shows a body that is not JSON', () => {
    expect(describeErrorBody(`<html>${TOKEN}</html>`)).toMatch(/not JSON \(\d+ bytes, not shown\)/);
    expect(describeErrorBody('')).toBe('empty body');
    expect(describeErrorBody('[1,2]')).toMatch(/not an object/);
  });

  it('cuts long fields short', () => {
    const text = describeErrorBody(JSON.stringify({ error: 'x'.repeat(5000) }));
    expect(text.length).toBeLessThan(250);
  });

  it('scrubs known secrets given explicitly, even when they look like nothing special', () => {
    expect(scrub('value=plainsecret123 end', ['plainsecret123'])).toBe('value=[redacted] end');
  });

  it('property: no JWT- or token-shaped secret survives describeErrorBody, whatever the body', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{4,40}$/);
    fc.assert(
      fc.property(segment, segment, segment, fc.string(), fc.string(), (a, b, c, before, after) => {
        const jwt = `eyJ${a}.${b}.${c}`;
        const token = `sk-ant-oat01-${a}${b}`;
        for (const field of ['error', 'error_description', 'error_uri']) {
          const text = describeErrorBody(JSON.stringify({ [field]: `${before}${jwt} ${token}${after}`, error_extra: jwt }), [jwt]);
          if (text.includes(jwt) || text.includes(token)) return false;
        }
        const nested = describeErrorBody(JSON.stringify({ error: { type: token, message: `${before}${jwt}` } }), [jwt]);
        return !nested.includes(jwt) && !nested.includes(token);
      }),
    );
  });
});
