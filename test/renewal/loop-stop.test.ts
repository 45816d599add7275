// What ends the renewal loop: a stop request, a vanished runner or file, a refused request token, the job's time limit.
import { existsSync, promises as fs, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOB_CHECK_MS, MAX_JOB_MS, runRenewal } from '../../src/renewal/loop.ts';
import { isWatchedParentAlive } from '../../src/renewal/process.ts';
import { platformFor } from '../../src/platform/index.ts';
import { describeRenewal } from '../../src/renewal/report.ts';
import { startOidcService } from '../support/oidc-service.ts';
import { startFront } from '../support/tls.ts';
import { advance, clock, config, deps, dir, endpoint, fileToken, now, oidc, rule } from './loop-harness.ts';

describe('runRenewal: what ends it', () => {
  it('never writes a token it got after a stop request', async () => {
    const before = endpoint.exchanges.length;
    const initial = await fileToken();
    // The stop request arrives while the renewal is under way: right after the exchange answered.
    const status = await runRenewal(
      config(),
      deps(() => endpoint.exchanges.length > before),
    );
    expect(endpoint.exchanges.length - before).toBe(1);
    expect(status.stopReason).toBe('stopped');
    expect(status.rotations).toBe(0);
    expect(await fileToken()).toEqual(initial);
  });

  it('notices a stop request or a vanished runner within 5 s while it waits, long before the renewal is due', async () => {
    let start = clock;
    for (const [overrides, reason] of [
      [{ shouldStop: () => clock - start >= 7_000 }, 'stopped'],
      [{ isParentAlive: () => clock - start < 7_000 }, 'parent-gone'],
    ] as const) {
      start = clock;
      const before = endpoint.exchanges.length;
      const status = await runRenewal(config(), { ...deps(() => false), ...overrides });
      expect(status.stopReason).toBe(reason);
      // The 60 s token's renewal is due at 20 s; the request was noticed at the next 5 s step.
      expect(Date.parse(status.stoppedAt!) - start).toBe(10_000);
      expect(endpoint.exchanges.length).toBe(before);
    }
  });

  it('checks the runner once more when the renewal is due, and renews nothing for a job that is gone', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(config(), { ...deps(() => false), isParentAlive: () => clock - start < 20_000 });
    expect(status.stopReason).toBe('parent-gone');
    expect(Date.parse(status.stoppedAt!) - start).toBe(20_000);
    expect(endpoint.exchanges.length).toBe(before);
  });

  it('stops when the runner no longer accepts the OIDC request token', async () => {
    const other = await startOidcService({ now });
    other.revokeRequestToken();
    const status = await runRenewal(
      config(),
      deps(() => false, { oidc: { requestUrl: other.requestUrl, requestToken: other.requestToken } }),
    );
    await other.close();
    expect(status.stopReason).toBe('oidc-request-token-rejected');
    expect(status.lastError).toMatch(/^Requesting the GitHub OIDC token failed: HTTP 401/);
    expect(status.lastErrorAt).not.toBeNull();
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/no longer accepted the OIDC request token/);
  });

  it('stops as well when the runner answers the OIDC request with 403', async () => {
    const start = clock;
    oidc.pushFaults({ kind: 'status', status: 403 });
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 120_000),
    );
    expect(status.stopReason).toBe('oidc-request-token-rejected');
    expect(status.lastError).toMatch(/^Requesting the GitHub OIDC token failed: HTTP 403/);
    expect(Date.parse(status.stoppedAt!) - start).toBe(20_000);
  });

  it('stops on the stop signal alone while it waits, within 5 s', async () => {
    const stop = new AbortController();
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 60_000, {
        signal: stop.signal,
        sleep: async (ms) => {
          advance(ms);
          if (clock - start >= 7_000) stop.abort();
        },
      }),
    );
    expect(status.stopReason).toBe('stopped');
    expect(Date.parse(status.stoppedAt!) - start).toBe(10_000);
    expect(endpoint.exchanges.length).toBe(before);
  });

  it('stops when the watched parent is gone, and when the credentials file was removed', async () => {
    expect(
      (
        await runRenewal(
          config(),
          deps(() => false, { isParentAlive: () => false }),
        )
      ).stopReason,
    ).toBe('parent-gone');
    await fs.rm(path.join(dir, 'creds.json'));
    expect(
      (
        await runRenewal(
          config(),
          deps(() => false),
        )
      ).stopReason,
    ).toBe('credentials-removed');
  });

  it('notices a removed credentials file while it waits, long before the renewal is due', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(600_000),
      deps(() => false, {
        sleep: async (ms) => {
          advance(ms);
          if (clock - start >= 7_000) rmSync(path.join(dir, 'creds.json'), { force: true });
        },
      }),
    );
    expect(status.stopReason).toBe('credentials-removed');
    // Due at 300 s; the removal was seen at the next 5 s step.
    expect(Date.parse(status.stoppedAt!) - start).toBe(10_000);
    expect(endpoint.exchanges.length).toBe(before);
  });
});

