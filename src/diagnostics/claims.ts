// The non-secret claims of the job's OIDC token, decoded locally (no signature check is needed to
// show them), for the log, the rule suggestion and the summary. The JWT itself is never printed.
import { decodeJwt } from 'jose';
import { breakLegacyCommands } from '../log/log-line.ts';

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

const MAX_VALUE_CHARS = 300;

/** One log line per claim. Values are shown as one line: control characters (a newline could start
 *  a workflow command) are escaped, and long values clipped. */
export function formatClaims(claims: Claims): string[] {
  return SHOWN_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => {
    const value = claims[name];
    if ((name === 'iat' || name === 'exp') && typeof value === 'number' && Number.isFinite(value)) {
      const date = new Date(value * 1000);
      return Number.isNaN(date.getTime()) ? `${name}: ${value}` : `${name}: ${value} (${date.toISOString()})`;
    }
    return `${name}: ${printable(String(value))}`;
  });
}

function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u001f\u007f\u2028\u2029]/g;
  const escaped = breakLegacyCommands(value.replace(controls, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > MAX_VALUE_CHARS ? `${escaped.slice(0, MAX_VALUE_CHARS)}…` : escaped;
}

/** A warning when the token's iat is far from this machine's clock. */
export function clockSkewWarning(claims: Claims, nowMs: number): string | undefined {
  const iat = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return undefined;
  const skew = Math.round(nowMs / 1000 - iat);
  if (Math.abs(skew) <= MAX_SKEW_SECONDS) return undefined;
  return `This machine's clock is ${Math.abs(skew)}s ${skew > 0 ? 'ahead of' : 'behind'} the OIDC token's issue time; expiry times shown here may be off, and a skewed clock can make the token look expired or not yet valid.`;
}
