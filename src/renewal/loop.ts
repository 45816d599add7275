// The background renewal process: keeps a profile's credentials file fresh for as long as the job runs.
// It holds no assertion between renewals (each renewal fetches a fresh OIDC token), prints nothing,
// and records what it did in a status file (never a secret) that the post step reports.
//
// When it ends, on every runner: when the post step asks (its stop channel or a signal); when the
// credentials file is gone; when the watched runner process is gone (Linux and macOS hosts; not in a
// container, whose step parent is pid 0 or 1); when the runner refuses the OIDC request token, which
// it does once the job is over: at the next renewal, and checked at least every JOB_CHECK_MS
// between renewals, so a job that ended without a post step (cancelled, runner killed, a reused pid)
// leaves it running 10 minutes at most; and in any case at `jobEndsBy`, the longest a GitHub job can
// run.
import { existsSync } from 'node:fs';
import { messageOf } from '../errors.ts';
import { HttpStatusError, isTransientStatus } from '../credentials/http-errors.ts';
import type { FederationIds } from '../inputs.ts';
import { mintToken } from '../credentials/mint.ts';
import { fetchIdToken, type OidcEndpoint } from '../credentials/oidc.ts';
import { credentialsJson, replaceIfPresent } from '../export/profile.ts';
import { scrub } from '../log/redact.ts';
import type { Platform } from '../platform/index.ts';
import type { StopChannel } from './channel.ts';
import { nextRenewalAt, READERS_EXPIRY_MARGIN_MS, type TokenTimes } from './schedule.ts';
import { replaceStatus, startingStatus, writeStatus, type RenewalStatus, type StopReason } from './status.ts';

/** Handed to the renewal process in an environment variable; nothing secret in it. */
export interface RenewalConfig {
  readonly ids: FederationIds;
  readonly audience: string;
  readonly baseUrl: string;
  readonly userAgent: string;
  readonly credentialsFile: string;
  readonly statusFile: string;
  /** The process whose exit means the job is gone (the runner's worker). */
  readonly watchPid: number;
  readonly token: TokenTimes;
  /** Epoch milliseconds by which the job is over whatever happened (the longest a GitHub job runs,
   *  from the renewal's start); absent: no limit beyond the checks of the request token. */
  readonly jobEndsBy?: number;
}

export interface RenewalDeps {
  readonly oidc: OidcEndpoint;
  readonly now: () => number;
  /** Resolves after ms, or early once `signal` is aborted. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly isParentAlive: () => boolean;
  readonly shouldStop: () => boolean;
  /** The stop request (the post step's signal): carried into the renewal under way, whose OIDC
   *  request, exchange and retry waits it ends at once. */
  readonly signal?: AbortSignal;
  readonly pid: number;
  /** Recorded in the status file, for the post step. */
  readonly stopChannel?: StopChannel;
  /** The OS's file operations (replacing a file a reader holds open); this machine's by default. */
  readonly platform?: Platform;
}

const POLL_MS = 5_000;
/** How long after the credentials lapsed an answer that retrying should not change (400, 401, 403,
 *  404) ends the renewal process. Not at once: Anthropic answers its own passing failures (fetching
 *  GitHub's keys, say) with the same 401, and a rule fixed in the Console meanwhile lets renewal
 *  resume. */
export const GIVE_UP_AFTER_LAPSE_MS = 10 * 60_000;
const RENEWAL_BUDGET_MS = 60_000;
/** Between renewals, the runner is asked this often at least whether the job still runs (it refuses the
 *  OIDC request token once the job is over). */
export const JOB_CHECK_MS = 10 * 60_000;
const JOB_CHECK_TIMEOUT_MS = 10_000;
/** The longest a job runs: 6 hours on GitHub-hosted runners, 5 days on self-hosted ones. */
export const MAX_JOB_MS = { 'github-hosted': 6 * 3_600_000, 'self-hosted': 5 * 24 * 3_600_000 } as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** True when the runner refused the OIDC request token: the job is over or the token is gone. */
function requestTokenRejected(error: unknown): boolean {
  return error instanceof HttpStatusError && error.code === 'oidc-request-failed' && (error.status === 401 || error.status === 403);
}

