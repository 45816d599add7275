// One exchange on its own, over real loopback HTTP: what it keeps out of an error, and a stop
// request that cuts it where it is.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/errors.ts';
import { exchangeToken, type ExchangeOptions } from '../../src/credentials/exchange.ts';
import { Aborted } from '../../src/credentials/retry.ts';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.ts';
import { leaks } from '../support/leaks.ts';

let endpoint: TokenEndpoint;

beforeAll(async () => {
  endpoint = await startTokenEndpoint({
    rules: [
      {
        id: 'fdrl_01Test',
        organizationId: '12345678-90ab-cdef-1234-567890abcdef',
        serviceAccountId: 'svac_01Test',
        workspaceIds: ['wrkspc_01Test'],
        issuer: 'https://token.actions.githubusercontent.com',
        jwksUrl: 'http://127.0.0.1:9/.well-known/jwks',
        audience: 'https://api.anthropic.com',
      },
    ],
  });
});
afterAll(async () => {
  await endpoint.close();
});
beforeEach(() => {
  endpoint.clearFaults();
});

function options(overrides: Partial<ExchangeOptions> = {}): ExchangeOptions {
  return {
    baseUrl: endpoint.url,
    ids: { federationRuleId: 'fdrl_01Test', organizationId: '12345678-90ab-cdef-1234-567890abcdef' },
    assertion: 'test-assertion-not-shaped-like-a-jwt',
    timeoutMs: 20_000,
    userAgent: 'exchange-test',
    mask: () => undefined,
    ...overrides,
  };
}

describe('exchangeToken', () => {
  it('keeps the assertion it sent out of the error, even where no token pattern would find it', async () => {
    const assertion = 'test-assertion-not-shaped-like-a-jwt';
    endpoint.pushFaults({ kind: 'echo', status: 400 });
    const error = await exchangeToken(options({ assertion })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    const { message } = error as ActionError;
    expect(endpoint.echoed).toContain(assertion);
    // The server's description is shown, with the assertion cut out of it.
    expect(message).toMatch(/error_description=bad assertion: \[redacted\] \(issued \[redacted-token\]\)/);
    expect(leaks(message, [assertion, ...endpoint.echoed])).toEqual([]);
  });

  it('stops an exchange under way when its signal is aborted, before its own timeout', async () => {
    endpoint.pushFaults({ kind: 'hang' });
    const stop = new AbortController();
    const before = endpoint.exchanges.length;
    const exchanging = exchangeToken(options({ signal: stop.signal })).catch((e: unknown) => e);
    await vi.waitFor(() => expect(endpoint.exchanges.length - before).toBe(1));
    stop.abort();
    const error = await exchanging;
    expect(error).toBeInstanceOf(Aborted);
    expect((error as Aborted).message).toMatch(/^the request to 127\.0\.0\.1:\d+ was stopped$/);
  });

  it('sends nothing once its signal is aborted', async () => {
    const before = endpoint.exchanges.length;
    const error = await exchangeToken(options({ signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Aborted);
    expect(endpoint.exchanges.length).toBe(before);
  });
});
