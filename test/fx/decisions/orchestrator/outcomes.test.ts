import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { newEventId, type FxEvent, type Recommendation } from '../../../../src/fx/events.js';
import {
  NoOutcomesError,
  OUTCOME_SAVED_QUERIES,
  recommendationOutcomes,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import {
  LoadDates,
  putRawFiles,
  RawBatchBuilder,
} from '../../../../src/fx/processor/raw-writer.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { DuckDbQueryEngine } from '../../../../src/core/query/duckdb/duckdb-query-engine.js';
import { tempDir } from '../../../util/tmp.js';
import { HOUR, T, trade } from './timeline.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('corriente-orch-out-'));
});
afterEach(() => cleanup());

function rec(
  userId: string,
  side: 'BUY' | 'SELL',
  atMs: number,
  origin: 'model' | 'reglas',
  code: string,
): Recommendation {
  const at = new Date(atMs).toISOString();
  return {
    type: 'Recommendation',
    version: 1,
    id: newEventId(atMs),
    userId,
    side,
    probability: 0.7,
    scorer: origin,
    ...(origin === 'model' ? { modelGroup: 'fx-recomendaciones' } : {}),
    modelVersion: origin === 'model' ? '3' : 'reglas-v1',
    priceTickId: newEventId(atMs),
    priceCopCents: 400_000,
    suggestedAmountUsdCents: 100_00,
    reasons: [{ code, texto: 'una razón' }],
    createdAt: at,
    expiresAt: new Date(atMs + 24 * HOUR).toISOString(),
    ingestedAt: at,
  };
}

async function writeLake(events: readonly FxEvent[], name: string): Promise<LocalFsObjectStore> {
  const datalake = new LocalFsObjectStore(path.join(dir, 'datalake'));
  const b = new RawBatchBuilder(new LoadDates('America/Bogota'));
  for (const e of events) b.add(e);
  await putRawFiles(datalake, b.files(name));
  return datalake;
}

describe('recommendation outcomes in the lake', () => {
  it('measures conversion within the horizon per model version and per reason', async () => {
    const a = rec('u1', 'BUY', T, 'model', 'retorno_24h');
    const b = rec('u2', 'SELL', T, 'reglas', 'regla_alza_24h');
    const c = rec('u3', 'BUY', T, 'model', 'dias_desde_ultima_compra');
    const d = rec('u4', 'BUY', T + 20 * HOUR, 'model', 'retorno_24h');
    const events: FxEvent[] = [
      a,
      b,
      c,
      d,
      trade('u1', T + 2 * HOUR, 'BUY', 100, 400_500), // a converts
      trade('u2', T + HOUR, 'BUY', 100, 400_500), // the other side: not b
      trade('u2', T + 25 * HOUR, 'SELL', 50, 399_500), // past b's horizon
      trade('u3', T - HOUR, 'BUY', 100, 400_500), // before c
      trade('u9', T + 30 * HOUR, 'BUY', 10, 400_500), // the lake's latest trade: d still open
    ];
    await writeLake(events, 'part-1');
    // A retried append wrote a twice: counted once.
    const datalake = await writeLake([a], 'part-2');
    const catalog = new SqliteCatalog({ path: path.join(dir, 'catalog.db') });
    const query = new DuckDbQueryEngine({ catalog });
    try {
      const r = await recommendationOutcomes({ datalake, catalog, query });
      expect(r.byModel.rows).toEqual([
        {
          origen: 'model',
          version_modelo: '3',
          lado: 'BUY',
          recomendaciones: 3,
          convertidas: 1,
          abiertas: 1,
          tasa_conversion_pct: 33.33,
        },
        {
          origen: 'reglas',
          version_modelo: 'reglas-v1',
          lado: 'SELL',
          recomendaciones: 1,
          convertidas: 0,
          abiertas: 0,
          tasa_conversion_pct: 0,
        },
      ]);
      expect(r.byReason.rows).toEqual([
        {
          razon_principal: 'retorno_24h',
          lado: 'BUY',
          recomendaciones: 2,
          convertidas: 1,
          abiertas: 1,
          tasa_conversion_pct: 50,
        },
        {
          razon_principal: 'dias_desde_ultima_compra',
          lado: 'BUY',
          recomendaciones: 1,
          convertidas: 0,
          abiertas: 0,
          tasa_conversion_pct: 0,
        },
        {
          razon_principal: 'regla_alza_24h',
          lado: 'SELL',
          recomendaciones: 1,
          convertidas: 0,
          abiertas: 0,
          tasa_conversion_pct: 0,
        },
      ]);
      // The saved queries are the same SQL, runnable by name once registered.
      expect(OUTCOME_SAVED_QUERIES.map((q) => q.name)).toEqual([
        'fx_conversion_por_modelo',
        'fx_conversion_por_razon',
      ]);
      const again = await query.query(OUTCOME_SAVED_QUERIES[1]!.sql);
      expect(again.rows).toEqual(r.byReason.rows);
    } finally {
      await query.close();
      await catalog.close();
    }
  });

  it('says clearly when there is nothing to measure yet', async () => {
    const datalake = await writeLake([trade('u1', T, 'BUY', 10, 400_500)], 'part-1');
    const catalog = new SqliteCatalog({ path: path.join(dir, 'catalog.db') });
    const query = new DuckDbQueryEngine({ catalog });
    try {
      await expect(recommendationOutcomes({ datalake, catalog, query })).rejects.toThrow(
        NoOutcomesError,
      );
      await expect(recommendationOutcomes({ datalake, catalog, query })).rejects.toThrow(
        /no recommendations yet/,
      );
    } finally {
      await query.close();
      await catalog.close();
    }
  });
});
