import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classifyTransient, HttpStatusError } from '../../src/credentials/http-errors.ts';
import { NetworkError } from '../../src/credentials/http.ts';
import { Aborted, backoffDelay, parseRetryAfter, RetriesExhausted, sleep, throwIfAborted, withRetry } from '../../src/credentials/retry.ts';

function status(code: number, headers: Record<string, string> = {}): HttpStatusError {
  return new HttpStatusError('test', { status: code, headers, body: '{}' }, undefined, [], 'x');
}

/** A fake clock whose sleep advances time instantly. */
function clock(start = 1_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('classifyTransient', () => {
  it('retries network errors, timeouts, 429, 5xx and 529 only', () => {
    expect(classifyTransient(new NetworkError('network', 'x')).retry).toBe(true);
    expect(classifyTransient(new NetworkError('timeout', 'x')).retry).toBe(true);
    expect(classifyTransient(new NetworkError('too-large', 'x')).retry).toBe(false);
    for (const code of [429, 500, 502, 503, 504, 529]) expect(classifyTransient(status(code)).retry, String(code)).toBe(true);
    for (const code of [400, 401, 403, 404, 409, 422]) expect(classifyTransient(status(code)).retry, String(code)).toBe(false);
    expect(classifyTransient(new Error('boom')).retry).toBe(false);
    expect(classifyTransient('a string').retry).toBe(false);
  });

  it('draws the 5xx line at 500 and 599', () => {
    for (const code of [500, 599]) expect(classifyTransient(status(code)).retry, String(code)).toBe(true);
    for (const code of [499, 600, 200, 302]) expect(classifyTransient(status(code)).retry, String(code)).toBe(false);
  });

  it('says nothing of a delay when the server asked for none', () => {
    expect(classifyTransient(status(503))).toStrictEqual({ retry: true });
  });

  it('carries Retry-After from a 429', () => {
    expect(classifyTransient(status(429, { 'retry-after': '7' }))).toEqual({ retry: true, afterMs: 7000 });
  });
});

describe('HttpStatusError', () => {
  it('names the status and the request id, from request-id or x-request-id', () => {
    const body = '{"error":"invalid_grant"}';
    const withId = new HttpStatusError(
      'The token exchange',
      { status: 401, headers: { 'request-id': 'req_01a' }, body },
      undefined,
      [],
      'x',
    );
    expect(withId.message).toBe('The token exchange failed: HTTP 401, request-id req_01a: error=invalid_grant');
    expect(withId.name).toBe('HttpStatusError');
    expect(withId.requestId).toBe('req_01a');
    expect(withId.serverCode).toBe('invalid_grant');
    const xId = new HttpStatusError('It', { status: 500, headers: { 'x-request-id': 'req_02b' }, body: '' }, undefined, [], 'x');
    expect(xId.message).toBe('It failed: HTTP 500, request-id req_02b: empty body');
    // Anything else in the header is not a request id, and is not printed.
    for (const sent of ['##[add-mask]x', 'req 1', `r${'x'.repeat(128)}`, '']) {
      const odd = new HttpStatusError('It', { status: 500, headers: { 'request-id': sent }, body: '' }, undefined, [], 'x');
      expect(odd.message, sent).toBe('It failed: HTTP 500: empty body');
      expect(odd.requestId).toBeUndefined();
    }
    const none = new HttpStatusError('It', { status: 500, headers: {}, body: '' }, undefined, [], 'x');
    expect(none.message).toBe('It failed: HTTP 500: empty body');
    expect(none.requestId).toBeUndefined();
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the given time, not before', async () => {
    vi.useFakeTimers();
    let done = false;
    void sleep(1000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});

describe('withRetry', () => {
  const base = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, classify: classifyTransient, random: () => 0.5 };

  it('returns the first success, calling again only after transient errors', async () => {
    const c = clock();
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw status(503);
        return 'ok';
      },
      { ...base, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(c.sleeps).toEqual([750, 1500]);
  });

  it('fails at once on a 400 or 401', async () => {
    for (const code of [400, 401]) {
      const c = clock();
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw status(code);
          },
          { ...base, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep },
        ),
      ).rejects.toBeInstanceOf(HttpStatusError);
      expect(calls).toBe(1);
      expect(c.sleeps).toEqual([]);
    }
  });

  it('stops at the attempt cap', async () => {
    const c = clock();
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw status(500);
      },
      { ...base, deadline: c.now() + 600_000, now: c.now, sleep: c.sleep },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).attempts).toBe(4);
    expect(calls).toBe(4);
  });

  it('says how many attempts it made', async () => {
    const once = await withRetry(
      async () => {
        throw status(503);
      },
      { ...base, maxAttempts: 1, deadline: Date.now() + 60_000 },
    ).catch((e: unknown) => e);
    expect(once).toBeInstanceOf(RetriesExhausted);
    expect((once as RetriesExhausted).message).toBe('gave up after 1 attempt');
    expect((once as RetriesExhausted).name).toBe('RetriesExhausted');
    expect((once as RetriesExhausted).attempts).toBe(1);
    const c = clock();
    const twice = await withRetry(
      async () => {
        throw status(503);
      },
      { ...base, maxAttempts: 2, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep },
    ).catch((e: unknown) => e);
    expect((twice as Error).message).toBe('gave up after 2 attempts');
    expect((twice as Error).cause).toBeInstanceOf(HttpStatusError);
  });

  it('tells onRetry the attempt, the delay and the error before each sleep', async () => {
    const c = clock();
    const seen: Array<{ attempt: number; delayMs: number; error: unknown }> = [];
    const errors = [status(503), status(502)];
    await withRetry(
      async (attempt) => {
        const error = errors[attempt - 1];
        if (error !== undefined) throw error;
        return 'ok';
      },
      { ...base, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep, onRetry: (info) => seen.push(info) },
    );
    expect(seen).toEqual([
      { attempt: 1, delayMs: 750, error: errors[0] },
      { attempt: 2, delayMs: 1500, error: errors[1] },
    ]);
  });

  it('does not start a sleep that would end exactly at the deadline', async () => {
    const c = clock();
    const error = await withRetry(
      async () => {
        throw status(503);
      },
      { ...base, random: () => 1, deadline: c.now() + 1000, now: c.now, sleep: c.sleep },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('ran out of time (timeout-seconds) after 1 attempt');
    expect(c.sleeps).toEqual([]);
  });

  it('never sleeps past the deadline', async () => {
    const c = clock();
    const error = await withRetry(
      async () => {
        throw status(503);
      },
      { ...base, maxAttempts: 100, deadline: c.now() + 5_000, now: c.now, sleep: c.sleep },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as Error).message).toMatch(/ran out of time/);
    expect(c.now()).toBeLessThan(1_000_000 + 5_000);
  });

  it('honours Retry-After, and gives up when it points past the deadline', async () => {
    const c = clock();
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw status(429, { 'retry-after': '3' });
        return 'ok';
      },
      { ...base, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep },
    );
    expect(c.sleeps).toEqual([3000]);
    const late = await withRetry(
      async () => {
        throw status(429, { 'retry-after': '120' });
      },
      { ...base, deadline: c.now() + 60_000, now: c.now, sleep: c.sleep },
    ).catch((e: unknown) => e);
    expect((late as Error).message).toMatch(/asked to retry after 120s, past the deadline/);
  });
});

