import type { EventLog } from '../../../core/event-log/event-log.js';
import type { Logger } from '../../../core/log/logger.js';
import {
  OutboxRelay,
  withTransaction,
  type PgClient,
  type PgPool,
} from '../../../core/state/postgres/index.js';
import {
  accountOpenedSchema,
  newEventId,
  type AccountOpened,
  type PriceTick,
  type TransactionExecuted,
} from '../../events.js';
import {
  AccountAlreadyOpenError,
  applyPortfolioEvent,
  type Portfolio,
} from '../../portfolio/portfolio.js';
import {
  replayOf,
  toRecord,
  transactionEventOf,
  type ExecuteInput,
  type ExecuteResult,
} from '../ledger.js';
import type { TransactionRecord } from '../ledger-tables.js';
import type { FxLedgerPort, NewFxUser } from '../ledger-port.js';

/** Key of the advisory lock one outbox relay holds at a time ("fxob"). */
const RELAY_LOCK_KEY = 0x66786f62;

interface TxRow {
  user_id: string;
  id: string;
  idempotency_key: string | null;
  request_hash: string | null;
  side: 'BUY' | 'SELL';
  amount_usd_cents: string;
  price_cop_cents: string;
  total_cop_cents: string;
  executed_at: string;
}

const TX_COLUMNS =
  'user_id, id, idempotency_key, request_hash, side, amount_usd_cents, price_cop_cents, total_cop_cents, executed_at';

export interface PostgresFxLedgerOptions {
  /** A pool on a database migrated with `FX_API_MIGRATIONS`. */
  pool: PgPool;
  /** Where the outbox relay appends AccountOpened / TransactionExecuted (disk log or Kinesis). */
  eventLog: EventLog;
  logger?: Logger;
  /** @default Date.now */
  now?: () => number;
  /** Run this process's outbox relay (API instances do; a tool reading balances does not). @default true */
  relay?: boolean;
  /** Order transactions one instance runs at once (each groups the orders that wait). @default 4 */
  maxBatchesInFlight?: number;
  /** Orders in one transaction at most. @default 256 */
  maxBatchSize?: number;
}

