import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import type { PgClient, PgPool } from '../../../core/state/postgres/index.js';
import type { PriceTick } from '../../events.js';
import type { PriceBook, PriceHistoryPage, PriceHistoryQuery } from '../price-book.js';

/** The channel a recorded tick is announced on. */
const CHANNEL = 'fx_prices';

export interface PostgresPriceBookOptions {
  /** A pool on a database migrated with `FX_PRICES_MIGRATIONS`. */
  pool: PgPool;
  /** Re-read the newest tick this often even without a notification. @default 1000 */
  refreshMs?: number;
  logger?: Logger;
}

/**
 * A PriceBook in PostgreSQL table `fx_prices`, shared by every API instance and the collector.
 * `record` inserts the tick and announces it with `NOTIFY fx_prices`; each instance LISTENs on
 * one connection of its pool and keeps the newest tick it has heard of, re-reading it from the
 * table every `refreshMs` as well (a missed notification, a reconnect), so `latest()` answers
 * without a query and is never staler than `refreshMs`.
 *
 * @example const book = await PostgresPriceBook.open({ pool }); … await book.close();
 */
export class PostgresPriceBook implements PriceBook {
  private newest: PriceTick | undefined;
  private listener: PgClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly logger: Logger;

  private constructor(private readonly options: PostgresPriceBookOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Reads the newest tick and starts listening. */
  static async open(options: PostgresPriceBookOptions): Promise<PostgresPriceBook> {
    const book = new PostgresPriceBook(options);
    await book.refresh();
    await book.listen();
    book.timer = setInterval(() => {
      void book.refresh().catch((err: unknown) => {
        book.logger.warn({ err }, 'price book: cannot read the newest tick');
      });
      if (!book.listener) void book.listen().catch(() => undefined);
    }, options.refreshMs ?? 1000).unref();
    return book;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = await this.options.pool.connect();
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        this.offer(JSON.parse(msg.payload) as PriceTick);
      } catch {
        // not a tick: ignore
      }
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'price book: listener connection lost; polling until it is back');
      if (this.listener === client) this.listener = undefined;
      client.release(err);
    });
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  /** Re-reads the newest tick from the table. */
  async refresh(): Promise<void> {
    const r = await this.options.pool.query<{ tick: string }>(
      'SELECT tick FROM fx_prices ORDER BY observed_ms DESC, id DESC LIMIT 1',
    );
    if (r.rows[0]) this.offer(JSON.parse(r.rows[0].tick) as PriceTick);
  }

  private offer(tick: PriceTick): void {
    const ms = Date.parse(tick.observedAt);
    const cur = this.newest;
    if (!cur) this.newest = tick;
    else {
      const curMs = Date.parse(cur.observedAt);
      if (ms > curMs || (ms === curMs && tick.id > cur.id)) this.newest = tick;
    }
  }

  latest(): PriceTick | undefined {
    return this.newest;
  }

  /** Inserts the tick (idempotent by id) and announces it to every instance. */
  async record(tick: PriceTick): Promise<void> {
    const json = JSON.stringify(tick);
    await this.options.pool.query(
      `WITH i AS (
         INSERT INTO fx_prices (observed_ms, id, tick) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
       )
       SELECT pg_notify($4, $3)`,
      [Date.parse(tick.observedAt), tick.id, json, CHANNEL],
    );
    this.offer(tick);
  }

  async history(query: PriceHistoryQuery): Promise<PriceHistoryPage> {
    const limit = query.limit ?? 500;
    let afterMs = query.fromMs - 1;
    let afterId = '';
    if (query.cursor) {
      const m = /^(\d+)\.([0-9A-Z]{26})$/.exec(query.cursor);
      if (!m) throw new RangeError('invalid cursor');
      afterMs = Number(m[1]);
      afterId = m[2]!;
    }
    const r = await this.options.pool.query<{ tick: string }>(
      `SELECT tick FROM fx_prices
       WHERE observed_ms < $1 AND (observed_ms, id) > ($2, $3) AND observed_ms >= $4
       ORDER BY observed_ms, id LIMIT $5`,
      [query.toMs, afterMs, afterId, query.fromMs, limit + 1],
    );
    const ticks = r.rows.slice(0, limit).map((row) => JSON.parse(row.tick) as PriceTick);
    if (r.rows.length <= limit) return { ticks };
    const last = ticks[ticks.length - 1]!;
    return { ticks, nextCursor: `${Date.parse(last.observedAt)}.${last.id}` };
  }

  /** Stops listening and polling; the pool stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const l = this.listener;
    this.listener = undefined;
    if (l) {
      await l.query(`UNLISTEN ${CHANNEL}`).catch(() => undefined);
      l.release();
    }
  }
}
