import { describe, expect, it } from 'vitest';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import {
  AccountAlreadyOpenError,
  AccountNotOpenError,
  applyPortfolioEvent,
  averageCostCopCents,
  costBasisReleased,
  InsufficientFundsError,
  InvalidPortfolioEventError,
  isPortfolioEvent,
  parsePortfolioEvent,
  PortfolioError,
  unrealizedPnlCopCents,
  type Portfolio,
  type PortfolioEvent,
} from '../../../src/fx/portfolio/index.js';
import { buy, opened, randomHistory, referencePortfolios, sell } from './fixtures.js';
import { prng } from '../../util/random.js';

function fold(events: PortfolioEvent[]): Portfolio {
  let p: Portfolio | undefined;
  for (const e of events) p = applyPortfolioEvent(p, e);
  return p!;
}

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('applyPortfolioEvent', () => {
  it('AccountOpened opens a portfolio with the opening balances and no cost basis', () => {
    const e = opened('ana', 10_000_000_00, 5000);
    expect(applyPortfolioEvent(undefined, e)).toEqual({
      userId: 'ana',
      copCents: 10_000_000_00,
      usdCents: 5000,
      costBasisCopCents: 0,
      avgCostCopCents: 0,
      realizedPnlCopCents: 0,
      buyCount: 0,
      sellCount: 0,
      boughtUsdCents: 0,
      soldUsdCents: 0,
      boughtCopCents: 0,
      soldCopCents: 0,
      openedAt: e.openedAt,
      lastEventId: e.id,
      lastTransactionAt: null,
      version: 1,
      updatedAt: e.openedAt,
    } satisfies Portfolio);
  });

  it('BUY, BUY, SELL: exact balances, weighted average cost and realized P&L', () => {
    const o = opened('ana', 10_000_000_00);
    const b1 = buy('ana', 100_00, 4000_00); // 100 USD at 4,000.00 → 400,000.00 COP
    const b2 = buy('ana', 50_00, 4100_00); // 50 USD at 4,100.00 → 205,000.00 COP
    const s1 = sell('ana', 30_00, 4200_00); // 30 USD at 4,200.00 → 126,000.00 COP

    const afterB1 = fold([o, b1]);
    expect(afterB1).toMatchObject({
      copCents: 9_600_000_00,
      usdCents: 100_00,
      costBasisCopCents: 400_000_00,
      avgCostCopCents: 4000_00,
      buyCount: 1,
      version: 2,
      lastEventId: b1.id,
      lastTransactionAt: b1.executedAt,
    });

    const afterB2 = applyPortfolioEvent(afterB1, b2);
    expect(afterB2).toMatchObject({
      copCents: 9_395_000_00,
      usdCents: 150_00,
      costBasisCopCents: 605_000_00,
      // 605,000.00 COP / 150 USD = 4,033.3333… → 4,033.33
      avgCostCopCents: 4033_33,
      buyCount: 2,
      boughtUsdCents: 150_00,
      boughtCopCents: 605_000_00,
    });

    const afterS1 = applyPortfolioEvent(afterB2, s1);
    // Released basis: 605,000.00 × 30/150 = 121,000.00; proceeds 126,000.00.
    expect(afterS1).toEqual({
      ...afterB2,
      copCents: 9_521_000_00,
      usdCents: 120_00,
      costBasisCopCents: 484_000_00,
      avgCostCopCents: 4033_33,
      realizedPnlCopCents: 5_000_00,
      sellCount: 1,
      soldUsdCents: 30_00,
      soldCopCents: 126_000_00,
      lastEventId: s1.id,
      lastTransactionAt: s1.executedAt,
      version: 4,
      updatedAt: s1.executedAt,
    });
  });

  it('a SELL below the average cost realizes a loss', () => {
    const p = fold([opened('ana', 1_000_000_00), buy('ana', 10_00, 4000_00)]);
    const after = applyPortfolioEvent(p, sell('ana', 10_00, 3900_00));
    expect(after.realizedPnlCopCents).toBe(-1_000_00);
    expect(after.costBasisCopCents).toBe(0);
    expect(after.avgCostCopCents).toBe(0);
  });

  it('selling everything zeroes the basis exactly, after partial sells that rounded', () => {
    // A basis that does not divide evenly: 7 US cents bought at 4,000.30 COP per USD.
    let p = fold([opened('ana', 1_000_000_00), buy('ana', 7, 400_030)]);
    expect(p.costBasisCopCents).toBe(28_002); // round(7 × 400030 / 100) = round(28002.1)
    const released: number[] = [];
    for (const amount of [1, 2, 1]) {
      const before = p.costBasisCopCents;
      p = applyPortfolioEvent(p, sell('ana', amount, 400_000));
      released.push(before - p.costBasisCopCents);
    }
    // 28002×1/7 = 4000.29 → 4000; 24002×2/6 = 8000.67 → 8001; 16001×1/4 = 4000.25 → 4000
    expect(released).toEqual([4000, 8001, 4000]);
    expect(p.costBasisCopCents).toBe(12_001);
    p = applyPortfolioEvent(p, sell('ana', 3, 400_000));
    expect(p.usdCents).toBe(0);
    expect(p.costBasisCopCents).toBe(0);
    expect(p.avgCostCopCents).toBe(0);
  });

  it('an exact-balance BUY and SELL are allowed; one centavo or cent more is refused', () => {
    const p = fold([opened('ana', 40_000_00), buy('ana', 10_00, 4000_00)]);
    expect(p.copCents).toBe(0);
    const err = caught(() => applyPortfolioEvent(p, buy('ana', 1, 100)));
    expect(err).toBeInstanceOf(InsufficientFundsError);
    expect(err).toMatchObject({ currency: 'COP', requiredCents: 1, availableCents: 0 });
    expect(applyPortfolioEvent(p, sell('ana', 10_00, 4000_00)).usdCents).toBe(0);
  });

  it('refuses a BUY beyond the COP balance, naming currency and amounts', () => {
    const p = fold([opened('ana', 100_000_00)]);
    const e = buy('ana', 30_00, 4000_00); // 120,000.00 COP
    const err = caught(() => applyPortfolioEvent(p, e));
    expect(err).toBeInstanceOf(InsufficientFundsError);
    expect(err).toBeInstanceOf(PortfolioError);
    expect(err).toMatchObject({
      name: 'InsufficientFundsError',
      code: 'insufficient-funds',
      userId: 'ana',
      eventId: e.id,
      currency: 'COP',
      requiredCents: 120_000_00,
      availableCents: 100_000_00,
    });
    expect((err as Error).message).toBe(
      `insufficient COP for user ana: needs 12000000 cents, the balance is 10000000 cents (event ${e.id})`,
    );
  });

  it('refuses a SELL beyond the USD balance', () => {
    const p = fold([opened('ana', 100_000_00, 20_00)]);
    const err = caught(() => applyPortfolioEvent(p, sell('ana', 20_01, 4000_00)));
    expect(err).toMatchObject({ currency: 'USD', requiredCents: 20_01, availableCents: 20_00 });
    expect((err as Error).message).toMatch(/^insufficient USD for user ana/);
  });

  it('refuses a transaction before AccountOpened, and a second AccountOpened', () => {
    const t = buy('ana', 1_00, 4000_00);
    const err = caught(() => applyPortfolioEvent(undefined, t));
    expect(err).toBeInstanceOf(AccountNotOpenError);
    expect(err).toMatchObject({ code: 'account-not-open', userId: 'ana', eventId: t.id });
    expect((err as Error).message).toContain('before (or without) AccountOpened');

    const p = fold([opened('ana', 1_00)]);
    const again = opened('ana', 5_00);
    expect(caught(() => applyPortfolioEvent(p, again))).toBeInstanceOf(AccountAlreadyOpenError);
  });

  it("refuses an event of another user's portfolio", () => {
    const p = fold([opened('ana', 1_000_000_00)]);
    expect(caught(() => applyPortfolioEvent(p, buy('bob', 1_00, 4000_00)))).toBeInstanceOf(
      InvalidPortfolioEventError,
    );
  });

  it('does not modify its input', () => {
    const p = Object.freeze(fold([opened('ana', 1_000_000_00), buy('ana', 10_00, 4000_00)]));
    const copy = { ...p };
    applyPortfolioEvent(p, sell('ana', 5_00, 4100_00));
    expect(p).toEqual(copy);
  });

  it('keeps the accounting identities over long random histories', () => {
    const events = randomHistory(7, 12, 3000);
    const opening = new Map(
      events.filter((e) => e.type === 'AccountOpened').map((e) => [e.userId, e]),
    );
    const portfolios = referencePortfolios(events);
    expect(portfolios.size).toBe(12);
    let sells = 0;
    for (const p of portfolios.values()) {
      const o = opening.get(p.userId)!;
      sells += p.sellCount;
      expect(p.copCents).toBe(o.copCents - p.boughtCopCents + p.soldCopCents);
      expect(p.usdCents).toBe(o.usdCents + p.boughtUsdCents - p.soldUsdCents);
      // Released basis = bought − remaining; realized = proceeds − released.
      expect(p.realizedPnlCopCents).toBe(p.soldCopCents - (p.boughtCopCents - p.costBasisCopCents));
      expect(p.costBasisCopCents).toBeGreaterThanOrEqual(0);
      expect(p.avgCostCopCents).toBe(averageCostCopCents(p.costBasisCopCents, p.usdCents));
      expect(p.version).toBe(1 + p.buyCount + p.sellCount);
      expect(p.copCents).toBeGreaterThanOrEqual(0);
      expect(p.usdCents).toBeGreaterThanOrEqual(0);
    }
    expect(sells).toBeGreaterThan(100);
  });
});

