import { createHash } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { jsonRecord, parseJson, type EventLog, type Position } from '../event-log/event-log.js';
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
  PortfolioError,
  type Portfolio,
  type PortfolioEvent,
} from '../portfolio/portfolio.js';
import type { FxDatabase } from './fx-database.js';
import { KeyedMutex } from './keyed-mutex.js';

export type Side = 'BUY' | 'SELL';

/** An executed transaction as the ledger keeps it (also the idempotency record). */
export interface TransactionRecord {
  id: string;
  userId: string;
  side: Side;
  amountUsdCents: number;
  priceCopCents: number;
  totalCopCents: number;
  executedAt: string;
  /** `null` for transactions that did not come through the API (e.g. simulated history). */
  idempotencyKey: string | null;
  requestHash: string | null;
}

export interface ExecuteInput {
  userId: string;
  side: Side;
  amountUsdCents: number;
  /** The client's `Idempotency-Key` (1–200 characters). */
  idempotencyKey: string;
  /** SHA-256 of the canonical request (see {@link requestHashOf}). */
  requestHash: string;
}

export interface ExecuteResult {
  /** `true` when the key was used before with the same request: nothing was executed now. */
  replayed: boolean;
  transaction: TransactionRecord;
}

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

/**
 * SHA-256 (hex) of the canonical form of a transaction request, so `100`, `100.0` and a
 * reordered body hash alike.
 */
export function requestHashOf(side: Side, amountUsdCents: number): string {
  return createHash('sha256').update(JSON.stringify({ amountUsdCents, side })).digest('hex');
}

export interface FxLedgerOptions {
  /** The FX database (see `openFxDatabase`). */
  db: FxDatabase;
  /**
   * The log every AccountOpened / TransactionExecuted goes to; this process must be its only
   * writer, and its positions must be ordered numbers (the disk log's are).
   */
  eventLog: EventLog;
  logger?: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Called for every PriceTick met while catching up (e.g. to refill the price book). */
  onPriceTick?: (tick: PriceTick) => void;
}

interface Account {
  portfolio: Portfolio;
  lastPosition: Position;
}

