// Loopback stand-in for GitHub's Actions OIDC token service (the thing behind the runner's
// ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN), for tests only.
//
//   GET /token?api-version=2.0&audience=<aud>  (authorization: Bearer <requestToken>)  -> {"value":"<JWT>"}
//   GET /.well-known/jwks                      -> {"keys":[{kid, alg:'RS256', use:'sig', kty, n, e}]}
//   GET /.well-known/openid-configuration      -> {issuer, jwks_uri, ...}
//
// All values are obviously fake. Faults (pushFaults) apply to /token requests only, one each, in order.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { randomAlnum, resetConnection, sendJson, sendText, startLoopbackServer } from './http-util.ts';

export interface OidcServiceOptions {
  /**
   * Merged over defaultClaims() and the computed claims (jti, sub, aud, iss, iat, nbf, exp).
   * A key given here wins over the computed value (e.g. `sub`, `aud`, `exp`, even `jti`);
   * a key given as `undefined` removes the claim.
   */
  claims?: Partial<Record<string, unknown>>;
  /** exp - iat; default 300 like GitHub. */
  lifetimeSeconds?: number;
  /** Default 'https://token.actions.githubusercontent.com'. */
  issuer?: string;
  /** Clock for iat/nbf/exp, in ms; default Date.now. Share it with the token endpoint's `now`. */
  now?: () => number;
}

export type OidcFault = { kind: 'status'; status: number; body?: string } | { kind: 'hang' } | { kind: 'reset' } | { kind: 'non-json' };

export interface OidcTokenRequest {
  /** The `audience` query parameter as received; null when absent. */
  audience: string | null;
  /** Bearer matched the request token and it was not revoked. */
  authorized: boolean;
  /** ms, from the service's clock. */
  at: number;
}

export interface IssuedOidcToken {
  jti: string;
  claims: Record<string, unknown>;
  /** The signed JWT itself, so tests can check it never appears in logs. */
  jwt: string;
}

export interface OidcService {
  /** Like the runner's ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:PORT/token?api-version=2.0`. */
  readonly requestUrl: string;
  /** The bearer the runner gives; random per service. */
  readonly requestToken: string;
  readonly issuer: string;
  /** `http://127.0.0.1:PORT/.well-known/jwks` */
  readonly jwksUrl: string;
  /** The signing key's `kid`. */
  readonly kid: string;
  /** Every /token request received (faulted and unauthorized ones included). */
  readonly requests: OidcTokenRequest[];
  /** Every JWT handed out. */
  readonly issued: IssuedOidcToken[];
  env(): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Merged over the current overrides, for later tokens (`undefined` removes a claim). */
  setClaims(overrides: Partial<Record<string, unknown>>): void;
  /** Replaces every override given so far (setClaims adds to them). */
  resetClaims(overrides?: Partial<Record<string, unknown>>): void;
  /** Each consumed by one /token request, in order, before the bearer check. */
  pushFaults(...faults: OidcFault[]): void;
  /** Drops the faults not consumed yet. */
  clearFaults(): void;
  /** How many pushed faults are not consumed yet. */
  pendingFaults(): number;
  /** From now on /token answers 401, like a finished job's request token. */
  revokeRequestToken(): void;
  close(): Promise<void>;
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

const FAKE_SHA = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';

/**
 * GitHub's claim set for a `push` to `main` of the fake repository `octo-org/octo-repo`, without the
 * per-token claims (jti, sub, aud, iss, iat, nbf, exp), which the service computes. A fresh object each call.
 * GitHub sends ids, numbers and booleans as strings; so does this.
 */
export function defaultClaims(): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    ref_type: 'branch',
    ref_protected: 'true',
    sha: FAKE_SHA,
    repository: 'octo-org/octo-repo',
    repository_id: '123456789',
    repository_owner: 'octo-org',
    repository_owner_id: '987654321',
    repository_visibility: 'private',
    actor: 'octo-user',
    actor_id: '111111111',
    workflow: 'CI',
    workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
    workflow_sha: FAKE_SHA,
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main',
    job_workflow_sha: FAKE_SHA,
    event_name: 'push',
    head_ref: '',
    base_ref: '',
    run_id: '9999999999',
    run_number: '42',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    check_run_id: '88888888888',
  };
}

