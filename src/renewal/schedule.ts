// When the renewal process renews a token, as pure functions of time so tests can drive their own clock.

/** Renew no later than this long before expiry, when the token's life allows it. */
export const RENEW_BEFORE_EXPIRY_MS = 150_000;
/** The SDKs and the `claude` CLI treat a profile token with this long or less to live as expired:
 *  for them the credentials lapse this long before the token's own expiry. */
export const READERS_EXPIRY_MARGIN_MS = 30_000;
/** Never renew more often than this, whatever the token's life: no hot loop on short tokens. */
export const MIN_RENEW_INTERVAL_MS = 15_000;
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 30_000;

/**
 * Milliseconds after issue to renew a token that lives `lifetimeMs`: half-way through its life and
 * never later than 150 s before expiry; for tokens too short for that, a third of the way (readers
 * treat a token with 30 s or less left as expired, so the file must never get that close).
 */
export function renewAfterMs(lifetimeMs: number): number {
  const preferred = Math.min(lifetimeMs / 2, lifetimeMs - RENEW_BEFORE_EXPIRY_MS);
  const floor = Math.max(lifetimeMs / 3, MIN_RENEW_INTERVAL_MS);
  return Math.round(Math.max(preferred, floor));
}

/** Wait before retrying after `failures` failed renewals in a row: 5 s, 10 s, 20 s, then 30 s, jittered. */
export function retryAfterMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.75 + 0.25 * random()));
}

export interface TokenTimes {
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** Epoch milliseconds of the next renewal attempt. */
export function nextRenewalAt(token: TokenTimes, failures: number, lastAttemptAt: number, random?: () => number): number {
  if (failures === 0) return token.issuedAt + renewAfterMs(token.expiresAt - token.issuedAt);
  return lastAttemptAt + retryAfterMs(failures, random);
}
