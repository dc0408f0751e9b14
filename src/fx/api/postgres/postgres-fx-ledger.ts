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
  fxEventSchema,
  newEventId,
  totalCopCents,
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
  IdempotencyConflictError,
  InvalidLedgerEventError,
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
}

/**
 * The FX ledger on PostgreSQL, correct with any number of API processes and on any event log.
 * The state store is the system of record: each order is ONE transaction that locks the user's
 * account row (`SELECT … FOR UPDATE`), looks up the Idempotency-Key, checks the balance with
 * `applyPortfolioEvent` (the stream processor's arithmetic), and writes the transaction row, the
 * new balance and an outbox row together. The outbox relay carries the events to the log at
 * least once (consumers drop repeats by event id). Two instances given the same key for one
 * user take turns on the row lock, so the second finds the first's record and replays it.
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

  constructor(private readonly options: PostgresFxLedgerOptions) {
    this.pool = options.pool;
    this.now = options.now ?? Date.now;
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

  async execute(input: ExecuteInput, quote: () => PriceTick): Promise<ExecuteResult> {
    this.assertOpen();
    const result = await withTransaction(this.pool, async (c): Promise<ExecuteResult> => {
      const account = await c.query<{ portfolio: Portfolio }>(
        'SELECT portfolio FROM fx_accounts WHERE user_id = $1 FOR UPDATE',
        [input.userId],
      );
      // After the lock: a statement sees every transaction committed before it started.
      const earlier = await c.query<TxRow>(
        `SELECT ${TX_COLUMNS} FROM fx_transactions WHERE user_id = $1 AND idempotency_key = $2`,
        [input.userId, input.idempotencyKey],
      );
      if (earlier.rows[0]) {
        const tx = fromRow(earlier.rows[0]);
        if (tx.requestHash !== input.requestHash) {
          throw new IdempotencyConflictError(input.idempotencyKey);
        }
        return { replayed: true, transaction: tx };
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
      const valid = fxEventSchema.safeParse(event);
      if (!valid.success) {
        throw new InvalidLedgerEventError(
          valid.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`),
        );
      }
      // Throws InsufficientFundsError / AccountNotOpenError: the transaction rolls back.
      const portfolio = applyPortfolioEvent(account.rows[0]?.portfolio, event);
      const tx = toRecord(event);
      // One round trip: the transaction row, the balance and the outbox row.
      await c.query(
        `WITH t AS (
           INSERT INTO fx_transactions (${TX_COLUMNS})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ), a AS (
           UPDATE fx_accounts SET portfolio = $10 WHERE user_id = $1
         )
         INSERT INTO fx_outbox (partition_key, payload) VALUES ($1, $11)`,
        [
          tx.userId,
          tx.id,
          tx.idempotencyKey,
          tx.requestHash,
          tx.side,
          tx.amountUsdCents,
          tx.priceCopCents,
          tx.totalCopCents,
          tx.executedAt,
          JSON.stringify(portfolio),
          JSON.stringify(event),
        ],
      );
      return { replayed: false, transaction: tx };
    });
    if (!result.replayed) this.relay.kick();
    return result;
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

  /** Stops the relay after carrying what is left to the log; the pool stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
    await this.relay.stop();
  }
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
