import { describe, expect, it } from 'vitest';
import {
  GbdtModel,
  stringifyXgboostJson,
  syntheticClassification,
} from '../../../src/ml/gbdt/index.js';
import { xgboostAvailable, xgbPredict, xgbTrain } from '../../util/xgboost.js';
import { maxDiff, withBoundaryRows } from './helpers.js';

describe.skipIf(!xgboostAvailable())('models trained by XGBoost, served here', () => {
  const cases = [
    { name: 'binary:logistic', numClass: 2, params: { objective: 'binary:logistic' } },
    {
      name: 'multi:softprob (3 classes)',
      numClass: 3,
      params: { objective: 'multi:softprob', num_class: 3 },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: every probability within 1e-6 of XGBoost's, incl. NaN and values on splits`, () => {
      const nf = 8;
      const train = syntheticClassification({
        nRows: 3000,
        nFeatures: nf,
        numClass: c.numClass,
        seed: 11,
      });
      const { json, text } = xgbTrain({
        data: train,
        params: { ...c.params, max_depth: 6, eta: 0.3, tree_method: 'hist', seed: 1 },
        rounds: 60,
      });
      const model = GbdtModel.parse(text);
      expect(model.numTrees).toBe(60 * (c.numClass === 2 ? 1 : 3));
      expect(model.outputsPerRow).toBe(c.numClass === 2 ? 1 : 3);
      const test = syntheticClassification({
        nRows: 2000,
        nFeatures: nf,
        numClass: c.numClass,
        seed: 12,
        missingRate: 0.2,
      });
      const probe = withBoundaryRows(json, test.x, test.nRows, nf);
      const theirs = xgbPredict(text, probe.x, probe.nRows, nf);
      expect(maxDiff(model.predict(probe.x, probe.nRows), theirs)).toBeLessThanOrEqual(1e-6);
      const flat = model.withPredictor('flat').predict(probe.x, probe.nRows);
      expect(maxDiff(flat, theirs)).toBeLessThanOrEqual(1e-6);
      const margins = xgbPredict(text, probe.x, probe.nRows, nf, 'margin');
      expect(maxDiff(model.predictMargin(probe.x, probe.nRows), margins)).toBeLessThanOrEqual(1e-5);
      // Rows predicted one at a time (the serving path) agree with the batch.
      const batch = model.predict(probe.x, probe.nRows);
      const k = model.outputsPerRow;
      for (const r of [0, 1, 2, 3, probe.nRows - 1]) {
        const one = model.predict(probe.x.subarray(r * nf, r * nf + nf), 1);
        expect(Array.from(one)).toEqual(Array.from(batch.subarray(r * k, r * k + k)));
      }
    });
  }

  it('a model with a base_score other than 0.5 and feature names', () => {
    const nf = 5;
    const train = syntheticClassification({ nRows: 1500, nFeatures: nf, seed: 21 });
    const { text } = xgbTrain({
      data: train,
      params: { objective: 'binary:logistic', base_score: 0.3, max_depth: 4, tree_method: 'hist' },
      rounds: 20,
    });
    const doc = JSON.parse(text) as {
      learner: { feature_names: string[]; feature_types: string[] };
    };
    doc.learner.feature_names = ['tasa', 'frecuencia', 'saldo_usd', 'saldo_cop', 'dias'];
    doc.learner.feature_types = doc.learner.feature_names.map(() => 'float');
    const model = GbdtModel.fromXgboostJson(doc);
    expect(model.featureNames).toEqual(doc.learner.feature_names);
    const test = syntheticClassification({ nRows: 500, nFeatures: nf, seed: 22 });
    const theirs = xgbPredict(stringifyXgboostJson(doc), test.x, test.nRows, nf);
    expect(maxDiff(model.predict(test.x, test.nRows), theirs)).toBeLessThanOrEqual(1e-6);
  });
});
