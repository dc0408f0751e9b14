import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresRateLimitStore,
  RATE_LIMIT_MIGRATIONS,
} from '../../../src/core/http/postgres/postgres-rate-limit-store.js';
import {
  createPgPool,
  migratePostgres,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import { eventually } from '../../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';

const WINDOW = 60_000;

/** One hit: resolves with the count the store answered, and whether it answered at once. */
function hit(
  store: FastifyRateLimitStore,
  key: string,
  max: number,
): Promise<{ current: number; atOnce: boolean }> {
  return new Promise((resolve, reject) => {
    let returned = false;
    store.incr(
      key,
      (err, result) =>
        err ? reject(err) : resolve({ current: result!.current, atOnce: !returned }),
      WINDOW,
      max,
    );
    returned = true;
  });
}

describe.skipIf(postgresSkip !== undefined)('postgresRateLimitStore', () => {
  const db = usePostgresDatabase('ratelimit');
  // Two pools: two API instances sharing one database.
  let a: PgPool;
  let b: PgPool;
  let n = 0;
  beforeAll(async () => {
    a = createPgPool({ url: db.url, poolSize: 2 });
    b = createPgPool({ url: db.url, poolSize: 2 });
    await migratePostgres(a, RATE_LIMIT_MIGRATIONS);
  });
  afterAll(async () => {
    await a.end();
    await b.end();
  });
  const storeOn = (pool: PgPool, syncMs?: number): FastifyRateLimitStore => {
    const Store = postgresRateLimitStore(pool, syncMs === undefined ? {} : { syncMs });
    return new Store(undefined as never);
  };
  const shared = async (key: string): Promise<number> => {
    const r = await a.query<{ hits: number }>('SELECT hits FROM http_rate_limits WHERE key = $1', [
      key,
    ]);
    return r.rows[0]?.hits ?? 0;
  };

  it('answers hits far from the limit at once and sends them all within syncMs', async () => {
    const key = `lejos-${++n}`;
    const one = storeOn(a);
    const other = storeOn(b);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => hit(i % 2 ? other : one, key, 1000)),
    );
    expect(results.every((r) => r.atOnce)).toBe(true);
    await eventually(async () => (await shared(key)) === 60, { message: 'not every hit was sent' });
  });

  it('counts hits near the limit exactly across instances', async () => {
    const key = `cerca-${++n}`;
    const one = storeOn(a);
    const other = storeOn(b);
    // Instance one sees 6 hits of a limit of 10; once they are shared, instance two's hits are
    // near the limit (its own estimate says nothing: it has not seen this key) …
    for (let i = 0; i < 6; i++) await hit(one, key, 10);
    await eventually(async () => (await shared(key)) === 6);
    // … so its first hit is answered from that estimate (1 ≤ 10 / 2), and teaches it the count.
    expect(await hit(other, key, 10)).toEqual({ current: 1, atOnce: true });
    await eventually(async () => (await shared(key)) === 7);
    // From here on every hit waits for the shared count: 8, 9, 10, then 11 (over the limit).
    const next = [];
    for (let i = 0; i < 4; i++) next.push(await hit(other, key, 10));
    expect(next).toEqual([
      { current: 8, atOnce: false },
      { current: 9, atOnce: false },
      { current: 10, atOnce: false },
      { current: 11, atOnce: false },
    ]);
    expect(await hit(one, key, 10)).toMatchObject({ current: 12 });
  });

  it('with syncMs 0 every hit waits for the exact shared count', async () => {
    const key = `exacto-${++n}`;
    const one = storeOn(a, 0);
    const other = storeOn(b, 0);
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await hit(i % 2 ? other : one, key, 1000);
      expect(r.atOnce).toBe(false);
      counts.push(r.current);
    }
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await shared(key)).toBe(8);
  });

  it('loses no hit when many arrive on both instances at once', async () => {
    const keys = Array.from({ length: 5 }, () => `muchos-${++n}`);
    const one = storeOn(a);
    const other = storeOn(b);
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => hit(i % 3 ? one : other, keys[i % 5]!, 100)),
    );
    const all = async (): Promise<number[]> => Promise.all(keys.map((k) => shared(k)));
    await eventually(async () => (await all()).every((h) => h === 100), {
      message: 'hits were lost',
    });
  });
});
