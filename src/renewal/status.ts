// The renewal process's status file: what it did, never a secret. The renewal process writes it; post reads it.
import { promises as fs } from 'node:fs';
import { replaceIfPresent, writeFileAtomic, type ReplaceOutcome } from '../export/profile.ts';
import type { Platform } from '../platform/index.ts';
import type { StopChannel } from './channel.ts';

export type StopReason =
  | 'stopped'
  | 'parent-gone'
  | 'oidc-request-token-rejected'
  | 'credentials-removed'
  | 'gave-up'
  /** The credentials file could not be replaced (held open, or refused) for as long as the renewed
   *  token was of use to readers. */
  | 'credentials-unwritable'
  /** It had run as long as a GitHub job can: the job is over, whether or not anything said so. */
  | 'job-time-limit';

export interface RenewalStatus {
  readonly version: 1;
  readonly pid: number;
  readonly startedAt: string;
  readonly rotations: number;
  readonly lastSuccessAt: string | null;
  readonly expiresAt: string;
  readonly failuresInARow: number;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  /** When the credentials file last held an expired token with no renewal in sight. */
  readonly lapsedAt: string | null;
  /** When a renewal succeeded again after a lapse. */
  readonly recoveredAt: string | null;
  readonly stoppedAt: string | null;
  readonly stopReason: StopReason | null;
  /** Its stop channel (see channel.ts): where the post step asks it to stop, and the nonce to send.
   *  Absent when it has none (then only a signal stops it, and only on Linux). */
  readonly stop?: StopChannel;
}

/** The status a renewal process starts with: running, nothing renewed yet, the first token's expiry,
 *  and its stop channel when it has one. */
export function startingStatus(pid: number, startedAt: string, expiresAt: string, stop?: StopChannel): RenewalStatus {
  return {
    version: 1,
    pid,
    startedAt,
    rotations: 0,
    lastSuccessAt: null,
    expiresAt,
    failuresInARow: 0,
    lastError: null,
    lastErrorAt: null,
    lapsedAt: null,
    recoveredAt: null,
    stoppedAt: null,
    stopReason: null,
    ...(stop === undefined ? {} : { stop }),
  };
}

export async function writeStatus(file: string, status: RenewalStatus): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(status, null, 2)}\n`);
}

/**
 * Rewrites the status file only while it still exists: once the post step has removed it (and left
 * a process it could not stop), a later status must not bring it back.
 */
export async function replaceStatus(file: string, status: RenewalStatus, on?: Platform): Promise<ReplaceOutcome> {
  return replaceIfPresent(file, `${JSON.stringify(status, null, 2)}\n`, () => true, on);
}

export async function readStatus(file: string): Promise<RenewalStatus | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RenewalStatus;
  } catch {
    return undefined;
  }
}