interface PendingCommit {
  account: Account;
  tx: TransactionRecord | undefined;
  position: Position;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface TxRow {
  user_id: string;
  id: string;
  idempotency_key: string | null;
  request_hash: string | null;
  side: Side;
  amount_usd_cents: number;
  price_cop_cents: number;
  total_cop_cents: number;
  executed_at: string;
}

const TX_COLUMNS =
  'user_id, id, idempotency_key, request_hash, side, amount_usd_cents, price_cop_cents, total_cop_cents, executed_at';

/**
 * The API's view of every user's balances, kept consistent with the EventLog (the source of truth).
 *
 * `execute` runs, per user one at a time (an async mutex; users run in parallel): idempotency
 * lookup → price → `applyPortfolioEvent` on the account (the same arithmetic as the stream
 * processor, so both agree on every refusal) → `await eventLog.append` (durable) → one SQLite
 * transaction that stores the account and the transaction/idempotency record. Because one user's
 * requests are serialized and the check runs against the balance the event will be applied to,
 * no interleaving can overdraw.
 *
 * If the process dies between the append and the SQLite commit, `open` catches up: it reads the
 * log from its checkpoint and applies every AccountOpened / TransactionExecuted after each
 * account's last applied position (rebuilding idempotency records from the events'
 * `idempotencyKey` / `requestHash`).
 *
 * @example
 * const ledger = await FxLedger.open({ db: openFxDatabase(file), eventLog });
 * const { transaction } = await ledger.execute(input, () => priceBook.latest()!);
 */
export class FxLedger {
  private readonly db: FxDatabase;
  private readonly log: EventLog;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly mutex = new KeyedMutex();
  private readonly accounts = new Map<string, Account | null>();
  private readonly stmt;
  private readonly commit: (
    account: Account,
    tx: TransactionRecord | undefined,
    position: Position,
  ) => void;
  private readonly commitBatch: (batch: PendingCommit[]) => void;
  private readonly pendingCommits: PendingCommit[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly options: FxLedgerOptions) {
    this.db = options.db;
    this.log = options.eventLog;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ledger_accounts (
        user_id TEXT PRIMARY KEY,
        portfolio TEXT NOT NULL,
        last_position TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ledger_transactions (
        user_id TEXT NOT NULL,
        id TEXT NOT NULL,
        idempotency_key TEXT,
        request_hash TEXT,
        side TEXT NOT NULL,
        amount_usd_cents INTEGER NOT NULL,
        price_cop_cents INTEGER NOT NULL,
        total_cop_cents INTEGER NOT NULL,
        executed_at TEXT NOT NULL,
        position TEXT NOT NULL,
        PRIMARY KEY (user_id, id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX IF NOT EXISTS ledger_transactions_idempotency
        ON ledger_transactions (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
    this.stmt = {
      account: this.db.prepare<[string], { portfolio: string; last_position: string }>(
        'SELECT portfolio, last_position FROM ledger_accounts WHERE user_id = ?',
      ),
      upsertAccount: this.db.prepare<[string, string, string]>(
        `INSERT INTO ledger_accounts (user_id, portfolio, last_position) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET portfolio = excluded.portfolio, last_position = excluded.last_position`,
      ),
      insertTx: this.db.prepare(
        `INSERT OR IGNORE INTO ledger_transactions (${TX_COLUMNS}, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byKey: this.db.prepare<[string, string], TxRow>(
        `SELECT ${TX_COLUMNS} FROM ledger_transactions WHERE user_id = ? AND idempotency_key = ?`,
      ),
      page: this.db.prepare<[string, string, number], TxRow>(
        `SELECT ${TX_COLUMNS} FROM ledger_transactions WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      getMeta: this.db
        .prepare<[string], string>('SELECT value FROM ledger_meta WHERE key = ?')
        .pluck(),
      setMeta: this.db.prepare<[string, string]>(
        'INSERT INTO ledger_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      allAccounts: this.db.prepare<[], { user_id: string; portfolio: string }>(
        'SELECT user_id, portfolio FROM ledger_accounts ORDER BY user_id',
      ),
    };
    const commitRows = (
      account: Account,
      tx: TransactionRecord | undefined,
      position: Position,
    ): void => {
      const p = account.portfolio;
      this.stmt.upsertAccount.run(p.userId, JSON.stringify(p), position);
      if (tx) {
        this.stmt.insertTx.run(
          tx.userId,
          tx.id,
          tx.idempotencyKey,
          tx.requestHash,
          tx.side,
          tx.amountUsdCents,
          tx.priceCopCents,
          tx.totalCopCents,
          tx.executedAt,
          position,
        );
      }
    };
    this.commit = this.db.transaction(
      (account: Account, tx: TransactionRecord | undefined, position: Position) => {
        commitRows(account, tx, position);
        // The checkpoint may only pass positions whose events are all recorded: advance it
        // when nothing else of ours is between append and commit.
        if (this.inFlight <= 1) this.stmt.setMeta.run('checkpoint', position);
      },
    );
    this.commitBatch = this.db.transaction((batch: PendingCommit[]) => {
      let last = batch[0]!.position;
      for (const c of batch) {
        commitRows(c.account, c.tx, c.position);
        if (comparePositions(c.position, last) > 0) last = c.position;
      }
      if (this.inFlight <= batch.length) this.stmt.setMeta.run('checkpoint', last);
    });
  }

  /**
   * Group commit of the SQLite side: every append acknowledged by the same log flush is recorded
   * in one SQLite transaction (one WAL write instead of one per trade). Each caller still waits
   * for its own record to be committed before it answers.
   */
  private commitLater(
    account: Account,
    tx: TransactionRecord | undefined,
    position: Position,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingCommits.push({ account, tx, position, resolve, reject });
      if (this.pendingCommits.length === 1) setImmediate(() => this.flushCommits());
    });
  }

  private flushCommits(): void {
    const batch = this.pendingCommits.splice(0);
    if (batch.length === 0) return;
    try {
      this.commitBatch(batch);
    } catch (err) {
      for (const c of batch) c.reject(err);
      return;
    }
    for (const c of batch) c.resolve();
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
    let cursor = this.stmt.getMeta.get('checkpoint');
    let applied = 0;
    for (;;) {
      const page = await this.log.read(cursor, { max: 1000 });
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
        const account = this.account(event.userId);
        if (account && comparePositions(record.position, account.lastPosition) <= 0) continue;
        try {
          const portfolio = applyPortfolioEvent(account?.portfolio, event);
          const next = { portfolio, lastPosition: record.position };
          this.commit(
            next,
            event.type === 'TransactionExecuted' ? toRecord(event) : undefined,
            record.position,
          );
          this.accounts.set(event.userId, next);
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
      this.stmt.setMeta.run('checkpoint', cursor);
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
   * inserting the user row, in the same SQLite transaction).
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
      await this.appendAndRecord(
        event,
        { portfolio, lastPosition: '' },
        undefined,
        alsoInTransaction,
      );
      return event;
    });
  }

  /**
   * Executes a BUY (at the ask) or SELL (at the bid) at the price `quote` returns when the user's
   * turn comes, or replays the earlier result of the same Idempotency-Key.
   * @throws IdempotencyConflictError, InsufficientFundsError, AccountNotOpenError, whatever
   *   `quote` throws (e.g. a stale price), LedgerUnavailableError.
   */
  async execute(input: ExecuteInput, quote: () => PriceTick): Promise<ExecuteResult> {
    return this.mutex.run(input.userId, async () => {
      this.assertUsable();
      const earlier = this.stmt.byKey.get(input.userId, input.idempotencyKey);
      if (earlier) {
        if (earlier.request_hash !== input.requestHash) {
          throw new IdempotencyConflictError(input.idempotencyKey);
        }
        return { replayed: true, transaction: fromRow(earlier) };
      }
      const tick = quote();
      const priceCopCents = input.side === 'BUY' ? tick.askCopCents : tick.bidCopCents;
      const now = this.now();
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
      // Throws InsufficientFundsError / AccountNotOpenError before anything is written.
      const portfolio = applyPortfolioEvent(this.account(input.userId)?.portfolio, event);
      const transaction = toRecord(event);
      await this.appendAndRecord(event, { portfolio, lastPosition: '' }, transaction);
      return { replayed: false, transaction };
    });
  }

  private async appendAndRecord(
    event: PortfolioEvent,
    account: Account,
    tx: TransactionRecord | undefined,
    alsoInTransaction?: () => void,
  ): Promise<void> {
    this.inFlight++;
    try {
      const { position } = await this.log.append(jsonRecord(event.userId, event));
      account.lastPosition = position;
      try {
        if (alsoInTransaction) {
          this.db.transaction(() => {
            alsoInTransaction();
            this.commit(account, tx, position);
          })();
        } else {
          await this.commitLater(account, tx, position);
        }
      } catch (err) {
        // The event is durable but not recorded here: stop, so no check runs on a stale balance.
        this.failure = new LedgerUnavailableError(err);
        this.logger.error({ err, eventId: event.id }, 'ledger: cannot record an appended event');
        throw this.failure;
      }
      this.accounts.set(event.userId, account);
    } finally {
      if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /**
   * The user's transactions, newest first. `cursor` is the `nextCursor` of the previous page.
   */
  transactions(
    userId: string,
    options: { limit?: number; cursor?: string } = {},
  ): { transactions: TransactionRecord[]; nextCursor?: string } {
    const limit = options.limit ?? 50;
    const rows = this.stmt.page.all(userId, options.cursor ?? '\u{10FFFF}', limit + 1);
    const transactions = rows.slice(0, limit).map(fromRow);
    return rows.length > limit
      ? { transactions, nextCursor: transactions[transactions.length - 1]!.id }
      : { transactions };
  }

  /** Every account's portfolio, in user id order (for checks and tools). */
  allPortfolios(): Portfolio[] {
    return this.stmt.allAccounts.all().map((r) => JSON.parse(r.portfolio) as Portfolio);
  }

  private account(userId: string): Account | undefined {
    const cached = this.accounts.get(userId);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.stmt.account.get(userId);
    const account = row
      ? { portfolio: JSON.parse(row.portfolio) as Portfolio, lastPosition: row.last_position }
      : undefined;
    // Unknown users are not cached: a bad token cannot grow the map.
    if (account) this.accounts.set(userId, account);
    return account;
  }

  private assertUsable(): void {
    if (this.closed) throw new Error('the FX ledger is closed');
    if (this.failure) throw this.failure;
  }

  /** Waits for executions in flight; the database and the log stay open (their owners close them). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}

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

function toRecord(e: TransactionExecuted): TransactionRecord {
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

function fromRow(r: TxRow): TransactionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    side: r.side,
    amountUsdCents: r.amount_usd_cents,
    priceCopCents: r.price_cop_cents,
    totalCopCents: r.total_cop_cents,
    executedAt: r.executed_at,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
  };
}
