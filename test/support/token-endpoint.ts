// Loopback stand-in for Anthropic's token endpoint (`POST /v1/oauth/token`, RFC 7523 jwt-bearer,
// Workload Identity Federation) and a minimal Claude API (`GET /v1/models`, `POST /v1/messages`),
// following /work/shared/notes/wif-protocol.md. For tests only; every secret it makes contains `test`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compactVerify, createRemoteJWKSet, decodeJwt, errors } from 'jose';
import {
  headerList,
  headerValue,
  isPlainObject,
  randomAlnum,
  readBody,
  resetConnection,
  sendJson,
  sendText,
  startLoopbackServer,
} from './http-util.ts';

export const GRANT_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const OAUTH_BETA = 'oauth-2025-04-20';
export const FEDERATION_BETA = 'oidc-federation-2026-04-01';
export const MAX_ASSERTION_CHARS = 16 * 1024;

export interface FederationRule {
  /** 'fdrl_...' */
  id: string;
  /** UUID */
  organizationId: string;
  /** 'svac_...' */
  serviceAccountId: string;
  /** e.g. ['wrkspc_01...']; with more than one, a request without workspace_id is denied. */
  workspaceIds: string[];
  /** Must equal the JWT's iss. */
  issuer: string;
  /** Where to fetch the issuer's keys. */
  jwksUrl: string;
  /** Must be in the JWT's aud. */
  audience: string;
  /** Like the Admin API's `match.subject_prefix`: exact, or a prefix when it ends with `*`. */
  subjectPrefix?: string;
  /** Each must equal the JWT claim (String(claim) === value); a missing claim never matches. */
  claims?: Record<string, string>;
  /** Extra predicate (stands in for a CEL condition); throwing counts as false. */
  condition?: (claims: Record<string, unknown>) => boolean;
  /** Default 3600; valid 60..86400 (startTokenEndpoint/setRules throw RangeError otherwise). */
  tokenLifetimeSeconds?: number;
}

export type TokenFault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'non-json' }
  | { kind: 'oversized' }
  | { kind: 'token-type'; tokenType: string }
  /** Without `expiresIn`, the field is omitted; with it, that value is sent (e.g. 'Infinity', null, 'soon'). */
  | { kind: 'no-expiry'; expiresIn?: unknown }
  | { kind: 'echo'; status: number };

export interface ExchangeRecord {
  /** ms, from `now`. */
  at: number;
  /** The status answered; 0 when none was (hang, reset). */
  status: number;
  /** The assertion's jti, decoded without verification; null when absent or undecodable. */
  jti: string | null;
  /**
   * The Console-only reason for a 401 (or legacy 400 invalid_grant): 'unknown_rule',
   * 'organization_mismatch', 'service_account_mismatch', 'malformed', 'jwks_unavailable',
   * 'signature', 'issuer', 'audience', 'expired', 'not_yet_valid', 'match_subject_prefix',
   * 'claim:<name>', 'condition', 'workspace_id_required', 'workspace_not_allowed',
   * 'jti_missing', 'jti_reused'. null otherwise.
   */
  denial: string | null;
  /** The request body with `assertion` replaced by '<redacted>'; {} when not a JSON object. */
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The fault kind that answered this request, or null. */
  fault: string | null;
  /** The `request-id` header sent back; null when no answer was sent. */
  requestId: string | null;
}

export interface ApiCall {
  at: number;
  method: string;
  path: string;
  status: number;
  /** The bearer token received, or null. */
  token: string | null;
  /** The bearer token was minted here and not expired at `now()` when received. */
  validWhenSent: boolean;
  headers: Record<string, string | string[] | undefined>;
}

export interface MintedToken {
  token: string;
  /** ms, from `now`. */
  issuedAt: number;
  /** ms, issuedAt + expires_in * 1000. */
  expiresAt: number;
  ruleId: string;
  jti: string;
  /** The expires_in that was answered, in seconds. */
  expiresIn: number;
}

