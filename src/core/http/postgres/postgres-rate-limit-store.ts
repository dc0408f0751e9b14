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
];

/**
 * A store for `@fastify/rate-limit` whose counters live in PostgreSQL (table `http_rate_limits`),
 * so a principal's limit holds across every API instance: each request is one atomic upsert
 * that starts a new window when the old one ended, or counts one more hit in it.
 * @example await app.register(rateLimit, { store: postgresRateLimitStore(pool), … })
 */
export function postgresRateLimitStore(
  pool: PgQueryable,
  now: () => number = Date.now,
): FastifyRateLimitStoreCtor {
  class PostgresRateLimitStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options (unused here); children get a prefix.
    constructor(
      _options?: unknown,
      private readonly prefix = '',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const at = now();
      pool
        .query<{ hits: number; window_ends_ms: string }>(
          `INSERT INTO http_rate_limits AS r (key, hits, window_ends_ms) VALUES ($1, 1, $2::bigint + $3::bigint)
           ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN r.window_ends_ms <= $2::bigint THEN 1 ELSE r.hits + 1 END,
             window_ends_ms = CASE WHEN r.window_ends_ms <= $2::bigint THEN $2::bigint + $3::bigint ELSE r.window_ends_ms END
           RETURNING hits, window_ends_ms`,
          [this.prefix + key, at, timeWindow],
        )
        .then(
          (r) => {
            const row = r.rows[0]!;
            callback(null, {
              current: row.hits,
              ttl: Math.max(0, Number(row.window_ends_ms) - at),
            });
          },
          (err: Error) => callback(err),
        );
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