describe('runRenewal: removal and stop while a renewal is under way', () => {
  it('does not write back a credentials file removed while the exchange was in flight, and stops', async () => {
    const file = path.join(dir, 'creds.json');
    // The file goes while the exchange request is on its way to the token endpoint.
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method === 'POST' && where === '/v1/oauth/token') rmSync(file, { force: true });
        return 'forward';
      },
    });
    try {
      const before = endpoint.exchanges.length;
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => false),
      );
      expect(endpoint.exchanges.slice(before).map((e) => e.status)).toEqual([200]);
      expect(status.stopReason).toBe('credentials-removed');
      expect(status.rotations).toBe(0);
      expect(existsSync(file)).toBe(false);
      // No temp file holding the new token was left behind either.
      expect(readdirSync(dir).sort()).toEqual(['status.json']);
    } finally {
      await front.close();
    }
  });

  it('reports the stop request, not the removal, when both came while the exchange was in flight', async () => {
    // The post step asks it to stop, then removes the file; here both happen during the exchange,
    // and no signal cuts it short.
    const file = path.join(dir, 'creds.json');
    let stopRequested = false;
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method === 'POST' && where === '/v1/oauth/token') {
          stopRequested = true;
          rmSync(file, { force: true });
        }
        return 'forward';
      },
    });
    try {
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => stopRequested),
      );
      expect(status).toMatchObject({ stopReason: 'stopped', rotations: 0 });
      expect(readdirSync(dir)).toEqual(['status.json']);
    } finally {
      await front.close();
    }
  });

  it('reports the removal it saw as it was about to write, even when the runner has gone since', async () => {
    const file = path.join(dir, 'creds.json');
    let runnerAlive = true;
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method === 'POST' && where === '/v1/oauth/token') {
          rmSync(file, { force: true });
          runnerAlive = false;
        }
        return 'forward';
      },
    });
    try {
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => false, { isParentAlive: () => runnerAlive }),
      );
      expect(status).toMatchObject({ stopReason: 'credentials-removed', rotations: 0 });
      expect(readdirSync(dir)).toEqual(['status.json']);
    } finally {
      await front.close();
    }
  });

  it('removes what it just wrote when the stop request came during the write, and counts no renewal', async () => {
    let stopRequested = false;
    const linux = platformFor('linux', {
      renameSync: (from, to) => {
        // The post step's request arrives as the renewed token is being put in place.
        if (from.includes('creds.json')) stopRequested = true;
        renameSync(from, to);
      },
    });
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => stopRequested, { platform: linux }),
    );
    expect(endpoint.exchanges.slice(before).map((e) => e.status)).toEqual([200]);
    expect(status).toMatchObject({ stopReason: 'stopped', rotations: 0, lastSuccessAt: null });
    expect(readdirSync(dir)).toEqual(['status.json']);
  });

  it('requests nothing more once stopped during a retry wait, and records no failure', async () => {
    const stop = new AbortController();
    endpoint.pushFaults(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const before = endpoint.exchanges.length;
    let counts: [number, number] | undefined;
    const status = await runRenewal(
      config(),
      deps(() => stop.signal.aborted, {
        signal: stop.signal,
        sleep: async (ms) => {
          advance(ms);
          // The first wait after a failed exchange is the retry's backoff: the post step stops it there.
          if (endpoint.exchanges.length > before && counts === undefined) {
            stop.abort();
            counts = [oidc.requests.length, endpoint.exchanges.length];
          }
        },
      }),
    );
    expect(counts).toBeDefined();
    expect(endpoint.exchanges.length - before).toBe(1);
    expect([oidc.requests.length, endpoint.exchanges.length]).toEqual(counts);
    expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 0, lastError: null, lastErrorAt: null, rotations: 0 });
  });

  it('cuts an exchange in flight when stopped, and records no failure', async () => {
    const stop = new AbortController();
    const front = await startFront(endpoint.url, {
      onRequest: (method, where) => {
        if (method !== 'POST' || where !== '/v1/oauth/token') return 'forward';
        stop.abort();
        return 'hold';
      },
    });
    try {
      const oidcBefore = oidc.requests.length;
      const initial = await fileToken();
      const status = await runRenewal(
        { ...config(), baseUrl: front.url },
        deps(() => stop.signal.aborted, { signal: stop.signal }),
      );
      // The held request's connection was closed by the renewal process, not by a timeout.
      await front.held[0]!.closed;
      expect(front.held).toHaveLength(1);
      expect(oidc.requests.length - oidcBefore).toBe(1);
      expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 0, lastError: null, rotations: 0 });
      expect(await fileToken()).toEqual(initial);
    } finally {
      await front.close();
    }
  });
});