export interface TokenEndpoint {
  /** http://127.0.0.1:PORT (the action's base-url), no trailing slash. */
  readonly url: string;
  readonly exchanges: ExchangeRecord[];
  readonly apiCalls: ApiCall[];
  readonly minted: MintedToken[];
  /** Every secret-looking string an `echo` fault put in a body (the assertion, a fake token). */
  readonly echoed: string[];
  /** Consumed one per POST /v1/oauth/token, in order, before normal handling. */
  pushFaults(...faults: TokenFault[]): void;
  /** Drops the faults not consumed yet. */
  clearFaults(): void;
  /** How many pushed faults are not consumed yet. */
  pendingFaults(): number;
  setRules(rules: FederationRule[]): void;
  /** When true, denials answer 400 {"error":"invalid_grant","error_description":"..."} like older servers. */
  legacyErrors: boolean;
  /** Status GET /v1/models answers to an authenticated call; 200 by default, e.g. 403 for "scope too narrow". */
  modelsStatus: number;
  close(): Promise<void>;
}

export interface TokenEndpointOptions {
  rules: FederationRule[];
  /** Clock in ms; default Date.now. */
  now?: () => number;
}

const RULE_ID = /^fdrl_[A-Za-z0-9]+$/;
const WORKSPACE_ID = /^(wrkspc_[A-Za-z0-9]+|default)$/;
const OPTIONAL_FIELDS = ['service_account_id', 'workspace_id'] as const;
const REQUIRED_FIELDS = ['grant_type', 'assertion', 'federation_rule_id', 'organization_id'] as const;
/** Leeway for nbf only. */
const NBF_LEEWAY_SECONDS = 60;

type JwksGetter = ReturnType<typeof createRemoteJWKSet>;

function validateRules(rules: FederationRule[]): Map<string, FederationRule> {
  const byId = new Map<string, FederationRule>();
  for (const rule of rules) {
    if (!RULE_ID.test(rule.id)) throw new RangeError(`federation rule id ${rule.id} does not match ${RULE_ID}`);
    const lifetime = rule.tokenLifetimeSeconds ?? 3600;
    if (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > 86400) {
      throw new RangeError(`tokenLifetimeSeconds ${lifetime} of ${rule.id} is outside 60..86400`);
    }
    if (rule.workspaceIds.length === 0) throw new RangeError(`rule ${rule.id} has no workspaceIds`);
    byId.set(rule.id, rule);
  }
  return byId;
}

function apiError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}

function defaultErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return 'api_error';
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function copyHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  return { ...req.headers };
}

function bearerOf(req: IncomingMessage): string | null {
  const value = headerValue(req, 'authorization');
  if (value === undefined) return null;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1] ?? null;
}

function jtiOf(assertion: unknown): string | null {
  if (typeof assertion !== 'string') return null;
  try {
    const jti = decodeJwt(assertion).jti;
    return typeof jti === 'string' ? jti : null;
  } catch {
    return null;
  }
}

