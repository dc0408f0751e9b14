import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FxEvent } from '../../../../src/fx/events.js';
import {
  computeBatchFeatures,
  FEATURE_INDEX,
  FEATURE_NAMES,
  LakeDataError,
  LakeHistory,
  NUM_FEATURES,
  OnlineFeatureStore,
  type FeatureName,
} from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';
import { opened, tick, trade, writeLake } from './lake-events.js';

const H = 3_600_000;
const D = 24 * H;
/** Monday 2 March 2026, 08:00 in Bogotá. */
const T0 = Date.parse('2026-03-02T13:00:00Z');

/** The tiny hand-written history whose features are checked by hand below. */
function tinyHistory(): FxEvent[] {
  return [
    tick(T0 - 40 * D, 380000, 379000),
    opened(T0 - 40 * D + 1, 'ana', 1_000_000_000),
    trade(T0 - 35 * D, 'ana', 'BUY', 10000, 390000),
    tick(T0 - 8 * D, 400000, 399000),
    tick(T0 - 5 * D - H, 396000, 395000),
    trade(T0 - 5 * D, 'ana', 'SELL', 5000, 399000),
    tick(T0 - 25 * H, 395000, 394000),
    tick(T0 - 2 * H, 398000, 397000),
    trade(T0 - H, 'ana', 'BUY', 2000, 399000),
    tick(T0, 404000, 403000),
  ];
}

interface BatchRow {
  features: Float32Array;
  label: number;
}

/** Batch vectors of the lake at the given times of every user. */
async function batchRows(lakeDir: string, times: number[]): Promise<Map<string, BatchRow>> {
  const history = await LakeHistory.open({ lakeDir });
  const rows = new Map<string, BatchRow>();
  try {
    await computeBatchFeatures({
      history,
      timezone: 'America/Bogota',
      horizonMs: 24 * H,
      sampleTimes: () => times,
      usersPerChunk: 2,
      onSample: (s) =>
        rows.set(`${s.userId}@${s.atMs}`, { features: s.features.slice(), label: s.label }),
    });
  } finally {
    history.close();
  }
  return rows;
}

const f32 = Math.fround;

let t: { dir: string; cleanup: () => void };
beforeAll(() => {
  t = tempDir('corriente-ml-features-');
});
afterAll(() => t.cleanup());