describe('backoffDelay and parseRetryAfter', () => {
  it('grows exponentially with jitter and is capped', () => {
    expect(backoffDelay(1, 1000, 8000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 8000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 8000, () => 1)).toBe(4000);
    expect(backoffDelay(10, 1000, 8000, () => 1)).toBe(8000);
  });

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5', 0)).toBe(5000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(' 5 ', 0)).toBe(5000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 30))).toBe(7000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 9, 0, 0))).toBe(0);
    for (const loose of [
      'soon',
      '5a',
      'a5',
      '1.5',
      '-3',
      '+3',
      'x 12',
      '2099-01-01',
      '5 s',
      // Shaped like an HTTP date, but with text before or after it, or not a real date.
      'xSun, 06 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 GMTx',
      // Date.parse reads this one; RFC 9110 allows no offset after GMT.
      'Sun, 06 Nov 1994 08:49:37 GMT+0200',
      'Sun, 99 Zzz 1994 08:49:37 GMT',
    ]) {
      expect(parseRetryAfter(loose, 0), loose).toBeUndefined();
    }
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});

describe('a stop request (AbortSignal)', () => {
  const transient = (): { retry: boolean } => ({ retry: true });
  /** Every failure transient, four attempts, 1 s to 8 s of backoff on `c`, a minute to go. */
  const onClock = (c: ReturnType<typeof clock>) => ({
    deadline: c.now() + 60_000,
    maxAttempts: 4,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    classify: transient,
    now: c.now,
    random: () => 0.5,
    sleep: c.sleep,
  });

  it('ends a retry wait at once and starts no further attempt', async () => {
    const stop = new AbortController();
    const c = clock();
    const attempts: number[] = [];
    const error = await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        throw new Error('503');
      },
      {
        ...onClock(c),
        // The stop arrives during the first wait; this sleep, like the real one, then returns at once.
        sleep: async (ms, signal) => {
          c.sleeps.push(ms);
          stop.abort();
          expect(signal?.aborted).toBe(true);
        },
        signal: stop.signal,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Aborted);
    expect(attempts).toEqual([1]);
    expect(c.sleeps).toEqual([750]);
  });

  it('starts nothing when already stopped, and throws Aborted rather than the attempt error when stopped during it', async () => {
    const stopped = AbortSignal.abort();
    let called = 0;
    const options = { deadline: Date.now() + 60_000, maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1, classify: transient };
    await expect(withRetry(async () => ++called, { ...options, signal: stopped })).rejects.toBeInstanceOf(Aborted);
    expect(called).toBe(0);
    const stop = new AbortController();
    await expect(
      withRetry(
        async () => {
          stop.abort();
          throw new Error('cut');
        },
        { ...options, signal: stop.signal },
      ),
    ).rejects.toBeInstanceOf(Aborted);
  });

  it('says what stopped it, by name', () => {
    const stopped = AbortSignal.abort();
    let error: unknown;
    try {
      throwIfAborted(stopped);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Aborted);
    expect((error as Aborted).name).toBe('Aborted');
    expect((error as Aborted).message).toBe('stopped before it finished');
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfAborted(undefined)).not.toThrow();
  });

  it('announces and waits for no retry when stopped during an attempt, even after a transient error', async () => {
    const stop = new AbortController();
    const c = clock();
    const retries: number[] = [];
    const error = await withRetry(
      async () => {
        stop.abort();
        throw new Error('503');
      },
      {
        ...onClock(c),
        onRetry: ({ attempt }) => void retries.push(attempt),
        signal: stop.signal,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Aborted);
    expect(retries).toEqual([]);
    expect(c.sleeps).toEqual([]);
  });

  it('the default sleep resolves as soon as its signal is aborted', async () => {
    const stop = new AbortController();
    let done = false;
    const slept = sleep(3_600_000, stop.signal).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    stop.abort();
    await slept;
    expect(done).toBe(true);
    await sleep(3_600_000, AbortSignal.abort());
  });

  it('the default sleep leaves no timer behind when stopped, and no listener on the signal when it ends', async () => {
    vi.useFakeTimers();
    try {
      const stop = new AbortController();
      const stopped = sleep(3_600_000, stop.signal);
      expect(vi.getTimerCount()).toBe(1);
      stop.abort();
      await stopped;
      // A timer left running would keep the process alive for the rest of the hour.
      expect(vi.getTimerCount()).toBe(0);
      // One long-lived signal serves many sleeps (the renewal loop's): each must take its listener back.
      const watched = new AbortController();
      const slept = sleep(1000, watched.signal);
      expect(getEventListeners(watched.signal, 'abort')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      await slept;
      expect(getEventListeners(watched.signal, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
