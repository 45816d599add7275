// Proves the loopback stand-ins (test/support/oidc-service.ts, test/support/token-endpoint.ts)
// behave as documented, with real HTTP, real jose and the real @anthropic-ai/sdk.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import Anthropic from '@anthropic-ai/sdk';
import { defaultClaims, startOidcService } from './support/oidc-service.ts';
import type { OidcService } from './support/oidc-service.ts';
import { startTokenEndpoint } from './support/token-endpoint.ts';
import type { FederationRule, TokenEndpoint } from './support/token-endpoint.ts';

const AUDIENCE = 'https://api.anthropic.com';
const ORG_ID = '00000000-0000-4000-8000-000000000001';
const SVAC = 'svac_01TestServiceAccount';
const WORKSPACE = 'wrkspc_01TestWorkspace';
const WORKSPACE_2 = 'wrkspc_01TestWorkspaceTwo';
const BETA = 'oauth-2025-04-20,oidc-federation-2026-04-01';
const AUTH_FAILED = { type: 'error', error: { type: 'authentication_error', message: 'Authentication failed' } };

// One clock shared by the OIDC service and the token endpoint; tests move it instead of waiting.
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let clock = T0;
const now = (): number => clock;

let oidc: OidcService;
let endpoint: TokenEndpoint;

function rule(overrides: Partial<FederationRule> = {}): FederationRule {
  return {
    id: 'fdrl_01TestRule',
    organizationId: ORG_ID,
    serviceAccountId: SVAC,
    workspaceIds: [WORKSPACE],
    issuer: oidc.issuer,
    jwksUrl: oidc.jwksUrl,
    audience: AUDIENCE,
    subjectPrefix: 'repo:octo-org/octo-repo:*',
    claims: { repository_id: '123456789', runner_environment: 'github-hosted' },
    ...overrides,
  };
}

async function fetchJwt(service: OidcService = oidc, audience: string | null = AUDIENCE): Promise<string> {
  const url = audience === null ? service.requestUrl : `${service.requestUrl}&audience=${encodeURIComponent(audience)}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${service.requestToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { value: string };
  return body.value;
}

interface ExchangeResult {
  status: number;
  body: Record<string, unknown>;
  requestId: string | null;
  headers: Headers;
}

async function exchange(
  assertion: string,
  fields: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ExchangeResult> {
  const res = await fetch(`${endpoint.url}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-beta': BETA, 'user-agent': 'stand-ins-test', ...headers },
    body: JSON.stringify({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
      federation_rule_id: 'fdrl_01TestRule',
      organization_id: ORG_ID,
      service_account_id: SVAC,
      ...fields,
    }),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { _text: text };
  }
  return { status: res.status, body, requestId: res.headers.get('request-id'), headers: res.headers };
}

function lastExchange() {
  const record = endpoint.exchanges.at(-1);
  if (record === undefined) throw new Error('no exchange recorded');
  return record;
}

async function expectDenied(result: ExchangeResult, denial: string): Promise<void> {
  expect(result.status).toBe(401);
  expect(result.body).toEqual(AUTH_FAILED);
  expect(result.requestId).toMatch(/^req_/);
  expect(lastExchange().denial).toBe(denial);
}

async function mintToken(): Promise<string> {
  const result = await exchange(await fetchJwt());
  expect(result.status).toBe(200);
  return result.body['access_token'] as string;
}

function sdk(token: string): Anthropic {
  return new Anthropic({
    authToken: token,
    baseURL: endpoint.url,
    defaultHeaders: { 'anthropic-beta': 'oauth-2025-04-20' },
    maxRetries: 0,
    timeout: 5000,
  });
}

beforeAll(async () => {
  oidc = await startOidcService({ now });
  endpoint = await startTokenEndpoint({ rules: [], now });
  endpoint.setRules([rule()]);
});

afterAll(async () => {
  await endpoint.close();
  await oidc.close();
});