describe('features of a hand-written history', () => {
  it('match the values computed by hand', async () => {
    const lakeDir = path.join(t.dir, 'tiny');
    await writeLake(new LocalFsObjectStore({ root: lakeDir }), tinyHistory());
    const rows = await batchRows(lakeDir, [T0 - 2 * H, T0]);
    const row = rows.get(`ana@${T0}`)!;
    const get = (n: FeatureName): number => row.features[FEATURE_INDEX[n]]!;
    const ret24Buy2 = 398000 / 395000 - 1;
    const costBasis = 39_000_000 - 19_500_000 + 7_980_000;
    const expected: Partial<Record<FeatureName, number>> = {
      compras_7d: 1,
      compras_30d: 1,
      compras_90d: 2,
      ventas_7d: 1,
      ventas_30d: 1,
      ventas_90d: 1,
      ticket_promedio_usd: (100 + 50 + 20) / 3,
      dias_desde_ultima_compra: 1 / 24,
      dias_desde_ultima_venta: 5,
      dias_desde_ultima_operacion: 1 / 24,
      precio_compra_relativo: (390000 + 399000) / 2 / 404000 - 1,
      precio_venta_relativo: 399000 / 404000 - 1,
      // BUY 1: no tick moved in the 24 h before it (0); BUY 2: 398000 vs 395000.
      retorno_24h_previo_compras: (0 + ret24Buy2) / 2,
      retorno_24h_previo_ventas: 396000 / 400000 - 1,
      saldo_usd: 70,
      saldo_cop: (1_000_000_000 - 39_000_000 + 19_950_000 - 7_980_000) / 100,
      costo_promedio_relativo: 392571 / 403000 - 1,
      pnl_no_realizado_pct: (28_210_000 - costBasis) / costBasis,
      fraccion_usd: 28_210_000 / (28_210_000 + 972_970_000),
      retorno_1h: 404000 / 398000 - 1,
      retorno_24h: 404000 / 395000 - 1,
      retorno_7d: 404000 / 400000 - 1,
      distancia_media_24h: 404000 / ((398000 + 404000) / 2) - 1,
      distancia_media_7d: 404000 / ((396000 + 395000 + 398000 + 404000) / 4) - 1,
      hora_local: 8,
      dia_semana: 0,
      dia_del_mes: 2,
      // No trade saw a quincena; the usual buy hour is 07:30, next quincena Friday 13 March.
      fraccion_compras_quincena: 0,
      fraccion_ventas_quincena: 0,
      horas_hasta_quincena_habitual: 11 * 24 - 0.5,
      intervalo_compras_dias: 35 - 1 / 24,
      ciclo_compras: 1 / 24 / (35 - 1 / 24),
    };
    for (const [name, value] of Object.entries(expected)) {
      expect([name, get(name as FeatureName)]).toEqual([name, f32(value)]);
    }
    // Two ticks in the last 24 h make one return: too few for a standard deviation. Six ticks
    // are too few for the 120-tick average, at T0 and at every trade.
    const missing: FeatureName[] = [
      'volatilidad_24h',
      'cruce_medias',
      'distancia_media_120',
      'cruce_previo_compras',
      'cruce_previo_ventas',
      'distancia_previa_compras',
    ];
    for (const name of missing) expect([name, get(name)]).toEqual([name, NaN]);
    expect(Object.keys(expected).length + missing.length).toBe(NUM_FEATURES);
    // The BUY at T0 − 1 h falls in the 24 h after T0 − 2 h; nothing follows T0.
    expect(rows.get(`ana@${T0 - 2 * H}`)!.label).toBe(1);
    expect(row.label).toBe(0);
  });

  it('a transaction and a tick 1 ms after t change no feature at t (only the label)', async () => {
    const lakeDir = path.join(t.dir, 'lookahead');
    const later = [tick(T0 + 1, 500000, 499000), trade(T0 + 1, 'ana', 'SELL', 7000, 499000)];
    await writeLake(new LocalFsObjectStore({ root: lakeDir }), [...tinyHistory(), ...later]);
    const before = (await batchRows(path.join(t.dir, 'tiny'), [T0])).get(`ana@${T0}`)!;
    const after = (await batchRows(lakeDir, [T0])).get(`ana@${T0}`)!;
    expect(Buffer.from(after.features.buffer)).toEqual(Buffer.from(before.features.buffer));
    expect(before.label).toBe(0);
    expect(after.label).toBe(2);

    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    for (const e of tinyHistory()) online.observe(e);
    const atT0 = online.vectors(['ana'], T0).slice();
    online.observe(later[0]!);
    expect(online.vectors(['ana'], T0)).toEqual(atT0);
    expect(online.vectors(['ana'], T0 + 1)[FEATURE_INDEX.retorno_1h]).toBe(
      f32(500000 / 398000 - 1),
    );
  });

  it('online vectors equal batch vectors bit for bit, and redelivered events change nothing', async () => {
    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    const events = tinyHistory();
    for (const e of events) online.observe(e);
    for (const e of events) online.observe(e); // a redelivery
    const batch = (await batchRows(path.join(t.dir, 'tiny'), [T0])).get(`ana@${T0}`)!;
    expect(Buffer.from(online.vectors(['ana'], T0).buffer)).toEqual(
      Buffer.from(batch.features.buffer),
    );
    expect(online.userIds()).toEqual(['ana']);
    expect(online.portfolio('ana')).toMatchObject({ usdCents: 7000, buyCount: 2, sellCount: 1 });
    expect(online.typicalTicketUsdCents('ana')).toBe(5000);
    expect(online.typicalTicketUsdCents('nadie')).toBeUndefined();
    // An unknown user gets missing user features but the market ones.
    const x = online.vectors(['nadie'], T0);
    expect(x[FEATURE_INDEX.compras_7d]).toBe(0);
    expect(x[FEATURE_INDEX.saldo_usd]).toBeNaN();
    expect(x[FEATURE_INDEX.retorno_24h]).toBe(f32(404000 / 395000 - 1));
    expect(online.featureNames).toEqual(FEATURE_NAMES);
  });

  it('by position (the orchestrator path) reads the same as by id, also after new users', () => {
    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    for (const e of tinyHistory()) online.observe(e);
    online.observe(opened(T0 - 2 * D, 'beto', 50_000_000));
    const ids = online.userIds();
    expect(ids).toEqual(['ana', 'beto']);
    const byId = online.vectors(['beto', 'ana'], T0);
    const byPosition = online.vectorsAt(Int32Array.of(1, 0), 2, T0);
    expect(Buffer.from(byPosition.buffer)).toEqual(Buffer.from(byId.buffer));
    expect(online.portfolioAt(0)).toBe(online.portfolio('ana'));
    expect(online.typicalTicketAt(0)).toBe(5000);
    expect(online.typicalTicketAt(1)).toBeUndefined();
    // A new user comes last; earlier positions keep their users. A new trade moves the median.
    online.observe(opened(T0 - D, 'carla', 1_000_000));
    online.observe(trade(T0 + 1000, 'ana', 'BUY', 9000, 404000));
    expect(online.userIds()).toEqual(['ana', 'beto', 'carla']);
    expect(online.portfolioAt(1)).toBe(online.portfolio('beto'));
    expect(online.portfolioAt(2)).toBe(online.portfolio('carla'));
    expect(online.typicalTicketAt(0)).toBe(online.typicalTicketUsdCents('ana'));
    expect(online.typicalTicketAt(0)).toBe(7000);
  });

  it('keeps balances and typical tickets by position in step with the users (NaN without)', () => {
    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    for (const e of tinyHistory()) online.observe(e);
    // A trade before any account: the user exists (trades, features) but has no portfolio.
    online.observe(trade(T0 - D, 'sin-cuenta', 'BUY', 1000, 400000));
    // More users than the arrays' first size: they grow and keep what they held.
    for (let u = 0; u < 1500; u++) online.observe(opened(T0 - 3 * D, `u${u}`, u * 1_000_000, u));
    online.observe(trade(T0 - D, 'u7', 'BUY', 1000, 400000));
    const ids = online.userIds();
    const { copCents, usdCents } = online.balancesByPosition();
    for (let k = 0; k < ids.length; k++) {
      expect(online.positionOf(ids[k]!)).toBe(k);
      const p = online.portfolio(ids[k]!);
      expect(copCents[k]).toBe(p ? p.copCents : NaN);
      expect(usdCents[k]).toBe(p ? p.usdCents : NaN);
      expect(online.typicalTicketAt(k)).toBe(online.typicalTicketUsdCents(ids[k]!));
    }
    expect(copCents[online.positionOf('sin-cuenta')!]).toBeNaN();
    expect(usdCents[online.positionOf('u7')!]).toBe(7 + 1000);
    expect(online.positionOf('nadie')).toBeUndefined();
  });

  it('serves transactions by windows of time: [from, to), in (time, id) order', async () => {
    const lakeDir = path.join(t.dir, 'windows');
    const lake = new LocalFsObjectStore({ root: lakeDir });
    const events = [
      ...tinyHistory(),
      opened(T0 - 40 * D, 'beto', 1_000_000_000),
      trade(T0 - 5 * D, 'beto', 'BUY', 3000, 399000), // the same instant as ana's SELL
      trade(T0 - 4 * D, 'beto', 'BUY', 3000, 399000),
    ];
    await writeLake(lake, events);
    const history = await LakeHistory.open({ lakeDir });
    try {
      const all = await history.transactions('', '\uffff');
      const byTime = [...all].sort(
        (a, b) => Date.parse(a.executedAt) - Date.parse(b.executedAt) || (a.id < b.id ? -1 : 1),
      );
      // Windows that cut exactly at a trade's instant: it falls in the later one.
      const cuts = [T0 - 50 * D, T0 - 5 * D, T0 - 4 * D, T0 + D];
      const streamed = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const w = await history.transactionsBetween(cuts[i]!, cuts[i + 1]!);
        for (const tx of w) {
          expect(Date.parse(tx.executedAt)).toBeGreaterThanOrEqual(cuts[i]!);
          expect(Date.parse(tx.executedAt)).toBeLessThan(cuts[i + 1]!);
        }
        streamed.push(...w);
      }
      expect(streamed).toEqual(byTime);
      expect(await history.transactionsBetween(T0 - 5 * D, T0 - 5 * D + 1)).toHaveLength(2);
    } finally {
      history.close();
    }
  });

  it('refuses a raw row that cannot be an event, naming the table and the row', async () => {
    const lakeDir = path.join(t.dir, 'bad');
    const lake = new LocalFsObjectStore({ root: lakeDir });
    await writeLake(lake, tinyHistory());
    await lake.put(
      'raw/fx_transacciones/year=2026/month=03/day=02/malo.jsonl',
      `${JSON.stringify({ id: 'X1', usuario_id: 'ana', lado: 'HOLD', monto_usd_centavos: 1, precio_cop_centavos: 1, total_cop_centavos: 1, ejecutado_en: '2026-03-02T13:00:00Z', ingerido_en: '2026-03-02T13:00:00Z' })}\n`,
    );
    const err = await batchRows(lakeDir, [T0]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeDataError);
    expect((err as Error).message).toBe(
      'raw/fx_transacciones: row "X1" has lado "HOLD" (BUY or SELL)',
    );
  });
});
