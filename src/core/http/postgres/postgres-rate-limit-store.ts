import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { PgMigration, PgQueryable } from '../../state/postgres/index.js';

/** The rate-limit counters' table on PostgreSQL. Append; never edit an applied one. */
export const RATE_LIMIT_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'core-http/0001-rate-limits',
    up: `CREATE TABLE http_rate_limits (
      key text PRIMARY KEY,
      hits integer NOT NULL,
      window_ends_ms bigint NOT NULL
    )`,
  },
  {
    // Counters are advisory: not worth a WAL record and an fsync per request. After a server
    // crash the table is empty, so every principal starts a fresh window.
    name: 'core-http/0002-rate-limits-unlogged',
    up: 'ALTER TABLE http_rate_limits SET UNLOGGED',
  },
];

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Upserts one statement runs at most (distinct keys). */
const MAX_KEYS_PER_STATEMENT = 500;

/**
 * A store for `@fastify/rate-limit` whose counters live in PostgreSQL (table `http_rate_limits`),
 * so a principal's limit holds across every API instance. Hits are counted in batches: the
 * hits that arrive while a statement runs are summed per key and counted by the next one, a
 * single atomic upsert over keys in sorted order (so two instances' statements never deadlock)
 * that starts a new window when the old one ended, or adds the hits to it. Each caller gets its
 * own running count. At most one statement per store (and per window length) runs at a time,
 * and the next one starts `lingerMs` after it ended.
 * @example await app.register(rateLimit, { store: postgresRateLimitStore(pool), … })
 */
export function postgresRateLimitStore(
  pool: PgQueryable,
  now: () => number = Date.now,
  /** Pause after each statement before the next one. @default 2 */
  lingerMs = 2,
): FastifyRateLimitStoreCtor {
  /** Per window length: the hits waiting, by key, and whether a statement runs. */
  const lanes = new Map<number, { waiting: Map<string, IncrCallback[]>; running: boolean }>();

  function flush(timeWindow: number): void {
    const lane = lanes.get(timeWindow)!;
    if (lane.running || lane.waiting.size === 0) return;
    const entries = [...lane.waiting].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const taken = entries.slice(0, MAX_KEYS_PER_STATEMENT);
    for (const [key] of taken) lane.waiting.delete(key);
    lane.running = true;
    const at = now();
    pool
      .query<{ key: string; hits: number; window_ends_ms: string }>({
        name: 'http-rate-limit-incr',
        text: `INSERT INTO http_rate_limits AS r (key, hits, window_ends_ms)
           SELECT u.key, u.hits, $2::bigint + $3::bigint FROM unnest($1::text[], $4::int[]) AS u(key, hits)
           ORDER BY u.key COLLATE "C"
           ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN r.window_ends_ms <= $2::bigint THEN EXCLUDED.hits ELSE r.hits + EXCLUDED.hits END,
             window_ends_ms = CASE WHEN r.window_ends_ms <= $2::bigint THEN EXCLUDED.window_ends_ms ELSE r.window_ends_ms END
           RETURNING key, hits, window_ends_ms`,
        values: [taken.map(([k]) => k), at, timeWindow, taken.map(([, cbs]) => cbs.length)],
      })
      .then(
        (r) => {
          const rows = new Map(r.rows.map((row) => [row.key, row]));
          for (const [key, callbacks] of taken) {
            const row = rows.get(key)!;
            const ttl = Math.max(0, Number(row.window_ends_ms) - at);
            // This statement added callbacks.length hits; the callers count them in order.
            const first = row.hits - callbacks.length;
            callbacks.forEach((cb, i) => cb(null, { current: first + i + 1, ttl }));
          }
        },
        (err: Error) => {
          for (const [, callbacks] of taken) for (const cb of callbacks) cb(err);
        },
      )
      .finally(() => {
        // Under load the next statement waits `lingerMs`, so it counts the hits of that time
        // too: fewer statements, for at most that much more latency. When idle it runs at once.
        setTimeout(() => {
          lane.running = false;
          flush(timeWindow);
        }, lingerMs);
      });
  }

  class PostgresRateLimitStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options (unused here); children get a prefix.
    constructor(
      _options?: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number): void {
      let lane = lanes.get(timeWindow);
      if (!lane) lanes.set(timeWindow, (lane = { waiting: new Map(), running: false }));
      const k = this.prefix + key;
      const callbacks = lane.waiting.get(k);
      if (callbacks) callbacks.push(callback);
      else lane.waiting.set(k, [callback]);
      flush(timeWindow);
    }

    child(routeOptions: { path: string; prefix: string; method?: unknown }): FastifyRateLimitStore {
      return new PostgresRateLimitStore(
        undefined,
        `${String(routeOptions.method)}${routeOptions.path}:`,
      );
    }
  }
  return PostgresRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}
