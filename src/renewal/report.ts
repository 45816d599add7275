// What the post step says about the renewal process's work, from its status file.
import { READERS_EXPIRY_MARGIN_MS } from './schedule.ts';
import type { RenewalStatus } from './status.ts';
import type { StopOutcome } from './process.ts';

export interface RenewalReport {
  readonly info: string[];
  readonly warnings: string[];
}

/**
 * When there is no status file. The renewal process writes its status before anything else, and the main
 * step waits for that first status (and warns when it does not come), so this is rare: a renewal process
 * that hung or died while starting, or a status file removed by someone else.
 */
export function describeMissingStatus(pid: number | undefined, outcome: StopOutcome | undefined): RenewalReport {
  const who = pid === undefined ? 'The background renewal process' : `The background renewal process (pid ${pid})`;
  const unrecorded = 'no renewal was recorded, so the credentials may not have been renewed.';
  let warning: string;
  if (outcome === 'stopped' || outcome === 'killed') {
    warning = `${who} was running but had written no status; the post step stopped it. ${capitalize(unrecorded)}`;
  } else if (outcome === 'still-running') {
    warning = `${who} was running but had written no status; ${unrecorded}`;
  } else if (outcome === 'unconfirmed') {
    warning = `${who} wrote no status, and nothing showed that the process holding that pid is this action's (no stop channel to ask, and no command line to read on this OS), so the post step left it alone; ${unrecorded}`;
  } else if (outcome === 'not-running') {
    warning = `${who} wrote no status and was not running when the post step began (it ended early, or was killed); ${unrecorded}`;
  } else {
    warning = `${who} left no status file; ${unrecorded}`;
  }
  return { info: [], warnings: [warning] };
}

/**
 * The post step could not confirm the renewal process it started (it did not answer on a stop
 * channel). `socketTooLong`: it never had one, because a Unix socket in the config directory would
 * exceed the OS's path limit (RUNNER_TEMP is too long), not because it was killed.
 */
export function describeUnconfirmed(pid: number, socketTooLong: boolean): string {
  if (socketTooLong) {
    return `The background renewal process (pid ${pid}) had no stop channel: a Unix socket in its config directory under RUNNER_TEMP would be longer than the 103 bytes this OS allows in a socket path. With no channel to ask and no command line to read on this OS, the post step could not tell that the process holding pid ${pid} is this action's, so it did not stop it; it ends by itself once the job is over. Set RUNNER_TEMP to a shorter path to let the post step stop it.`;
  }
  return `The background renewal process (pid ${pid}) did not answer on its stop channel: it was most likely killed without recording why. Nothing showed that the process now holding pid ${pid} is this action's, so the post step did not signal it; a renewal process that is merely hung ends by itself once the job is over.`;
}

function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

export function describeRenewal(status: RenewalStatus | undefined, nowMs: number): RenewalReport {
  if (status === undefined) return describeMissingStatus(undefined, undefined);
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
      `The renewal process stopped at ${status.stoppedAt ?? 'unknown'}: the runner no longer accepted the OIDC request token, so nothing could be renewed after that.`,
    );
  } else if (status.stopReason === 'gave-up') {
    warnings.push(
      `The renewal process gave up at ${status.stoppedAt ?? 'unknown'}: the credentials had lapsed 10 minutes before, and the exchange kept failing with an answer that retrying does not change (check the federation rule).`,
    );
  } else if (status.stopReason === 'credentials-unwritable') {
    warnings.push(
      `The renewal process gave up at ${status.stoppedAt ?? 'unknown'}: it could not replace the credentials file for as long as the renewed token was of use (${status.lastError ?? 'no error recorded'}). Another process kept the file open, or replacing it is not permitted.`,
    );
  } else if (status.stopReason === 'job-time-limit') {
    warnings.push(
      `The renewal process stopped at ${status.stoppedAt ?? 'unknown'}: it had run as long as a GitHub job can run, so nothing was renewed after that.`,
    );
  } else if (status.stopReason === 'parent-gone') {
    warnings.push(`The renewal process stopped at ${status.stoppedAt ?? 'unknown'} because the runner process it watched was gone.`);
  }
  return { info, warnings };
}
