// Requesting the job's OIDC token: the runner's two variables, the request as the toolkit sends it,
// and every answer the service can give, against the loopback stand-in (and, for the raw request, a
// server that records it).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/errors.ts';
import { HttpStatusError } from '../../src/credentials/http-errors.ts';
import { Aborted } from '../../src/credentials/retry.ts';
import { fetchIdToken, idTokenUrl, oidcEndpointFromEnv, type FetchIdTokenOptions } from '../../src/credentials/oidc.ts';
import { leaks } from '../support/leaks.ts';
import { startOidcService, type OidcService } from '../support/oidc-service.ts';

let oidc: OidcService;
beforeAll(async () => {
  oidc = await startOidcService();
});
afterAll(async () => {
  await oidc.close();
});
beforeEach(() => {
  oidc.clearFaults();
  oidc.resetClaims();
});

function options(overrides: Partial<FetchIdTokenOptions> = {}): FetchIdTokenOptions & { masked: string[] } {
  const masked: string[] = [];
  return {
    endpoint: { requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
    audience: 'https://api.anthropic.com',
    timeoutMs: 2_000,
    userAgent: 'oidc-test',
    mask: (secret) => void masked.push(secret),
    masked,
    ...overrides,
  };
}

async function failure(o: FetchIdTokenOptions): Promise<ActionError> {
  const error = await fetchIdToken(o).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  return error as ActionError;
}

describe('oidcEndpointFromEnv', () => {
  it('returns both runner variables when the job has id-token: write', () => {
    expect(
      oidcEndpointFromEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/t?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' }),
    ).toEqual({
      requestUrl: 'https://x/t?api-version=2.0',
      requestToken: 'rt',
    });
  });

  it.each([
    ['neither variable', {}],
    ['only the URL', { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/t' }],
    ['only the token', { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' }],
    ['both empty', { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' }],
  ])('with %s: names the permission, shows the YAML and says why it can be missing', (_, env) => {
    let error: unknown;
    try {
      oidcEndpointFromEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    const { code, message, hint } = error as ActionError;
    expect(code).toBe('missing-id-token-permission');
    expect(message).toBe(
      'This job cannot request a GitHub OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (the job lacks `id-token: write`).',
    );
    expect(hint).toBe(
      [
        'Give the job permission to request it:',
        '',
        '    permissions:',
        '      id-token: write',
        '      contents: read',
        '',
        'It can still be missing when the run comes from a fork pull request (GitHub never gives those runs an OIDC token),',
        'from Dependabot, or from a reusable workflow whose caller did not grant id-token: write.',
      ].join('\n'),
    );
  });
});

describe('idTokenUrl', () => {
  it('adds the audience to the query the runner already put on the URL, or starts one', () => {
    expect(idTokenUrl('https://r/t?api-version=2.0', 'https://api.anthropic.com')).toBe(
      'https://r/t?api-version=2.0&audience=https%3A%2F%2Fapi.anthropic.com',
    );
    expect(idTokenUrl('https://r/t', 'a b&c')).toBe('https://r/t?audience=a%20b%26c');
  });
});

describe('fetchIdToken', () => {
  it('sends a GET with the request token as Bearer and asks for JSON, then masks the JWT', async () => {
    const seen: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      seen.push(req);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: 'eyJh.eyJp.c2ln' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const o = options({ endpoint: { requestUrl: `http://127.0.0.1:${port}/token?api-version=2.0`, requestToken: 'request-token-1' } });
      expect(await fetchIdToken(o)).toBe('eyJh.eyJp.c2ln');
      expect(o.masked).toEqual(['request-token-1', 'eyJh.eyJp.c2ln']);
      const [req] = seen;
      expect(req?.method).toBe('GET');
      expect(req?.url).toBe('/token?api-version=2.0&audience=https%3A%2F%2Fapi.anthropic.com');
      expect(req?.headers.authorization).toBe('Bearer request-token-1');
      expect(req?.headers.accept).toBe('application/json');
      expect(req?.headers['user-agent']).toBe('oidc-test');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('gets a fresh JWT for the audience asked, with a new jti each call', async () => {
    const a = await fetchIdToken(options());
    const b = await fetchIdToken(options({ audience: 'https://other.example' }));
    expect(a).not.toBe(b);
    expect(oidc.requests.slice(-2).map((r) => [r.audience, r.authorized])).toEqual([
      ['https://api.anthropic.com', true],
      ['https://other.example', true],
    ]);
    const [first, second] = oidc.issued.slice(-2);
    expect(first?.claims['aud']).toBe('https://api.anthropic.com');
    expect(second?.claims['aud']).toBe('https://other.example');
    expect(first?.jti).not.toBe(second?.jti);
  });

  it.each([401, 403])('on HTTP %i: the runner refused the request token, and says so', async (status) => {
    oidc.pushFaults({ kind: 'status', status, body: JSON.stringify({ message: `no ${oidc.requestToken}` }) });
    const error = await failure(options());
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.code).toBe('oidc-request-failed');
    expect((error as HttpStatusError).status).toBe(status);
    expect(error.message).toMatch(new RegExp(`^Requesting the GitHub OIDC token failed: HTTP ${status}`));
    expect(error.hint).toBe('The runner refused the OIDC request token; it stops working when the job ends.');
    expect(leaks(`${error.message}\n${error.hint ?? ''}`, [oidc.requestToken])).toEqual([]);
  });

  it('keeps the request token out of a reason it shows, even where no token pattern would find it', async () => {
    const requestToken = 'runner-request-credential-value';
    oidc.pushFaults({
      kind: 'status',
      status: 500,
      body: JSON.stringify({ error: 'server_error', error_description: `could not check ${requestToken}` }),
    });
    const error = await failure(options({ endpoint: { requestUrl: oidc.requestUrl, requestToken } }));
    expect(error.message).toMatch(
      /^Requesting the GitHub OIDC token failed: HTTP 500: error=server_error, error_description=could not check \[redacted\]$/,
    );
    expect(error.message).not.toContain(requestToken);
  });

  it('stops a request under way when its signal is aborted, before its own timeout', async () => {
    oidc.pushFaults({ kind: 'hang' });
    const stop = new AbortController();
    const before = oidc.requests.length;
    const fetching = fetchIdToken(options({ timeoutMs: 20_000, signal: stop.signal })).catch((e: unknown) => e);
    await vi.waitFor(() => expect(oidc.requests.length - before).toBe(1));
    stop.abort();
    const error = await fetching;
    expect(error).toBeInstanceOf(Aborted);
    expect((error as Aborted).message).toMatch(/^the request to 127\.0\.0\.1:\d+ was stopped$/);
  });

  it.each([400, 404, 500, 503])('on HTTP %i: the status, with no hint about the request token', async (status) => {
    oidc.pushFaults({ kind: 'status', status });
    const error = await failure(options());
    expect((error as HttpStatusError).status).toBe(status);
    expect(error.hint).toBeUndefined();
  });

  const NO_JWT = 'The GitHub OIDC token service answered without a JWT in `value`.';
  const ok200 = (body: string) => ({ kind: 'status', status: 200, body }) as const;
  it.each([
    ['not JSON', { kind: 'non-json' } as const, 'The GitHub OIDC token service answered with something that is not JSON.'],
    ['JSON null', ok200('null'), NO_JWT],
    ['no value', ok200('{"token":"eyJh.eyJp.c2ln"}'), NO_JWT],
    ['a value that is not a string', ok200('{"value":42}'), NO_JWT],
    ['a list holding a JWT', ok200('{"value":["eyJh.eyJp.c2ln"]}'), NO_JWT],
    ['two parts', ok200('{"value":"eyJh.eyJp"}'), NO_JWT],
    ['text around the JWT', ok200('{"value":" eyJh.eyJp.c2ln"}'), NO_JWT],
    ['a trailing part', ok200('{"value":"eyJh.eyJp.c2ln."}'), NO_JWT],
  ])('refuses an answer with %s, and masks nothing from it', async (_, fault, message) => {
    oidc.pushFaults(fault);
    const o = options();
    const error = await failure(o);
    expect(error.code).toBe('oidc-bad-answer');
    expect(error.message).toBe(message);
    expect(o.masked).toEqual([oidc.requestToken]);
  });

  it('takes a JWT of exactly 16 KiB and refuses one byte more, before anyone sees it', async () => {
    const part = (n: number): string => 'a'.repeat(n);
    const exact = `eyJ${part(8000)}.${part(8000)}.${part(16 * 1024 - 16005)}`;
    expect(exact.length).toBe(16 * 1024);
    oidc.pushFaults({ kind: 'status', status: 200, body: JSON.stringify({ value: exact }) });
    expect(await fetchIdToken(options())).toBe(exact);
    oidc.pushFaults({ kind: 'status', status: 200, body: JSON.stringify({ value: `${exact}a` }) });
    const o = options();
    const error = await failure(o);
    expect(error.message).toBe('The GitHub OIDC token is larger than 16384 bytes; the token endpoint would refuse it.');
    expect(o.masked).toEqual([oidc.requestToken]);
  });

  it('reads an answer up to 1 KiB past the JWT limit, and no further', async () => {
    const jwt = 'eyJh.eyJp.c2ln';
    const padded = (size: number): string => {
      const bare = JSON.stringify({ value: jwt, pad: '' });
      return JSON.stringify({ value: jwt, pad: 'x'.repeat(size - bare.length) });
    };
    oidc.pushFaults({ kind: 'status', status: 200, body: padded(17 * 1024) });
    expect(await fetchIdToken(options())).toBe(jwt);
    oidc.pushFaults({ kind: 'status', status: 200, body: padded(17 * 1024 + 1) });
    const error = await fetchIdToken(options()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/larger than 17408 bytes/);
  });
});
