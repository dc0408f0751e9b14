import type { Statement } from 'better-sqlite3';
import type { Position } from '../../core/event-log/event-log.js';
import type { Portfolio } from '../portfolio/portfolio.js';
import type { FxDatabase } from './fx-database.js';
import type { WriteOp } from './sqlite-writer-thread.js';

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

/** One appended (durable) account event waiting to be recorded in SQLite. */
export interface LedgerEntry {
  /** The portfolio after the event. */
  portfolio: Portfolio;
  /** The event's log position. */
  position: Position;
  /** The transaction and idempotency record, for TransactionExecuted. */
  tx: TransactionRecord | undefined;
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

/** The statements that write the ledger, by index (also what the writer thread prepares). */
export const WRITE_STATEMENTS: readonly string[] = [
  `INSERT OR IGNORE INTO ledger_transactions (${TX_COLUMNS}, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  `INSERT INTO ledger_accounts (user_id, portfolio, last_position) VALUES (?, ?, ?)
   ON CONFLICT (user_id) DO UPDATE SET portfolio = excluded.portfolio, last_position = excluded.last_position`,
  `INSERT INTO ledger_meta (key, value) VALUES ('checkpoint', ?)
   ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
];
const INSERT_TX = 0;
const UPSERT_ACCOUNT = 1;
const SET_CHECKPOINT = 2;

/**
 * The writes that record `entries` (in log order) and move the checkpoint: every transaction
 * row, and each user's account row once, with its latest state (a group of trades of one user
 * costs one JSON serialization and one upsert).
 */
export function writeOps(
  entries: readonly LedgerEntry[],
  checkpoint: Position | undefined,
): WriteOp[] {
  const ops: WriteOp[] = [];
  const latest = new Map<string, LedgerEntry>();
  for (const e of entries) {
    latest.set(e.portfolio.userId, e);
    const tx = e.tx;
    if (tx) {
      ops.push([
        INSERT_TX,
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
          e.position,
        ],
      ]);
    }
  }
  for (const [userId, e] of latest) {
    ops.push([UPSERT_ACCOUNT, [userId, JSON.stringify(e.portfolio), e.position]]);
  }
  if (checkpoint !== undefined) ops.push([SET_CHECKPOINT, [checkpoint]]);
  return ops;
}

/**
 * The ledger's SQLite tables in the FX database, and every statement on them: `ledger_accounts`
 * (each user's portfolio as JSON and the log position of its last event), `ledger_transactions`
 * (also the idempotency records: unique `(user_id, idempotency_key)`) and `ledger_meta` (the
 * log checkpoint up to which every account event is recorded). Internal to the FX API.
 */
export class LedgerTables {
  private readonly stmt;
  private readonly writes: Statement[];
  private readonly commitTx: (ops: readonly WriteOp[], also: (() => void) | undefined) => void;

  constructor(private readonly db: FxDatabase) {
    db.exec(`
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
      account: db.prepare<[string], { portfolio: string; last_position: string }>(
        'SELECT portfolio, last_position FROM ledger_accounts WHERE user_id = ?',
      ),
      byKey: db.prepare<[string, string], TxRow>(
        `SELECT ${TX_COLUMNS} FROM ledger_transactions WHERE user_id = ? AND idempotency_key = ?`,
      ),
      page: db.prepare<[string, string, number], TxRow>(
        `SELECT ${TX_COLUMNS} FROM ledger_transactions WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      byId: db.prepare<[string, string], TxRow>(
        `SELECT ${TX_COLUMNS} FROM ledger_transactions WHERE user_id = ? AND id = ?`,
      ),
      getMeta: db.prepare<[string], string>('SELECT value FROM ledger_meta WHERE key = ?').pluck(),
      allAccounts: db.prepare<[], { user_id: string; portfolio: string }>(
        'SELECT user_id, portfolio FROM ledger_accounts ORDER BY user_id',
      ),
    };
    this.writes = WRITE_STATEMENTS.map((sql) => db.prepare(sql));
    this.commitTx = db.transaction((ops: readonly WriteOp[], also: (() => void) | undefined) => {
      also?.();
      for (const [i, params] of ops) this.writes[i]!.run(...params);
    });
  }

  /**
   * Records entries (in log order) in one SQLite transaction, with `also` run first inside it,
   * and moves the checkpoint when given. All or nothing.
   */
  commit(
    entries: readonly LedgerEntry[],
    checkpoint: Position | undefined,
    also?: () => void,
  ): void {
    this.commitTx(writeOps(entries, checkpoint), also);
  }

  /** The recorded account of a user. */
  account(userId: string): { portfolio: Portfolio; lastPosition: Position } | undefined {
    const row = this.stmt.account.get(userId);
    return row
      ? { portfolio: JSON.parse(row.portfolio) as Portfolio, lastPosition: row.last_position }
      : undefined;
  }

  /** The recorded transaction of a user's Idempotency-Key. */
  byKey(userId: string, idempotencyKey: string): TransactionRecord | undefined {
    const row = this.stmt.byKey.get(userId, idempotencyKey);
    return row ? fromRow(row) : undefined;
  }

  /** One of the user's transactions by id. */
  byId(userId: string, id: string): TransactionRecord | undefined {
    const row = this.stmt.byId.get(userId, id);
    return row ? fromRow(row) : undefined;
  }

  /** Up to `limit` of the user's transactions with ids below `beforeId`, newest first. */
  page(userId: string, beforeId: string, limit: number): TransactionRecord[] {
    return this.stmt.page.all(userId, beforeId, limit).map(fromRow);
  }

  checkpoint(): Position | undefined {
    return this.stmt.getMeta.get('checkpoint');
  }

  /** Every recorded portfolio, in user id order. */
  allPortfolios(): Portfolio[] {
    return this.stmt.allAccounts.all().map((r) => JSON.parse(r.portfolio) as Portfolio);
  }
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

/**
 * The API ledger's portfolios and checkpoint, read from an FX database file without creating
 * anything (for `fx reconcile`, beside a running `up`). Undefined when the file or its tables do
 * not exist yet.
 */
export function readLedgerSnapshot(
  db: FxDatabase,
): { portfolios: Portfolio[]; checkpoint: Position | undefined } | undefined {
  const exists = db
    .prepare<[], number>(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('ledger_accounts', 'ledger_meta')",
    )
    .pluck()
    .get();
  if (exists !== 2) return undefined;
  return db.transaction(() => ({
    portfolios: db
      .prepare<[], string>('SELECT portfolio FROM ledger_accounts ORDER BY user_id')
      .pluck()
      .all()
      .map((p) => JSON.parse(p) as Portfolio),
    checkpoint: db
      .prepare<[], string>("SELECT value FROM ledger_meta WHERE key = 'checkpoint'")
      .pluck()
      .get(),
  }))();
}
