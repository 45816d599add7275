// What the post step says about the refresher's work, from its status file.
import { READERS_EXPIRY_MARGIN_MS } from './refresh-schedule.ts';
import type { RefreshStatus } from './refresh-status.ts';

export interface RenewalReport {
  readonly info: string[];
  readonly warnings: string[];
}

export function describeRenewal(status: RefreshStatus | undefined, nowMs: number): RenewalReport {
  if (status === undefined) {
    return {
      info: [],
      warnings: ['The background refresher left no status: it may not have started, so the credentials were not renewed.'],
    };
  }
  const times = status.rotations === 1 ? 'once' : `${status.rotations} times`;
  const info = [`The credentials were renewed ${times}; the last token expires at ${status.expiresAt}.`];
  const warnings: string[] = [];
  // Readers stop using a token 30 s before it expires: that is when the credentials lapse.
  const unusableAt = Date.parse(status.expiresAt) - READERS_EXPIRY_MARGIN_MS;
  const lapsedAt = status.lapsedAt ?? (status.failuresInARow > 0 && unusableAt <= nowMs ? new Date(unusableAt).toISOString() : null);
  if (lapsedAt !== null && (status.recoveredAt === null || status.failuresInARow > 0)) {
    warnings.push(
      `The credentials lapsed at ${lapsedAt}: renewal kept failing (${status.failuresInARow} in a row; last error at ${status.lastErrorAt ?? 'unknown'}: ${status.lastError ?? 'unknown'}). Steps after that time could not reach the API.`,
    );
  } else if (lapsedAt !== null) {
    warnings.push(
      `The credentials lapsed at ${lapsedAt} and renewal recovered at ${status.recoveredAt ?? 'unknown'}; steps in between could not reach the API (last error: ${status.lastError ?? 'unknown'}).`,
    );
  } else if (status.failuresInARow > 0) {
    warnings.push(
      `The last renewal attempts failed (${status.failuresInARow} in a row; last: ${status.lastError ?? 'unknown'}), but the credentials had not lapsed by the end of the job.`,
    );
  }
  if (status.stopReason === 'oidc-request-token-rejected') {
    warnings.push(
      `The refresher stopped at ${status.stoppedAt ?? 'unknown'}: the runner no longer accepted the OIDC request token, so nothing could be renewed after that.`,
    );
  } else if (status.stopReason === 'gave-up') {
    warnings.push(
      `The refresher gave up at ${status.stoppedAt ?? 'unknown'}: the credentials had lapsed 10 minutes before, and the exchange kept failing with an answer that retrying does not change (check the federation rule).`,
    );
  } else if (status.stopReason === 'parent-gone') {
    warnings.push(`The refresher stopped at ${status.stoppedAt ?? 'unknown'} because the runner process it watched was gone.`);
  }
  return { info, warnings };
}
