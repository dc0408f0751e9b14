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
/** Keys remembered before the ones whose window ended are forgotten. */
const MAX_REMEMBERED_KEYS = 10_000;

/** What this process knows of one key's counter. */
interface KeyState {
  /** The shared count after this process's last statement for the key. */
  known: number;
  windowEndsMs: number;
  /** Hits answered from the estimate, not yet sent. */
  answered: number;
  /** Hits waiting for the exact count, not yet sent. */
  waiters: IncrCallback[];
}

interface Lane {
  keys: Map<string, KeyState>;
  /** Keys with hits not yet sent. */
  dirty: Set<string>;
  /** Waiters in `dirty` keys. */
  waiters: number;
  running: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface PostgresRateLimitStoreOptions {
  /** @default Date.now */
  now?: () => number;
  /** Pause after each statement before the next one. @default 2 */
  lingerMs?: number;
  /**
   * Longest a hit answered from the estimate waits before it is sent; 0: every hit waits for
   * its statement (where a process may be frozen between requests, as a Lambda container is).
   * @default 50
   */
  syncMs?: number;
}

/**
 * A store for `@fastify/rate-limit` whose counters live in PostgreSQL (table `http_rate_limits`),
 * so a principal's limit holds across every API instance. Hits are sent in batches: one atomic
 * upsert over keys in sorted order (so two instances' statements never deadlock) adds each
 * key's hits and returns the shared count, starting a new window when the old one ended. At
 * most one statement per store (and per window length) runs at a time.
 *
 * A hit whose estimate (the shared count this process last saw, plus its own hits since) is at
 * most half the limit is answered at once and sent within `syncMs`: far from the limit, no
 * request waits for the database. Any other hit waits for the next statement and gets the exact
 * shared count, so the limit is exact unless the principal's requests to the other instances in
 * one `syncMs` exceed half the limit.
 * @example await app.register(rateLimit, { store: postgresRateLimitStore(pool), … })
 */
export function postgresRateLimitStore(
  pool: PgQueryable,
  options: PostgresRateLimitStoreOptions = {},
): FastifyRateLimitStoreCtor {
  const now = options.now ?? Date.now;
  const lingerMs = options.lingerMs ?? 2;
  const syncMs = options.syncMs ?? 50;
  const lanes = new Map<number, Lane>();

  function schedule(lane: Lane, timeWindow: number): void {
    if (lane.running || lane.dirty.size === 0) return;
    if (lane.waiters > 0) {
      flush(lane, timeWindow);
      return;
    }
    lane.timer ??= setTimeout(() => flush(lane, timeWindow), syncMs);
    lane.timer.unref();
  }

  function forgetEnded(lane: Lane, at: number): void {
    if (lane.keys.size <= MAX_REMEMBERED_KEYS) return;
    for (const [key, st] of lane.keys) {
      if (st.windowEndsMs <= at && !lane.dirty.has(key)) lane.keys.delete(key);
    }
  }

  function flush(lane: Lane, timeWindow: number): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (lane.running || lane.dirty.size === 0) return;
    const keys = [...lane.dirty].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const taken = keys.slice(0, MAX_KEYS_PER_STATEMENT).map((key) => {
      const st = lane.keys.get(key)!;
      const sent = { key, st, answered: st.answered, waiters: st.waiters };
      st.answered = 0;
      st.waiters = [];
      lane.dirty.delete(key);
      lane.waiters -= sent.waiters.length;
      return sent;
    });
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
        values: [
          taken.map((t) => t.key),
          at,
          timeWindow,
          taken.map((t) => t.answered + t.waiters.length),
        ],
      })
      .then(
        (r) => {
          const rows = new Map(r.rows.map((row) => [row.key, row]));
          for (const { key, st, waiters } of taken) {
            const row = rows.get(key)!;
            st.known = row.hits;
            st.windowEndsMs = Number(row.window_ends_ms);
            const ttl = Math.max(0, st.windowEndsMs - at);
            // The waiters' hits are counted last among this statement's hits for the key.
            const first = row.hits - waiters.length;
            waiters.forEach((cb, i) => cb(null, { current: first + i + 1, ttl }));
          }
          forgetEnded(lane, at);
        },
        (err: Error) => {
          for (const { key, st, answered, waiters } of taken) {
            // Hits already let through are sent with the next statement.
            if (answered > 0) {
              st.answered += answered;
              lane.dirty.add(key);
            }
            for (const cb of waiters) cb(err);
          }
        },
      )
      .finally(() => {
        // Under load the next statement waits `lingerMs`, so it counts the hits of that time
        // too: fewer statements, for at most that much more latency.
        setTimeout(() => {
          lane.running = false;
          schedule(lane, timeWindow);
        }, lingerMs);
      });
  }

  class PostgresRateLimitStore implements FastifyRateLimitStore {
    // The plugin constructs the store with its options (unused here); children get a prefix.
    constructor(
      _options?: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number, max?: number): void {
      let lane = lanes.get(timeWindow);
      if (!lane) {
        lane = { keys: new Map(), dirty: new Set(), waiters: 0, running: false, timer: undefined };
        lanes.set(timeWindow, lane);
      }
      const k = this.prefix + key;
      let st = lane.keys.get(k);
      if (!st) lane.keys.set(k, (st = { known: 0, windowEndsMs: 0, answered: 0, waiters: [] }));
      const at = now();
      const open = st.windowEndsMs > at;
      const estimate = (open ? st.known : 0) + st.answered + st.waiters.length + 1;
      lane.dirty.add(k);
      if (syncMs > 0 && max !== undefined && st.waiters.length === 0 && estimate * 2 <= max) {
        st.answered++;
        callback(null, { current: estimate, ttl: open ? st.windowEndsMs - at : timeWindow });
      } else {
        st.waiters.push(callback);
        lane.waiters++;
      }
      schedule(lane, timeWindow);
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
