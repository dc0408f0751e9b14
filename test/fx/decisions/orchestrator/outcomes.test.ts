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
import { HOUR, T, tick, trade } from './timeline.js';

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
  const datalake = new LocalFsObjectStore({ root: path.join(dir, 'datalake') });
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
        'fx_lift_por_modelo',
        'fx_lift_por_razon',
        'fx_resultado_precio',
      ]);
      // No held-out recommendations: no lift to measure.
      expect(r.liftByModel.rows[0]).toMatchObject({ retenidas: 0, lift_pp: null });
      expect(r.price).toBeUndefined();
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

  it('compares treated with held-out recommendations: lift, its interval, price outcome', async () => {
    const events: FxEvent[] = [];
    // 40 treated BUYs, 20 converting (50 %); 20 held out, 4 converting (20 %).
    for (let i = 0; i < 60; i++) {
      const control = i >= 40;
      const r = {
        ...rec(`u${i}`, 'BUY', T, 'model', 'retorno_24h'),
        group: control ? 'control' : 'tratamiento',
      } as Recommendation;
      events.push(r);
      const converts = control ? i < 44 : i < 20;
      if (converts) events.push(trade(`u${i}`, T + 2 * HOUR, 'BUY', 100, 401_000));
    }
    // The mid over the horizon: 400,000 and 402,000 centavos (average 401,000).
    events.push(tick(T + HOUR, 400_000), tick(T + 3 * HOUR, 402_000));
    events.push(trade('u99', T + 30 * HOUR, 'BUY', 10, 400_500)); // closes the horizons
    const datalake = await writeLake(events, 'part-1');
    const catalog = new SqliteCatalog({ path: path.join(dir, 'catalog.db') });
    const query = new DuckDbQueryEngine({ catalog });
    try {
      const r = await recommendationOutcomes({ datalake, catalog, query });
      const row = r.liftByModel.rows[0]!;
      // Independent arithmetic: d = 0.5 − 0.2; se = √(0.5·0.5/40 + 0.2·0.8/20).
      const d = 0.3;
      const se = Math.sqrt((0.5 * 0.5) / 40 + (0.2 * 0.8) / 20);
      expect(row).toMatchObject({
        origen: 'model',
        version_modelo: '3',
        lado: 'BUY',
        tratadas: 40,
        convertidas_tratadas: 20,
        tasa_tratadas_pct: 50,
        retenidas: 20,
        convertidas_retenidas: 4,
        tasa_retenidas_pct: 20,
        lift_pp: 30,
        operaciones_incrementales_por_1000: 300,
      });
      expect(row.lift_ic95_min_pp).toBeCloseTo(100 * (d - 1.96 * se), 2);
      expect(row.lift_ic95_max_pp).toBeCloseTo(100 * (d + 1.96 * se), 2);
      expect(r.liftByReason.rows[0]).toMatchObject({ lado: 'BUY', lift_pp: 30 });
      // Bought at 4,010 against an average mid of 4,010: no advantage; 24 trades in all.
      const price = r.price!.rows;
      expect(price).toEqual([
        expect.objectContaining({
          grupo: 'tratamiento',
          lado: 'BUY',
          operaciones: 20,
          ventaja_media_pct: 0,
        }),
        expect.objectContaining({
          grupo: 'control',
          lado: 'BUY',
          operaciones: 4,
          ventaja_media_pct: 0,
        }),
      ]);
    } finally {
      await query.close();
      await catalog.close();
    }
  });
});
