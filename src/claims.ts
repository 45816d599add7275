// The non-secret claims of the job's OIDC token, decoded locally (no signature check is needed to
// show them), for the log, the rule suggestion and the summary. The JWT itself is never printed.
import { decodeJwt } from 'jose';

export const SHOWN_CLAIMS = [
  'iss',
  'aud',
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'ref',
  'ref_type',
  'event_name',
  'environment',
  'workflow_ref',
  'job_workflow_ref',
  'runner_environment',
  'actor',
  'iat',
  'exp',
] as const;

export type ShownClaim = (typeof SHOWN_CLAIMS)[number];
export type Claims = Partial<Record<ShownClaim, string | number>>;

const MAX_SKEW_SECONDS = 60;

/** The shown claims only; anything else the token carries stays out. */
export function readClaims(jwt: string): Claims {
  const payload = decodeJwt(jwt) as Record<string, unknown>;
  const claims: Claims = {};
  for (const name of SHOWN_CLAIMS) {
    const value = payload[name];
    if (typeof value === 'string' || typeof value === 'number') claims[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) claims[name] = value.join(',');
  }
  return claims;
}

export function formatClaims(claims: Claims): string[] {
  return SHOWN_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => {
    const value = claims[name];
    if ((name === 'iat' || name === 'exp') && typeof value === 'number') {
      return `${name}: ${value} (${new Date(value * 1000).toISOString()})`;
    }
    return `${name}: ${String(value)}`;
  });
}

/** A warning when the token's iat is far from this machine's clock. */
export function clockSkewWarning(claims: Claims, nowMs: number): string | undefined {
  const iat = claims.iat;
  if (typeof iat !== 'number') return undefined;
  const skew = Math.round(nowMs / 1000 - iat);
  if (Math.abs(skew) <= MAX_SKEW_SECONDS) return undefined;
  return `This machine's clock is ${Math.abs(skew)}s ${skew > 0 ? 'ahead of' : 'behind'} the OIDC token's issue time; expiry times shown here may be off, and a skewed clock can make the token look expired or not yet valid.`;
}