describe('rounding', () => {
  it('averageCostCopCents is half-up integer division, 0 without USD', () => {
    expect(averageCostCopCents(0, 0)).toBe(0);
    expect(averageCostCopCents(5, 0)).toBe(0);
    expect(averageCostCopCents(1, 200)).toBe(1); // 0.5 → 1
    expect(averageCostCopCents(3, 200)).toBe(2); // 1.5 → 2
    expect(averageCostCopCents(1, 300)).toBe(0); // 0.333 → 0
    expect(averageCostCopCents(2, 300)).toBe(1); // 0.667 → 1
    expect(averageCostCopCents(400_001, 100)).toBe(400_001);
  });

  it('costBasisReleased is round(basis × sold / held), half-up, and exact for a full sale', () => {
    expect(costBasisReleased(5, 1, 2)).toBe(3); // 2.5 → 3
    expect(costBasisReleased(7, 1, 3)).toBe(2); // 2.33 → 2
    expect(costBasisReleased(8, 2, 3)).toBe(5); // 5.33 → 5
    expect(costBasisReleased(10, 1, 4)).toBe(3); // 2.5 → 3
    expect(costBasisReleased(123_457, 9, 9)).toBe(123_457);
  });

  it('stays exact where the products pass 2^53', () => {
    const basis = 9_000_000_000_000_000; // 9e15 centavos, close to MAX_SAFE_INTEGER
    const held = 2_000_000_000_003;
    const sold = 1_234_567_890_123;
    const expected = (2n * BigInt(basis) * BigInt(sold) + BigInt(held)) / (2n * BigInt(held));
    expect(costBasisReleased(basis, sold, held)).toBe(Number(expected));
    expect(averageCostCopCents(basis, held)).toBe(
      Number((2n * BigInt(basis) * 100n + BigInt(held)) / (2n * BigInt(held))),
    );
  });

  it('matches a BigInt reference on random inputs of every magnitude', () => {
    const random = prng(42);
    // Magnitudes from tiny to past 2^53 in the product, so both the double and the BigInt path run.
    const upTo = (max: number) => Math.floor(random() * max ** random());
    for (let i = 0; i < 5000; i++) {
      const held = 1 + upTo(1e12);
      const sold = 1 + Math.floor(random() * held);
      const basis = upTo(9e15);
      const ref = (2n * BigInt(basis) * BigInt(sold) + BigInt(held)) / (2n * BigInt(held));
      expect(costBasisReleased(basis, sold, held)).toBe(Number(ref));
      expect(costBasisReleased(basis, sold, held)).toBeLessThanOrEqual(basis);
      if (basis * 100 < Number.MAX_SAFE_INTEGER) {
        expect(averageCostCopCents(basis, held)).toBe(
          Number((2n * BigInt(basis) * 100n + BigInt(held)) / (2n * BigInt(held))),
        );
      }
    }
  });

  it('rounds exactly at the .5 boundary near 2^53 on the double path', () => {
    // 2xy + d just below 2^53: the double quotient must not round across the integer.
    const d = 3;
    const x = Math.floor((Number.MAX_SAFE_INTEGER - 3 * d) / 2); // 2x + d + 2d ≤ 2^53 − 1
    expect(costBasisReleased(x, 1, d)).toBe(
      Number((2n * BigInt(x) + BigInt(d)) / (2n * BigInt(d))),
    );
    expect(costBasisReleased(x - 1, 1, d)).toBe(
      Number((2n * BigInt(x - 1) + BigInt(d)) / (2n * BigInt(d))),
    );
  });
});

