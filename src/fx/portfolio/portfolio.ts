import {
  accountOpenedSchema,
  transactionExecutedSchema,
  type AccountOpened,
  type FxEvent,
  type TransactionExecuted,
} from '../events.js';

/**
 * One user's FX portfolio: balances, the weighted-average cost of the USD held, and counters.
 *
 * Money is integer minor units: COP in centavos, USD in cents. `costBasisCopCents` is the exact
 * state of the weighted-average cost method; `avgCostCopCents` is derived from it (see
 * {@link averageCostCopCents}). Every field is a function of the events applied and their order,
 * so replaying the same events yields an identical portfolio (there is no wall-clock field).
 */
export interface Portfolio {
  userId: string;
  /** COP balance in centavos. */
  copCents: number;
  /** USD balance in cents. */
  usdCents: number;
  /** What the USD held cost, in COP centavos (weighted-average cost method). */
  costBasisCopCents: number;
  /** Average cost in COP centavos per USD: `costBasisCopCents × 100 / usdCents`, half-up; 0 without USD. */
  avgCostCopCents: number;
  /** Sum of SELL proceeds minus the cost basis they released, in COP centavos; may be negative. */
  realizedPnlCopCents: number;
  buyCount: number;
  sellCount: number;
  /** USD cents bought / sold over the portfolio's life. */
  boughtUsdCents: number;
  soldUsdCents: number;
  /** COP centavos paid for BUYs / received for SELLs over the portfolio's life. */
  boughtCopCents: number;
  soldCopCents: number;
  /** `openedAt` of the AccountOpened event. */
  openedAt: string;
  /** Id of the last event applied. */
  lastEventId: string;
  /** `executedAt` of the last transaction applied; `null` before the first one. */
  lastTransactionAt: string | null;
  /** Number of events applied (1 after AccountOpened); the optimistic-concurrency version. */
  version: number;
  /** Event time (`openedAt` / `executedAt`) of the last event applied. */
  updatedAt: string;
}

/** The events that change a portfolio. */
export type PortfolioEvent = AccountOpened | TransactionExecuted;

export type Currency = 'COP' | 'USD';

/** Why an event cannot be applied to a portfolio. */
export type PortfolioErrorCode =
  'insufficient-funds' | 'account-not-open' | 'account-already-open' | 'invalid-event';

/** Base class of the errors that refuse an event; the portfolio is left unchanged. */
export class PortfolioError extends Error {
  constructor(
    message: string,
    readonly code: PortfolioErrorCode,
    readonly userId: string | undefined,
    readonly eventId: string | undefined,
  ) {
    super(message);
    this.name = 'PortfolioError';
  }
}

/**
 * A BUY costs more COP, or a SELL sells more USD, than the user holds.
 * @example
 * // insufficient USD for user u1: SELL 150.00 USD needs 15000 cents, the balance is 10000 cents (event 01J…)
 */
export class InsufficientFundsError extends PortfolioError {
  constructor(
    userId: string,
    eventId: string,
    readonly currency: Currency,
    readonly requiredCents: number,
    readonly availableCents: number,
  ) {
    super(
      `insufficient ${currency} for user ${userId}: needs ${requiredCents} cents, ` +
        `the balance is ${availableCents} cents (event ${eventId})`,
      'insufficient-funds',
      userId,
      eventId,
    );
    this.name = 'InsufficientFundsError';
  }
}

/** A TransactionExecuted for a user whose AccountOpened was never applied. */
export class AccountNotOpenError extends PortfolioError {
  constructor(userId: string, eventId: string) {
    super(
      `user ${userId} has no portfolio: TransactionExecuted ${eventId} arrived before (or without) AccountOpened`,
      'account-not-open',
      userId,
      eventId,
    );
    this.name = 'AccountNotOpenError';
  }
}

/** A second AccountOpened (with a different event id) for a user who already has a portfolio. */
export class AccountAlreadyOpenError extends PortfolioError {
  constructor(userId: string, eventId: string, existingOpenedBy: string) {
    super(
      `user ${userId} already has a portfolio; AccountOpened ${eventId} is refused ` +
        `(last event applied: ${existingOpenedBy})`,
      'account-already-open',
      userId,
      eventId,
    );
    this.name = 'AccountAlreadyOpenError';
  }
}

/** An event that is not a valid AccountOpened or TransactionExecuted. */
export class InvalidPortfolioEventError extends PortfolioError {
  constructor(detail: string, userId?: string, eventId?: string) {
    super(
      `invalid portfolio event${eventId ? ` ${eventId}` : ''}: ${detail}`,
      'invalid-event',
      userId,
      eventId,
    );
    this.name = 'InvalidPortfolioEventError';
  }
}

