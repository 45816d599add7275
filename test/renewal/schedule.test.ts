import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_RENEW_INTERVAL_MS, nextRenewalAt, renewAfterMs, retryAfterMs } from '../../src/renewal/schedule.ts';

describe('renewAfterMs', () => {
  it('renews a 10-minute token half-way through its life', () => {
    expect(renewAfterMs(600_000)).toBe(300_000);
  });

  it('never renews later than 150 s before expiry when the life allows it', () => {
    expect(renewAfterMs(3_600_000)).toBe(1_800_000);
    expect(renewAfterMs(400_000)).toBe(200_000);
    expect(renewAfterMs(240_000)).toBe(90_000);
  });

  it('renews short tokens a third of the way, leaving well over 30 s', () => {
    expect(renewAfterMs(60_000)).toBe(20_000);
    expect(renewAfterMs(90_000)).toBe(30_000);
  });

  it('property: for every life from 60 s to a day, renewal leaves over 30 s and comes no faster than the floor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60_000, max: 86_400_000 }), (life) => {
        const after = renewAfterMs(life);
        const left = life - after;
        // 150 s before expiry at the latest; where that would come before a third of the life (lives
        // under 225 s), two thirds of it left. Rounding may take half a millisecond off either.
        const noLaterThanNeeded = left >= Math.min(150_000, (2 * life) / 3) - 1;
        return after >= MIN_RENEW_INTERVAL_MS && left > 30_000 && noLaterThanNeeded && after <= life / 2 + 1;
      }),
      // A life between 225 s and 300 s renews exactly 150 s before expiry: an earlier version of this
      // property asked for two thirds of the life there and failed on such draws now and then.
      { examples: [[225_002], [299_999], [225_000]] },
    );
  });
});

describe('retryAfterMs and nextRenewalAt', () => {
  it('backs off 5, 10, 20 then 30 s, jittered down by at most a quarter', () => {
    expect([1, 2, 3, 4, 9].map((n) => retryAfterMs(n, () => 1))).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
    expect(retryAfterMs(1, () => 0)).toBe(3750);
  });

  it('schedules from the token after a success and from the last attempt after a failure', () => {
    const token = { issuedAt: 1_000_000, expiresAt: 1_600_000 };
    expect(nextRenewalAt(token, 0, 0)).toBe(1_300_000);
    expect(nextRenewalAt(token, 2, 1_310_000, () => 1)).toBe(1_320_000);
  });
});
