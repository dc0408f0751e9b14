import { describe, expect, it } from 'vitest';
import { GbdtModel, syntheticClassification, trainGbdt } from '../../../src/ml/gbdt/index.js';
import { xgboostAvailable, xgbPredict } from '../../util/xgboost.js';
import { maxDiff, withBoundaryRows } from './helpers.js';

describe.skipIf(!xgboostAvailable())('models trained here, served by XGBoost', () => {
  const cases = [
    { objective: 'binary:logistic' as const, numClass: 2 },
    { objective: 'multi:softprob' as const, numClass: 3 },
  ];
  for (const c of cases) {
    it(`${c.objective}: XGBoost loads the JSON and gives the same probabilities within 1e-6`, () => {
      const nf = 7;
      const train = syntheticClassification({
        nRows: 4000,
        nFeatures: nf,
        numClass: c.numClass,
        seed: 31,
      });
      const { model } = trainGbdt({
        x: train.x,
        y: train.y,
        nRows: train.nRows,
        nFeatures: nf,
        featureNames: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6'],
        objective: c.objective,
        ...(c.numClass > 2 ? { numClass: c.numClass } : {}),
        nEstimators: 50,
        maxDepth: 6,
        subsample: 0.8,
        colsampleByTree: 0.8,
        seed: 3,
      });
      expect(model.numTrees).toBe(50 * (c.numClass === 2 ? 1 : 3));
      const text = model.toXgboostText();
      const test = syntheticClassification({
        nRows: 2000,
        nFeatures: nf,
        numClass: c.numClass,
        seed: 32,
        missingRate: 0.25,
      });
      const probe = withBoundaryRows(model.toXgboostJson(), test.x, test.nRows, nf);
      const ours = model.predict(probe.x, probe.nRows);
      const theirs = xgbPredict(text, probe.x, probe.nRows, nf);
      expect(maxDiff(ours, theirs)).toBeLessThanOrEqual(1e-6);
      // Round trip: the written file reads back to the same model.
      const again = GbdtModel.parse(text);
      expect(again.featureNames).toEqual(model.featureNames);
      expect(again.toXgboostJson()).toEqual(model.toXgboostJson());
      expect(Array.from(again.predict(probe.x, probe.nRows))).toEqual(Array.from(ours));
    });
  }
});