interface QueuedOrder {
  input: ExecuteInput;
  quote: () => PriceTick;
  resolve: (result: ExecuteResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { result: ExecuteResult } | { error: unknown };

/**
 * The FX ledger on PostgreSQL, correct with any number of API processes and on any event log.
 * The state store is the system of record. Orders are executed by group commit: the orders that
 * arrive while earlier batches are in flight (at most `maxBatchesInFlight` per instance) form one
 * batch. A batch reads its users' accounts (each with a version) and its Idempotency-Keys in one
 * statement, decides each order in arrival order with `applyPortfolioEvent` (the stream
 * processor's arithmetic), and writes every transaction row, new balance and outbox row in one
 * more statement (`fx_apply_batch`), which refuses if an account changed since the read; a
 * refused batch is rerun, the second time under row locks. Each order's caller is answered
 * after that commit. A rejected order writes nothing, so it never aborts the others. The outbox
 * relay carries the events to the log at least once (consumers drop repeats by event id). Two
 * instances given the same key for one user race on the account's version: the loser reruns,
 * finds the winner's record and replays it.
 *
 * @example
 * const ledger = new PostgresFxLedger({ pool, eventLog });
 * const { transaction } = await ledger.execute(input, () => priceBook.latest()!);
 */
export class PostgresFxLedger implements FxLedgerPort {
  readonly relay: OutboxRelay;
  private readonly pool: PgPool;
  private readonly now: () => number;
  private closed = false;
  private queue: QueuedOrder[] = [];
  /** Users with an order in a running batch of this instance. */
  private readonly busyUsers = new Set<string>();
  private inFlight = 0;
  private pumpScheduled = false;
  private readonly batches = new Set<Promise<void>>();
  private readonly maxBatchesInFlight: number;
  private readonly maxBatchSize: number;
  /** Batches run, their orders, refused attempts (an account changed in between), batches run under row locks. */
  readonly stats = { batches: 0, orders: 0, refused: 0, locked: 0 };

  constructor(private readonly options: PostgresFxLedgerOptions) {
    this.pool = options.pool;
    this.now = options.now ?? Date.now;
    this.maxBatchesInFlight = options.maxBatchesInFlight ?? 4;
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.relay = new OutboxRelay({
      pool: options.pool,
      table: 'fx_outbox',
      eventLog: options.eventLog,
      lockKey: RELAY_LOCK_KEY,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    if (options.relay ?? true) this.relay.start();
  }

  async openUserAccount(
    user: NewFxUser,
    balances: { copCents: number; usdCents: number },
  ): Promise<AccountOpened> {
    this.assertOpen();
    const nowIso = new Date(this.now()).toISOString();
    const event = accountOpenedSchema.parse({
      type: 'AccountOpened',
      version: 1,
      id: newEventId(),
      userId: user.id,
      copCents: balances.copCents,
      usdCents: balances.usdCents,
      openedAt: nowIso,
      ingestedAt: nowIso,
    });
    const portfolio = applyPortfolioEvent(undefined, event);
    await withTransaction(this.pool, async (c) => {
      await c.query(
        'INSERT INTO fx_users (id, name, token_sha256, created_at) VALUES ($1, $2, $3, $4)',
        [user.id, user.name, user.tokenSha256, user.createdAt],
      );
      const inserted = await c.query(
        'INSERT INTO fx_accounts (user_id, portfolio) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING',
        [user.id, JSON.stringify(portfolio)],
      );
      if (inserted.rowCount === 0)
        throw new AccountAlreadyOpenError(user.id, event.id, 'an earlier AccountOpened');
      await insertOutbox(c, event.userId, event);
    });
    this.relay.kick();
    return event;
  }

  /**
   * Executes one order. Orders arriving while earlier batches are in flight are grouped into one
   * transaction (group commit): it resolves once the batch holding this order has committed.
   * @throws IdempotencyConflictError, InsufficientFundsError, AccountNotOpenError,
   *   InvalidLedgerEventError, whatever `quote` throws (e.g. a stale price) — for this order
   *   only — or the database's error, for every order of the batch.
   */
  execute(input: ExecuteInput, quote: () => PriceTick): Promise<ExecuteResult> {
    this.assertOpen();
    return new Promise<ExecuteResult>((resolve, reject) => {
      this.queue.push({ input, quote, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Pumps once the event loop has read every request that arrived with this one (the I/O of this
   * turn), so they form one batch instead of one batch each.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Starts batches while fewer than `maxBatchesInFlight` run and orders wait. A batch takes the
   * oldest waiting orders of users who have no order in a running batch of this instance, so
   * this instance's batches never wait on each other's row locks, and a user's orders keep
   * their arrival order.
   */
  private pump(): void {
    while (this.inFlight < this.maxBatchesInFlight && this.queue.length > 0) {
      const batch: QueuedOrder[] = [];
      const rest: QueuedOrder[] = [];
      for (const order of this.queue) {
        if (batch.length < this.maxBatchSize && !this.busyUsers.has(order.input.userId)) {
          batch.push(order);
        } else rest.push(order);
      }
      if (batch.length === 0) return;
      this.queue = rest;
      const users = new Set(batch.map((o) => o.input.userId));
      for (const u of users) this.busyUsers.add(u);
      this.inFlight++;
      const running = this.runBatch(batch).finally(() => {
        for (const u of users) this.busyUsers.delete(u);
        this.inFlight--;
        this.batches.delete(running);
        this.pump();
      });
      this.batches.add(running);
    }
  }

  private async runBatch(batch: QueuedOrder[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.executeBatch(batch);
    } catch (err) {
      for (const order of batch) order.reject(err);
      return;
    }
    let executed = false;
    batch.forEach((order, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) order.reject(outcome.error);
      else {
        executed ||= !outcome.result.replayed;
        order.resolve(outcome.result);
      }
    });
    if (executed) this.relay.kick();
  }

  /**
   * Executes a batch in two statements and no explicit transaction: one reads the batch's
   * accounts (with their versions) and Idempotency-Keys from one snapshot, the orders are decided
   * here, and `fx_apply_batch` writes every transaction row, new balance and outbox row at once,
   * refusing if an account changed since the read (another instance's batch committed in
   * between). A refused batch is rerun once the same way, then under row locks (`SELECT … FOR
   * UPDATE` in user-id order, so batches of different instances never deadlock), which always
   * succeeds: a user whose orders arrive on many instances at once cannot starve.
   */
  private async executeBatch(batch: QueuedOrder[]): Promise<Outcome[]> {
    this.stats.batches++;
    this.stats.orders += batch.length;
    const userIds = [...new Set(batch.map((o) => o.input.userId))];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const r = await this.pool.query<{ accounts: AccountRow[]; earlier: TxRow[] }>({
        name: 'fx-ledger-read-batch',
        text: `SELECT
          (SELECT coalesce(json_agg(json_build_object('user_id', a.user_id, 'portfolio', a.portfolio,
             'version', a.version)), '[]') FROM fx_accounts a WHERE a.user_id = ANY($1::text[])) AS accounts,
          (SELECT coalesce(json_agg(t), '[]') FROM (SELECT ${TX_COLUMNS.split(', ')
            .map((col) => `t.${col}`)
            .join(', ')} FROM fx_transactions t
             JOIN unnest($2::text[], $3::text[]) AS k(user_id, idempotency_key)
               ON t.user_id = k.user_id AND t.idempotency_key = k.idempotency_key) t) AS earlier`,
        values: [
          userIds,
          batch.map((o) => o.input.userId),
          batch.map((o) => o.input.idempotencyKey),
        ],
      });
      const { accounts, earlier } = r.rows[0]!;
      const decided = this.decide(batch, accounts, earlier);
      try {
        if (decided.write) await applyBatch(this.pool, decided.write);
        return decided.outcomes;
      } catch (err) {
        if (!isRefusedBatch(err)) throw err;
        this.stats.refused++;
      }
    }
    this.stats.locked++;
    return withTransaction(this.pool, async (c) => {
      const accounts = await c.query<AccountRow>({
        name: 'fx-ledger-lock-accounts',
        text: 'SELECT user_id, portfolio, version FROM fx_accounts WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE',
        values: [userIds],
      });
      // A statement that starts after the locks sees every order committed before them.
      const earlier = await c.query<TxRow>({
        name: 'fx-ledger-idempotency',
        text: `SELECT ${TX_COLUMNS.split(', ')
          .map((col) => `t.${col}`)
          .join(', ')} FROM fx_transactions t
          JOIN unnest($1::text[], $2::text[]) AS k(user_id, idempotency_key)
            ON t.user_id = k.user_id AND t.idempotency_key = k.idempotency_key`,
        values: [batch.map((o) => o.input.userId), batch.map((o) => o.input.idempotencyKey)],
      });
      const decided = this.decide(batch, accounts.rows, earlier.rows);
      if (decided.write) await applyBatch(c, decided.write);
      return decided.outcomes;
    });
  }

  /**
   * Decides each order of `batch` in arrival order on the accounts and earlier transactions
   * read: replays a known Idempotency-Key, refuses a reused key with another request, applies
   * the order with `applyPortfolioEvent` (the stream processor's arithmetic) or rejects it (a
   * rejected order writes nothing, so it cannot abort the others).
   */
  private decide(
    batch: QueuedOrder[],
    accounts: readonly AccountRow[],
    earlierRows: readonly TxRow[],
  ): { outcomes: Outcome[]; write?: BatchWrite } {
    const portfolios = new Map<string, Portfolio | undefined>(
      accounts.map((r) => [r.user_id, r.portfolio]),
    );
    const versions = new Map(accounts.map((r) => [r.user_id, Number(r.version)]));
    const byKey = new Map<string, TransactionRecord>();
    const keyOf = (userId: string, key: string): string => `${userId}\u0000${key}`;
    for (const r of earlierRows) byKey.set(keyOf(r.user_id, r.idempotency_key!), fromRow(r));
    const events: TransactionExecuted[] = [];
    const changed = new Set<string>();
    const outcomes = batch.map((order): Outcome => {
      const { input } = order;
      try {
        const replay = replayOf(byKey.get(keyOf(input.userId, input.idempotencyKey)), input);
        if (replay) return { result: replay };
        const event = transactionEventOf(input, order.quote(), this.now());
        // Throws InsufficientFundsError / AccountNotOpenError: this order writes nothing.
        portfolios.set(input.userId, applyPortfolioEvent(portfolios.get(input.userId), event));
        changed.add(input.userId);
        events.push(event);
        const tx = toRecord(event);
        byKey.set(keyOf(input.userId, input.idempotencyKey), tx);
        return { result: { replayed: false, transaction: tx } };
      } catch (error) {
        return { error };
      }
    });
    if (events.length === 0) return { outcomes };
    const users = [...changed];
    return {
      outcomes,
      write: {
        users,
        versions: users.map((u) => versions.get(u)!),
        portfolios: users.map((u) => JSON.stringify(portfolios.get(u))),
        events,
      },
    };
  }

  async portfolio(userId: string): Promise<Portfolio | undefined> {
    const r = await this.pool.query<{ portfolio: Portfolio }>(
      'SELECT portfolio FROM fx_accounts WHERE user_id = $1',
      [userId],
    );
    return r.rows[0]?.portfolio;
  }

  async transactions(
    userId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<{ transactions: TransactionRecord[]; nextCursor?: string }> {
    const limit = options.limit ?? 50;
    const r = await this.pool.query<TxRow>(
      `SELECT ${TX_COLUMNS} FROM fx_transactions WHERE user_id = $1 AND id < $2
       ORDER BY id DESC LIMIT $3`,
      [userId, options.cursor ?? '\u{10FFFF}', limit + 1],
    );
    const transactions = r.rows.slice(0, limit).map(fromRow);
    return r.rows.length > limit
      ? { transactions, nextCursor: transactions[transactions.length - 1]!.id }
      : { transactions };
  }

  async transaction(userId: string, id: string): Promise<TransactionRecord | undefined> {
    const r = await this.pool.query<TxRow>(
      `SELECT ${TX_COLUMNS} FROM fx_transactions WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return r.rows[0] ? fromRow(r.rows[0]) : undefined;
  }

  async allPortfolios(): Promise<Portfolio[]> {
    const r = await this.pool.query<{ portfolio: Portfolio }>(
      'SELECT portfolio FROM fx_accounts ORDER BY user_id',
    );
    return r.rows.map((row) => row.portfolio);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the FX ledger is closed');
  }

  /**
   * Answers the orders already queued, then stops the relay after carrying what is left to the
   * log; the pool stays open (its owner closes it).
   */
  async close(): Promise<void> {
    this.closed = true;
    while (this.batches.size > 0) await Promise.all(this.batches);
    await this.relay.stop();
  }
}

interface AccountRow {
  user_id: string;
  portfolio: Portfolio;
  /** bigint: a string from a query, a number inside JSON. */
  version: string | number;
}

/** What a decided batch writes: the changed accounts (with the versions read) and the events. */
interface BatchWrite {
  users: string[];
  versions: number[];
  portfolios: string[];
  events: TransactionExecuted[];
}

/** Writes a decided batch with `fx_apply_batch` (one statement: atomic on its own). */
async function applyBatch(db: PgClient | PgPool, w: BatchWrite): Promise<void> {
  const txs = w.events.map(toRecord);
  await db.query({
    name: 'fx-ledger-apply-batch',
    text: `SELECT fx_apply_batch($1::text[], $2::bigint[], $3::jsonb[], $4::text[], $5::text[],
      $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[],
      $13::text[])`,
    values: [
      w.users,
      w.versions,
      w.portfolios,
      txs.map((t) => t.userId),
      txs.map((t) => t.id),
      txs.map((t) => t.idempotencyKey),
      txs.map((t) => t.requestHash),
      txs.map((t) => t.side),
      txs.map((t) => t.amountUsdCents),
      txs.map((t) => t.priceCopCents),
      txs.map((t) => t.totalCopCents),
      txs.map((t) => t.executedAt),
      w.events.map((e) => JSON.stringify(e)),
    ],
  });
}

/**
 * `fx_apply_batch` refused the batch: an account changed since it was read, or (the same race
 * seen from the index) another instance stored one of its Idempotency-Keys first.
 */
function isRefusedBatch(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return (
    e?.code === '40001' || (e?.code === '23505' && e.constraint === 'fx_transactions_idempotency')
  );
}

async function insertOutbox(c: PgClient, partitionKey: string, event: unknown): Promise<void> {
  await c.query('INSERT INTO fx_outbox (partition_key, payload) VALUES ($1, $2)', [
    partitionKey,
    JSON.stringify(event),
  ]);
}

function fromRow(r: TxRow): TransactionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    side: r.side,
    amountUsdCents: Number(r.amount_usd_cents),
    priceCopCents: Number(r.price_cop_cents),
    totalCopCents: Number(r.total_cop_cents),
    executedAt: r.executed_at,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
  };
}
