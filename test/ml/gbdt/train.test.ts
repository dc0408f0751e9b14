import { describe, expect, it } from 'vitest';
import { syntheticClassification, trainGbdt } from '../../../src/ml/gbdt/index.js';
import { logLoss, multiLogLoss, rocAuc } from '../../../src/ml/metrics.js';
import { xgboostAvailable, xgbPredict, xgbTrain } from '../../util/xgboost.js';

const NF = 10;
const train = syntheticClassification({ nRows: 6000, nFeatures: NF, seed: 41 });
const test = syntheticClassification({ nRows: 3000, nFeatures: NF, seed: 42 });

function column(x: Float32Array, n: number, f: number): Float64Array {
  return Float64Array.from({ length: n }, (_, r) => {
    const v = x[r * NF + f]!;
    return Number.isNaN(v) ? 0 : v;
  });
}

describe('trainGbdt', () => {
  it('learns: test AUC well above the best single feature', () => {
    const { model, history } = trainGbdt({
      x: train.x,
      y: train.y,
      nRows: train.nRows,
      nFeatures: NF,
      objective: 'binary:logistic',
      nEstimators: 60,
      maxDepth: 4,
      learningRate: 0.1,
    });
    const auc = rocAuc(model.predict(test.x, test.nRows), test.y);
    const best1 = Math.max(
      ...Array.from({ length: NF }, (_, f) => {
        const a = rocAuc(column(test.x, test.nRows, f), test.y);
        return Math.max(a, 1 - a);
      }),
    );
    expect(auc).toBeGreaterThan(best1 + 0.03);
    expect(history).toHaveLength(60);
    expect(history[59]!.trainLoss).toBeLessThan(history[0]!.trainLoss);
  });

  it('is deterministic for a seed, and the seed matters when sampling', () => {
    const run = (seed: number): string =>
      trainGbdt({
        x: train.x,
        y: train.y,
        nRows: train.nRows,
        nFeatures: NF,
        objective: 'binary:logistic',
        nEstimators: 15,
        subsample: 0.7,
        colsampleByTree: 0.6,
        seed,
      }).model.toXgboostText();
    const a = run(7);
    expect(run(7)).toBe(a);
    expect(run(8)).not.toBe(a);
  });

  it('early stopping keeps the iteration with the lowest validation loss', () => {
    const noisy = syntheticClassification({ nRows: 2000, nFeatures: NF, seed: 43, noise: 3 });
    const valid = syntheticClassification({ nRows: 2000, nFeatures: NF, seed: 44, noise: 3 });
    const seen: number[] = [];
    const r = trainGbdt({
      x: noisy.x,
      y: noisy.y,
      nRows: noisy.nRows,
      nFeatures: NF,
      objective: 'binary:logistic',
      nEstimators: 200,
      maxDepth: 6,
      learningRate: 0.5,
      validation: { x: valid.x, y: valid.y, nRows: valid.nRows },
      earlyStoppingRounds: 5,
      onProgress: (p) => seen.push(p.iteration),
    });
    const losses = r.history.map((h) => h.validLoss!);
    const argmin = losses.indexOf(Math.min(...losses));
    expect(r.bestIteration).toBe(argmin);
    expect(r.history.length).toBe(argmin + 6); // stopped 5 rounds after the best
    expect(r.history.length).toBeLessThan(200);
    expect(seen).toEqual(r.history.map((h) => h.iteration));
    expect(r.model.numTrees).toBe(argmin + 1);
    // The kept model scores the validation set as the history says (float32 margins).
    const p = r.model.predict(valid.x, valid.nRows);
    expect(Math.abs(logLoss(p, valid.y) - losses[argmin]!)).toBeLessThan(1e-5);
  });

  it('refuses bad options with a message naming the option', () => {
    const base = { x: train.x, y: train.y, nRows: 100, nFeatures: NF };
    expect(() => trainGbdt({ ...base, objective: 'binary:logistic', maxDepth: 0 })).toThrow(
      /maxDepth/,
    );
    expect(() => trainGbdt({ ...base, objective: 'multi:softprob' })).toThrow(/numClass/);
    expect(() =>
      trainGbdt({ ...base, objective: 'binary:logistic', y: Float32Array.from([0, 2]) }),
    ).toThrow(/labels/);
    expect(() => trainGbdt({ ...base, objective: 'binary:logistic', subsample: 1.5 })).toThrow(
      /subsample/,
    );
  });
});

describe.skipIf(!xgboostAvailable())('trainGbdt against XGBoost hist (same parameters)', () => {
  it('binary: test AUC within 0.01 of XGBoost', () => {
    const params = { maxDepth: 4, learningRate: 0.1, nEstimators: 60, subsample: 0.8 };
    const { model } = trainGbdt({
      x: train.x,
      y: train.y,
      nRows: train.nRows,
      nFeatures: NF,
      objective: 'binary:logistic',
      ...params,
    });
    const xgb = xgbTrain({
      data: train,
      params: {
        objective: 'binary:logistic',
        tree_method: 'hist',
        max_depth: 4,
        eta: 0.1,
        subsample: 0.8,
      },
      rounds: 60,
    });
    const ours = rocAuc(model.predict(test.x, test.nRows), test.y);
    const theirs = rocAuc(xgbPredict(xgb.text, test.x, test.nRows, NF), test.y);
    expect(Math.abs(ours - theirs)).toBeLessThan(0.01);
  });

  it('multi:softprob: test mlogloss within 2% of XGBoost', () => {
    const tr = syntheticClassification({ nRows: 6000, nFeatures: NF, numClass: 3, seed: 45 });
    const te = syntheticClassification({ nRows: 3000, nFeatures: NF, numClass: 3, seed: 46 });
    const { model } = trainGbdt({
      x: tr.x,
      y: tr.y,
      nRows: tr.nRows,
      nFeatures: NF,
      objective: 'multi:softprob',
      numClass: 3,
      maxDepth: 5,
      learningRate: 0.1,
      nEstimators: 50,
      colsampleByTree: 0.8,
    });
    const xgb = xgbTrain({
      data: tr,
      params: {
        objective: 'multi:softprob',
        num_class: 3,
        tree_method: 'hist',
        max_depth: 5,
        eta: 0.1,
        colsample_bytree: 0.8,
      },
      rounds: 50,
    });
    const ours = multiLogLoss(model.predict(te.x, te.nRows), 3, te.y);
    const theirs = multiLogLoss(xgbPredict(xgb.text, te.x, te.nRows, NF), 3, te.y);
    expect(ours).toBeLessThan(theirs * 1.02);
  });
});
