// The background renewal process: keeps a profile's credentials file fresh for as long as the job runs.
// It holds no assertion between renewals (each renewal fetches a fresh OIDC token), prints nothing,
// and records what it did in a status file (never a secret) that the post step reports.
import { promises as fs } from 'node:fs';
import { messageOf } from '../errors.ts';
import { HttpStatusError, isTransientStatus } from '../credentials/http-errors.ts';
import type { FederationIds } from '../inputs.ts';
import { mintToken } from '../credentials/mint.ts';
import type { OidcEndpoint } from '../credentials/oidc.ts';
import { credentialsJson, replaceIfPresent } from '../export/profile.ts';
import { scrub } from '../log/redact.ts';
import { nextRenewalAt, READERS_EXPIRY_MARGIN_MS, type TokenTimes } from './schedule.ts';
import { writeStatus, type RenewalStatus, type StopReason } from './status.ts';

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
}

const POLL_MS = 5_000;
/** How long after the credentials lapsed an answer that retrying should not change (400, 401, 403,
 *  404) ends the renewal process. Not at once: Anthropic answers its own passing failures (fetching
 *  GitHub's keys, say) with the same 401, and a rule fixed in the Console meanwhile lets renewal
 *  resume. */
export const GIVE_UP_AFTER_LAPSE_MS = 10 * 60_000;
const RENEWAL_BUDGET_MS = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString();

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** True when the runner refused the OIDC request token: the job is over or the token is gone. */
function requestTokenRejected(error: unknown): boolean {
  return error instanceof HttpStatusError && error.code === 'oidc-request-failed' && (error.status === 401 || error.status === 403);
}

/** An answer that another try will not change (400, 401, 403, 404: a rule archived or changed). */
function permanent(error: unknown): boolean {
  return error instanceof HttpStatusError && !isTransientStatus(error.status);
}

export async function runRenewal(config: RenewalConfig, deps: RenewalDeps): Promise<RenewalStatus> {
  let token = config.token;
  let status: RenewalStatus = {
    version: 1,
    pid: deps.pid,
    startedAt: iso(deps.now()),
    rotations: 0,
    lastSuccessAt: null,
    expiresAt: iso(token.expiresAt),
    failuresInARow: 0,
    lastError: null,
    lastErrorAt: null,
    lapsedAt: null,
    recoveredAt: null,
    stoppedAt: null,
    stopReason: null,
  };
  let lastAttemptAt = deps.now();
  const update = async (patch: Partial<RenewalStatus>): Promise<void> => {
    status = { ...status, ...patch };
    await writeStatus(config.statusFile, status).catch(() => undefined);
  };
  const stop = async (reason: StopReason): Promise<RenewalStatus> => {
    await update({ stoppedAt: iso(deps.now()), stopReason: reason });
    return status;
  };
  const stopRequested = (): boolean => deps.signal?.aborted === true || deps.shouldStop();
  /** Why to stop now, if anything says so. */
  const stopReason = async (): Promise<StopReason | undefined> => {
    if (stopRequested()) return 'stopped';
    if (!deps.isParentAlive()) return 'parent-gone';
    if (!(await exists(config.credentialsFile))) return 'credentials-removed';
    return undefined;
  };
  await update({});

  for (;;) {
    const dueAt = nextRenewalAt(token, status.failuresInARow, lastAttemptAt, deps.random);
    // Sleep in short steps so a stop signal, a vanished parent or a removed file is noticed quickly.
    while (deps.now() < dueAt) {
      const reason = await stopReason();
      if (reason !== undefined) return stop(reason);
      await deps.sleep(Math.min(POLL_MS, dueAt - deps.now()), deps.signal);
    }
    const reason = await stopReason();
    if (reason !== undefined) return stop(reason);

    lastAttemptAt = deps.now();
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
        ...(deps.random === undefined ? {} : { random: deps.random }),
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      });
      if (stopRequested()) return await stop('stopped');
      // Checked again right before the rename: a file removed while the exchange ran stays removed.
      const written = await replaceIfPresent(
        config.credentialsFile,
        credentialsJson(minted.accessToken, minted.expiresAt),
        () => !stopRequested(),
      );
      if (written === 'removed') return await stop('credentials-removed');
      if (written === 'unwanted') return await stop('stopped');
      token = { issuedAt: lastAttemptAt, expiresAt: minted.expiresAt };
      await update({
        rotations: status.rotations + 1,
        lastSuccessAt: iso(deps.now()),
        expiresAt: iso(minted.expiresAt),
        failuresInARow: 0,
        ...(status.lapsedAt === null ? {} : { recoveredAt: iso(deps.now()) }),
      });
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
