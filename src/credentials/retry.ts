// Bounded retries: a small attempt cap, jittered exponential backoff, Retry-After honoured, and an
// overall deadline that no sleep may cross. Which errors are worth a retry is the caller's call.

export interface RetryVerdict {
  readonly retry: boolean;
  /** A delay the server asked for (Retry-After), in milliseconds. */
  readonly afterMs?: number;
}

export interface RetryOptions {
  /** Epoch milliseconds after which no attempt starts and no sleep ends. */
  readonly deadline: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly classify: (error: unknown) => RetryVerdict;
  readonly now?: () => number;
  /** Waits ms; may end early once `signal` is aborted (the loop checks the signal afterwards). */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  readonly random?: (() => number) | undefined;
  readonly onRetry?: ((info: { attempt: number; delayMs: number; error: unknown }) => void) | undefined;
  /** Once aborted, no attempt starts and a sleep ends at once: the loop throws `Aborted`. */
  readonly signal?: AbortSignal | undefined;
}

/** The work was stopped from outside (its AbortSignal was aborted): not a failure of the work. */
export class Aborted extends Error {
  constructor(message = 'stopped before it finished') {
    super(message);
    this.name = 'Aborted';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new Aborted();
}

/** Thrown when retries ran out; `cause` is the last attempt's error. */
export class RetriesExhausted extends Error {
  readonly attempts: number;
  constructor(attempts: number, why: string, cause: unknown) {
    super(`${why} after ${attempts} attempt${attempts === 1 ? '' : 's'}`, { cause });
    this.name = 'RetriesExhausted';
    this.attempts = attempts;
  }
}

/** Resolves after ms, or at once when `signal` is (or becomes) aborted. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });

/** Full-jitter backoff: a random delay between half and all of base × 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      // Stopped meanwhile: whatever the attempt ended with, nothing more is tried.
      throwIfAborted(signal);
      const verdict = options.classify(error);
      if (!verdict.retry) throw error;
      if (attempt >= options.maxAttempts) throw new RetriesExhausted(attempt, 'gave up', error);
      const delayMs = verdict.afterMs ?? backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs, random);
      if (now() + delayMs >= options.deadline) {
        const why =
          verdict.afterMs === undefined
            ? 'ran out of time (timeout-seconds)'
            : `the server asked to retry after ${Math.ceil(delayMs / 1000)}s, past the deadline (timeout-seconds)`;
        throw new RetriesExhausted(attempt, why, error);
      }
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, signal);
    }
  }
}

/** An HTTP date as RFC 9110 says to send it (IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. `Date.parse` alone
 *  would read almost anything ("1.5", "-3", "x 12") as some date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
