// The renewal process's loop against the real loopback stand-ins, on a clock the test drives: hours of
// renewals take milliseconds, and the stand-ins judge expiry by the same clock.
import { existsSync, mkdirSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsJson } from '../../src/export/profile.ts';
import { GIVE_UP_AFTER_LAPSE_MS, runRenewal } from '../../src/renewal/loop.ts';
import { readStatus, type RenewalStatus } from '../../src/renewal/status.ts';
import { describeRenewal } from '../../src/renewal/report.ts';
import { leaks } from '../support/leaks.ts';
import { advance, clock, config, deps, dir, endpoint, fileToken, oidc, rule } from './loop-harness.ts';

describe('runRenewal', () => {
  it('keeps the file fresh for an hour of 60 s tokens: a new jti each time, no burst, never near expiry', async () => {
    const start = clock;
    const before = endpoint.exchanges.length;
    const samples: number[] = [];
    const sleeps: number[] = [];
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 3_600_000, {
        sleep: async (ms) => {
          sleeps.push(ms);
          advance(ms);
          samples.push((await fileToken()).expires_at * 1000 - clock);
        },
      }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    // Waits in steps of at most 5 s, so a stop request or a vanished runner is noticed quickly.
    expect(Math.max(...sleeps)).toBe(5_000);
    expect(Math.min(...sleeps)).toBeGreaterThan(0);
    expect(status.stopReason).toBe('stopped');
    expect(exchanges.every((e) => e.status === 200)).toBe(true);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(exchanges.length).toBeGreaterThanOrEqual(150);
    expect(exchanges.length).toBeLessThanOrEqual(181);
    const gaps = exchanges.slice(1).map((e, i) => e.at - exchanges[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15_000);
    // The file always held a token with more than 30 s to live (readers treat less as expired).
    expect(Math.min(...samples)).toBeGreaterThan(30_000);
    expect(status.rotations).toBe(exchanges.length);
    expect(status.failuresInARow).toBe(0);
    expect(status.lapsedAt).toBeNull();
    expect(status.recoveredAt).toBeNull();
    expect(JSON.stringify(await readStatus(config().statusFile))).not.toMatch(/sk-ant|eyJ/);
    // About 180 real exchanges (RSA signing and verifying) and 720 file reads: 4 s on a quiet
    // machine, 12 s measured with both cores busy. Nothing here waits on time; only the cap is raised.
  }, 120_000);

  it('rides out a token endpoint outage that ends before the readers would stop using the token, with no lapse', async () => {
    // A real token's life (600 s): renewal starts half-way, and two failed renewals of four
    // attempts each (5xx, then resets) end long before the last 30 s.
    const start = clock;
    await fs.writeFile(config().credentialsFile, credentialsJson('sk-ant-oat01-test-initial', clock + 600_000), { mode: 0o600 });
    endpoint.setRules([{ ...rule, tokenLifetimeSeconds: 3600 }]);
    endpoint.pushFaults(
      ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })),
      ...Array.from({ length: 4 }, () => ({ kind: 'reset' as const })),
    );
    const before = endpoint.exchanges.length;
    const oidcBefore = oidc.requests.length;
    const samples: number[] = [];
    const status = await runRenewal(
      config(600_000),
      deps(() => clock - start >= 420_000, {
        sleep: async (ms) => {
          advance(ms);
          samples.push((await fileToken()).expires_at * 1000 - clock);
        },
      }),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(endpoint.pendingFaults()).toBe(0);
    // The injected jitter (0.5) sets every wait: 750, 1500, 3000 ms between a renewal's attempts.
    expect(exchanges.slice(1, 4).map((e, i) => e.at - exchanges[i]!.at)).toEqual([750, 1_500, 3_000]);
    expect(exchanges.filter((e) => e.status === 200)).toHaveLength(1);
    expect(exchanges).toHaveLength(9);
    // Each attempt spent its own assertion: one OIDC request and one jti per exchange.
    expect(oidc.requests.length - oidcBefore).toBe(exchanges.length);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(Math.min(...samples)).toBeGreaterThan(30_000);
    expect(status.lapsedAt).toBeNull();
    expect(status.failuresInARow).toBe(0);
    expect(status.rotations).toBe(1);
    expect(status.lastError).toMatch(/could not reach|reset/);
    expect(describeRenewal(status, clock).warnings).toEqual([]);
  });

  it('records a lapse when the outage outlasts the token, from when readers stop using it, and says so in the post report', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 60 }, () => ({ kind: 'status' as const, status: 500 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 150_000),
    );
    // A 60 s token: the SDKs and the CLI stop using it with 30 s left.
    const lapsedAt = new Date(start + 30_000).toISOString();
    expect(status.lapsedAt).toBe(lapsedAt);
    expect(status.failuresInARow).toBeGreaterThan(0);
    const report = describeRenewal(status, clock);
    expect(report.warnings.join('\n')).toMatch(
      new RegExp(`lapsed at ${lapsedAt}: renewal kept failing \\(${status.failuresInARow} in a row; .*HTTP 500`),
    );
  });

  it('reports a lapse that later recovered', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 24 }, () => ({ kind: 'status' as const, status: 502 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 400_000),
    );
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.recoveredAt).not.toBeNull();
    expect(status.failuresInARow).toBe(0);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/renewal recovered at/);
  });

  it('retries when the OIDC service fails, each time with a fresh request', async () => {
    const start = clock;
    oidc.pushFaults({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'reset' });
    const requestsBefore = oidc.requests.length;
    const issuedBefore = oidc.issued.length;
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 40_000),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(oidc.pendingFaults()).toBe(0);
    // Three failed OIDC requests, then one per exchange; no JWT was presented twice.
    expect(oidc.requests.length - requestsBefore).toBe(3 + exchanges.length);
    expect(oidc.issued.length - issuedBefore).toBe(exchanges.length);
    expect(new Set(exchanges.map((e) => e.jti)).size).toBe(exchanges.length);
    expect(status.rotations).toBeGreaterThan(0);
    expect(status.lapsedAt).toBeNull();
  });

  it('records a lapse when the OIDC service stays down, and names the failure in the post report', async () => {
    const start = clock;
    oidc.pushFaults(...Array.from({ length: 80 }, () => ({ kind: 'status' as const, status: 500 })));
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 120_000),
    );
    expect(endpoint.exchanges.length).toBe(before);
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.stopReason).toBe('stopped');
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/lapsed at .*OIDC/);
  });

  it('keeps an echoed assertion or token out of the status file and the post report', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 8 }, () => ({ kind: 'echo' as const, status: 503 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 60_000),
    );
    expect(endpoint.echoed.length).toBeGreaterThan(0);
    const secrets = [...endpoint.echoed, ...oidc.issued.map((i) => i.jwt), oidc.requestToken];
    expect(status.lastError).toMatch(/assertion \[redacted(-jwt)?\] was rejected; token \[redacted-token\]/);
    expect(leaks(await fs.readFile(config().statusFile, 'utf8'), secrets)).toEqual([]);
    const report = describeRenewal(status, clock);
    expect(leaks([...report.info, ...report.warnings].join('\n'), secrets)).toEqual([]);
  });

  it('gives up once the token has lapsed and the exchange keeps being denied, and says so', async () => {
    const start = clock;
    // The rule stops matching (archived, or edited): every exchange answers 401.
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 3_600_000),
    );
    const exchanges = endpoint.exchanges.slice(before);
    expect(exchanges.every((e) => e.status === 401)).toBe(true);
    // Tried every 30 s at most for 10 minutes after the lapse, then stopped: not an hour of denials.
    expect(status.stopReason).toBe('gave-up');
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    const stoppedAfter = Date.parse(status.stoppedAt!) - (start + 30_000);
    expect(stoppedAfter).toBeGreaterThanOrEqual(GIVE_UP_AFTER_LAPSE_MS);
    expect(stoppedAfter).toBeLessThan(GIVE_UP_AFTER_LAPSE_MS + 35_000);
    expect(exchanges.length).toBeGreaterThanOrEqual(20);
    expect(exchanges.length).toBeLessThanOrEqual(30);
    expect(describeRenewal(status, clock).warnings.join('\n')).toMatch(/gave up at .*lapsed 10 minutes before.*retrying does not change/);
  });

  it('resumes when the rule is fixed within 10 minutes of the lapse', async () => {
    const start = clock;
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 900_000, {
        sleep: async (ms) => {
          advance(ms);
          // Someone fixes the rule in the Console five minutes after the lapse.
          if (clock - start >= 330_000) endpoint.setRules([rule]);
        },
      }),
    );
    expect(status.stopReason).toBe('stopped');
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(status.recoveredAt).not.toBeNull();
    expect(status.failuresInARow).toBe(0);
  });

  it('keeps retrying a transient outage past the lapse, and does not give up on it', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 40 }, () => ({ kind: 'status' as const, status: 503 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 600_000),
    );
    expect(status.stopReason).toBe('stopped');
    expect(status.recoveredAt).not.toBeNull();
  });

  it('keeps retrying past 10 minutes after the lapse while the token endpoint cannot be reached: only an answer gives up', async () => {
    const start = clock;
    endpoint.pushFaults(...Array.from({ length: 400 }, () => ({ kind: 'reset' as const })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 900_000, {
        sleep: async (ms) => {
          advance(ms);
          // Reachable again 12 minutes in: 11.5 minutes after the lapse.
          if (clock - start >= 720_000) endpoint.clearFaults();
        },
      }),
    );
    expect(status.stopReason).toBe('stopped');
    expect(status.lapsedAt).toBe(new Date(start + 30_000).toISOString());
    expect(Date.parse(status.recoveredAt!) - (start + 30_000)).toBeGreaterThan(GIVE_UP_AFTER_LAPSE_MS);
    expect(status.lastError).toMatch(/could not reach|reset/);
  });

  it('counts the lapse from a failed renewal made at the very moment readers stop using the token', async () => {
    // A 45 s token: its renewal is due at 15 s, with 30 s left, when readers stop using it.
    const start = clock;
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      config(45_000),
      deps(() => clock - start > 15_000),
    );
    expect(endpoint.exchanges.slice(before).map((e) => [e.at - start, e.status])).toEqual([[15_000, 401]]);
    expect(status).toMatchObject({ stopReason: 'stopped', failuresInARow: 1, lapsedAt: new Date(start + 15_000).toISOString() });
  });

  it('gives up at the denied renewal made exactly 10 minutes after the lapse, not at the one after', async () => {
    // A token already due when the process starts, which readers stop using at 11.25 s. With the
    // least jitter the tries come at 0, 3.75, 11.25 and 26.25 s, then every 22.5 s: one at 611.25 s.
    const start = clock;
    endpoint.setRules([{ ...rule, claims: { event_name: 'schedule' } }]);
    const before = endpoint.exchanges.length;
    const status = await runRenewal(
      { ...config(), token: { issuedAt: start - 60_000, expiresAt: start + 41_250 } },
      deps(() => clock - start >= 3_600_000, { random: () => 0 }),
    );
    const at = endpoint.exchanges.slice(before).map((e) => e.at - start);
    expect(at.slice(0, 5)).toEqual([0, 3_750, 11_250, 26_250, 48_750]);
    expect(at.at(-1)).toBe(11_250 + GIVE_UP_AFTER_LAPSE_MS);
    expect(status.lapsedAt).toBe(new Date(start + 11_250).toISOString());
    expect(status.stopReason).toBe('gave-up');
    expect(Date.parse(status.stoppedAt!) - start).toBe(11_250 + GIVE_UP_AFTER_LAPSE_MS);
  });

  it('gives up, not as a refused request token, when the OIDC service keeps answering 404', async () => {
    const start = clock;
    oidc.pushFaults(...Array.from({ length: 80 }, () => ({ kind: 'status' as const, status: 404 })));
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 900_000),
    );
    expect(status.stopReason).toBe('gave-up');
    expect(status.lastError).toMatch(/HTTP 404/);
  });
});

