import { describe, expect, it } from 'vitest';
import {
  decide,
  defaultOrchestratorConfig,
  QuietHoursClock,
  suggestedAmountUsd,
  type PolicyConfig,
  type PolicyInput,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { weekAfter } from '../../../../src/fx/decisions/orchestrator/policy.js';

const config: PolicyConfig = defaultOrchestratorConfig().policy;
const clock = new QuietHoursClock();
// 17:00 UTC = 12:00 in Bogotá (UTC−5): outside the default quiet hours.
const NOON_BOGOTA = Date.parse('2026-03-10T17:00:00.000Z');

function input(over: Partial<PolicyInput> = {}): PolicyInput {
  return {
    pBuy: 0.1,
    pSell: 0.1,
    copCents: 10_000_000_00, // 10 million COP
    usdCents: 5_000_00, // 5,000 USD
    typicalTicketUsdCents: 250_00,
    bidCopCents: 399_500,
    askCopCents: 400_500,
    atMs: NOON_BOGOTA,
    last: undefined,
    quietHours: undefined,
    ...over,
  };
}

describe('policy: thresholds', () => {
  it('suggests a side only when its probability reaches the threshold', () => {
    expect(config.thresholds).toEqual({ buy: 0.35, sell: 0.35 });
    expect(decide(input({ pBuy: 0.34 }), config, clock)).toEqual({
      action: 'skip',
      why: 'below-threshold',
    });
    const d = decide(input({ pBuy: 0.35 }), config, clock);
    expect(d).toEqual({
      action: 'suggest',
      side: 'BUY',
      probability: 0.35,
      amountUsdCents: 250_00,
      priceCopCents: 400_500,
      ignoredStreak: 0,
    });
    const s = decide(input({ pSell: 0.75 }), config, clock);
    expect(s).toMatchObject({ action: 'suggest', side: 'SELL', priceCopCents: 399_500 });
  });

  it('uses per-class thresholds from the config', () => {
    const strict = { ...config, thresholds: { buy: 0.9, sell: 0.5 } };
    expect(decide(input({ pBuy: 0.8 }), strict, clock).action).toBe('skip');
    expect(decide(input({ pSell: 0.55 }), strict, clock)).toMatchObject({ side: 'SELL' });
  });

  it('picks the likelier side when both pass', () => {
    expect(decide(input({ pBuy: 0.61, pSell: 0.7 }), config, clock)).toMatchObject({
      side: 'SELL',
    });
    expect(decide(input({ pBuy: 0.7, pSell: 0.61 }), config, clock)).toMatchObject({
      side: 'BUY',
    });
  });
});

describe('policy: balances and amounts', () => {
  it('never suggests selling to a user without USD, nor buying without COP', () => {
    expect(decide(input({ pSell: 0.9, usdCents: 0 }), config, clock)).toEqual({
      action: 'skip',
      why: 'no-funds',
    });
    expect(decide(input({ pBuy: 0.9, copCents: 0 }), config, clock)).toEqual({
      action: 'skip',
      why: 'no-funds',
    });
    // 9.99 USD is under the 10 USD minimum.
    expect(decide(input({ pSell: 0.9, usdCents: 9_99 }), config, clock).action).toBe('skip');
  });

  it('falls back to the other side when the likelier one has no funds', () => {
    const d = decide(input({ pBuy: 0.65, pSell: 0.9, usdCents: 0 }), config, clock);
    expect(d).toMatchObject({ action: 'suggest', side: 'BUY', probability: 0.65 });
  });

  it('sizes from the typical ticket in whole dollars, capped at 30 % of the balance', () => {
    const base = input();
    expect(config.maxBalancePct).toBe(30);
    expect(suggestedAmountUsd('BUY', { ...base, typicalTicketUsdCents: 123_40 }, config)).toBe(123);
    // No trades of their own: the default ticket.
    expect(suggestedAmountUsd('BUY', { ...base, typicalTicketUsdCents: undefined }, config)).toBe(
      100,
    );
    // A tiny ticket is raised to the minimum.
    expect(suggestedAmountUsd('SELL', { ...base, typicalTicketUsdCents: 3_00 }, config)).toBe(10);
    // 30 % of 200,000 COP at an ask of 4,005 COP buys 14 whole dollars.
    expect(suggestedAmountUsd('BUY', { ...base, copCents: 200_000_00 }, config)).toBe(14);
    // 140.99 USD held: 30 % is 42.29, at most 42 to sell, never the whole balance.
    expect(suggestedAmountUsd('SELL', { ...base, usdCents: 140_99 }, config)).toBe(42);
    // 30 % of 130,000 COP buys 9 dollars: under the minimum.
    expect(suggestedAmountUsd('BUY', { ...base, copCents: 130_000_00 }, config)).toBe(0);
    // The whole balance is never suggested: 50 USD held, ticket 50, suggestion 15.
    expect(
      suggestedAmountUsd(
        'SELL',
        { ...base, usdCents: 50_00, typicalTicketUsdCents: 50_00 },
        config,
      ),
    ).toBe(15);
  });

  it("takes each side's amount from that side's own trades", () => {
    const base = input({ buyTicketUsdCents: 500_00, sellTicketUsdCents: 60_00 });
    expect(suggestedAmountUsd('BUY', base, config)).toBe(500);
    expect(suggestedAmountUsd('SELL', base, config)).toBe(60);
    // A side never traded: the default ticket, not the other side's.
    expect(suggestedAmountUsd('SELL', { ...base, sellTicketUsdCents: undefined }, config)).toBe(
      100,
    );
  });
});

describe('policy: cooldown and repeats', () => {
  const last = {
    id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    side: 'BUY' as const,
    priceCopCents: 400_500,
    copCents: 10_000_000_00,
    usdCents: 5_000_00,
  };

  it('allows at most one suggestion per cooldown', () => {
    const atMs = NOON_BOGOTA;
    const recent = { ...last, atMs: atMs - 6 * 3_600_000 + 60_000, copCents: 1 };
    expect(decide(input({ pBuy: 0.9, last: recent }), config, clock)).toEqual({
      action: 'skip',
      why: 'cooldown',
      side: 'BUY',
    });
    const old = { ...recent, atMs: atMs - 6 * 3_600_000 };
    expect(decide(input({ pBuy: 0.9, last: old }), config, clock).action).toBe('suggest');
  });

  it('does not repeat the same side while nothing material changed', () => {
    const long = { ...last, atMs: NOON_BOGOTA - 80 * 3_600_000 };
    // Price moved 0.5 %: a repeat.
    expect(
      decide(input({ pBuy: 0.9, last: long, askCopCents: 402_500 }), config, clock),
    ).toMatchObject({ action: 'skip', why: 'repeat' });
    // Price moved 1.5 %: material.
    expect(
      decide(input({ pBuy: 0.9, last: long, askCopCents: 406_500 }), config, clock).action,
    ).toBe('suggest');
    // The balances changed (the user traded): material.
    expect(
      decide(input({ pBuy: 0.9, last: long, copCents: 9_000_000_00 }), config, clock).action,
    ).toBe('suggest');
    // The other side is not a repeat.
    expect(decide(input({ pSell: 0.9, last: long }), config, clock).action).toBe('suggest');
  });
});

describe('policy: quiet hours', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('applies the default 21:00–07:00 in Bogotá across midnight', () => {
    const q = (iso: string): string => {
      const d = decide(input({ pBuy: 0.9, atMs: at(iso) }), config, clock);
      return d.action === 'skip' ? d.why : d.action;
    };
    expect(q('2026-03-11T01:59:00Z')).toBe('suggest'); // 20:59 Bogotá
    expect(q('2026-03-11T02:00:00Z')).toBe('quiet-hours'); // 21:00
    expect(q('2026-03-11T05:00:00Z')).toBe('quiet-hours'); // 00:00
    expect(q('2026-03-11T11:59:00Z')).toBe('quiet-hours'); // 06:59
    expect(q('2026-03-11T12:00:00Z')).toBe('suggest'); // 07:00
  });

  it("uses the user's own quiet hours in their time zone, or none", () => {
    const tokyo = { start: '22:00', end: '06:00', timezone: 'Asia/Tokyo' };
    // 14:00 UTC = 23:00 in Tokyo (quiet for this user), 09:00 in Bogotá.
    expect(
      decide(
        input({ pBuy: 0.9, atMs: at('2026-03-10T14:00:00Z'), quietHours: tokyo }),
        config,
        clock,
      ),
    ).toMatchObject({ why: 'quiet-hours' });
    // 03:00 UTC = 12:00 in Tokyo (not quiet for this user), 22:00 in Bogotá.
    expect(
      decide(
        input({ pBuy: 0.9, atMs: at('2026-03-10T03:00:00Z'), quietHours: tokyo }),
        config,
        clock,
      ).action,
    ).toBe('suggest');
    // null: the user wants no quiet hours at all.
    expect(
      decide(
        input({ pBuy: 0.9, atMs: at('2026-03-10T03:00:00Z'), quietHours: null }),
        config,
        clock,
      ).action,
    ).toBe('suggest');
    // A window that does not cross midnight.
    const day = { start: '09:00', end: '17:00', timezone: 'Europe/Madrid' };
    expect(
      decide(
        input({ pBuy: 0.9, atMs: at('2026-03-10T08:00:00Z'), quietHours: day }),
        config,
        clock,
      ),
    ).toMatchObject({ why: 'quiet-hours' }); // 09:00 in Madrid (UTC+1)
    expect(
      decide(input({ pBuy: 0.9, atMs: at('2026-03-10T16:00:00Z'), quietHours: day }), config, clock)
        .action,
    ).toBe('suggest'); // 17:00
  });

  it('a config without default quiet hours never silences', () => {
    const none = { ...config, quietHours: null };
    expect(decide(input({ pBuy: 0.9, atMs: at('2026-03-11T05:00:00Z') }), none, clock).action).toBe(
      'suggest',
    );
  });
});

