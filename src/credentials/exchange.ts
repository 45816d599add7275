// The RFC 7523 jwt-bearer exchange at Anthropic's token endpoint, and the check of its answer.
import { ActionError } from '../errors.ts';
import { HttpStatusError } from './http-errors.ts';
import { request } from './http.ts';
import type { FederationIds } from '../inputs.ts';

export const EXCHANGE_BETA = 'oauth-2025-04-20,oidc-federation-2026-04-01';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_TOKEN_CHARS = 8 * 1024;
const MAX_LIFETIME_SECONDS = 86_400;

export interface MintedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

export interface ExchangeOptions {
  readonly baseUrl: string;
  readonly ids: FederationIds;
  readonly assertion: string;
  readonly timeoutMs: number;
  readonly userAgent: string;
  /** Called with the access token before anything else sees it. */
  readonly mask: (secret: string) => void;
  readonly now?: () => number;
  /** Ends the request (or keeps it from starting) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

export function exchangeBody(ids: FederationIds, assertion: string): Record<string, string> {
  return {
    grant_type: GRANT_TYPE,
    assertion,
    federation_rule_id: ids.federationRuleId,
    organization_id: ids.organizationId,
    ...(ids.serviceAccountId === undefined ? {} : { service_account_id: ids.serviceAccountId }),
    ...(ids.workspaceId === undefined ? {} : { workspace_id: ids.workspaceId }),
  };
}

export async function exchangeToken(options: ExchangeOptions): Promise<MintedToken> {
  const sentAt = (options.now ?? Date.now)();
  const response = await request({
    method: 'POST',
    url: `${options.baseUrl}/v1/oauth/token`,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'anthropic-beta': EXCHANGE_BETA,
    },
    body: JSON.stringify(exchangeBody(options.ids, options.assertion)),
    timeoutMs: options.timeoutMs,
    maxBodyBytes: MAX_RESPONSE_BYTES,
    userAgent: options.userAgent,
    ...(options.signal && { signal: options.signal }),
  });
  if (response.status !== 200) {
    throw new HttpStatusError(
      'The token exchange',
      response,
      hintFor(response.status, response.body),
      [options.assertion],
      exchangeCode(response.status),
    );
  }
  return parseTokenResponse(response.body, sentAt, options.mask);
}

/** Checks the 200 answer the way the SDKs do, masking the token as soon as it is found. */
export function parseTokenResponse(body: string, sentAt: number, mask: (secret: string) => void): MintedToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw bad('the answer is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('the answer is not a JSON object');
  const record = parsed as Record<string, unknown>;
  const token = record['access_token'];
  if (typeof token !== 'string' || token === '') throw bad('the answer has no access_token');
  mask(token);
  if (token.length > MAX_TOKEN_CHARS || /[\s"\\]/.test(token)) throw bad('the access_token is malformed');
  const tokenType = record['token_type'];
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw bad(`token_type is ${typeof tokenType === 'string' ? JSON.stringify(tokenType.slice(0, 20)) : typeof tokenType}, not Bearer`);
  }
  const expiresIn = record['expires_in'];
  if (typeof expiresIn !== 'number' || !(expiresIn > 0 && expiresIn < Infinity)) {
    throw bad('expires_in is not a positive finite number of seconds');
  }
  const scope = typeof record['scope'] === 'string' ? record['scope'] : undefined;
  // No rule mints for longer than a day; a larger value is treated as a day (renewal comes sooner).
  const lifetime = Math.min(expiresIn, MAX_LIFETIME_SECONDS);
  return { accessToken: token, expiresIn: lifetime, expiresAt: sentAt + lifetime * 1000, scope };
}

function bad(why: string): ActionError {
  return new ActionError(
    'bad-token-response',
    `The token endpoint answered 200 but ${why}; refusing to use it.`,
    'Check base-url: it must point at the Anthropic API (or a gateway that passes /v1/oauth/token through unchanged).',
  );
}

function exchangeCode(status: number): string {
  if (status === 401) return 'exchange-denied';
  if (status === 400) return 'exchange-rejected';
  return 'exchange-failed';
}

const DENIAL_HINT = [
  'Anthropic denied the exchange. It gives every denial the same answer; the real reason is in the Console:',
  'Settings → Workload identity → History (look for match_subject_prefix, claim mismatches, workspace_id_required, jti_reused).',
  'Most often:',
  "  - the federation rule's subject prefix, audience or pinned claims do not match this run's OIDC token (the claims are printed above);",
  '  - the rule covers several workspaces and workspace-id is not set;',
  '  - the organization-id or service-account-id is not the one the rule belongs to;',
  '  - an assertion was presented twice (each GitHub OIDC token can be exchanged once; this action fetches a fresh one per attempt).',
].join('\n');

function hintFor(status: number, body: string): string | undefined {
  if (status === 401) return DENIAL_HINT;
  if (status === 400 && body.includes('invalid_grant')) return DENIAL_HINT;
  if (status === 400)
    return 'The token endpoint rejected the request itself: check federation-rule-id and workspace-id against the Console.';
  if (status === 403) return 'The organization or service account may not be allowed to use workload identity federation.';
  if (status === 404) return 'No token endpoint at base-url: it must be the Anthropic API root, e.g. https://api.anthropic.com.';
  if (status === 429 || status >= 500) return 'Anthropic was unavailable or rate-limited; the action retried within timeout-seconds.';
  return undefined;
}
