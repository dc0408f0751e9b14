import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionExecuted } from '../../../../src/fx/events.js';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import {
  computeBatchFeatures,
  FEATURE_INDEX,
  LakeHistory,
  LocalClock,
  NUM_FEATURES,
} from '../../../../src/fx/decisions/features/index.js';
import { buildDataset, EmptyDatasetError } from '../../../../src/fx/decisions/training/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';
import { readLakeEvents } from '../features/lake-events.js';

const H = 3_600_000;
const D = 24 * H;

let t: { dir: string; cleanup: () => void };
let lakeDir: string;
let history: LakeHistory;
beforeAll(async () => {
  t = tempDir('corriente-ml-dataset-');
  lakeDir = path.join(t.dir, 'datalake');
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: lakeDir }),
    users: 30,
    days: 30,
    seed: 11,
    end: '2026-03-31',
  });
  history = await LakeHistory.open({ lakeDir });
});
afterAll(() => {
  history.close();
  t.cleanup();
});

const settings = {
  timezone: 'America/Bogota',
  horizonHours: 24,
  sampleEveryHours: 3,
  warmupDays: 7,
  validationFraction: 0.2,
};

describe('labels', () => {
  it('are the side of the first transaction in (t, t + horizon], for every sample', async () => {
    const txs = new Map<string, TransactionExecuted[]>();
    for (const e of readLakeEvents(lakeDir)) {
      if (e.type !== 'TransactionExecuted') continue;
      txs.set(e.userId, [...(txs.get(e.userId) ?? []), e]);
    }
    for (const horizonHours of [6, 24, 72]) {
      const counts = [0, 0, 0];
      let samples = 0;
      await computeBatchFeatures({
        history,
        timezone: 'America/Bogota',
        horizonMs: horizonHours * H,
        sampleTimes: (a) => {
          const out: number[] = [];
          for (
            let ms = Date.parse(a.openedAt) + D;
            ms < Date.parse('2026-03-28T00:00:00Z');
            ms += 5 * H
          ) {
            out.push(ms);
          }
          return out;
        },
        onSample: (s) => {
          const next = (txs.get(s.userId) ?? []).find((x) => Date.parse(x.executedAt) > s.atMs);
          const expected =
            next && Date.parse(next.executedAt) <= s.atMs + horizonHours * H
              ? next.side === 'BUY'
                ? 1
                : 2
              : 0;
          if (s.label !== expected)
            expect([s.userId, s.atMs, s.label]).toEqual([s.userId, s.atMs, expected]);
          counts[s.label]!++;
          samples++;
        },
      });
      // 30 users × about 25 days × 24 / 5 samples each.
      expect(samples).toBeGreaterThan(30 * 110);
      // A longer horizon sees more trades.
      expect(counts[1]! + counts[2]!).toBeGreaterThan(0);
      expect(counts[0]!).toBeGreaterThan(0);
    }
  });
});

describe('buildDataset', () => {
  it('splits by time without leakage, samples on the local hours, and counts every row', async () => {
    const ds = await buildDataset({ history, ...settings });
    const { train, validation } = ds;
    expect(train.nRows).toBeGreaterThan(1000);
    expect(validation.nRows).toBeGreaterThan(200);
    expect(train.x.length).toBe(train.nRows * NUM_FEATURES);
    expect(validation.x.length).toBe(validation.nRows * NUM_FEATURES);
    // Every training label window closes by the split; every validation sample starts at it.
    for (let r = 0; r < train.nRows; r++) {
      if (!(train.atMs[r]! + ds.horizonMs <= ds.splitMs)) throw new Error(`leak at row ${r}`);
    }
    for (let r = 0; r < validation.nRows; r++) {
      if (!(validation.atMs[r]! >= ds.splitMs)) throw new Error(`validation row ${r} before split`);
      if (!(validation.atMs[r]! + ds.horizonMs < ds.toMs)) throw new Error(`label past the range`);
    }
    // The last 20 % of the range validates.
    expect((ds.splitMs - ds.fromMs) / (ds.toMs - ds.fromMs)).toBeCloseTo(0.8, 2);
    // Samples fall every 3 local hours on the hour, at least 7 days after opening (day 1).
    const clock = new LocalClock('America/Bogota');
    const hours = new Set<number>();
    for (let r = 0; r < train.nRows; r++) {
      hours.add(clock.at(train.atMs[r]!).horaLocal);
      expect(train.x[r * NUM_FEATURES + FEATURE_INDEX.hora_local]).toBe(
        clock.at(train.atMs[r]!).horaLocal,
      );
    }
    expect([...hours].sort((a, b) => a - b)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
    expect(Math.min(...train.atMs)).toBeGreaterThanOrEqual(ds.fromMs + 7 * D);
    // Class counts add up and every class is present.
    const sum = (c: number[]) => c.reduce((a, b) => a + b, 0);
    expect(sum(train.classCounts)).toBe(train.nRows);
    expect(sum(validation.classCounts)).toBe(validation.nRows);
    expect(Math.min(...train.classCounts, ...validation.classCounts)).toBeGreaterThan(0);
    expect(ds.users).toBe(30);

    // Thinning: every 6 h halves the rows; a range restricts them.
    const thin = await buildDataset({ history, ...settings, sampleEveryHours: 6 });
    expect(thin.train.nRows + thin.validation.nRows).toBe((train.nRows + validation.nRows) / 2);
    const from = Date.parse('2026-03-15T05:00:00Z');
    const ranged = await buildDataset({ history, ...settings, fromMs: from });
    expect(Math.min(...ranged.train.atMs)).toBeGreaterThanOrEqual(from);
    expect(ranged.fromMs).toBe(from);
  });

  it('refuses a range too short for a split, saying why', async () => {
    const err = await buildDataset({
      history,
      ...settings,
      fromMs: Date.parse('2026-03-30T00:00:00Z'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyDatasetError);
    expect((err as Error).message).toMatch(
      /^too little history for a time split: 180 training, 0 validation and 0 test samples \(range 2026-03-30T00:00:00.000Z/,
    );
  });
});