describe('policy: safety rules', () => {
  const H = 3_600_000;
  const why = (over: Partial<PolicyInput>, c: PolicyConfig = config): string => {
    const d = decide(input(over), c, clock);
    return d.action === 'skip' ? d.why : `${d.action} ${d.side}`;
  };

  it('never suggests a SELL below the average cost (the BUY side may still pass)', () => {
    // Bid 3,995 COP; bought at 4,100 on average: selling realizes a loss.
    expect(why({ pSell: 0.9, avgCostCopCents: 410_000 })).toBe('below-cost');
    expect(why({ pSell: 0.9, avgCostCopCents: 390_000 })).toBe('suggest SELL');
    expect(why({ pSell: 0.9, pBuy: 0.5, avgCostCopCents: 410_000 })).toBe('suggest BUY');
    expect(
      why({ pSell: 0.9, avgCostCopCents: 410_000 }, { ...config, noSellBelowAverageCost: false }),
    ).toBe('suggest SELL');
  });

  it('never reverses a trade of the last 48 h', () => {
    const atMs = NOON_BOGOTA;
    expect(config.reversalHours).toBe(48);
    expect(why({ pSell: 0.9, lastBuyMs: atMs - 47 * H })).toBe('reversal');
    expect(why({ pSell: 0.9, lastBuyMs: atMs - 49 * H })).toBe('suggest SELL');
    expect(why({ pBuy: 0.9, lastSellMs: atMs - 2 * H })).toBe('reversal');
    // The same side again is not a reversal.
    expect(why({ pBuy: 0.9, lastBuyMs: atMs - 2 * H })).toBe('suggest BUY');
  });

  it('at most 2 suggestions in any 7 days', () => {
    const atMs = NOON_BOGOTA;
    const first = weekAfter(undefined, atMs - 100 * H, config.maxPerWeek);
    expect(first.holdUntilMs).toBeUndefined();
    const second = weekAfter(
      {
        id: 'a',
        side: 'SELL',
        atMs: atMs - 100 * H,
        priceCopCents: 1,
        copCents: 1,
        usdCents: 1,
        ...first,
      },
      atMs - 20 * H,
      config.maxPerWeek,
    );
    expect(second.weekMs).toEqual([atMs - 100 * H, atMs - 20 * H]);
    expect(second.holdUntilMs).toBe(atMs - 100 * H + 168 * H);
    const last = {
      id: 'b',
      side: 'SELL' as const,
      atMs: atMs - 20 * H,
      priceCopCents: 1,
      copCents: 1,
      usdCents: 1,
      ...second,
      ignoredStreak: 0,
    };
    // The user sold after it: not ignored, but two in the week already.
    expect(
      why(
        { pBuy: 0.9, last, lastSellMs: atMs - 10 * H, lastBuyMs: NaN },
        { ...config, reversalHours: 0 },
      ),
    ).toBe('weekly-cap');
    expect(
      why(
        { pBuy: 0.9, last, lastSellMs: atMs - 10 * H, atMs: atMs + 69 * H },
        { ...config, reversalHours: 0 },
      ),
    ).toBe('suggest BUY');
  });

  it('backs off after ignored suggestions, doubling the wait', () => {
    const atMs = NOON_BOGOTA;
    const last = (hoursAgo: number, ignoredStreak: number) => ({
      id: 'c',
      side: 'BUY' as const,
      atMs: atMs - hoursAgo * H,
      priceCopCents: 300_000,
      copCents: 1,
      usdCents: 1,
      ignoredStreak,
    });
    // Ignored once (no BUY since, horizon passed): 72 h.
    expect(why({ pBuy: 0.9, last: last(30, 0) })).toBe('backoff');
    expect(why({ pBuy: 0.9, last: last(73, 0) })).toBe('suggest BUY');
    // Ignored a third time in a row: 4 × 72 h.
    expect(why({ pBuy: 0.9, last: last(200, 2) })).toBe('backoff');
    expect(why({ pBuy: 0.9, last: last(289, 2) })).toBe('suggest BUY');
    // Followed (a BUY after it): no back-off.
    expect(why({ pBuy: 0.9, last: last(30, 2), lastBuyMs: atMs - 20 * H })).toBe('suggest BUY');
    const d = decide(input({ pBuy: 0.9, last: last(289, 2) }), config, clock);
    expect(d).toMatchObject({ action: 'suggest', ignoredStreak: 3 });
  });

  it('does not suggest a trade the user makes on schedule anyway, unless asked for reminders', () => {
    expect(why({ pSell: 0.9, scheduledSide: 'SELL' })).toBe('scheduled');
    expect(why({ pSell: 0.9, scheduledSide: 'SELL', wantsReminders: true })).toBe('suggest SELL');
    expect(why({ pSell: 0.9, scheduledSide: 'BUY' })).toBe('suggest SELL');
    expect(why({ pSell: 0.9, scheduledSide: 'SELL' }, { ...config, excludeScheduled: false })).toBe(
      'suggest SELL',
    );
  });

  it('respects a user who turned recommendations off, and asks a new user first', () => {
    expect(why({ pBuy: 0.9, recommendations: 'off' })).toBe('opted-out');
    expect(why({ pBuy: 0.9, recommendations: 'pending' })).toBe('consent-pending');
    expect(
      why({ pBuy: 0.9, recommendations: 'pending' }, { ...config, requireConsent: false }),
    ).toBe('suggest BUY');
    expect(why({ pBuy: 0.9, recommendations: 'on' })).toBe('suggest BUY');
  });
});
