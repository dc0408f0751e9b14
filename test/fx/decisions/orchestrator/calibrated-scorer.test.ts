import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, NUM_FEATURES } from '../../../../src/fx/decisions/features/index.js';
import {
  ModelMismatchError,
  modelScorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { GbdtModel, trainGbdt } from '../../../../src/ml/gbdt/index.js';
import {
  CALIBRATION_ATTRIBUTE,
  calibrateInPlace,
  type ModelCalibration,
} from '../../../../src/ml/calibration.js';
import { Prng } from '../../../../src/core/util/prng.js';

function smallModel(): { model: GbdtModel; x: Float32Array; n: number } {
  const rng = new Prng(5);
  const n = 600;
  const x = new Float32Array(n * NUM_FEATURES);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < NUM_FEATURES; f++) x[r * NUM_FEATURES + f] = rng.next();
    y[r] = x[r * NUM_FEATURES]! < 0.3 ? 1 : x[r * NUM_FEATURES]! > 0.7 ? 2 : 0;
  }
  const { model } = trainGbdt({
    x,
    y,
    nRows: n,
    nFeatures: NUM_FEATURES,
    featureNames: FEATURE_NAMES,
    objective: 'multi:softprob',
    numClass: 3,
    nEstimators: 5,
    maxDepth: 2,
  });
  return { model, x, n };
}

// Halves compra and doubles venta (capped at 1): far from identity, easy to recognise.
const cal: ModelCalibration = {
  method: 'isotonic',
  fittedOn: 'test',
  outputs: {
    '1': { method: 'isotonic', x: [0, 1], y: [0, 0.5] },
    '2': { method: 'isotonic', x: [0, 0.5], y: [0, 1] },
  },
};

describe('the served probabilities are the calibrated ones stored with the model', () => {
  it('score = the trees’ probabilities through the stored calibration, after a JSON round trip', () => {
    const { model, x, n } = smallModel();
    const stored = GbdtModel.parse(
      model.withAttributes({ [CALIBRATION_ATTRIBUTE]: JSON.stringify(cal) }).toXgboostText(),
    );
    const scorer = modelScorer({ version: 1, model: stored }, FEATURE_NAMES);
    expect(scorer.calibrate).toBeDefined();
    const expected = model.predict(x, n);
    calibrateInPlace(cal, expected, n, 3, 0);
    expect(Array.from(scorer.score(x, n))).toEqual(Array.from(expected));
    // The parallel predictor's raw output goes through the same step.
    const raw = stored.predict(x, n);
    scorer.calibrate!(raw, n);
    expect(Array.from(raw)).toEqual(Array.from(expected));
    // Without a stored calibration nothing changes.
    const plain = modelScorer({ version: 2, model }, FEATURE_NAMES);
    expect(plain.calibrate).toBeUndefined();
    expect(Array.from(plain.score(x, n))).toEqual(Array.from(model.predict(x, n)));
  });

  it('a malformed stored calibration is refused like a model of other features', () => {
    const { model } = smallModel();
    const broken = model.withAttributes({ [CALIBRATION_ATTRIBUTE]: '{"method":"isotonic"' });
    expect(() => modelScorer({ version: 3, model: broken }, FEATURE_NAMES)).toThrow(
      ModelMismatchError,
    );
  });
});