describe('unrealizedPnlCopCents', () => {
  it('is the value at the bid minus the cost basis', () => {
    const p = fold([opened('ana', 10_000_000_00), buy('ana', 100_00, 4000_00)]);
    expect(unrealizedPnlCopCents(p, 4100_00)).toBe(10_000_00);
    expect(unrealizedPnlCopCents(p, 3950_00)).toBe(-5_000_00);
    expect(unrealizedPnlCopCents(p, 4000_00)).toBe(0);
  });

  it('counts opening USD (no known cost) entirely as gain, and is 0 without USD', () => {
    expect(unrealizedPnlCopCents(fold([opened('ana', 0, 1_00)]), 4000_00)).toBe(4000_00);
    expect(unrealizedPnlCopCents(fold([opened('ana', 5_00)]), 4000_00)).toBe(0);
  });

  it('rounds the value at the bid half-up, like a SELL total', () => {
    const p = fold([opened('ana', 0, 1)]); // 1 US cent
    expect(unrealizedPnlCopCents(p, 50)).toBe(1); // 0.5 centavos → 1
    expect(unrealizedPnlCopCents(p, 49)).toBe(0);
    expect(unrealizedPnlCopCents(p, 150)).toBe(2); // 1.5 → 2
  });

  it('stays exact beyond 2^53 and refuses a non-positive bid', () => {
    const p = { ...fold([opened('ana', 0)]), usdCents: 1_000_000_000_001, costBasisCopCents: 7 };
    // The product (≈ 1e16) passes 2^53; the value (≈ 1e14) does not.
    expect(unrealizedPnlCopCents(p, 9_999)).toBe(
      Number((1_000_000_000_001n * 9_999n + 50n) / 100n) - 7,
    );
    expect(() => unrealizedPnlCopCents(p, 0)).toThrow(RangeError);
    expect(() => unrealizedPnlCopCents(p, 1.5)).toThrow(RangeError);
  });
});