describe('runRenewal when the job ends without a post step', () => {
  it("ends within 10 minutes of the job's end in a container job (parent pid 0) or with a reused watched pid, long before the next renewal", async () => {
    // A 3 h token: the next renewal is 90 minutes away. The job is cancelled 20 minutes in; nothing
    // stops the process (no post step), its watched parent shows as alive (pid 0 in a container, or
    // a reused pid), and the runner now refuses the request token.
    const service = await startOidcService({ now });
    try {
      const start = clock;
      const endedAt = start + 20 * 60_000;
      const status = await runRenewal(
        config(3 * 3_600_000),
        deps(() => clock - start >= 3 * 3_600_000, {
          oidc: { requestUrl: service.requestUrl, requestToken: service.requestToken },
          isParentAlive: () => isWatchedParentAlive(0),
          sleep: async (ms) => {
            advance(ms);
            if (clock >= endedAt) service.revokeRequestToken();
          },
        }),
      );
      expect(status.stopReason).toBe('oidc-request-token-rejected');
      const stoppedAfter = Date.parse(status.stoppedAt!) - endedAt;
      expect(stoppedAfter).toBeGreaterThanOrEqual(0);
      expect(stoppedAfter).toBeLessThanOrEqual(10 * 60_000);
      expect(JOB_CHECK_MS).toBe(10 * 60_000);
      expect(status.rotations).toBe(0);
      expect(status.lastError).toMatch(/HTTP 401/);
    } finally {
      await service.close();
    }
  });

  it('asks the runner about the job at most every 10 minutes while it waits, not at every poll', async () => {
    const service = await startOidcService({ now });
    try {
      const start = clock;
      await runRenewal(
        config(3 * 3_600_000),
        deps(() => clock - start >= 65 * 60_000, { oidc: { requestUrl: service.requestUrl, requestToken: service.requestToken } }),
      );
      // 65 minutes of waiting: a check at 10, 20, ..., 60 minutes.
      expect(service.requests).toHaveLength(6);
      expect(service.requests.map((r) => r.at - start)).toEqual([10, 20, 30, 40, 50, 60].map((m) => m * 60_000));
    } finally {
      await service.close();
    }
  });

  it('keeps waiting when asking about the job fails otherwise (the OIDC service down): only a refusal ends it', async () => {
    const service = await startOidcService({ now });
    try {
      service.pushFaults({ kind: 'status', status: 500 }, { kind: 'reset' });
      const start = clock;
      const status = await runRenewal(
        config(3 * 3_600_000),
        deps(() => clock - start >= 25 * 60_000, { oidc: { requestUrl: service.requestUrl, requestToken: service.requestToken } }),
      );
      expect(service.requests.map((r) => r.at - start)).toEqual([10 * 60_000, 20 * 60_000]);
      expect(status).toMatchObject({ stopReason: 'stopped', rotations: 0, lastError: null, lastErrorAt: null });
      expect(Date.parse(status.stoppedAt!) - start).toBe(25 * 60_000);
    } finally {
      await service.close();
    }
  });

  it('ends a job check under way when stopped, and takes no answer that comes after as the job being over', async () => {
    // The post step's stop request arrives while the runner is being asked; the runner then refuses
    // the request token (the job is ending).
    const service = await startOidcService({ now });
    const stop = new AbortController();
    const front = await startFront(new URL(service.requestUrl).origin, {
      onRequest: () => {
        stop.abort();
        service.revokeRequestToken();
        return 'forward';
      },
    });
    try {
      const status = await runRenewal(
        config(3 * 3_600_000),
        deps(() => false, {
          oidc: { requestUrl: `${front.url}/token?api-version=2.0`, requestToken: service.requestToken },
          signal: stop.signal,
        }),
      );
      expect(front.seen).toEqual(['GET /token']);
      expect(status).toMatchObject({ stopReason: 'stopped', lastError: null, lastErrorAt: null });
    } finally {
      await front.close();
      await service.close();
    }
  });

  it('renews nothing once the time limit is reached, even with a renewal due at that very moment', async () => {
    // A 60 s token: its renewal is due at 20 s, the limit.
    const start = clock;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      { ...config(), jobEndsBy: start + 20_000 },
      deps(() => clock - start >= 60_000),
    );
    expect(status.stopReason).toBe('job-time-limit');
    expect(Date.parse(status.stoppedAt!) - start).toBe(20_000);
    expect(endpoint.exchanges.length).toBe(before);
  });

  it('ends at the longest a GitHub job runs even when the runner still answers', async () => {
    // 6 hours on GitHub-hosted runners, 5 days on self-hosted ones (run.ts sets jobEndsBy from it);
    // here a 90-minute limit stands in, to keep the test short.
    const start = clock;
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    const status = await runRenewal(
      { ...config(3_600_000), jobEndsBy: start + 90 * 60_000 },
      deps(() => clock - start >= 3 * 3_600_000),
    );
    expect(status.stopReason).toBe('job-time-limit');
    expect(Date.parse(status.stoppedAt!) - start).toBeGreaterThanOrEqual(90 * 60_000);
    expect(Date.parse(status.stoppedAt!) - start).toBeLessThanOrEqual(90 * 60_000 + 5_000);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/as long as a GitHub job can run/);
    expect(MAX_JOB_MS).toEqual({ 'github-hosted': 6 * 3_600_000, 'self-hosted': 5 * 24 * 3_600_000 });
  });
});