describe('runRenewal: its status file', () => {
  it('records its stop channel from the first write on, and none when it has none', async () => {
    const stopChannel = { id: '0'.repeat(32), nonce: 'f'.repeat(32) };
    const start = clock;
    let first: RenewalStatus | undefined;
    const status = await runRenewal(
      config(),
      deps(() => clock - start >= 30_000, {
        stopChannel,
        sleep: async (ms) => {
          first ??= await readStatus(config().statusFile);
          advance(ms);
        },
      }),
    );
    expect(first).toMatchObject({ stop: stopChannel, stopReason: null });
    expect(status).toMatchObject({ stop: stopChannel, rotations: 1, stopReason: 'stopped' });
    expect(await readStatus(config().statusFile)).toEqual(status);
    const none = await runRenewal(
      config(),
      deps(() => true),
    );
    expect(none.stopReason).toBe('stopped');
    expect(Object.keys(none)).not.toContain('stop');
    expect(Object.keys((await readStatus(config().statusFile))!)).not.toContain('stop');
  });

  it('makes the status file at the next change when it could not at the start (its directory not there yet)', async () => {
    const start = clock;
    const statusFile = path.join(dir, 'later', 'status.json');
    const status = await runRenewal(
      { ...config(), statusFile },
      deps(() => clock - start >= 40_000, {
        sleep: async (ms) => {
          advance(ms);
          if (clock - start >= 10_000) mkdirSync(path.dirname(statusFile), { recursive: true });
        },
      }),
    );
    // The first write failed; the renewal at 20 s made the file, and the stop at 40 s replaced it.
    expect(status).toMatchObject({ rotations: 1, stopReason: 'stopped' });
    expect(await readStatus(statusFile)).toEqual(status);
  });
});

describe('runRenewal after the post step removed its status file (and left it running)', () => {
  it('does not write the status file back, not even its final status', async () => {
    const start = clock;
    const statusFile = config().statusFile;
    let removed = false;
    const status = await runRenewal(
      config(),
      deps(() => {
        if (!removed && clock - start >= 10_000) {
          expect(existsSync(statusFile)).toBe(true);
          rmSync(statusFile);
          removed = true;
        }
        return clock - start >= 40_000;
      }),
    );
    // A renewal at 20 s and the stop at 40 s both happened after the removal.
    expect(status).toMatchObject({ rotations: 1, stopReason: 'stopped' });
    expect(readdirSync(dir)).toEqual(['creds.json']);
  });
});
