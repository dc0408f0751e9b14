import { createHash } from 'node:crypto';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import {
  jsonRecord,
  parseJson,
  type EventLog,
  type Position,
} from '../../core/event-log/event-log.js';
import {
  accountOpenedSchema,
  fxEventSchema,
  newEventId,
  totalCopCents,
  type AccountOpened,
  type PriceTick,
  type TransactionExecuted,
} from '../events.js';
import {
  applyPortfolioEvent,
  isPortfolioEvent,
  PortfolioError,
  type Portfolio,
  type PortfolioEvent,
} from '../portfolio/portfolio.js';
import type { FxDatabase } from './fx-database.js';
import type { ExecuteInput, ExecuteResult, FxLedgerPort, NewFxUser } from './ledger-port.js';
import { KeyedMutex } from './keyed-mutex.js';
import { FxUsers } from './users.js';
import { LedgerRecorder } from './ledger-recorder.js';
import {
  LedgerTables,
  type LedgerEntry,
  type Side,
  type TransactionRecord,
} from './ledger-tables.js';

export type { Side, TransactionRecord } from './ledger-tables.js';

export type { ExecuteInput, ExecuteResult } from './ledger-port.js';

/** The same Idempotency-Key was used before with a different request (HTTP 422). */
export class IdempotencyConflictError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(
      `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used with a different request body`,
    );
    this.name = 'IdempotencyConflictError';
  }
}

/** The ledger could not record an appended event and refuses work until reopened (HTTP 503). */
export class LedgerUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the FX ledger is unavailable after a storage failure; restart to recover from the log', {
      cause,
    });
    this.name = 'LedgerUnavailableError';
  }
}

/** An event the ledger refused to append because it breaks its schema (HTTP 400). */
export class InvalidLedgerEventError extends Error {
  constructor(readonly issues: string[]) {
    super(`the event breaks its schema: ${issues.join('; ')}`);
    this.name = 'InvalidLedgerEventError';
  }
}

const requestHashes = new Map<string, string>();

/**
 * SHA-256 (hex) of the canonical form of a transaction request, so `100`, `100.0` and a
 * reordered body hash alike. Memoised (clients repeat amounts), so the hot path rarely hashes.
 */
export function requestHashOf(side: Side, amountUsdCents: number): string {
  const key = `${side}${amountUsdCents}`;
  let hash = requestHashes.get(key);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify({ amountUsdCents, side })).digest('hex');
    if (requestHashes.size >= 10_000) requestHashes.clear();
    requestHashes.set(key, hash);
  }
  return hash;
}

export interface FxLedgerOptions {
  /** The FX database (see `openFxDatabase`). */
  db: FxDatabase;
  /**
   * The log every AccountOpened / TransactionExecuted goes to; this process must be its only
   * writer of account events, and its positions must be ordered numbers (the disk log's are).
   */
  eventLog: EventLog;
  logger?: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Called for every PriceTick met while catching up (e.g. to refill the price book). */
  onPriceTick?: (tick: PriceTick) => void;
  /**
   * Appended events are recorded in SQLite in groups, at most this long after the first of a
   * group was appended (the log, not SQLite, is the durable record; see the class comment).
   * @default 10
   */
  commitDelayMs?: number;
  /** …or as soon as this many are waiting. @default 2000 */
  commitMaxEntries?: number;
  /**
   * Record on a worker thread with its own SQLite connection, so commits never stall the event
   * loop (file databases only; `:memory:` records in this thread).
   * @default true
   */
  recordOnThread?: boolean;
}

interface Account {
  portfolio: Portfolio;
  lastPosition: Position;
}

