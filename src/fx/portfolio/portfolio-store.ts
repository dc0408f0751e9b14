import type { Portfolio, PortfolioError, PortfolioEvent } from './portfolio.js';

/** What `apply` did with one event. */
export interface ApplyResult {
  /** `false` when the event had been processed before (nothing changed). */
  applied: boolean;
  /** The portfolio after the event (or as it is, for a duplicate). */
  portfolio: Portfolio;
}

/**
 * One event's fate in `applyBatch`:
 * - `applied`: the portfolio changed;
 * - `duplicate`: the event id was processed before (or earlier in the same batch); nothing changed;
 * - `rejected`: the event was refused (`error` says why, e.g. InsufficientFundsError) and the
 *   portfolio did not change. A refusal against an existing portfolio (overdraft, second
 *   AccountOpened) is recorded like an applied event, so a redelivered batch reports it as
 *   `duplicate` instead of judging it again against a later balance; that keeps redelivery
 *   deterministic. A refusal without a portfolio (no AccountOpened yet) or of an invalid event is
 *   not recorded.
 */
export interface ApplyOutcome {
  eventId: string;
  userId: string;
  status: 'applied' | 'duplicate' | 'rejected';
  error?: PortfolioError;
}

/** Options of `applyBatch`. */
export interface ApplyBatchOptions {
  /**
   * The caller has already checked every event against its schema (`accountOpenedSchema`,
   * `transactionExecutedSchema`), as the stream processor does where records enter it: the store
   * skips its own schema check, so each event is validated once, at the edge. Every other check
   * (idempotency, balances, account state, integer range) still runs.
   * @default false
   */
  validated?: boolean;
}

/** The result of `applyBatch`: counts, and one outcome per input event, in input order. */
export interface BatchApplyResult {
  applied: number;
  duplicates: number;
  rejected: number;
  outcomes: ApplyOutcome[];
}

export interface PortfolioListOptions {
  /** `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
  /**
   * Most portfolios per page (a page may hold fewer even when more follow).
   * @default 100 (at most 1000)
   */
  limit?: number;
}

export interface PortfolioPage {
  portfolios: Portfolio[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * The portfolio table (the DynamoDB portfolio table's role): the current portfolio of every user,
 * kept by applying AccountOpened and TransactionExecuted events.
 *
 * Every adapter guarantees:
 * - **Idempotency by event id.** Applying an event that was already processed (applied, or
 *   refused against an existing portfolio) changes nothing and reports `applied: false` /
 *   `duplicate`, also when the duplicate sits in the same batch.
 * - **No lost updates, no overdraft.** Concurrent writers (promises or processes) applying
 *   distinct events of one user each land exactly once; an event that would overdraw is refused
 *   with InsufficientFundsError against the balance it would really be applied to.
 * - **Determinism.** Replaying the same events in the same order into a cleared store yields
 *   identical portfolios.
 *
 * @example
 * const { applied, portfolio } = await store.apply(transactionExecuted);
 * const result = await store.applyBatch(events.filter(isPortfolioEvent));
 * for (const o of result.outcomes) if (o.status === 'rejected') log.warn(o.error?.message);
 */
export interface PortfolioStore {
  /** Where the data lives, for messages: a file path or `dynamodb://<table>`. */
  readonly location: string;
  /** The user's portfolio, or `undefined` when no AccountOpened was applied for them. */
  get(userId: string): Promise<Portfolio | undefined>;
  /**
   * Applies one event.
   * @throws InsufficientFundsError, AccountNotOpenError, AccountAlreadyOpenError,
   *   InvalidPortfolioEventError; the portfolio is unchanged when it throws (the refusal is
   *   recorded as described for `ApplyOutcome`).
   */
  apply(event: PortfolioEvent): Promise<ApplyResult>;
  /**
   * Applies events in order (the stream processor's call). Refused events are reported in
   * `outcomes` and do not stop the others; a failure of the store itself (I/O, throttling) throws,
   * and retrying the whole batch is safe.
   */
  applyBatch(
    events: readonly PortfolioEvent[],
    options?: ApplyBatchOptions,
  ): Promise<BatchApplyResult>;
  /** One page of portfolios; each portfolio appears on exactly one page of a full listing. */
  list(options?: PortfolioListOptions): Promise<PortfolioPage>;
  /** Removes every portfolio and every record of processed events (for tests and replays). */
  clear(): Promise<void>;
  /** Releases connections; the store must not be used afterwards. */
  close(): Promise<void>;
}

/** The `limit` of `list` when none is given. */
export const DEFAULT_LIST_LIMIT = 100;
/** The largest `limit` `list` accepts. */
export const MAX_LIST_LIMIT = 1000;

/** The `limit` of `list`, checked. */
export function listLimit(options: PortfolioListOptions | undefined): number {
  const limit = options?.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** Thrown by `list` for a cursor it did not issue. */
export class InvalidCursorError extends Error {
  constructor(readonly cursor: string) {
    super(`invalid portfolio list cursor ${JSON.stringify(cursor)}`);
    this.name = 'InvalidCursorError';
  }
}

/** Iterates every portfolio, page by page. */
export async function* listAllPortfolios(
  store: PortfolioStore,
  limit = MAX_LIST_LIMIT,
): AsyncGenerator<Portfolio> {
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit, ...(cursor ? { cursor } : {}) });
    yield* page.portfolios;
    cursor = page.nextCursor;
  } while (cursor);
}