afterEach(() => {
  clock = T0;
  endpoint.legacyErrors = false;
  endpoint.modelsStatus = 200;
  endpoint.setRules([rule()]);
});

describe('OIDC service stand-in', () => {
  it('issues RS256 JWTs that verify against its JWKS, with GitHub-shaped claims and distinct jtis', async () => {
    const first = await fetchJwt();
    const second = await fetchJwt();
    const jwks = createRemoteJWKSet(new URL(oidc.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(first, jwks, {
      issuer: 'https://token.actions.githubusercontent.com',
      audience: AUDIENCE,
      algorithms: ['RS256'],
      currentDate: new Date(clock),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: oidc.kid });
    expect(payload.sub).toBe('repo:octo-org/octo-repo:ref:refs/heads/main');
    expect(payload.iat).toBe(T0 / 1000);
    expect(payload.nbf).toBe(T0 / 1000);
    expect(payload.exp).toBe(T0 / 1000 + 300);
    expect(payload).toMatchObject({
      repository: 'octo-org/octo-repo',
      repository_id: '123456789',
      event_name: 'push',
      runner_environment: 'github-hosted',
      workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
    });
    expect(payload).not.toHaveProperty('environment');
    for (const claim of [
      'ref_type',
      'ref_protected',
      'sha',
      'repository_owner',
      'repository_owner_id',
      'repository_visibility',
      'actor',
      'actor_id',
      'workflow',
      'workflow_sha',
      'job_workflow_ref',
      'job_workflow_sha',
      'head_ref',
      'base_ref',
      'run_id',
      'run_number',
      'run_attempt',
      'check_run_id',
    ]) {
      expect(payload).toHaveProperty(claim);
    }
    const secondPayload = (await jwtVerify(second, jwks, { audience: AUDIENCE, currentDate: new Date(clock) })).payload;
    expect(typeof payload.jti).toBe('string');
    expect(secondPayload.jti).not.toBe(payload.jti);
    expect(oidc.issued.slice(-2).map((i) => i.jti)).toEqual([payload.jti, secondPayload.jti]);
    expect(oidc.issued.at(-1)?.jwt).toBe(second);
    expect(oidc.requests.at(-1)).toMatchObject({ audience: AUDIENCE, authorized: true });

    const jwksBody = (await (await fetch(oidc.jwksUrl)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwksBody.keys[0]).toMatchObject({ kid: oidc.kid, alg: 'RS256', use: 'sig', kty: 'RSA' });
    expect(jwksBody.keys[0]).not.toHaveProperty('d');
    const config = (await (await fetch(oidc.jwksUrl.replace('jwks', 'openid-configuration'))).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ issuer: oidc.issuer, jwks_uri: oidc.jwksUrl });
    expect(oidc.env()).toEqual({ ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken });
    expect(oidc.requestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token\?api-version=2\.0$/);
  });

  it('answers 401 to a wrong, missing or revoked request token and issues nothing', async () => {
    const service = await startOidcService();
    try {
      const wrong = await fetch(`${service.requestUrl}&audience=x`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const missing = await fetch(`${service.requestUrl}&audience=x`);
      expect(missing.status).toBe(401);
      expect(service.issued).toHaveLength(0);
      expect(service.requests.map((r) => r.authorized)).toEqual([false, false]);
      await fetchJwt(service);
      service.revokeRequestToken();
      const revoked = await fetch(`${service.requestUrl}&audience=x`, { headers: { authorization: `Bearer ${service.requestToken}` } });
      expect(revoked.status).toBe(401);
      expect(service.issued).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  it('computes aud and sub like GitHub and applies claim overrides', async () => {
    const service = await startOidcService({ claims: { environment: 'production' }, lifetimeSeconds: 60 });
    try {
      const noAudience = decode(await fetchJwt(service, null));
      expect(noAudience['aud']).toBe('https://github.com/octo-org');
      expect(noAudience['sub']).toBe('repo:octo-org/octo-repo:environment:production');
      expect((noAudience['exp'] as number) - (noAudience['iat'] as number)).toBe(60);
      service.setClaims({ environment: undefined, event_name: 'pull_request', ref: 'refs/pull/7/merge' });
      expect(decode(await fetchJwt(service))['sub']).toBe('repo:octo-org/octo-repo:pull_request');
      service.setClaims({ event_name: 'push', ref: 'refs/tags/v1' });
      expect(decode(await fetchJwt(service))['sub']).toBe('repo:octo-org/octo-repo:ref:refs/tags/v1');
      service.setClaims({ sub: 'repo:octo-org@987654321/octo-repo@123456789:ref:refs/heads/main' });
      expect(decode(await fetchJwt(service))['sub']).toBe('repo:octo-org@987654321/octo-repo@123456789:ref:refs/heads/main');
      expect(defaultClaims()).not.toHaveProperty('jti');
      expect(defaultClaims()['repository_id']).toBe('123456789');
    } finally {
      await service.close();
    }
  });

  it('plays its faults once each, in order, then recovers', async () => {
    const service = await startOidcService();
    try {
      service.pushFaults({ kind: 'status', status: 503 }, { kind: 'non-json' }, { kind: 'reset' }, { kind: 'hang' });
      const auth = { authorization: `Bearer ${service.requestToken}` };
      expect((await fetch(`${service.requestUrl}&audience=a`, { headers: auth })).status).toBe(503);
      const html = await fetch(`${service.requestUrl}&audience=a`, { headers: auth });
      expect(html.status).toBe(200);
      expect(await html.text()).toMatch(/^<!DOCTYPE html>/);
      await expect(fetch(`${service.requestUrl}&audience=a`, { headers: auth })).rejects.toThrow();
      // Abandon the hung request once the service has it (and so has spent the fault), not after a
      // fixed 150 ms a busy machine can outrun: then the next request would meet the hang instead.
      const abandon = new AbortController();
      const hung = fetch(`${service.requestUrl}&audience=a`, { headers: auth, signal: abandon.signal });
      await waitFor(() => service.requests.length === 4);
      abandon.abort();
      await expect(hung).rejects.toThrow();
      await fetchJwt(service);
      expect(service.requests).toHaveLength(5);
      expect(service.issued).toHaveLength(1);
    } finally {
      await service.close();
    }
  });

  it('close() ends a hung request', async () => {
    const service = await startOidcService();
    service.pushFaults({ kind: 'hang' });
    const pending = fetch(`${service.requestUrl}&audience=a`, { headers: { authorization: `Bearer ${service.requestToken}` } });
    await waitFor(() => service.requests.length === 1);
    await service.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('token endpoint stand-in: exchange', () => {
  it('mints a token for a matching rule, GitHub JWT lifetime capping it at 600 s', async () => {
    const jwt = await fetchJwt();
    const result = await exchange(jwt);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'user:inference' });
    const token = result.body['access_token'] as string;
    expect(token).toMatch(/^sk-ant-oat01-test-[A-Za-z0-9]+$/);
    expect(result.requestId).toMatch(/^req_[A-Za-z0-9_]+$/);
    const minted = endpoint.minted.at(-1);
    expect(minted).toMatchObject({ token, issuedAt: T0, expiresAt: T0 + 600_000, ruleId: 'fdrl_01TestRule', jti: decode(jwt)['jti'] });
    const record = lastExchange();
    expect(record).toMatchObject({ status: 200, denial: null, fault: null, jti: decode(jwt)['jti'], requestId: result.requestId });
    expect(record.body['assertion']).toBe('<redacted>');
    expect(JSON.stringify(record.body)).not.toContain(jwt);
    expect(record.headers['anthropic-beta']).toBe(BETA);
    expect(await mintToken()).not.toBe(token);
  });

  it('lifetime is max(60, min(rule, 2 × remaining JWT life))', async () => {
    endpoint.setRules([rule({ tokenLifetimeSeconds: 120 })]);
    expect((await exchange(await fetchJwt())).body['expires_in']).toBe(120);
    endpoint.setRules([rule()]);
    let jwt = await fetchJwt();
    clock = T0 + 200_000; // 100 s left
    expect((await exchange(jwt)).body['expires_in']).toBe(200);
    clock = T0;
    jwt = await fetchJwt();
    clock = T0 + 280_500; // 19.5 s left: 39 s, floored to the 60 s minimum
    expect((await exchange(jwt)).body['expires_in']).toBe(60);
    expect(() => endpoint.setRules([rule({ tokenLifetimeSeconds: 59 })])).toThrow(RangeError);
    expect(() => endpoint.setRules([rule({ tokenLifetimeSeconds: 86401 })])).toThrow(RangeError);
  });

  it('denies a wrong audience', async () => {
    await expectDenied(await exchange(await fetchJwt(oidc, 'https://example.invalid')), 'audience');
  });

  it('denies an expired JWT (clock moved, no waiting)', async () => {
    const jwt = await fetchJwt();
    clock = T0 + 301_000;
    await expectDenied(await exchange(jwt), 'expired');
  });

  it('denies a wrong subject prefix', async () => {
    endpoint.setRules([rule({ subjectPrefix: 'repo:octo-org/other-repo:*' })]);
    await expectDenied(await exchange(await fetchJwt()), 'match_subject_prefix');
  });

  it('denies a pinned claim mismatch, naming the claim', async () => {
    endpoint.setRules([rule({ claims: { repository_id: '123456789', event_name: 'workflow_dispatch' } })]);
    await expectDenied(await exchange(await fetchJwt()), 'claim:event_name');
  });

  it('denies a failing condition', async () => {
    endpoint.setRules([rule({ condition: (claims) => claims['ref_protected'] === 'false' })]);
    await expectDenied(await exchange(await fetchJwt()), 'condition');
  });

  it('denies a reused jti, even after a failed first presentation', async () => {
    const jwt = await fetchJwt();
    expect((await exchange(jwt)).status).toBe(200);
    await expectDenied(await exchange(jwt), 'jti_reused');

    // A JWT denied after its signature check is spent too.
    const spent = await fetchJwt();
    endpoint.setRules([rule({ subjectPrefix: 'repo:nope/*' })]);
    await expectDenied(await exchange(spent), 'match_subject_prefix');
    endpoint.setRules([rule()]);
    await expectDenied(await exchange(spent), 'jti_reused');
  });

  it('requires workspace_id for a rule covering several workspaces', async () => {
    endpoint.setRules([rule({ workspaceIds: [WORKSPACE, WORKSPACE_2] })]);
    await expectDenied(await exchange(await fetchJwt()), 'workspace_id_required');
    await expectDenied(await exchange(await fetchJwt(), { workspace_id: 'wrkspc_01Elsewhere' }), 'workspace_not_allowed');
    expect((await exchange(await fetchJwt(), { workspace_id: WORKSPACE_2 })).status).toBe(200);
  });

  it('denies a JWT signed by another key (a second OIDC service with the same issuer)', async () => {
    const impostor = await startOidcService({ now });
    try {
      expect(impostor.issuer).toBe(oidc.issuer);
      const jwt = await fetchJwt(impostor);
      expect(decodeProtectedHeader(jwt).kid).toBe(impostor.kid);
      await expectDenied(await exchange(jwt), 'signature');
    } finally {
      await impostor.close();
    }
  });

  it('denies an unknown rule, another organization and another service account', async () => {
    await expectDenied(await exchange(await fetchJwt(), { federation_rule_id: 'fdrl_01Unknown' }), 'unknown_rule');
    await expectDenied(
      await exchange(await fetchJwt(), { organization_id: '00000000-0000-4000-8000-000000000002' }),
      'organization_mismatch',
    );
    await expectDenied(await exchange(await fetchJwt(), { service_account_id: 'svac_01Other' }), 'service_account_mismatch');
    // service_account_id is optional
    const withoutSvac = await exchange(await fetchJwt(), { service_account_id: undefined });
    expect(withoutSvac.status).toBe(200);
  });

  it('answers 400 invalid_request_error for malformed requests, without a denial', async () => {
    const jwt = await fetchJwt();
    const cases: Array<[Record<string, unknown>, Record<string, string>, RegExp]> = [
      [{ federation_rule_id: 'fdrl-bad!' }, {}, /federation_rule_id/],
      [{ scope: 'user:inference' }, {}, /scope/],
      [{ workspace_id: 'ws_1' }, {}, /workspace_id/],
      [{ workspace_id: '' }, {}, /workspace_id: must not be empty/],
      [{ grant_type: 'client_credentials' }, {}, /grant_type/],
      [{}, { 'x-api-key': 'sk-ant-api03-test' }, /x-api-key/],
      [{}, { 'anthropic-beta': 'oauth-2025-04-20' }, /anthropic-beta/],
      [{ assertion: 'a'.repeat(16 * 1024 + 1) }, {}, /16 KiB/],
    ];
    for (const [fields, headers, message] of cases) {
      const result = await exchange(jwt, fields, headers);
      expect(result.status, JSON.stringify(fields)).toBe(400);
      expect(result.body['type']).toBe('error');
      expect(result.body['error']).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(message) as unknown });
      expect(result.requestId).toMatch(/^req_/);
      expect(lastExchange().denial).toBeNull();
    }
    const form = await fetch(`${endpoint.url}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'anthropic-beta': BETA },
      body: 'grant_type=x',
    });
    expect(form.status).toBe(400);
    // none of those spent the JWT
    expect((await exchange(jwt)).status).toBe(200);
  });

  it('answers denials with the legacy 400 invalid_grant shape when legacyErrors is set', async () => {
    endpoint.legacyErrors = true;
    const result = await exchange(await fetchJwt(oidc, 'https://example.invalid'));
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: 'invalid_grant', error_description: 'Authentication failed' });
    expect(lastExchange().denial).toBe('audience');
  });
});

describe('token endpoint stand-in: faults', () => {
  it('plays each fault once, in order, before normal handling, without spending the JWT', async () => {
    endpoint.pushFaults(
      { kind: 'status', status: 529 },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      { kind: 'non-json' },
      { kind: 'token-type', tokenType: 'mac' },
      { kind: 'no-expiry' },
      { kind: 'no-expiry', expiresIn: 'Infinity' },
      { kind: 'oversized' },
    );
    const jwt = await fetchJwt();
    const overloaded = await exchange(jwt);
    expect(overloaded.status).toBe(529);
    expect(overloaded.body['error']).toMatchObject({ type: 'overloaded_error' });
    expect(overloaded.requestId).toMatch(/^req_/);
    const limited = await exchange(jwt);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    const html = await exchange(jwt);
    expect(html.status).toBe(200);
    expect(html.body['_text']).toMatch(/^<!DOCTYPE html>/);
    expect((await exchange(jwt)).body).toMatchObject({ token_type: 'mac' });
    const noExpiry = await exchange(jwt);
    expect(noExpiry.status).toBe(200);
    expect(noExpiry.body).not.toHaveProperty('expires_in');
    expect((await exchange(jwt)).body['expires_in']).toBe('Infinity');
    const big = await fetch(`${endpoint.url}/v1/oauth/token`, { method: 'POST', body: '{}' });
    expect(big.status).toBe(200);
    expect((await big.arrayBuffer()).byteLength).toBeGreaterThan(1024 * 1024);
    expect(endpoint.exchanges.slice(-7).map((e) => e.fault)).toEqual([
      'status',
      'status',
      'non-json',
      'token-type',
      'no-expiry',
      'no-expiry',
      'oversized',
    ]);
    expect(endpoint.exchanges.slice(-7, -1).every((e) => e.jti === decode(jwt)['jti'])).toBe(true);
    // none of the faulted tokens was minted, and the JWT is still good
    const mintedBefore = endpoint.minted.length;
    expect((await exchange(jwt)).status).toBe(200);
    expect(endpoint.minted.length).toBe(mintedBefore + 1);
  });

  it('hangs and resets connections', async () => {
    endpoint.pushFaults({ kind: 'reset' }, { kind: 'hang' });
    const jwt = await fetchJwt();
    await expect(exchange(jwt)).rejects.toThrow();
    // Abandoned once the endpoint has recorded it, not after a fixed 150 ms a busy machine can outrun.
    const recorded = endpoint.exchanges.length;
    const abandon = new AbortController();
    const hung = fetch(`${endpoint.url}/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: abandon.signal,
    });
    await waitFor(() => endpoint.exchanges.length === recorded + 1);
    abandon.abort();
    await expect(hung).rejects.toThrow();
    expect(endpoint.exchanges.slice(-2).map((e) => [e.fault, e.status])).toEqual([
      ['reset', 0],
      ['hang', 0],
    ]);
  });

  it('echo puts the assertion and a token into the error body', async () => {
    endpoint.pushFaults({ kind: 'echo', status: 400 });
    const jwt = await fetchJwt();
    const result = await exchange(jwt);
    expect(result.status).toBe(400);
    expect(String(result.body['error_description'])).toContain(jwt);
    expect(JSON.stringify(result.body['details'])).toContain(jwt);
    expect(String(result.body['debug'])).toMatch(/sk-ant-oat01-test-echo-/);
    expect(endpoint.echoed).toContain(jwt);
    expect(lastExchange().body['assertion']).toBe('<redacted>');
  });
});

describe('token endpoint stand-in: minimal API with the real SDK', () => {
  it('accepts a minted token with models.list and messages.create', async () => {
    const token = await mintToken();
    const client = sdk(token);
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['claude-test-1']);
    const message = await client.messages.create({
      model: 'claude-test-1',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(message.model).toBe('claude-test-1');
    const calls = endpoint.apiCalls.slice(-2);
    expect(calls.map((c) => [c.method, c.path, c.status, c.validWhenSent])).toEqual([
      ['GET', '/v1/models', 200, true],
      ['POST', '/v1/messages', 200, true],
    ]);
    expect(calls[0]?.token).toBe(token);
    expect(calls[0]?.headers['x-api-key']).toBeUndefined();
    expect(String(calls[0]?.headers['anthropic-beta'])).toContain('oauth-2025-04-20');
  });

  it('rejects an unknown token, an expired one, a missing oauth beta and an x-api-key', async () => {
    const unknown = sdk('sk-ant-oat01-test-never-minted');
    await expect(unknown.models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(endpoint.apiCalls.at(-1)).toMatchObject({ status: 401, validWhenSent: false });

    const token = await mintToken();
    clock = T0 + 601_000;
    await expect(sdk(token).models.list()).rejects.toMatchObject({ status: 401 });
    expect(endpoint.apiCalls.at(-1)).toMatchObject({ status: 401, validWhenSent: false, token });
    clock = T0;

    const noBeta = await fetch(`${endpoint.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(noBeta.status).toBe(401);
    expect(await noBeta.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const withKey = await fetch(`${endpoint.url}/v1/models`, {
      headers: { authorization: `Bearer ${token}`, 'anthropic-beta': 'oauth-2025-04-20', 'x-api-key': 'sk-ant-api03-test' },
    });
    expect(withKey.status).toBe(401);
    expect(endpoint.apiCalls.at(-1)).toMatchObject({ status: 401, validWhenSent: true });
  });

  it('modelsStatus makes /v1/models answer 403 to a valid token', async () => {
    const token = await mintToken();
    endpoint.modelsStatus = 403;
    await expect(sdk(token).models.list()).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    const message = await sdk(token).messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    expect(message.content[0]).toMatchObject({ text: 'ok' });
  });
});

function decode(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Polls `condition`; the 10 s bound only turns a condition that never holds into a clear failure. */
async function waitFor(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
