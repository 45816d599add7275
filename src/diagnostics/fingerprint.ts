// A short, safe-to-log fingerprint of a token (a SHA-256 prefix), for matching audit records.
import { createHash } from 'node:crypto';

/** A short SHA-256 prefix of a token: safe to log, enough to match an audit record. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}
