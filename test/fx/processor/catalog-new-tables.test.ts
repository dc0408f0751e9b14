import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { OUTCOME_SAVED_QUERIES } from '../../../src/fx/decisions/orchestrator/index.js';
import { newEventId, type FxEvent, type Recommendation } from '../../../src/fx/events.js';
import { processAvailable } from '../../../src/fx/processor/index.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import { appendEvents, openHarness, type Harness } from './harness.js';

let t: { dir: string; cleanup: () => void };
let h: Harness;
let catalog: SqliteCatalog;
beforeEach(async () => {
  t = tempDir('corriente-fxproc-cat-');
  h = await openHarness(t.dir);
  catalog = new SqliteCatalog({ path: path.join(t.dir, 'catalog.db') });
});
afterEach(async () => {
  await catalog.close();
  await h.close();
  t.cleanup();
});

function recommendation(userId: string, atMs: number): Recommendation {
  const at = new Date(atMs).toISOString();
  return {
    type: 'Recommendation',
    version: 1,
    id: newEventId(atMs),
    userId,
    side: 'BUY',
    probability: 0.7,
    scorer: 'model',
    modelGroup: 'fx-recomendaciones',
    modelVersion: '1',
    priceTickId: newEventId(atMs),
    priceCopCents: 400_000,
    suggestedAmountUsdCents: 100_00,
    reasons: [{ code: 'retorno_24h', texto: 'una razón' }],
    createdAt: at,
    expiresAt: new Date(atMs + 86_400_000).toISOString(),
    ingestedAt: at,
  };
}

describe('the stream processor catalogs a raw table when it writes its first file', () => {
  const events = (): FxEvent[] => {
    const mixed = mixedEvents({ count: 200, users: 5 });
    const last = Date.parse(mixed.at(-1)!.ingestedAt);
    return [...mixed, recommendation('u1', last + 1000)];
  };

  it('on a fresh catalog, every fx_raw_db table exists after one batch and the saved query runs', async () => {
    await appendEvents(h.log, events());
    await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      catalog,
      batchMaxEvents: 10_000,
    });
    for (const table of ['fx_transacciones', 'fx_precios', 'fx_cuentas', 'fx_recommendations']) {
      expect(await catalog.getTable('fx_raw_db', table), table).toBeDefined();
    }
    const query = new DuckDbQueryEngine({ catalog });
    try {
      const saved = OUTCOME_SAVED_QUERIES.find((q) => q.name === 'fx_conversion_por_modelo')!;
      const r = await query.query(saved.sql);
      expect(r.rows).toEqual([
        expect.objectContaining({ origen: 'model', version_modelo: '1', recomendaciones: 1 }),
      ]);
    } finally {
      await query.close();
    }
  });

  it('without a catalog given, nothing is cataloged (the scheduled crawl does it later)', async () => {
    await appendEvents(h.log, events());
    await processAvailable({ log: h.log, datalake: h.datalake, portfolios: h.portfolios });
    expect(await catalog.listTables('fx_raw_db')).toEqual([]);
  });
});
