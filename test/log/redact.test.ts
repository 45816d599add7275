import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeErrorBody, errorCode, scrub } from '../../src/log/redact.ts';
import { leaks } from '../support/leaks.ts';

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

  it('scrubs a field before cutting it, so no start of a long JWT or token survives the cut', () => {
    const long = `eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.${'eyJzdWIiOiJy'.repeat(30)}.${'c2ln'.repeat(20)}`;
    const body = JSON.stringify({ error_description: `bad assertion: ${long}`, error: { message: `${'x'.repeat(190)} ${long}` } });
    const text = describeErrorBody(body, [long]);
    expect(text).toBe(`message=${'x'.repeat(190)} [redacted…, error_description=bad assertion: [redacted]`);
    const cut = describeErrorBody(JSON.stringify({ error_description: `${'x'.repeat(190)} ${long}` }));
    expect(cut).toBe(`error_description=${'x'.repeat(190)} [redacted…`);
    expect(cut).not.toMatch(/eyJ/);
  });

  it('redacts a JWT cut short, with one dot or none', () => {
    expect(scrub('a eyJhbGciOiJSUzI1NiJ9.eyJzdWIi b')).toBe('a [redacted-jwt] b');
    expect(scrub('a eyJhbGciOiJSUzI1NiJ9 b')).toBe('a [redacted-jwt] b');
    expect(scrub('the word eyJ alone, and eyJshort stay')).toBe('the word eyJ alone, and eyJshort stay');
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

  it('property: no JWT- or token-shaped secret, nor any piece of one, survives describeErrorBody, wherever the cut falls', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{13,60}$/);
    fc.assert(
      // The text before the secret is long enough that the 200-character cut often falls inside it.
      fc.property(segment, segment, segment, fc.integer({ min: 60, max: 260 }), fc.string(), (a, b, c, padding, after) => {
        const before = '.'.repeat(padding);
        const jwt = `eyJ${a}.${b}.${c}`;
        const token = `sk-ant-oat01-${a}${b}`;
        const secrets = [jwt, token];
        const texts = ['error', 'error_description', 'error_uri'].map((field) =>
          describeErrorBody(JSON.stringify({ [field]: `${before}${jwt} ${token}${after}`, error_extra: jwt }), [jwt]),
        );
        texts.push(describeErrorBody(JSON.stringify({ error: { type: token, message: `${before}${jwt}` } })));
        return texts.every((text) => leaks(text, secrets).length === 0 && !/[\r\n]/.test(text));
      }),
    );
  });
});

describe('scrub', () => {
  it.each([
    ['a JWT, and only the JWT', `x ${JWT} y`, 'x [redacted-jwt] y'],
    ['an unsigned JWT (empty signature)', 'id=eyJhbGciOiJub25lIn0.eyJzdWIiOjF9. end', 'id=[redacted-jwt] end'],
    ['an Anthropic token, and only the token', `k=${TOKEN};next`, 'k=[redacted-token];next'],
    ['a GitHub token', 'with ghs_16charactersXXXXX and ghp_0123456789abcdefABCD!', 'with [redacted-token] and [redacted-token]!'],
    ['a fine-grained GitHub token', 'pat=github_pat_11ABCDEFG0123456789_abcdef end', 'pat=[redacted-token] end'],
    ['text that only starts like a GitHub token', 'ghs_short and xghp_0123456789abcdefABCD', 'ghs_short and xghp_0123456789abcdefABCD'],
    ['a bearer credential, keeping the scheme', 'Authorization: Bearer abc.def, next', 'Authorization: Bearer [redacted], next'],
    [
      'a bearer credential after several spaces, in any case',
      'BEARER    q1w2e3 and bearer\tz9',
      'BEARER    [redacted] and bearer\t[redacted]',
    ],
    ['a bearer credential that ends at a quote', '"authorization":"Bearer xyz"', '"authorization":"Bearer [redacted]"'],
    [
      'nothing when there is nothing to hide',
      'Stryker was here: HTTP 401, request-id req_1',
      'Stryker was here: HTTP 401, request-id req_1',
    ],
  ])('replaces %s', (_, text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it('replaces known secrets of 8 characters or more, and leaves shorter ones (they would garble the text)', () => {
    expect(scrub('key abcdefgh here', ['abcdefgh'])).toBe('key [redacted] here');
    expect(scrub('a cab and a tab', ['ab'])).toBe('a cab and a tab');
  });
});

describe('describeErrorBody, field by field', () => {
  it('puts each kept field on one line, trimmed', () => {
    expect(describeErrorBody(JSON.stringify({ error: ' invalid_grant\r\n', error_description: 'line one\r\n\tline two' }))).toBe(
      'error=invalid_grant, error_description=line one line two',
    );
  });

  it('shows a kept field as the server sent it when no secret is in it', () => {
    expect(describeErrorBody('{"error":"Stryker was here"}')).toBe('error=Stryker was here');
  });

  it('keeps 200 characters of a field, and marks the cut', () => {
    expect(describeErrorBody(JSON.stringify({ error: 'x'.repeat(200) }))).toBe(`error=${'x'.repeat(200)}`);
    expect(describeErrorBody(JSON.stringify({ error: 'y'.repeat(201) }))).toBe(`error=${'y'.repeat(200)}…`);
  });

  it.each([
    ['whitespace only', '  \n', 'empty body'],
    ['a JSON string', '"invalid_grant"', 'a JSON body that is not an object (not shown)'],
    ['JSON null', 'null', 'a JSON body that is not an object (not shown)'],
    ['a JSON array', '[{"error":"x"}]', 'a JSON body that is not an object (not shown)'],
    ['a JSON number', '401', 'a JSON body that is not an object (not shown)'],
    ['an object without error fields', '{"detail":"x"}', 'a JSON body with no error fields (not shown)'],
    ['a null error', '{"error":null}', 'a JSON body with no error fields (not shown)'],
    ['an error array', '{"error":["x"]}', 'a JSON body with no error fields (not shown)'],
    [
      'error fields that are not strings',
      '{"error":{"type":5,"message":{"a":1}},"error_description":7}',
      'a JSON body with no error fields (not shown)',
    ],
  ])('describes %s without showing it', (_, body, expected) => {
    expect(describeErrorBody(body)).toBe(expected);
  });
});

describe('errorCode', () => {
  it.each([
    ['{"error":"invalid_grant"}', 'invalid_grant'],
    ['{"type":"error","error":{"type":"rate_limit_error"}}', 'rate_limit_error'],
    ['{"error":{"type":5}}', undefined],
    ['{"error":{"message":"x"}}', undefined],
    ['{"error":null}', undefined],
    ['{"error":5}', undefined],
    ['null', undefined],
    ['"invalid_grant"', undefined],
    ['[]', undefined],
    ['not json', undefined],
  ])('reads %s as %s', (body, expected) => {
    expect(errorCode(body)).toBe(expected);
  });
});