export async function startTokenEndpoint(options: TokenEndpointOptions): Promise<TokenEndpoint> {
  const now = options.now ?? Date.now;
  let rules = validateRules(options.rules);
  const faults: TokenFault[] = [];
  const exchanges: ExchangeRecord[] = [];
  const apiCalls: ApiCall[] = [];
  const minted: MintedToken[] = [];
  const echoed: string[] = [];
  const seenJtis = new Set<string>();
  const jwksByUrl = new Map<string, JwksGetter>();

  function jwksFor(url: string): JwksGetter {
    let getter = jwksByUrl.get(url);
    if (getter === undefined) {
      // The keys come from a loopback stand-in in this same process: a short timeout would turn a
      // busy moment into a 'jwks_unavailable' denial (401) of an exchange the test expects to pass.
      getter = createRemoteJWKSet(new URL(url), { timeoutDuration: 20_000, cooldownDuration: 0 });
      jwksByUrl.set(url, getter);
    }
    return getter;
  }

  function newRequestId(): string {
    return `req_test_${randomAlnum(24)}`;
  }

  // ---------------------------------------------------------------- POST /v1/oauth/token
  async function handleExchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    const { text, tooLarge } = await readBody(req);
    let parsed: unknown;
    let parseOk = false;
    try {
      parsed = JSON.parse(text);
      parseOk = true;
    } catch {
      parsed = undefined;
    }
    const body = isPlainObject(parsed) ? parsed : {};
    const recordedBody: Record<string, unknown> = { ...body };
    if ('assertion' in recordedBody) recordedBody['assertion'] = '<redacted>';
    const record: ExchangeRecord = {
      at,
      status: 0,
      jti: jtiOf(body['assertion']),
      denial: null,
      body: recordedBody,
      headers: copyHeaders(req),
      fault: null,
      requestId: null,
    };
    exchanges.push(record);

    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      const requestId = newRequestId();
      record.status = status;
      record.requestId = requestId;
      sendJson(res, status, payload, { ...headers, 'request-id': requestId });
    };
    const answerText = (status: number, payload: string, contentType: string, headers: Record<string, string> = {}): void => {
      const requestId = newRequestId();
      record.status = status;
      record.requestId = requestId;
      sendText(res, status, payload, contentType, { ...headers, 'request-id': requestId });
    };
    const invalid = (message: string): void => answer(400, apiError('invalid_request_error', message));
    const deny = (reason: string): void => {
      record.denial = reason;
      if (endpoint.legacyErrors) {
        answer(400, { error: 'invalid_grant', error_description: 'Authentication failed' });
      } else {
        answer(401, apiError('authentication_error', 'Authentication failed'));
      }
    };

    // Faults first, after the body is read so the client's request completes.
    const fault = faults.shift();
    if (fault !== undefined) {
      record.fault = fault.kind;
      switch (fault.kind) {
        case 'hang':
          return;
        case 'reset':
          resetConnection(req);
          return;
        case 'non-json':
          answerText(200, '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html; charset=utf-8');
          return;
        case 'status': {
          const payload = fault.body ?? JSON.stringify(apiError(defaultErrorType(fault.status), `stand-in fault ${fault.status}`));
          answerText(fault.status, payload, looksLikeJson(payload) ? 'application/json' : 'text/plain; charset=utf-8', fault.headers ?? {});
          return;
        }
        case 'oversized': {
          // Padding first, so a reader that stops at 1 MiB never sees a token.
          const payload = JSON.stringify({
            padding: 'x'.repeat(1024 * 1024 + 1024),
            access_token: `sk-ant-oat01-test-oversized-${randomAlnum(32)}`,
            token_type: 'Bearer',
            expires_in: 600,
            scope: 'user:inference',
          });
          answerText(200, payload, 'application/json');
          return;
        }
        case 'token-type':
          answer(200, {
            access_token: `sk-ant-oat01-test-tokentype-${randomAlnum(32)}`,
            token_type: fault.tokenType,
            expires_in: 600,
            scope: 'user:inference',
          });
          return;
        case 'no-expiry': {
          const payload: Record<string, unknown> = {
            access_token: `sk-ant-oat01-test-noexpiry-${randomAlnum(32)}`,
            token_type: 'Bearer',
            scope: 'user:inference',
          };
          if ('expiresIn' in fault) payload['expires_in'] = fault.expiresIn;
          answer(200, payload);
          return;
        }
        case 'echo': {
          const assertion = typeof body['assertion'] === 'string' ? body['assertion'] : text;
          const fakeToken = `sk-ant-oat01-test-echo-${randomAlnum(32)}`;
          const received = bearerOf(req) ?? headerValue(req, 'x-api-key') ?? fakeToken;
          echoed.push(assertion, fakeToken);
          if (received !== fakeToken) echoed.push(received);
          answer(fault.status, {
            type: 'error',
            error: {
              type: defaultErrorType(fault.status),
              message: `assertion ${assertion} was rejected; token ${fakeToken}`,
            },
            error_description: `bad assertion: ${assertion} (issued ${fakeToken})`,
            details: { assertion, access_token: fakeToken, received_credential: received, body },
            debug: `assertion=${assertion} access_token=${fakeToken}`,
          });
          return;
        }
      }
    }

    // ---- 400s: request shape
    if (tooLarge) {
      answer(413, apiError('request_too_large', 'Request body is too large'));
      return;
    }
    const contentType = headerValue(req, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType.trim())) {
      invalid('content-type must be application/json');
      return;
    }
    if (!parseOk || !isPlainObject(parsed)) {
      invalid('request body must be a JSON object');
      return;
    }
    if (body['grant_type'] !== GRANT_TYPE_JWT_BEARER) {
      invalid(`grant_type: must be ${GRANT_TYPE_JWT_BEARER}`);
      return;
    }
    if ('scope' in body) {
      invalid('scope: not allowed for the jwt-bearer grant');
      return;
    }
    for (const field of [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS]) {
      const value = body[field];
      if (value === undefined) {
        if ((REQUIRED_FIELDS as readonly string[]).includes(field)) {
          invalid(`${field}: field required`);
          return;
        }
        continue;
      }
      if (typeof value !== 'string') {
        invalid(`${field}: must be a string`);
        return;
      }
      if (value === '') {
        invalid(`${field}: must not be empty`);
        return;
      }
    }
    const ruleId = body['federation_rule_id'] as string;
    const organizationId = body['organization_id'] as string;
    const assertion = body['assertion'] as string;
    const serviceAccountId = body['service_account_id'] as string | undefined;
    const workspaceId = body['workspace_id'] as string | undefined;
    if (!RULE_ID.test(ruleId)) {
      invalid(`federation_rule_id: invalid federation rule ID ${JSON.stringify(ruleId.slice(0, 64))}; expected fdrl_...`);
      return;
    }
    if (workspaceId !== undefined && !WORKSPACE_ID.test(workspaceId)) {
      invalid(`workspace_id: invalid workspace ID ${JSON.stringify(workspaceId.slice(0, 64))}; expected wrkspc_... or default`);
      return;
    }
    if (req.headers['x-api-key'] !== undefined || req.headers.authorization !== undefined) {
      invalid('token exchange requests must not carry x-api-key or authorization headers');
      return;
    }
    const betas = headerList(req, 'anthropic-beta');
    if (!betas.includes(OAUTH_BETA) || !betas.includes(FEDERATION_BETA)) {
      invalid(`anthropic-beta must include ${OAUTH_BETA} and ${FEDERATION_BETA}`);
      return;
    }
    if (assertion.length > MAX_ASSERTION_CHARS) {
      invalid('assertion: exceeds the 16 KiB limit');
      return;
    }

    // ---- 401s: denials, real reason recorded only here
    const rule = rules.get(ruleId);
    if (rule === undefined) return deny('unknown_rule');
    if (organizationId !== rule.organizationId) return deny('organization_mismatch');
    if (serviceAccountId !== undefined && serviceAccountId !== rule.serviceAccountId) return deny('service_account_mismatch');

    let payloadBytes: Uint8Array;
    try {
      payloadBytes = (await compactVerify(assertion, jwksFor(rule.jwksUrl), { algorithms: ['RS256'] })).payload;
    } catch (err) {
      return deny(classifyVerifyError(err));
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(payloadBytes));
    } catch {
      payload = undefined;
    }
    if (!isPlainObject(payload)) return deny('malformed');
    const claims = payload;
    // Past the signature check: this jti is now spent, whatever happens next.
    const jti = typeof claims['jti'] === 'string' ? claims['jti'] : null;
    const reused = jti !== null && seenJtis.has(jti);
    if (jti !== null) seenJtis.add(jti);

    if (claims['iss'] !== rule.issuer) return deny('issuer');
    const aud = claims['aud'];
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(rule.audience)) return deny('audience');
    const nowSeconds = now() / 1000;
    const exp = claims['exp'];
    if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= nowSeconds) return deny('expired');
    const nbf = claims['nbf'];
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + NBF_LEEWAY_SECONDS)) return deny('not_yet_valid');
    if (rule.subjectPrefix !== undefined) {
      const sub = claims['sub'];
      if (typeof sub !== 'string' || !subjectMatches(sub, rule.subjectPrefix)) return deny('match_subject_prefix');
    }
    for (const [name, expected] of Object.entries(rule.claims ?? {})) {
      const actual = claims[name];
      // Only string claims can be pinned, as in the Admin API's match.claims.
      if (typeof actual !== 'string' || actual !== expected) return deny(`claim:${name}`);
    }
    if (rule.condition !== undefined) {
      let ok: boolean;
      try {
        ok = rule.condition(claims) === true;
      } catch {
        ok = false;
      }
      if (!ok) return deny('condition');
    }
    if (workspaceId === undefined) {
      if (rule.workspaceIds.length > 1) return deny('workspace_id_required');
    } else if (!rule.workspaceIds.includes(workspaceId)) {
      return deny('workspace_not_allowed');
    }
    if (jti === null) return deny('jti_missing');
    if (reused) return deny('jti_reused');

    // ---- success
    const ruleLifetime = rule.tokenLifetimeSeconds ?? 3600;
    const expiresIn = Math.max(60, Math.min(ruleLifetime, Math.floor(2 * (exp - nowSeconds))));
    const token = `sk-ant-oat01-test-${randomAlnum(48)}`;
    const issuedAt = now();
    minted.push({ token, issuedAt, expiresAt: issuedAt + expiresIn * 1000, ruleId: rule.id, jti, expiresIn });
    answer(200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: 'user:inference' });
  }

  // ---------------------------------------------------------------- minimal API
  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const at = now();
    const { text } = await readBody(req);
    const token = bearerOf(req);
    const mintedToken = token === null ? undefined : minted.find((m) => m.token === token);
    const validWhenSent = mintedToken !== undefined && mintedToken.expiresAt > at;
    const call: ApiCall = {
      at,
      method: req.method ?? 'GET',
      path,
      status: 0,
      token,
      validWhenSent,
      headers: copyHeaders(req),
    };
    apiCalls.push(call);
    const answer = (status: number, payload: unknown): void => {
      call.status = status;
      sendJson(res, status, payload, { 'request-id': newRequestId() });
    };
    const unauthorized = (message: string): void => answer(401, apiError('authentication_error', message));

    if (req.headers['x-api-key'] !== undefined) return unauthorized('invalid x-api-key');
    if (token === null) return unauthorized('Missing authorization header');
    if (!headerList(req, 'anthropic-beta').includes(OAUTH_BETA)) {
      return unauthorized('OAuth authentication is currently not supported.');
    }
    if (mintedToken === undefined) return unauthorized('Invalid bearer token');
    if (!validWhenSent) return unauthorized('OAuth token has expired.');

    if (path === '/v1/models' && req.method === 'GET') {
      if (endpoint.modelsStatus !== 200) {
        const status = endpoint.modelsStatus;
        return answer(status, apiError(defaultErrorType(status), `stand-in models status ${status}`));
      }
      return answer(200, {
        data: [{ type: 'model', id: 'claude-test-1', display_name: 'Claude Test', created_at: '2025-01-01T00:00:00Z' }],
        has_more: false,
        first_id: 'claude-test-1',
        last_id: 'claude-test-1',
      });
    }
    if (path === '/v1/messages' && req.method === 'POST') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!isPlainObject(parsed) || typeof parsed['model'] !== 'string') {
        return answer(400, apiError('invalid_request_error', 'model: field required'));
      }
      return answer(200, {
        id: `msg_test_${randomAlnum(24)}`,
        type: 'message',
        role: 'assistant',
        model: parsed['model'],
        content: [{ type: 'text', text: 'ok' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      });
    }
    return answer(405, apiError('invalid_request_error', `method ${req.method ?? ''} not allowed on ${path}`));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/v1/oauth/token') {
      if (req.method !== 'POST') {
        await readBody(req);
        sendJson(res, 405, apiError('invalid_request_error', 'use POST'), { 'request-id': newRequestId() });
        return;
      }
      return handleExchange(req, res);
    }
    if (path === '/v1/models' || path === '/v1/messages') return handleApi(req, res, path);
    await readBody(req);
    sendJson(res, 404, apiError('not_found_error', `no route ${path}`), { 'request-id': newRequestId() });
  }

  const loopback = await startLoopbackServer(handle);

  const endpoint: TokenEndpoint = {
    url: loopback.origin,
    exchanges,
    apiCalls,
    minted,
    echoed,
    legacyErrors: false,
    modelsStatus: 200,
    pushFaults(...more) {
      faults.push(...more);
    },
    clearFaults() {
      faults.length = 0;
    },
    pendingFaults() {
      return faults.length;
    },
    setRules(next) {
      rules = validateRules(next);
    },
    close() {
      return loopback.close();
    },
  };
  return endpoint;
}

function classifyVerifyError(err: unknown): string {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'jwks_unavailable';
  if (err instanceof errors.JWSInvalid) return 'malformed';
  if (err instanceof errors.JOSEError) return 'signature';
  // fetch failures and unexpected errors while getting the keys
  return 'jwks_unavailable';
}

/** `match.subject_prefix` semantics: an exact match unless the value ends with `*`. */
export function subjectMatches(sub: string, pattern: string): boolean {
  return pattern.endsWith('*') ? sub.startsWith(pattern.slice(0, -1)) : sub === pattern;
}
