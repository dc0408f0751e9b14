import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FxEvent } from '../../../../src/fx/events.js';
import {
  computeBatchFeatures,
  FEATURE_INDEX,
  isQuincena,
  LakeHistory,
  LocalClock,
  OnlineFeatureStore,
  type FeatureName,
} from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';
import { opened, tick, trade, writeLake } from './lake-events.js';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const f32 = Math.fround;
/** Local midnight (Bogotá, UTC−5) of a date, as an instant. */
const bogota = (date: string, hours = 0): number => Date.parse(`${date}T05:00:00Z`) + hours * H;
/** Days since 1970-01-01 of a calendar date. */
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / D;

describe('the quincena calendar', () => {
  it('is the 15th and the last day of the month, or the Friday before a weekend one', () => {
    const yes = [
      '2026-01-15',
      '2026-01-30',
      '2026-02-27',
      '2026-03-13',
      '2026-03-31',
      '2026-04-15',
    ];
    const no = ['2026-01-31', '2026-02-28', '2026-03-15', '2026-03-16', '2026-03-14', '2026-04-14'];
    expect(yes.filter((d) => !isQuincena(dayOf(d)))).toEqual([]);
    expect(no.filter((d) => isQuincena(dayOf(d)))).toEqual([]);
  });

  it('gives the next two quincenas counting today, as local midnights', () => {
    const clock = new LocalClock('America/Bogota');
    expect(clock.at(bogota('2026-03-02', 8)).quincenasMs).toEqual([
      bogota('2026-03-13'),
      bogota('2026-03-31'),
    ]);
    expect(clock.at(bogota('2026-03-13', 23.5)).quincenasMs).toEqual([
      bogota('2026-03-13'),
      bogota('2026-03-31'),
    ]);
    expect(clock.tradeCalendar(bogota('2026-02-27', 10.25))).toEqual({
      hour: 10.25,
      quincena: true,
    });
  });
});

/**
 * Two BUYs (Monday 2 March 10:00 with no market yet; Friday 13 March, a quincena, 11:05:30 after
 * 126 one-minute ticks rising 10 centavos a minute) and one SELL (Tuesday 10 March 12:00).
 */
const BUY2 = bogota('2026-03-13', 11) + 5.5 * MIN;
const T = bogota('2026-03-13', 12);
function history(): FxEvent[] {
  const ticks = Array.from({ length: 130 }, (_, k) =>
    tick(bogota('2026-03-13', 9) + k * MIN, 400000 + 10 * k),
  );
  return [
    opened(bogota('2026-03-01'), 'ana', 2_000_000_000, 50_000),
    trade(bogota('2026-03-02', 10), 'ana', 'BUY', 10000, 390000),
    trade(bogota('2026-03-10', 12), 'ana', 'SELL', 5000, 395000),
    ...ticks.slice(0, 126),
    trade(BUY2, 'ana', 'BUY', 3000, 401300),
    ...ticks.slice(126),
  ];
}

async function batchAt(lakeDir: string, at: number): Promise<Float32Array> {
  const history = await LakeHistory.open({ lakeDir });
  let out: Float32Array | undefined;
  try {
    await computeBatchFeatures({
      history,
      timezone: 'America/Bogota',
      horizonMs: D,
      sampleTimes: () => [at],
      onSample: (s) => (out = s.features.slice()),
    });
  } finally {
    history.close();
  }
  return out!;
}

let t: { dir: string; cleanup: () => void };
beforeAll(() => {
  t = tempDir('corriente-ml-habits-');
});
afterAll(() => t.cleanup());

describe('habit features of a hand-written history', () => {
  it('match the values computed by hand, online and batch alike', async () => {
    const lakeDir = path.join(t.dir, 'habits');
    await writeLake(new LocalFsObjectStore({ root: lakeDir }), history());
    const x = await batchAt(lakeDir, T);
    const get = (n: FeatureName): number => x[FEATURE_INDEX[n]]!;
    // At the BUY: ticks 0..125 — short mean of 111..125, long of 6..125.
    const buyCross = (400000 + 10 * 118) / (400000 + 10 * 65.5) - 1;
    const buyDist = (400000 + 10 * 125) / (400000 + 10 * 65.5) - 1;
    const meanBuyHour = (10 + 11 + 5.5 / 60) / 2;
    const interval = BUY2 - bogota('2026-03-02', 10);
    const expected: Partial<Record<FeatureName, number>> = {
      // At T: ticks 0..129 — short mean of 115..129, long of 10..129.
      cruce_medias: (400000 + 10 * 122) / (400000 + 10 * 69.5) - 1,
      distancia_media_120: (400000 + 10 * 129) / (400000 + 10 * 69.5) - 1,
      // The first BUY and the SELL saw no market: only the second BUY counts.
      cruce_previo_compras: buyCross,
      distancia_previa_compras: buyDist,
      fraccion_compras_quincena: 1 / 2,
      fraccion_ventas_quincena: 0,
      // Today's quincena at the usual hour (10:32:45) is past: the next is Tuesday 31 March.
      horas_hasta_quincena_habitual: (bogota('2026-03-31') + meanBuyHour * H - T) / H,
      intervalo_compras_dias: interval / D,
      ciclo_compras: (T - BUY2) / interval,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect([name, get(name as FeatureName)]).toEqual([name, f32(value)]);
    }
    expect(get('cruce_previo_ventas')).toBeNaN();

    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    for (const e of history()) online.observe(e);
    expect(Buffer.from(online.vectors(['ana'], T).buffer)).toEqual(Buffer.from(x.buffer));
  });

  it('are missing without trades or without 120 ticks in the last 7 days', async () => {
    const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
    for (const e of history()) online.observe(e);
    const nadie = online.vectors(['nadie'], T);
    for (const n of [
      'cruce_previo_compras',
      'fraccion_compras_quincena',
      'horas_hasta_quincena_habitual',
      'intervalo_compras_dias',
      'ciclo_compras',
    ] as const) {
      expect([n, nadie[FEATURE_INDEX[n]]]).toEqual([n, NaN]);
    }
    expect(nadie[FEATURE_INDEX.cruce_medias]).toBe(f32(401220 / 400695 - 1));
    // 7 days later the ticks are too old for the moving averages.
    const late = online.vectors(['ana'], T + 7 * D);
    expect(late[FEATURE_INDEX.cruce_medias]).toBeNaN();
    expect(late[FEATURE_INDEX.cruce_previo_compras]).toBe(
      f32((400000 + 10 * 118) / (400000 + 10 * 65.5) - 1),
    );
  });

  it('a tick and a trade 1 ms after t change none of them', async () => {
    const lakeDir = path.join(t.dir, 'lookahead');
    const later = [tick(T + 1, 300000), trade(T + 1, 'ana', 'BUY', 7000, 301000)];
    await writeLake(new LocalFsObjectStore({ root: lakeDir }), [...history(), ...later]);
    const before = await batchAt(path.join(t.dir, 'habits'), T);
    const after = await batchAt(lakeDir, T);
    expect(Buffer.from(after.buffer)).toEqual(Buffer.from(before.buffer));
    expect(after[FEATURE_INDEX.cruce_medias]).not.toBeNaN();
  });
});