/**
 * The API's view of every user's balances, kept consistent with the EventLog (the source of truth).
 *
 * `execute` runs, per user one at a time (an async mutex; users run in parallel): idempotency
 * lookup → price → `applyPortfolioEvent` on the account (the same arithmetic as the stream
 * processor, so both agree on every refusal) → `await eventLog.append` (durable) → the account
 * in memory takes the new balance, and the caller gets its answer. Because one user's requests
 * are serialized and the check runs against the balance the event will be applied to, no
 * interleaving can overdraw.
 *
 * SQLite (accounts, transactions, idempotency records) is written behind the log: appended
 * events wait in memory, where the idempotency lookup and the accounts see them at once, and are
 * recorded in one SQLite transaction per group (`commitDelayMs` / `commitMaxEntries`), each user's
 * account row once per group. Reads of SQLite (`transactions`, `allPortfolios`) record the
 * waiting group first, so a client always reads its own writes. The ledger's checkpoint (the log
 * position up to which every account event is recorded) moves with each group: appends resolve
 * in log order, so a group holds every account event appended before its last one.
 *
 * If the process dies before a group is recorded, `open` catches up: it reads the log from the
 * checkpoint and applies every AccountOpened / TransactionExecuted after each account's last
 * applied position (rebuilding idempotency records from the events' `idempotencyKey` /
 * `requestHash`). A failure to record a group makes the ledger refuse further work
 * (LedgerUnavailableError) until it is reopened, which catches up the same way.
 *
 * @example
 * const ledger = await FxLedger.open({ db: openFxDatabase(file), eventLog });
 * const { transaction } = await ledger.execute(input, () => priceBook.latest()!);
 */
export class FxLedger implements FxLedgerPort {
  private readonly tables: LedgerTables;
  private readonly log: EventLog;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly mutex = new KeyedMutex();
  private readonly accounts = new Map<string, Account>();
  private readonly recorder: LedgerRecorder;
  /** Appends started and not yet handed to the recorder. */
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private failure: Error | undefined;
  private closed = false;
  private userRows: FxUsers | undefined;

  private constructor(private readonly options: FxLedgerOptions) {
    this.tables = new LedgerTables(options.db);
    this.log = options.eventLog;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.recorder = new LedgerRecorder(this.tables, options.db, {
      ...(options.commitDelayMs !== undefined ? { commitDelayMs: options.commitDelayMs } : {}),
      ...(options.commitMaxEntries !== undefined
        ? { commitMaxEntries: options.commitMaxEntries }
        : {}),
      ...(options.recordOnThread !== undefined ? { thread: options.recordOnThread } : {}),
      onFailure: (err) => {
        // The events are durable but not recorded here: stop, so no check runs on a stale
        // SQLite; reopening catches up from the log.
        this.failure ??= new LedgerUnavailableError(err);
        this.logger.error({ err }, 'ledger: cannot record appended events');
      },
    });
  }

  /** Opens the ledger and catches up with the log (see the class comment). */
  static async open(options: FxLedgerOptions): Promise<FxLedger> {
    const ledger = new FxLedger(options);
    await ledger.catchUp();
    return ledger;
  }

  /**
   * Applies every account event after the checkpoint that the ledger has not recorded.
   * @returns how many events were applied.
   */
  async catchUp(): Promise<number> {
    await this.recorder.drain();
    let cursor = this.tables.checkpoint();
    let applied = 0;
    for (;;) {
      const page = await this.log.read(cursor, { max: 1000 });
      const entries: LedgerEntry[] = [];
      for (const record of page.records) {
        let value: unknown;
        try {
          value = parseJson(record);
        } catch {
          continue; // not JSON: not ours
        }
        const parsed = fxEventSchema.safeParse(value);
        if (!parsed.success) continue;
        const event = parsed.data;
        if (event.type === 'PriceTick') {
          this.options.onPriceTick?.(event);
          continue;
        }
        if (!isPortfolioEvent(event)) continue;
        const account = this.account(event.userId);
        if (account && comparePositions(record.position, account.lastPosition) <= 0) continue;
        try {
          const portfolio = applyPortfolioEvent(account?.portfolio, event);
          this.accounts.set(event.userId, { portfolio, lastPosition: record.position });
          entries.push({
            portfolio,
            position: record.position,
            tx: event.type === 'TransactionExecuted' ? toRecord(event) : undefined,
          });
          applied++;
        } catch (err) {
          if (!(err instanceof PortfolioError)) throw err;
          // The stream processor refuses it the same way; the balance does not change.
          this.logger.warn(
            { err: err.message, eventId: event.id },
            'ledger: refused an event of the log',
          );
        }
      }
      if (page.records.length === 0) break;
      cursor = page.next;
      // One transaction per page: its events and the checkpoint after it.
      this.tables.commit(entries, cursor);
    }
    if (applied > 0) this.logger.info({ applied }, 'ledger: caught up with the event log');
    return applied;
  }

