import {
  newEventId,
  totalCopCents,
  type AccountOpened,
  type TransactionExecuted,
} from '../../../src/fx/events.js';
import {
  applyPortfolioEvent,
  PortfolioError,
  type Portfolio,
  type PortfolioEvent,
} from '../../../src/fx/portfolio/portfolio.js';
import { prng } from '../../util/random.js';

/** A fake clock: each event is one second after the previous one, ids follow it. */
let clock = Date.parse('2026-01-02T13:00:00.000Z');

function tick(): { id: string; at: string } {
  clock += 1000;
  return { id: newEventId(clock), at: new Date(clock).toISOString() };
}

/** An AccountOpened with the given opening balances (centavos / cents). */
export function opened(userId: string, copCents: number, usdCents = 0): AccountOpened {
  const { id, at } = tick();
  return {
    type: 'AccountOpened',
    version: 1,
    id,
    userId,
    copCents,
    usdCents,
    openedAt: at,
    ingestedAt: at,
  };
}

/** A valid TransactionExecuted: `amountUsdCents` at `priceCopCents` COP centavos per USD. */
export function trade(
  userId: string,
  side: 'BUY' | 'SELL',
  amountUsdCents: number,
  priceCopCents: number,
): TransactionExecuted {
  const { id, at } = tick();
  return {
    type: 'TransactionExecuted',
    version: 1,
    id,
    userId,
    side,
    amountUsdCents,
    priceCopCents,
    totalCopCents: totalCopCents(amountUsdCents, priceCopCents),
    executedAt: at,
    ingestedAt: at,
  };
}

export const buy = (userId: string, usdCents: number, priceCopCents: number) =>
  trade(userId, 'BUY', usdCents, priceCopCents);
export const sell = (userId: string, usdCents: number, priceCopCents: number) =>
  trade(userId, 'SELL', usdCents, priceCopCents);

/**
 * A random but reproducible event history: every user opens an account, then trades at prices
 * around 4,000 COP. About one trade in ten overdraws on purpose.
 */
export function randomHistory(seed: number, users: number, trades: number): PortfolioEvent[] {
  const random = prng(seed);
  const ids = Array.from({ length: users }, (_, i) => `user-${String(i).padStart(3, '0')}`);
  const events: PortfolioEvent[] = ids.map((u) =>
    opened(u, 2_000_000_00 + Math.floor(random() * 1_000_000_00), Math.floor(random() * 3) * 5000),
  );
  for (let i = 0; i < trades; i++) {
    const userId = ids[Math.floor(random() * users)]!;
    const price = 380_000 + Math.floor(random() * 40_000);
    const amount = 1 + Math.floor(random() * (random() < 0.1 ? 10_000_000 : 20_000));
    events.push(trade(userId, random() < 0.55 ? 'BUY' : 'SELL', amount, price));
  }
  return events;
}

/** The reference result: folds events in order with the pure function, skipping refusals and duplicates. */
export function referencePortfolios(events: readonly PortfolioEvent[]): Map<string, Portfolio> {
  const byUser = new Map<string, Portfolio>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.id)) continue;
    try {
      byUser.set(e.userId, applyPortfolioEvent(byUser.get(e.userId), e));
      seen.add(e.id);
    } catch (err) {
      if (!(err instanceof PortfolioError)) throw err;
      // Refusals against an existing portfolio are recorded as processed, as the stores do.
      if (byUser.has(e.userId)) seen.add(e.id);
    }
  }
  return byUser;
}
