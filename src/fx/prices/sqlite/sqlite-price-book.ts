import type BetterSqlite3 from 'better-sqlite3';
import type { PriceTick } from '../../events.js';
import type { PriceBook, PriceHistoryPage, PriceHistoryQuery } from '../price-book.js';

/**
 * A PriceBook on a SQLite database (table `prices`, in the FX database next to the ledger):
 * the latest tick is kept in memory; the history is read with an index on the observation time.
 */
export class SqlitePriceBook implements PriceBook {
  private readonly stmt;
  private newest: PriceTick | undefined;

  /** @param options.db an open database (the API's ledger file) the price table lives in */
  constructor(options: { db: BetterSqlite3.Database }) {
    const db = options.db;
    db.exec(`CREATE TABLE IF NOT EXISTS prices (
      observed_ms INTEGER NOT NULL,
      id TEXT NOT NULL UNIQUE,
      tick TEXT NOT NULL,
      PRIMARY KEY (observed_ms, id)
    ) WITHOUT ROWID`);
    this.stmt = {
      insert: db.prepare<[number, string, string]>(
        'INSERT OR IGNORE INTO prices (observed_ms, id, tick) VALUES (?, ?, ?)',
      ),
      newest: db
        .prepare<[], string>('SELECT tick FROM prices ORDER BY observed_ms DESC, id DESC LIMIT 1')
        .pluck(),
      range: db
        .prepare<[number, number, number, string, number, number], string>(
          `SELECT tick FROM prices
           WHERE observed_ms < ? AND (observed_ms > ? OR (observed_ms = ? AND id > ?)) AND observed_ms >= ?
           ORDER BY observed_ms, id LIMIT ?`,
        )
        .pluck(),
    };
    const newest = this.stmt.newest.get();
    this.newest = newest ? (JSON.parse(newest) as PriceTick) : undefined;
  }

  latest(): PriceTick | undefined {
    return this.newest;
  }

  record(tick: PriceTick): void {
    const ms = Date.parse(tick.observedAt);
    this.stmt.insert.run(ms, tick.id, JSON.stringify(tick));
    if (!this.newest || ms >= Date.parse(this.newest.observedAt)) this.newest = tick;
  }

  history(query: PriceHistoryQuery): PriceHistoryPage {
    const limit = query.limit ?? 500;
    let afterMs = query.fromMs - 1;
    let afterId = '';
    if (query.cursor) {
      const m = /^(\d+)\.([0-9A-Z]{26})$/.exec(query.cursor);
      if (!m) throw new RangeError('invalid cursor');
      afterMs = Number(m[1]);
      afterId = m[2]!;
    }
    const rows = this.stmt.range.all(
      query.toMs,
      afterMs,
      afterMs,
      afterId,
      query.fromMs,
      limit + 1,
    );
    const ticks = rows.slice(0, limit).map((r) => JSON.parse(r) as PriceTick);
    if (rows.length <= limit) return { ticks };
    const last = ticks[ticks.length - 1]!;
    return { ticks, nextCursor: `${Date.parse(last.observedAt)}.${last.id}` };
  }
}