/** True for the FX events that change portfolios (PriceTicks do not). */
export function isPortfolioEvent(event: FxEvent): event is PortfolioEvent {
  return event.type === 'AccountOpened' || event.type === 'TransactionExecuted';
}

/**
 * Checks an event against its schema (the store is an edge: events may come from a log or a file).
 * @throws InvalidPortfolioEventError naming the first problem.
 */
export function parsePortfolioEvent(event: unknown): PortfolioEvent {
  const type = (event as { type?: unknown } | null)?.type;
  const schema =
    type === 'AccountOpened'
      ? accountOpenedSchema
      : type === 'TransactionExecuted'
        ? transactionExecutedSchema
        : undefined;
  const id = (event as { id?: unknown } | null)?.id;
  const userId = (event as { userId?: unknown } | null)?.userId;
  const ids = [
    typeof userId === 'string' ? userId : undefined,
    typeof id === 'string' ? id : undefined,
  ] as const;
  if (!schema) {
    throw new InvalidPortfolioEventError(
      `type must be AccountOpened or TransactionExecuted, got ${JSON.stringify(type)}`,
      ...ids,
    );
  }
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InvalidPortfolioEventError(`${where}${issue?.message ?? 'does not match'}`, ...ids);
  }
  return parsed.data;
}

/**
 * Applies one event to a portfolio (pure; the input is not modified).
 *
 * - AccountOpened on `undefined` opens the portfolio with the opening balances. Opening USD has
 *   no known price, so it enters with a cost basis of 0 (its whole value is unrealized P&L).
 * - BUY: COP −= total, USD += amount, cost basis += total.
 * - SELL: the cost basis released is `round(costBasis × amount / usdBefore)` (half-up), so
 *   selling everything zeroes the basis exactly; realized P&L += total − released basis.
 *
 * @throws AccountNotOpenError, AccountAlreadyOpenError, InsufficientFundsError, and
 *   InvalidPortfolioEventError when a result would pass the exact integer range (2^53).
 * @example
 * let p = applyPortfolioEvent(undefined, opened);      // copCents 1_000_000_00
 * p = applyPortfolioEvent(p, buy100UsdAt4000Cop);       // usdCents 10000, avgCostCopCents 400000
 */
export function applyPortfolioEvent(
  portfolio: Portfolio | undefined,
  event: PortfolioEvent,
): Portfolio {
  if (event.type === 'AccountOpened') {
    if (portfolio) throw new AccountAlreadyOpenError(event.userId, event.id, portfolio.lastEventId);
    return openPortfolio(event);
  }
  if (!portfolio) throw new AccountNotOpenError(event.userId, event.id);
  if (portfolio.userId !== event.userId) {
    throw new InvalidPortfolioEventError(
      `event of user ${event.userId} applied to the portfolio of ${portfolio.userId}`,
      event.userId,
      event.id,
    );
  }
  try {
    return event.side === 'BUY' ? buy(portfolio, event) : sell(portfolio, event);
  } catch (err) {
    // A total past 2^53 refuses this event instead of failing every batch that carries it.
    if (err instanceof RangeError) {
      throw new InvalidPortfolioEventError(err.message, event.userId, event.id);
    }
    throw err;
  }
}

/** A new portfolio from an AccountOpened event. */
export function openPortfolio(event: AccountOpened): Portfolio {
  return {
    userId: event.userId,
    copCents: event.copCents,
    usdCents: event.usdCents,
    costBasisCopCents: 0,
    avgCostCopCents: 0,
    realizedPnlCopCents: 0,
    buyCount: 0,
    sellCount: 0,
    boughtUsdCents: 0,
    soldUsdCents: 0,
    boughtCopCents: 0,
    soldCopCents: 0,
    openedAt: event.openedAt,
    lastEventId: event.id,
    lastTransactionAt: null,
    version: 1,
    updatedAt: event.openedAt,
  };
}

// buy and sell build the whole object literally (no spreads): the stream processor folds every
// transaction through them, and one fixed object shape keeps that path fast.
function buy(p: Portfolio, t: TransactionExecuted): Portfolio {
  if (p.copCents < t.totalCopCents) {
    throw new InsufficientFundsError(p.userId, t.id, 'COP', t.totalCopCents, p.copCents);
  }
  const usdCents = safeAdd(p.usdCents, t.amountUsdCents);
  const costBasisCopCents = safeAdd(p.costBasisCopCents, t.totalCopCents);
  return {
    userId: p.userId,
    copCents: p.copCents - t.totalCopCents,
    usdCents,
    costBasisCopCents,
    avgCostCopCents: averageCostCopCents(costBasisCopCents, usdCents),
    realizedPnlCopCents: p.realizedPnlCopCents,
    buyCount: p.buyCount + 1,
    sellCount: p.sellCount,
    boughtUsdCents: safeAdd(p.boughtUsdCents, t.amountUsdCents),
    soldUsdCents: p.soldUsdCents,
    boughtCopCents: safeAdd(p.boughtCopCents, t.totalCopCents),
    soldCopCents: p.soldCopCents,
    openedAt: p.openedAt,
    lastEventId: t.id,
    lastTransactionAt: t.executedAt,
    version: p.version + 1,
    updatedAt: t.executedAt,
  };
}

