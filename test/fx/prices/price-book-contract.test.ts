import { expect, it } from 'vitest';
import { createPgPool, migratePostgres } from '../../../src/core/state/postgres/index.js';
import { openFxDatabase } from '../../../src/fx/api/fx-database.js';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import type { PriceBook } from '../../../src/fx/prices/price-book.js';
import { FX_PRICES_MIGRATIONS } from '../../../src/fx/prices/postgres/migrations.js';
import { PostgresPriceBook } from '../../../src/fx/prices/postgres/postgres-price-book.js';
import { SqlitePriceBook } from '../../../src/fx/prices/sqlite/sqlite-price-book.js';
import { eventually } from '../../util/eventually.js';
import { postgresSkip, stateContract, usePostgresDatabase } from '../../util/postgres.js';
import { describe } from 'vitest';

const BASE = Date.parse('2026-03-02T15:00:00Z');
let offset = 0;
function tick(ms: number, bid = 4000): PriceTick {
  return {
    type: 'PriceTick',
    version: 1,
    id: newEventId(ms),
    source: 'test',
    bidCopCents: bid * 100,
    askCopCents: (bid + 10) * 100,
    midCopCents: (bid + 5) * 100,
    observedAt: new Date(ms).toISOString(),
    ingestedAt: new Date(ms).toISOString(),
  };
}

stateContract<PriceBook>(
  'PriceBook',
  {
    async sqlite() {
      const db = openFxDatabase(':memory:');
      return { adapter: new SqlitePriceBook({ db }), close: async () => void db.close() };
    },
    async postgres(url) {
      const pool = createPgPool({ url, poolSize: 3 });
      await migratePostgres(pool, FX_PRICES_MIGRATIONS);
      await pool.query('DELETE FROM fx_prices');
      const book = await PostgresPriceBook.open({ pool });
      return {
        adapter: book,
        async close() {
          await book.close();
          await pool.end();
        },
      };
    },
  },
  (open) => {
    it('keeps the newest tick, whatever the order of recording, once per id', async () => {
      const { adapter, close } = await open();
      try {
        const t0 = BASE + (offset += 100_000);
        expect(adapter.latest()).toBeUndefined();
        const a = tick(t0 + 2000);
        await adapter.record(a);
        await adapter.record(tick(t0 + 1000));
        await adapter.record(a);
        expect(adapter.latest()).toEqual(a);
        const page = await adapter.history({ fromMs: t0, toMs: t0 + 10_000 });
        expect(page.ticks.map((t) => t.observedAt)).toEqual([
          new Date(t0 + 1000).toISOString(),
          a.observedAt,
        ]);
      } finally {
        await close();
      }
    });

    it('pages the history oldest first within [from, to)', async () => {
      const { adapter, close } = await open();
      try {
        const t0 = BASE + (offset += 100_000);
        const ticks = Array.from({ length: 7 }, (_, i) => tick(t0 + i * 1000, 4000 + i));
        for (const t of ticks) await adapter.record(t);
        const p1 = await adapter.history({ fromMs: t0 + 1000, toMs: t0 + 6000, limit: 3 });
        expect(p1.ticks).toEqual(ticks.slice(1, 4));
        const p2 = await adapter.history({
          fromMs: t0 + 1000,
          toMs: t0 + 6000,
          limit: 3,
          cursor: p1.nextCursor!,
        });
        expect(p2.ticks).toEqual(ticks.slice(4, 6));
        expect(p2.nextCursor).toBeUndefined();
        await expect(
          Promise.resolve().then(() =>
            adapter.history({ fromMs: t0, toMs: t0 + 1, cursor: 'malo' }),
          ),
        ).rejects.toThrow(RangeError);
      } finally {
        await close();
      }
    });
  },
);

describe.skipIf(postgresSkip !== undefined)('PostgresPriceBook across instances', () => {
  const db = usePostgresDatabase('price_book_shared');

  it('a tick recorded by one instance is the latest of every other', async () => {
    const pools = [
      createPgPool({ url: db.url, poolSize: 2 }),
      createPgPool({ url: db.url, poolSize: 2 }),
    ];
    await migratePostgres(pools[0]!, FX_PRICES_MIGRATIONS);
    const [a, b] = [
      await PostgresPriceBook.open({ pool: pools[0]!, refreshMs: 60_000 }),
      await PostgresPriceBook.open({ pool: pools[1]!, refreshMs: 60_000 }),
    ];
    try {
      const t = tick(Date.now());
      await a.record(t);
      // refreshMs is a minute: only the notification can bring it this fast.
      expect(await eventually(() => b.latest()?.id === t.id, { timeoutMs: 5000 })).toBe(true);
      const later = tick(Date.now() + 1000, 4100);
      await b.record(later);
      await eventually(() => a.latest()?.id === later.id, { timeoutMs: 5000 });
      // A third instance opened later reads it from the table.
      const c = await PostgresPriceBook.open({ pool: pools[1]!, refreshMs: 60_000 });
      expect(c.latest()).toEqual(later);
      await c.close();
    } finally {
      await a.close();
      await b.close();
      for (const p of pools) await p.end();
    }
  });
});