/** An answer that another try will not change (400, 401, 403, 404: a rule archived or changed). */
function permanent(error: unknown): boolean {
  return error instanceof HttpStatusError && !isTransientStatus(error.status);
}

/** A renewed token not yet in the file (a reader held it open): written at the next try, not minted again. */
interface HeldToken {
  readonly accessToken: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export async function runRenewal(config: RenewalConfig, deps: RenewalDeps): Promise<RenewalStatus> {
  /** The stop request; without one (tests), a signal that never aborts. */
  const signal = deps.signal ?? new AbortController().signal;
  const random = deps.random ?? Math.random;
  let token = config.token;
  let status = startingStatus(deps.pid, iso(deps.now()), iso(token.expiresAt), deps.stopChannel);

  let lastAttemptAt = deps.now();
  /** The last time the runner answered for the job (an OIDC request, accepted or not). */
  let lastJobCheckAt = lastAttemptAt;
  let held: HeldToken | undefined;
  let lastWriteAt = lastAttemptAt;
  /** Whether the status file was written once: from then on it is only replaced, never made again
   *  (the post step removes it, even when it leaves this process running). */
  let statusCreated = false;
  const update = async (patch: Partial<RenewalStatus>): Promise<void> => {
    status = { ...status, ...patch };
    if (statusCreated) {
      await replaceStatus(config.statusFile, status, deps.platform).catch(() => undefined);
    } else {
      try {
        await writeStatus(config.statusFile, status);
        statusCreated = true;
      } catch {
        // Not made (its directory is not there, say): tried again at the next update.
      }
    }
  };
  const stop = async (reason: StopReason): Promise<RenewalStatus> => {
    await update({ stoppedAt: iso(deps.now()), stopReason: reason });
    return status;
  };
  const stopRequested = (): boolean => signal.aborted || deps.shouldStop();
  /** Whether the runner refused the request token when asked now; any other failure says nothing. */
  const jobIsOver = async (): Promise<boolean> => {
    lastJobCheckAt = deps.now();
    try {
      await fetchIdToken({
        endpoint: deps.oidc,
        audience: config.audience,
        timeoutMs: JOB_CHECK_TIMEOUT_MS,
        userAgent: config.userAgent,
        mask: () => undefined,
        signal,
      });
      return false;
    } catch (error) {
      if (!requestTokenRejected(error)) return false;
      await update({ lastError: scrub(messageOf(error)), lastErrorAt: iso(deps.now()) });
      return true;
    }
  };
  /** Why to stop now, if anything says so. */
  const stopReason = async (): Promise<StopReason | undefined> => {
    if (stopRequested()) return 'stopped';
    if (!deps.isParentAlive()) return 'parent-gone';
    if (!existsSync(config.credentialsFile)) return 'credentials-removed';
    if (deps.now() >= (config.jobEndsBy ?? Infinity)) return 'job-time-limit';
    if (deps.now() - lastJobCheckAt >= JOB_CHECK_MS && (await jobIsOver())) return 'oidc-request-token-rejected';
    return undefined;
  };
  /** Writes a renewed token to the file; a stop reason, or 'busy' when a reader held the file. */
  const install = async (renewed: HeldToken): Promise<StopReason | 'replaced' | 'busy'> => {
    lastWriteAt = deps.now();
    const written = await replaceIfPresent(
      config.credentialsFile,
      credentialsJson(renewed.accessToken, renewed.expiresAt),
      () => !stopRequested(),
      deps.platform,
    );
    if (written === 'removed') return 'credentials-removed';
    if (written === 'unwanted') return 'stopped';
    const now = deps.now();
    if (written === 'busy') {
      // Kept, not thrown away: the next try writes it again instead of spending another OIDC token.
      held = renewed;
      const unusableAt = token.expiresAt - READERS_EXPIRY_MARGIN_MS;
      await update({
        lastError: 'The credentials file was held open by another process; the renewed token is written at the next try.',
        lastErrorAt: iso(now),
        lapsedAt: status.lapsedAt ?? (now >= unusableAt ? iso(unusableAt) : null),
      });
      return 'busy';
    }
    held = undefined;
    token = { issuedAt: renewed.issuedAt, expiresAt: renewed.expiresAt };
    await update({
      rotations: status.rotations + 1,
      lastSuccessAt: iso(now),
      expiresAt: iso(renewed.expiresAt),
      failuresInARow: 0,
      ...(status.lapsedAt === null ? {} : { recoveredAt: iso(now) }),
    });
    return 'replaced';
  };
  await update({});

  for (;;) {
    // A held token is written again at every poll while readers would still use it. Once it is no
    // better than that, the file was unwritable for a whole token's use (a reader that never lets go,
    // or a refusal that is not a reader at all, e.g. a permanent EPERM): give up, saying why.
    if (held !== undefined && deps.now() >= held.expiresAt - READERS_EXPIRY_MARGIN_MS) {
      await update({
        lastError:
          'The credentials file stayed held open or refused replacement (EPERM, EACCES or EBUSY) while the renewed token was of use.',
        lastErrorAt: iso(deps.now()),
      });
      return stop('credentials-unwritable');
    }
    const dueAt = held !== undefined ? lastWriteAt + POLL_MS : nextRenewalAt(token, status.failuresInARow, lastAttemptAt, random);
    // Sleep in short steps so a stop signal, a vanished parent or a removed file is noticed quickly.
    while (deps.now() < dueAt) {
      const reason = await stopReason();
      if (reason !== undefined) return stop(reason);
      await deps.sleep(Math.min(POLL_MS, dueAt - deps.now()), signal);
    }
    const reason = await stopReason();
    if (reason !== undefined) return stop(reason);

    if (held !== undefined) {
      try {
        const outcome = await install(held);
        if (outcome !== 'replaced' && outcome !== 'busy') return await stop(outcome);
      } catch (error) {
        // Not a reader holding the file (e.g. its directory is gone): recorded, and the next round
        // stops on whatever it was (a removed file) or tries again while the token is of use.
        await update({ lastError: scrub(messageOf(error)), lastErrorAt: iso(deps.now()) });
      }
      continue;
    }

    lastAttemptAt = deps.now();
    lastJobCheckAt = lastAttemptAt;
    try {
      const minted = await mintToken({
        oidc: deps.oidc,
        audience: config.audience,
        baseUrl: config.baseUrl,
        ids: config.ids,
        userAgent: config.userAgent,
        deadline: lastAttemptAt + RENEWAL_BUDGET_MS,
        mask: () => undefined,
        now: deps.now,
        sleep: deps.sleep,
        random,
        signal,
      });
      if (stopRequested()) return await stop('stopped');
      // Checked again right before the rename: a file removed while the exchange ran stays removed.
      const outcome = await install({ accessToken: minted.accessToken, issuedAt: lastAttemptAt, expiresAt: minted.expiresAt });
      if (outcome !== 'replaced' && outcome !== 'busy') return await stop(outcome);
    } catch (error) {
      // Stopped mid-renewal (the request was cut, or its wait ended): not a failed renewal.
      if (stopRequested()) return stop('stopped');
      if (requestTokenRejected(error)) {
        await update({ lastError: scrub(messageOf(error)), lastErrorAt: iso(deps.now()) });
        return stop('oidc-request-token-rejected');
      }
      const now = deps.now();
      // Lapsed once readers stop using the token in the file, not only once it expires.
      const unusableAt = token.expiresAt - READERS_EXPIRY_MARGIN_MS;
      await update({
        failuresInARow: status.failuresInARow + 1,
        lastError: scrub(messageOf(error)),
        lastErrorAt: iso(now),
        lapsedAt: status.lapsedAt ?? (now >= unusableAt ? iso(unusableAt) : null),
      });
      // Keep trying while the token in the file is of use, and for a while after; then an answer
      // that retrying does not change ends the renewal process instead of hours of denied exchanges.
      if (permanent(error) && now - unusableAt >= GIVE_UP_AFTER_LAPSE_MS) return stop('gave-up');
    }
  }
}
