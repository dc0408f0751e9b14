import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
/** What both a pool and a checked-out client offer: parameterized queries. */
export type PgQueryable = Pick<pg.Pool, 'query'>;

export interface PgPoolOptions {
  /** `postgres://user[:password]@host:port/database`. */
  url: string;
  /** Connections kept at most. @default 10 */
  poolSize?: number;
  /** Shown in `pg_stat_activity.application_name`. @default 'corriente' */
  applicationName?: string;
  /** Give up connecting after this long. @default 10000 */
  connectionTimeoutMillis?: number;
}

/**
 * A pooled PostgreSQL client. Every adapter on PostgreSQL takes a pool from here, so sizes and
 * timeouts are set once. Errors of idle clients (a server restart) are swallowed by the pool's
 * `error` listener: the next checkout reconnects.
 * @example const pool = createPgPool({ url: 'postgres://postgres@127.0.0.1:5432/corriente' })
 */
export function createPgPool(options: PgPoolOptions): PgPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'corriente',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  return pool;
}