describe('parsePortfolioEvent and isPortfolioEvent', () => {
  it('accepts valid events as they are', () => {
    const e = buy('ana', 1_00, 4000_00);
    expect(parsePortfolioEvent(e)).toEqual(e);
  });

  it('refuses a wrong total, naming the field', () => {
    const e = { ...buy('ana', 1_00, 4000_00), totalCopCents: 4000_01 };
    const err = caught(() => parsePortfolioEvent(e));
    expect(err).toBeInstanceOf(InvalidPortfolioEventError);
    expect((err as Error).message).toContain('totalCopCents');
    expect(err).toMatchObject({ code: 'invalid-event', userId: 'ana', eventId: e.id });
  });

  it('refuses fractional amounts, other event types and non-objects', () => {
    expect(() => parsePortfolioEvent({ ...opened('ana', 1), copCents: 1.5 })).toThrow(/copCents/);
    expect(() => parsePortfolioEvent({ type: 'PriceTick' })).toThrow(
      /type must be AccountOpened or TransactionExecuted/,
    );
    expect(() => parsePortfolioEvent(null)).toThrow(InvalidPortfolioEventError);
  });

  it('isPortfolioEvent tells portfolio events from price ticks', () => {
    const tick: PriceTick = {
      type: 'PriceTick',
      version: 1,
      id: newEventId(),
      source: 'simulated',
      bidCopCents: 1,
      askCopCents: 1,
      midCopCents: 1,
      observedAt: '2026-01-02T00:00:00Z',
      ingestedAt: '2026-01-02T00:00:00Z',
    };
    expect(isPortfolioEvent(tick)).toBe(false);
    expect(isPortfolioEvent(opened('ana', 1))).toBe(true);
    expect(isPortfolioEvent(buy('ana', 1, 100))).toBe(true);
  });
});
