import BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultPortfolioDbPath,
  SqlitePortfolioStore,
} from '../../../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import { tempDir } from '../../util/tmp.js';
import { buy, opened } from './fixtures.js';
import { portfolioStoreContract } from './portfolio-store-contract.js';

portfolioStoreContract('SqlitePortfolioStore', async () => {
  const tmp = tempDir('corriente-portfolio-');
  const file = path.join(tmp.dir, 'fx', 'portfolios.db');
  return {
    store: new SqlitePortfolioStore({ path: file }),
    openSibling: async () => new SqlitePortfolioStore({ path: file }),
    cleanup: async () => tmp.cleanup(),
  };
});

describe('SqlitePortfolioStore', () => {
  it('applyBatch with validated: true skips only the schema check (balances, duplicates still checked)', async () => {
    const store = new SqlitePortfolioStore({ path: ':memory:' });
    try {
      const o = opened('ana', 1_000_000_00); // 1,000,000.00 COP
      const b = buy('ana', 100, 400_000); // 1 USD for 4,000.00 COP
      const tooBig = buy('ana', 30_000, 400_000); // 1,200,000.00 COP: more than is left
      const result = await store.applyBatch([o, b, b, tooBig], { validated: true });
      expect(result.outcomes.map((x) => x.status)).toEqual([
        'applied',
        'applied',
        'duplicate',
        'rejected',
      ]);
      expect(result.outcomes[3]!.error?.message).toMatch(/insufficient COP/);
      expect(await store.get('ana')).toMatchObject({ copCents: 996_000_00, usdCents: 100 });
      // Without the flag the store checks the schema itself.
      const bad = { ...buy('ana', 100, 400_000), totalCopCents: 1 };
      const checked = await store.applyBatch([bad]);
      expect(checked.outcomes[0]).toMatchObject({ status: 'rejected' });
      expect(checked.outcomes[0]!.error?.message).toMatch(/totalCopCents/);
    } finally {
      await store.close();
    }
  });

  it('defaults to $CORRIENTE_HOME/fx/portfolios.db, creating the folder, in WAL mode', async () => {
    const tmp = tempDir();
    try {
      const file = defaultPortfolioDbPath(tmp.dir);
      expect(file).toBe(path.join(tmp.dir, 'fx', 'portfolios.db'));
      const store = new SqlitePortfolioStore({ path: file });
      expect(store.location).toBe(file);
      await store.apply(opened('ana', 1_00));
      await store.close();
      expect(existsSync(file)).toBe(true);
      const db = new BetterSqlite3(file, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('records processed event ids with their outcome in applied_events and survives a reopen', async () => {
    const tmp = tempDir();
    try {
      const file = defaultPortfolioDbPath(tmp.dir);
      const o = opened('ana', 1_000_000_00);
      const b = buy('ana', 10_00, 4000_00);
      const refused = buy('ana', 1_000_000_00, 4000_00);
      let store = new SqlitePortfolioStore({ path: file });
      const result = await store.applyBatch([o, b, refused]);
      expect(result.rejected).toBe(1);
      const before = await store.get('ana');
      await store.close();

      const db = new BetterSqlite3(file, { readonly: true });
      const rows = db
        .prepare('SELECT event_id, user_id, outcome FROM applied_events ORDER BY event_id')
        .all();
      expect(rows).toEqual([
        { event_id: o.id, user_id: 'ana', outcome: 'applied' },
        { event_id: b.id, user_id: 'ana', outcome: 'applied' },
        { event_id: refused.id, user_id: 'ana', outcome: 'refused' },
      ]);
      db.close();

      store = new SqlitePortfolioStore({ path: file });
      expect(await store.get('ana')).toEqual(before);
      expect((await store.apply(b)).applied).toBe(false);
      await store.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('a write by another connection invalidates the cached portfolios', async () => {
    const tmp = tempDir();
    try {
      const file = defaultPortfolioDbPath(tmp.dir);
      const a = new SqlitePortfolioStore({ path: file });
      const b = new SqlitePortfolioStore({ path: file });
      await a.applyBatch([opened('ana', 1_000_000_00)]);
      await a.applyBatch([buy('ana', 1_00, 4000_00)]); // cached in a
      await b.applyBatch([buy('ana', 2_00, 4000_00)]); // a's cache is now stale
      await a.applyBatch([buy('ana', 3_00, 4000_00)]);
      expect(await b.get('ana')).toMatchObject({ buyCount: 3, usdCents: 6_00, version: 4 });
      await b.clear();
      expect((await a.apply(opened('ana', 5))).portfolio.copCents).toBe(5);
      await a.close();
      await b.close();
    } finally {
      tmp.cleanup();
    }
  });

  it.each([0, 1])('works with a cache of %i portfolios', async (cacheSize) => {
    const store = new SqlitePortfolioStore({ path: ':memory:', cacheSize });
    await store.applyBatch([opened('ana', 1_000_000_00), opened('bob', 1_000_000_00)]);
    for (let i = 0; i < 3; i++) {
      await store.applyBatch([buy('ana', 1_00, 4000_00)]);
      await store.applyBatch([buy('bob', 1_00, 4000_00), buy('ana', 1_00, 4000_00)]);
    }
    expect((await store.get('ana'))?.version).toBe(7);
    expect((await store.get('bob'))?.version).toBe(4);
    await store.close();
  });

  it('lists in user id order', async () => {
    const store = new SqlitePortfolioStore({ path: ':memory:' });
    await store.applyBatch(['c', 'a', 'b'].map((u) => opened(u, 1)));
    expect((await store.list()).portfolios.map((p) => p.userId)).toEqual(['a', 'b', 'c']);
    await store.close();
  });
});
