import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { batchResult, foldEvents, groupBatch, type BatchItem } from '../fold.js';
import { averageCostCopCents, type Portfolio, type PortfolioEvent } from '../portfolio.js';
import {
  InvalidCursorError,
  listLimit,
  type ApplyBatchOptions,
  type ApplyOutcome,
  type ApplyResult,
  type BatchApplyResult,
  type PortfolioListOptions,
  type PortfolioPage,
  type PortfolioStore,
} from '../portfolio-store.js';

export interface SqlitePortfolioStoreOptions {
  /**
   * Database file; `:memory:` for tests.
   * @default see {@link defaultPortfolioDbPath}: `$CORRIENTE_HOME/fx/portfolios.db`
   */
  path: string;
  /**
   * Portfolios `applyBatch` keeps in memory between batches, so a batch reads only the users it
   * has not seen (a write by another connection empties the cache). 0 disables it.
   * @default 100000
   */
  cacheSize?: number;
}

/**
 * The default database file under a `CORRIENTE_HOME`.
 * @example new SqlitePortfolioStore({ path: defaultPortfolioDbPath(config.home) })
 */
export function defaultPortfolioDbPath(home: string): string {
  return path.join(home, 'fx', 'portfolios.db');
}

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE portfolios (
     user_id TEXT PRIMARY KEY,
     cop_cents INTEGER NOT NULL,
     usd_cents INTEGER NOT NULL,
     cost_basis_cop_cents INTEGER NOT NULL,
     realized_pnl_cop_cents INTEGER NOT NULL,
     buy_count INTEGER NOT NULL,
     sell_count INTEGER NOT NULL,
     bought_usd_cents INTEGER NOT NULL,
     sold_usd_cents INTEGER NOT NULL,
     bought_cop_cents INTEGER NOT NULL,
     sold_cop_cents INTEGER NOT NULL,
     opened_at TEXT NOT NULL,
     last_event_id TEXT NOT NULL,
     last_transaction_at TEXT,
     version INTEGER NOT NULL,
     updated_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE applied_events (
     event_id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'refused'))
   ) WITHOUT ROWID;`,
];

interface PortfolioRow {
  user_id: string;
  cop_cents: number;
  usd_cents: number;
  cost_basis_cop_cents: number;
  realized_pnl_cop_cents: number;
  buy_count: number;
  sell_count: number;
  bought_usd_cents: number;
  sold_usd_cents: number;
  bought_cop_cents: number;
  sold_cop_cents: number;
  opened_at: string;
  last_event_id: string;
  last_transaction_at: string | null;
  version: number;
  updated_at: string;
}

const COLUMN_LIST = [
  'user_id',
  'cop_cents',
  'usd_cents',
  'cost_basis_cop_cents',
  'realized_pnl_cop_cents',
  'buy_count',
  'sell_count',
  'bought_usd_cents',
  'sold_usd_cents',
  'bought_cop_cents',
  'sold_cop_cents',
  'opened_at',
  'last_event_id',
  'last_transaction_at',
  'version',
  'updated_at',
] as const satisfies readonly (keyof PortfolioRow)[];
const COLUMNS = COLUMN_LIST.join(', ');

/**
 * The embedded portfolio table: one SQLite file in WAL mode, tables `portfolios` (one row per
 * user) and `applied_events(event_id PRIMARY KEY, user_id, outcome)`.
 *
 * Idempotency: the id of every processed event is inserted into `applied_events` (with its
 * outcome: `applied`, or `refused` for an overdraft on an existing portfolio) in the same
 * transaction as the portfolio change, so the record and the change commit together.
 *
 * Concurrency: `apply` and `applyBatch` run one `BEGIN IMMEDIATE` transaction each, so writers
 * in other processes wait for it (busy timeout) and the reads and writes of a batch never
 * interleave with another writer's: no lost update, no overdraft. A batch runs one duplicate
 * check, one read per user not in the cache, one upsert and one insert.
 *
 * @example
 * const store = new SqlitePortfolioStore({ path: defaultPortfolioDbPath(home) });
 */
export class SqlitePortfolioStore implements PortfolioStore {
  readonly location: string;
  private readonly db: BetterSqlite3.Database;
  private readonly stmt: {
    get: BetterSqlite3.Statement<[string], PortfolioRow>;
    processedAmong: BetterSqlite3.Statement<[string], string>;
    upsertMany: BetterSqlite3.Statement<[string]>;
    markProcessedMany: BetterSqlite3.Statement<[string]>;
    list: BetterSqlite3.Statement<[string, number], PortfolioRow>;
  };
  /** Portfolios as last committed by this connection, most recently written last. */
  private readonly cache = new Map<string, Portfolio>();
  private readonly cacheSize: number;
  private dataVersion = -1;
  private readonly applyGroups: (byUser: Map<string, BatchItem[]>) => {
    outcomes: { index: number; outcome: ApplyOutcome }[];
    portfolios: Map<string, Portfolio | undefined>;
  };

  constructor(options: SqlitePortfolioStoreOptions) {
    this.location = options.path;
    this.cacheSize = options.cacheSize ?? 100_000;
    if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    this.db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL is durable against process crashes; a power loss may drop the
    // last transactions, which the stream processor replays from the log (idempotently).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.migrate();
    this.stmt = {
      get: this.db.prepare(`SELECT ${COLUMNS} FROM portfolios WHERE user_id = ?`),
      // One query per batch finds the ids processed before (usually none).
      processedAmong: this.db
        .prepare<[string], string>(
          'SELECT event_id FROM applied_events WHERE event_id IN (SELECT value FROM json_each(?))',
        )
        .pluck(),
      // Writes go one statement per batch too: rows travel as a JSON array of arrays, which
      // costs far less than binding and stepping a statement per row.
      upsertMany: this.db.prepare(
        `INSERT INTO portfolios (${COLUMNS})
         SELECT ${COLUMN_LIST.map((_, i) => `value ->> ${i}`).join(', ')} FROM json_each(?) WHERE true
         ON CONFLICT (user_id) DO UPDATE SET ${COLUMN_LIST.slice(1)
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
      ),
      markProcessedMany: this.db.prepare(
        `INSERT INTO applied_events (event_id, user_id, outcome)
         SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)`,
      ),
      list: this.db.prepare(
        `SELECT ${COLUMNS} FROM portfolios WHERE user_id > ? ORDER BY user_id LIMIT ?`,
      ),
    };
    const applyGroups = (byUser: Map<string, BatchItem[]>) => {
      // Inside BEGIN IMMEDIATE no other connection can commit; data_version tells whether one
      // did since our last batch, which makes the cached portfolios stale.
      const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
      if (dataVersion !== this.dataVersion) this.cache.clear();
      this.dataVersion = dataVersion;
      const ids: string[] = [];
      for (const items of byUser.values()) for (const { event } of items) ids.push(event.id);
      const processed = new Set(this.stmt.processedAmong.all(JSON.stringify(ids)));
      const outcomes: { index: number; outcome: ApplyOutcome }[] = [];
      const portfolios = new Map<string, Portfolio | undefined>();
      const changed: unknown[][] = [];
      const recorded: string[][] = [];
      for (const [userId, items] of byUser) {
        const current = this.cache.get(userId) ?? this.read(userId);
        const fold = foldEvents(current, items, (id) => processed.has(id));
        outcomes.push(...fold.outcomes);
        portfolios.set(userId, fold.portfolio);
        if (fold.appliedIds.length > 0 && fold.portfolio) changed.push(toRow(fold.portfolio));
        const applied = new Set(fold.appliedIds);
        for (const id of fold.recordedIds) {
          recorded.push([id, userId, applied.has(id) ? 'applied' : 'refused']);
        }
      }
      if (changed.length > 0) this.stmt.upsertMany.run(JSON.stringify(changed));
      if (recorded.length > 0) this.stmt.markProcessedMany.run(JSON.stringify(recorded));
      return { outcomes, portfolios };
    };
    const tx = this.db.transaction(applyGroups);
    this.applyGroups = (byUser) => {
      let result: ReturnType<typeof applyGroups>;
      try {
        result = tx.immediate(byUser);
      } catch (err) {
        this.cache.clear();
        throw err;
      }
      // Cached only once committed, so a rolled-back batch never leaks into the cache.
      if (this.cacheSize > 0) {
        for (const [userId, p] of result.portfolios) {
          if (!p) continue;
          this.cache.delete(userId);
          this.cache.set(userId, p);
        }
        for (const userId of this.cache.keys()) {
          if (this.cache.size <= this.cacheSize) break;
          this.cache.delete(userId);
        }
      }
      return result;
    };
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  private read(userId: string): Portfolio | undefined {
    const row = this.stmt.get.get(userId);
    return row ? fromRow(row) : undefined;
  }

  async get(userId: string): Promise<Portfolio | undefined> {
    return this.read(userId);
  }

  async apply(event: PortfolioEvent): Promise<ApplyResult> {
    const outcomes: ApplyOutcome[] = [];
    const byUser = groupBatch([event], outcomes);
    if (outcomes[0]?.error) throw outcomes[0].error;
    const { outcomes: done, portfolios } = this.applyGroups(byUser);
    const outcome = done[0]!.outcome;
    if (outcome.error) throw outcome.error;
    return { applied: outcome.status === 'applied', portfolio: portfolios.get(event.userId)! };
  }

  async applyBatch(
    events: readonly PortfolioEvent[],
    options?: ApplyBatchOptions,
  ): Promise<BatchApplyResult> {
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(events.length);
    const byUser = groupBatch(events, outcomes, options?.validated);
    if (byUser.size > 0) {
      for (const { index, outcome } of this.applyGroups(byUser).outcomes) outcomes[index] = outcome;
    }
    return batchResult(outcomes);
  }

  async list(options?: PortfolioListOptions): Promise<PortfolioPage> {
    const limit = listLimit(options);
    const after = options?.cursor === undefined ? '' : decodeCursor(options.cursor);
    const rows = this.stmt.list.all(after, limit + 1);
    const page = rows.slice(0, limit).map(fromRow);
    const last = page[page.length - 1];
    return rows.length > limit && last
      ? { portfolios: page, nextCursor: encodeCursor(last.userId) }
      : { portfolios: page };
  }

  async clear(): Promise<void> {
    this.cache.clear();
    this.db
      .transaction(() => {
        this.db.exec('DELETE FROM portfolios; DELETE FROM applied_events;');
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

// The cursor is the last user id of the page, made opaque so callers do not build their own.
function encodeCursor(userId: string): string {
  return Buffer.from(`u:${userId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!text.startsWith('u:') || text.length < 3) throw new InvalidCursorError(cursor);
  return text.slice(2);
}

/** A portfolio as the values of COLUMNS, in order. */
function toRow(p: Portfolio): unknown[] {
  return [
    p.userId,
    p.copCents,
    p.usdCents,
    p.costBasisCopCents,
    p.realizedPnlCopCents,
    p.buyCount,
    p.sellCount,
    p.boughtUsdCents,
    p.soldUsdCents,
    p.boughtCopCents,
    p.soldCopCents,
    p.openedAt,
    p.lastEventId,
    p.lastTransactionAt,
    p.version,
    p.updatedAt,
  ];
}

function fromRow(r: PortfolioRow): Portfolio {
  return {
    userId: r.user_id,
    copCents: r.cop_cents,
    usdCents: r.usd_cents,
    costBasisCopCents: r.cost_basis_cop_cents,
    avgCostCopCents: averageCostCopCents(r.cost_basis_cop_cents, r.usd_cents),
    realizedPnlCopCents: r.realized_pnl_cop_cents,
    buyCount: r.buy_count,
    sellCount: r.sell_count,
    boughtUsdCents: r.bought_usd_cents,
    soldUsdCents: r.sold_usd_cents,
    boughtCopCents: r.bought_cop_cents,
    soldCopCents: r.sold_cop_cents,
    openedAt: r.opened_at,
    lastEventId: r.last_event_id,
    lastTransactionAt: r.last_transaction_at,
    version: r.version,
    updatedAt: r.updated_at,
  };
}