function sell(p: Portfolio, t: TransactionExecuted): Portfolio {
  if (p.usdCents < t.amountUsdCents) {
    throw new InsufficientFundsError(p.userId, t.id, 'USD', t.amountUsdCents, p.usdCents);
  }
  const released = costBasisReleased(p.costBasisCopCents, t.amountUsdCents, p.usdCents);
  const usdCents = p.usdCents - t.amountUsdCents;
  const costBasisCopCents = p.costBasisCopCents - released;
  return {
    userId: p.userId,
    copCents: safeAdd(p.copCents, t.totalCopCents),
    usdCents,
    costBasisCopCents,
    avgCostCopCents: averageCostCopCents(costBasisCopCents, usdCents),
    realizedPnlCopCents: safeAdd(p.realizedPnlCopCents, t.totalCopCents - released),
    buyCount: p.buyCount,
    sellCount: p.sellCount + 1,
    boughtUsdCents: p.boughtUsdCents,
    soldUsdCents: safeAdd(p.soldUsdCents, t.amountUsdCents),
    boughtCopCents: p.boughtCopCents,
    soldCopCents: safeAdd(p.soldCopCents, t.totalCopCents),
    openedAt: p.openedAt,
    lastEventId: t.id,
    lastTransactionAt: t.executedAt,
    version: p.version + 1,
    updatedAt: t.executedAt,
  };
}

/**
 * Average cost in COP centavos per USD: `costBasisCopCents × 100 / usdCents`, rounded half-up
 * with exact integer arithmetic; 0 when no USD is held.
 * @example averageCostCopCents(400_001, 100) // 1 USD that cost 4000.01 COP → 400001
 */
export function averageCostCopCents(costBasisCopCents: number, usdCents: number): number {
  if (usdCents === 0) return 0;
  return mulDivHalfUp(costBasisCopCents, 100, usdCents);
}

/**
 * The part of the cost basis a SELL of `soldUsdCents` releases: `costBasis × sold / held`,
 * rounded half-up. Selling everything releases the whole basis exactly.
 */
export function costBasisReleased(
  costBasisCopCents: number,
  soldUsdCents: number,
  heldUsdCents: number,
): number {
  if (soldUsdCents === heldUsdCents) return costBasisCopCents;
  return mulDivHalfUp(costBasisCopCents, soldUsdCents, heldUsdCents);
}

/**
 * Unrealized P&L in COP centavos if the USD held were sold at `bidCopCents` per USD: the value at
 * the bid (rounded half-up as a SELL's `totalCopCents` is, but exact beyond 2^53) minus the cost basis.
 * @example unrealizedPnlCopCents(portfolio, tick.bidCopCents)
 */
export function unrealizedPnlCopCents(portfolio: Portfolio, bidCopCents: number): number {
  if (!Number.isSafeInteger(bidCopCents) || bidCopCents <= 0) {
    throw new RangeError(`bidCopCents must be a positive integer, got ${bidCopCents}`);
  }
  const value = mulDivHalfUp(portfolio.usdCents, bidCopCents, 100);
  return value - portfolio.costBasisCopCents;
}

/**
 * `x × y / d` rounded half-up, exactly, for non-negative integers `x`, `y` and positive `d`:
 * `floor((2xy + d) / 2d)`. Doubles when every intermediate is below 2^53 (the common case),
 * BigInt otherwise; the result must fit a double exactly.
 */
function mulDivHalfUp(x: number, y: number, d: number): number {
  const n = 2 * x * y + d;
  const twoD = 2 * d;
  if (Number.isSafeInteger(n) && Number.isSafeInteger(n + twoD)) {
    // A floating quotient of safe integers can be off by one near an integer; correct it with
    // exact products (each ≤ n + 2d, so still safe).
    let q = Math.floor(n / twoD);
    if (q * twoD > n) q--;
    else if ((q + 1) * twoD <= n) q++;
    return q;
  }
  const q = (2n * BigInt(x) * BigInt(y) + BigInt(d)) / (2n * BigInt(d));
  const result = Number(q);
  if (!Number.isSafeInteger(result)) throw new RangeError(`${q} exceeds the exact integer range`);
  return result;
}

function safeAdd(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum))
    throw new RangeError(`${a} + ${b} exceeds the exact integer range`);
  return sum;
}