  /** The user's current portfolio, or `undefined` without an account. */
  portfolio(userId: string): Portfolio | undefined {
    return this.account(userId)?.portfolio;
  }

  /**
   * Opens an account: appends AccountOpened, then records it (and runs `alsoInTransaction`, e.g.
   * inserting the user row, in the same SQLite transaction) before it resolves.
   * @throws AccountAlreadyOpenError when the user has an account.
   */
  async openAccount(
    input: { userId: string; copCents: number; usdCents: number },
    alsoInTransaction?: () => void,
  ): Promise<AccountOpened> {
    return this.mutex.run(input.userId, async () => {
      this.assertUsable();
      const nowIso = new Date(this.now()).toISOString();
      const event = accountOpenedSchema.parse({
        type: 'AccountOpened',
        version: 1,
        id: newEventId(),
        userId: input.userId,
        copCents: input.copCents,
        usdCents: input.usdCents,
        openedAt: nowIso,
        ingestedAt: nowIso,
      });
      const portfolio = applyPortfolioEvent(this.account(input.userId)?.portfolio, event);
      await this.appendAndRecord(event, portfolio, undefined, alsoInTransaction ?? noop);
      return event;
    });
  }

  /** {@link FxLedgerPort.openUserAccount}: the user row is inserted in the account's transaction. */
  async openUserAccount(
    user: NewFxUser,
    balances: { copCents: number; usdCents: number },
  ): Promise<AccountOpened> {
    const rows = (this.userRows ??= new FxUsers(this.options.db));
    return this.openAccount({ userId: user.id, ...balances }, () => rows.insertHashed(user));
  }

  /**
   * Executes a BUY (at the ask) or SELL (at the bid) at the price `quote` returns when the user's
   * turn comes, or replays the earlier result of the same Idempotency-Key. Resolves once the
   * event is durable in the log.
   * @throws IdempotencyConflictError, InsufficientFundsError, AccountNotOpenError, whatever
   *   `quote` throws (e.g. a stale price), LedgerUnavailableError.
   */
  async execute(input: ExecuteInput, quote: () => PriceTick): Promise<ExecuteResult> {
    return this.mutex.run(input.userId, async () => {
      this.assertUsable();
      const replay = replayOf(
        this.recorder.pendingTx(input.userId, input.idempotencyKey) ??
          this.tables.byKey(input.userId, input.idempotencyKey),
        input,
      );
      if (replay) return replay;
      // What the stream processor would quarantine never enters the log (nor the ledger).
      const event = transactionEventOf(input, quote(), this.now());
      // Throws InsufficientFundsError / AccountNotOpenError before anything is written.
      const portfolio = applyPortfolioEvent(this.account(input.userId)?.portfolio, event);
      const transaction = toRecord(event);
      await this.appendAndRecord(event, portfolio, transaction, undefined);
      return { replayed: false, transaction };
    });
  }