/** GitHub's `sub` for a claim set: environment wins, then pull_request, then the ref. */
function computeSubject(claims: Record<string, unknown>): string {
  const repository = String(claims['repository']);
  const environment = claims['environment'];
  if (typeof environment === 'string' && environment !== '') return `repo:${repository}:environment:${environment}`;
  if (claims['event_name'] === 'pull_request') return `repo:${repository}:pull_request`;
  return `repo:${repository}:ref:${String(claims['ref'])}`;
}

function applyOverrides(target: Record<string, unknown>, overrides: Partial<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
}

export async function startOidcService(options: OidcServiceOptions = {}): Promise<OidcService> {
  const issuer = options.issuer ?? GITHUB_ISSUER;
  const lifetimeSeconds = options.lifetimeSeconds ?? 300;
  const now = options.now ?? Date.now;
  const requestToken = `ghs_test_oidc_request_${randomAlnum(32)}`;
  const kid = `test-kid-${randomAlnum(16)}`;
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  // Overrides as given, including explicit `undefined` (which removes a claim).
  const overrides: Partial<Record<string, unknown>> = { ...(options.claims ?? {}) };
  const faults: OidcFault[] = [];
  const requests: OidcTokenRequest[] = [];
  const issued: IssuedOidcToken[] = [];
  let revoked = false;

  async function mint(audience: string | null): Promise<string> {
    const iat = Math.floor(now() / 1000);
    const context = defaultClaims();
    applyOverrides(context, overrides);
    const owner = String(context['repository_owner']);
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      sub: computeSubject(context),
      aud: audience !== null && audience !== '' ? audience : `https://github.com/${owner}`,
      ...context,
      iss: issuer,
      iat,
      nbf: iat,
      exp: iat + lifetimeSeconds,
    };
    // Explicit overrides of the computed claims (sub, aud, iss, iat, exp, jti...) win.
    applyOverrides(claims, overrides);
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
    issued.push({ jti: String(claims['jti']), claims, jwt });
    return jwt;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/.well-known/jwks') {
      sendJson(res, 200, { keys: [publicJwk] });
      return;
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      sendJson(res, 200, {
        issuer,
        jwks_uri: jwksUrl,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'repository_id'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
      return;
    }
    if (url.pathname !== '/token') {
      sendJson(res, 404, { message: 'Not Found' });
      return;
    }

    const authorization = req.headers.authorization;
    const authorized = !revoked && authorization === `Bearer ${requestToken}`;
    requests.push({ audience: url.searchParams.get('audience'), authorized, at: now() });

    const fault = faults.shift();
    if (fault !== undefined) {
      switch (fault.kind) {
        case 'hang':
          return; // never answered; close() ends the connection
        case 'reset':
          resetConnection(req);
          return;
        case 'non-json':
          sendText(res, 200, '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>', 'text/html; charset=utf-8');
          return;
        case 'status': {
          const body = fault.body ?? JSON.stringify({ message: `stand-in fault ${fault.status}` });
          sendText(res, fault.status, body, looksLikeJson(body) ? 'application/json' : 'text/plain; charset=utf-8');
          return;
        }
      }
    }

    if (req.method !== 'GET') {
      sendJson(res, 405, { message: 'Method Not Allowed' });
      return;
    }
    if (!authorized) {
      sendJson(res, 401, { message: 'Unauthorized' });
      return;
    }
    const jwt = await mint(url.searchParams.get('audience'));
    sendJson(res, 200, { value: jwt });
  }

  const loopback = await startLoopbackServer(handle);
  const requestUrl = `${loopback.origin}/token?api-version=2.0`;
  const jwksUrl = `${loopback.origin}/.well-known/jwks`;

  return {
    requestUrl,
    requestToken,
    issuer,
    jwksUrl,
    kid,
    requests,
    issued,
    env() {
      return { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken };
    },
    setClaims(more) {
      Object.assign(overrides, more);
    },
    resetClaims(replacement = {}) {
      for (const key of Object.keys(overrides)) delete overrides[key];
      Object.assign(overrides, replacement);
    },
    pushFaults(...more) {
      faults.push(...more);
    },
    clearFaults() {
      faults.length = 0;
    },
    pendingFaults() {
      return faults.length;
    },
    revokeRequestToken() {
      revoked = true;
    },
    close() {
      return loopback.close();
    },
  };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
