import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import { GbdtModel } from '../../../../src/ml/gbdt/index.js';
import {
  FEATURE_NAMES,
  FEATURE_VERSION,
  NUM_FEATURES,
} from '../../../../src/fx/decisions/features/index.js';
import { trainModel, type TrainingProgress } from '../../../../src/fx/decisions/training/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';

let t: { dir: string; cleanup: () => void };
let lakeDir: string;
beforeAll(async () => {
  t = tempDir('corriente-ml-train-');
  lakeDir = path.join(t.dir, 'datalake');
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: lakeDir }),
    users: 200,
    days: 60,
    seed: 7,
    end: '2026-03-31',
  });
});
afterAll(() => t.cleanup());

it('trains end to end: sane metrics, better than every baseline, a loadable model', async () => {
  const progress: TrainingProgress[] = [];
  const r = await trainModel({
    lakeDir,
    timezone: 'America/Bogota',
    // The defaults (300 rounds at most, eta 0.1, early stopping after 20).
    training: { sampleEveryHours: 3 },
    onProgress: (p) => progress.push(p),
    keepDataset: true,
  });
  const m = r.metrics;
  expect(r.featureVersion).toBe(FEATURE_VERSION);
  expect(r.featureNames).toEqual(FEATURE_NAMES);
  expect(r.horizonHours).toBe(24);
  expect(r.samples.train).toBeGreaterThan(10_000);
  expect(r.samples).toEqual(m.samples);
  expect(r.samples.train).toBe(
    m.classBalance.train.ninguna + m.classBalance.train.compra + m.classBalance.train.venta,
  );
  expect(Date.parse(m.splitAt)).toBeGreaterThan(Date.parse(r.trainingRange.from));
  expect(Date.parse(m.splitAt)).toBeLessThan(Date.parse(r.trainingRange.to));
  // The registered training range ends where the untouched test period starts.
  expect(m.testRange.from).toBe(r.trainingRange.to);
  expect(r.samples.test).toBeGreaterThan(1000);
  const ds = r.dataset!;
  const horizonMs = 24 * 3_600_000;
  for (let i = 0; i < ds.train.nRows; i++) {
    expect(ds.train.atMs[i]! + horizonMs).toBeLessThanOrEqual(ds.splitMs);
  }
  for (let i = 0; i < ds.validation.nRows; i++) {
    expect(ds.validation.atMs[i]!).toBeGreaterThanOrEqual(ds.splitMs);
    expect(ds.validation.atMs[i]! + horizonMs).toBeLessThanOrEqual(ds.testMs);
  }
  for (let i = 0; i < ds.test.nRows; i++)
    expect(ds.test.atMs[i]!).toBeGreaterThanOrEqual(ds.testMs);
  // The calibration travels in the artifact.
  expect(JSON.parse(r.model.attributes.corriente_calibration!)).toEqual(r.calibration);
  expect(m.users).toBe(200);
  for (const c of ['compra', 'venta'] as const) {
    const cm = m[c];
    expect(cm.rocAuc).toBeGreaterThan(0.7);
    expect(cm.rocAuc).toBeLessThanOrEqual(1);
    expect(cm.prAuc).toBeGreaterThan(cm.prevalence); // better than a random score
    for (const b of Object.values(m.baselines)) expect(cm.rocAuc).toBeGreaterThan(b[c].rocAuc);
    expect(cm.threshold).toBe(0.35);
    expect(cm.recall).toBeGreaterThanOrEqual(0);
    expect(cm.recall).toBeLessThanOrEqual(1);
    expect(cm.calibration.ece).toBeLessThan(0.15);
    // Better than the untrained model's constant 1/3.
    const untrained = cm.prevalence * (4 / 9) + (1 - cm.prevalence) / 9;
    expect(cm.calibration.brier).toBeLessThan(untrained);
    expect(cm.calibration.bins.reduce((s, b) => s + b.count, 0)).toBe(r.samples.test);
    // Reliability near the threshold: bins around 0.35, calibrated and raw, on the test rows.
    const near = m.reliability[c];
    expect(near.calibrated.map((b) => b.lo)).toEqual([0.2, 0.25, 0.3, 0.35, 0.4, 0.45]);
    expect(near.raw).toHaveLength(6);
    // Product metrics: precision at the threshold is the class metric; the baseline picks as many.
    const p = m.product[c];
    expect(p.notified).toBe(cm.predictedPositive);
    expect(p.precision).toBeCloseTo(cm.precision, 12);
    expect(p.frequencyPrecision).toBeGreaterThanOrEqual(0);
    // Lift is undefined (null) when the baseline picked no hit at the same volume.
    if (p.frequencyPrecision) {
      expect(p.liftOverFrequency).toBeCloseTo(p.precision! / p.frequencyPrecision, 12);
    } else expect(p.liftOverFrequency).toBeNull();
  }
  expect(Object.keys(m.baselines).sort()).toEqual(['frecuencia_30d', 'movimiento_24h']);
  expect(m.multiLogLoss).toBeGreaterThan(0);
  expect(m.bestIteration).toBeGreaterThanOrEqual(0);
  expect(r.model.numTrees).toBe((m.bestIteration + 1) * 3);
  // At most maxPerWeek a week per user, so at most 2 × weeks per user on average.
  expect(m.product.notificationsPerUserWeek).toBeGreaterThan(0);
  expect(m.product.notificationsPerUserWeek).toBeLessThanOrEqual(2 + 1e-9);
  expect(m.product.users).toBeGreaterThan(100);
  for (const side of ['BUY', 'SELL'] as const) {
    const o = m.product.price[side];
    if (o.trades > 0) expect(Math.abs(o.meanAdvantagePct!)).toBeLessThan(5);
  }

  // The model file round-trips and predicts the same probabilities.
  const again = GbdtModel.parse(r.model.toXgboostText());
  expect(again.featureNames).toEqual(FEATURE_NAMES);
  const v = r.dataset!.validation;
  const rows = Math.min(500, v.nRows);
  expect(again.predict(v.x.subarray(0, rows * NUM_FEATURES), rows)).toEqual(
    r.model.predict(v.x.subarray(0, rows * NUM_FEATURES), rows),
  );

  const phases = progress.map((p) => p.phase);
  expect(phases[0]).toBe('reading-lake');
  expect(phases).toContain('samples');
  expect(phases.indexOf('samples-built')).toBeLessThan(phases.indexOf('boosting'));
  expect(phases.at(-1)).toBe('evaluating');
  const rounds = progress.filter((p) => p.phase === 'boosting');
  expect(rounds.length).toBeGreaterThan(m.bestIteration);
  expect(rounds.every((p) => p.phase === 'boosting' && p.validLoss! > 0)).toBe(true);
});

it('is deterministic for a seed', async () => {
  const opts = {
    lakeDir,
    training: { sampleEveryHours: 12, gbdt: { nEstimators: 8 } },
    from: new Date('2026-03-05T05:00:00Z'),
  };
  const a = await trainModel(opts);
  const b = await trainModel(opts);
  expect(a.model.toXgboostText()).toBe(b.model.toXgboostText());
  expect(a.metrics).toEqual(b.metrics);
  expect(a.trainingRange.from).toBe('2026-03-05T05:00:00.000Z');
});

it('refuses bad settings with the name of the setting', async () => {
  await expect(trainModel({ lakeDir, training: { horizonHours: -1 } })).rejects.toThrow(
    /^training option horizonHours: /,
  );
});