  /**
   * Appends the event (durable), then makes it visible: the account in memory, and the entry
   * (with its idempotency record) handed to the recorder. With `recordNow`, waits until it is
   * recorded in SQLite, `recordNow` inside the same transaction.
   */
  private async appendAndRecord(
    event: PortfolioEvent,
    portfolio: Portfolio,
    tx: TransactionRecord | undefined,
    recordNow: (() => void) | undefined,
  ): Promise<void> {
    this.inFlight++;
    try {
      const { position } = await this.log.append(jsonRecord(event.userId, event));
      // From here on the event is durable: it must become visible even if recording fails.
      this.accounts.set(event.userId, { portfolio, lastPosition: position });
      const entry: LedgerEntry = { portfolio, position, tx };
      if (recordNow) {
        await this.recorder.commitNow(entry, recordNow).catch(() => {
          throw this.failure;
        });
      } else this.recorder.add(entry);
    } finally {
      if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /**
   * The user's transactions, newest first. `cursor` is the `nextCursor` of the previous page.
   * @throws LedgerUnavailableError after a storage failure.
   */
  async transactions(
    userId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<{ transactions: TransactionRecord[]; nextCursor?: string }> {
    // Read your writes: what was appended before this call is recorded first.
    await this.settle();
    const limit = options.limit ?? 50;
    const rows = this.tables.page(userId, options.cursor ?? '\u{10FFFF}', limit + 1);
    const transactions = rows.slice(0, limit);
    return rows.length > limit
      ? { transactions, nextCursor: transactions[transactions.length - 1]!.id }
      : { transactions };
  }

  /** One of the user's transactions (another user's id is not found). */
  async transaction(userId: string, id: string): Promise<TransactionRecord | undefined> {
    await this.settle();
    return this.tables.byId(userId, id);
  }

  /** Every account's portfolio, in user id order (for checks and tools). */
  async allPortfolios(): Promise<Portfolio[]> {
    await this.settle();
    return this.tables.allPortfolios();
  }

  /** Waits until every appended event is recorded. @throws LedgerUnavailableError */
  private async settle(): Promise<void> {
    if (this.failure) throw this.failure;
    await this.recorder.drain().catch(() => {
      throw this.failure;
    });
  }

  private account(userId: string): Account | undefined {
    const cached = this.accounts.get(userId);
    if (cached !== undefined) return cached;
    const account = this.tables.account(userId);
    // Unknown users are not cached: a bad token cannot grow the map.
    if (account) this.accounts.set(userId, account);
    return account;
  }

  private assertUsable(): void {
    if (this.closed) throw new Error('the FX ledger is closed');
    if (this.failure) throw this.failure;
  }

  /**
   * Waits for executions in flight and records every appended event in SQLite; the database and
   * the log stay open (their owners close them).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.recorder.close().catch(() => {}); // a failure was logged when it happened
  }
}

function noop(): void {}

/** Orders two positions of a single-sequence log (numeric strings). */
export function comparePositions(a: Position, b: Position): number {
  if (b === '') return 1;
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) {
    throw new Error(
      `FxLedger needs a log with numeric positions (the disk log); got ${JSON.stringify(a)} and ${JSON.stringify(b)}`,
    );
  }
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The answer to an order whose Idempotency-Key was already used: the earlier transaction
 * replayed, or IdempotencyConflictError when the key came with another request. Undefined for a
 * new key. Shared by every ledger adapter.
 */
export function replayOf(
  earlier: TransactionRecord | undefined,
  input: ExecuteInput,
): ExecuteResult | undefined {
  if (!earlier) return undefined;
  if (earlier.requestHash !== input.requestHash) {
    throw new IdempotencyConflictError(input.idempotencyKey);
  }
  return { replayed: true, transaction: earlier };
}

/**
 * The TransactionExecuted of `input` at `tick` (the ask for a BUY, the bid for a SELL), validated
 * as the stream processor would: what it would quarantine never enters the log.
 * @throws InvalidLedgerEventError
 */
export function transactionEventOf(
  input: ExecuteInput,
  tick: PriceTick,
  now: number,
): TransactionExecuted {
  const priceCopCents = input.side === 'BUY' ? tick.askCopCents : tick.bidCopCents;
  const nowIso = new Date(now).toISOString();
  const event: TransactionExecuted = {
    type: 'TransactionExecuted',
    version: 1,
    id: newEventId(now),
    userId: input.userId,
    side: input.side,
    amountUsdCents: input.amountUsdCents,
    priceCopCents,
    totalCopCents: totalCopCents(input.amountUsdCents, priceCopCents),
    priceTickId: tick.id,
    idempotencyKey: input.idempotencyKey,
    requestHash: input.requestHash,
    executedAt: nowIso,
    ingestedAt: nowIso,
  };
  const valid = fxEventSchema.safeParse(event);
  if (!valid.success) {
    throw new InvalidLedgerEventError(
      valid.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`),
    );
  }
  return event;
}

/** The ledger's record of an executed order. */
export function toRecord(e: TransactionExecuted): TransactionRecord {
  return {
    id: e.id,
    userId: e.userId,
    side: e.side,
    amountUsdCents: e.amountUsdCents,
    priceCopCents: e.priceCopCents,
    totalCopCents: e.totalCopCents,
    executedAt: e.executedAt,
    idempotencyKey: e.idempotencyKey ?? null,
    requestHash: e.requestHash ?? null,
  };
}
