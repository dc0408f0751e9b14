import { describe, expect, it } from 'vitest';
import {
  calibration,
  logLoss,
  multiLogLoss,
  prAuc,
  precisionAt,
  rocAuc,
} from '../../src/ml/metrics.js';
import { Prng } from '../../src/core/util/prng.js';
import { pythonJson, sklearnAvailable } from '../util/xgboost.js';

describe('metrics, hand-checked', () => {
  it('ROC AUC: perfect, inverted, and ties counted as half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2], [1, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    // One positive tied with one of two negatives: (1 + 0.5) / 2.
    expect(rocAuc([0.7, 0.7, 0.2], [1, 0, 0])).toBe(0.75);
    expect(rocAuc([0.3, 0.4], [1, 1])).toBeNaN();
  });

  it('average precision, with a tie forming one threshold', () => {
    // sklearn's example: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333…
    expect(prAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333333, 9);
    // Both at the top tied: one step to recall 1 with precision 1/2.
    expect(prAuc([0.9, 0.9], [1, 0])).toBe(0.5);
  });

  it('precision, recall and predicted positives at a threshold (>=)', () => {
    expect(precisionAt([0.2, 0.5, 0.7, 0.9], [0, 1, 0, 1], 0.5)).toEqual({
      precision: 2 / 3,
      recall: 1,
      predictedPositive: 3,
    });
    expect(precisionAt([0.2, 0.3], [1, 0], 0.9)).toEqual({
      precision: 0,
      recall: 0,
      predictedPositive: 0,
    });
  });

  it('calibration bins, ECE and Brier', () => {
    const c = calibration([0.05, 0.15, 0.1, 0.95], [0, 1, 0, 1], 2);
    expect(c.bins).toEqual([
      { lo: 0, hi: 0.5, meanPredicted: expect.closeTo(0.1, 12), observedRate: 1 / 3, count: 3 },
      { lo: 0.5, hi: 1, meanPredicted: 0.95, observedRate: 1, count: 1 },
    ]);
    expect(c.ece).toBeCloseTo((3 / 4) * (1 / 3 - 0.1) + (1 / 4) * 0.05, 12);
    expect(c.brier).toBeCloseTo((0.05 ** 2 + 0.85 ** 2 + 0.1 ** 2 + 0.05 ** 2) / 4, 12);
  });

  it('log loss', () => {
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.log(2), 12);
    expect(multiLogLoss([0.7, 0.2, 0.1, 0.1, 0.1, 0.8], 3, [0, 2])).toBeCloseTo(
      -(Math.log(0.7) + Math.log(0.8)) / 2,
      12,
    );
  });

  it('bad input is named', () => {
    expect(() => rocAuc([0.1], [2])).toThrow(/labels\[0\] is 2/);
    expect(() => rocAuc([0.1, 0.2], [1])).toThrow(/2 scores for 1 labels/);
    expect(() => calibration([1.5], [1])).toThrow(/scores\[0\] is 1.5/);
  });
});

describe.skipIf(!sklearnAvailable())('metrics equal scikit-learn on the same data', () => {
  it('AUC, AP, precision/recall, calibration curve, Brier, log loss', () => {
    const rng = new Prng(71);
    const n = 3000;
    // Scores rounded to 2 decimals: many ties, and values exactly on bin edges.
    const scores = Array.from({ length: n }, () => Math.round(rng.next() * 100) / 100);
    const labels = scores.map((s) => (rng.next() < 0.2 + 0.6 * s ? 1 : 0));
    const sk = pythonJson<{
      auc: number;
      ap: number;
      precision: number;
      recall: number;
      probTrue: number[];
      probPred: number[];
      brier: number;
      logloss: number;
    }>(
      `
import json, sys
import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve
d = json.load(sys.stdin)
s = np.array(d["scores"]); y = np.array(d["labels"])
pred = (s >= 0.6).astype(int)
pt, pp = calibration_curve(y, s, n_bins=10, strategy="uniform")
print(json.dumps({
  "auc": metrics.roc_auc_score(y, s),
  "ap": metrics.average_precision_score(y, s),
  "precision": metrics.precision_score(y, pred),
  "recall": metrics.recall_score(y, pred),
  "probTrue": pt.tolist(), "probPred": pp.tolist(),
  "brier": metrics.brier_score_loss(y, s),
  "logloss": metrics.log_loss(y, s),
}))
`,
      { scores, labels },
    );
    expect(rocAuc(scores, labels)).toBeCloseTo(sk.auc, 12);
    expect(prAuc(scores, labels)).toBeCloseTo(sk.ap, 12);
    const p = precisionAt(scores, labels, 0.6);
    expect(p.precision).toBeCloseTo(sk.precision, 12);
    expect(p.recall).toBeCloseTo(sk.recall, 12);
    const c = calibration(scores, labels, 10);
    expect(c.bins.map((b) => b.observedRate)).toEqual(
      sk.probTrue.map((v) => expect.closeTo(v, 12)),
    );
    expect(c.bins.map((b) => b.meanPredicted)).toEqual(
      sk.probPred.map((v) => expect.closeTo(v, 12)),
    );
    expect(c.brier).toBeCloseTo(sk.brier, 12);
    expect(logLoss(scores, labels)).toBeCloseTo(sk.logloss, 9);
  });
});
