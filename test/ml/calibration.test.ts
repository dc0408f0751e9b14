import { describe, expect, it } from 'vitest';
import {
  applyIsotonic,
  calibrateInPlace,
  CALIBRATION_ATTRIBUTE,
  fitIsotonic,
  readCalibration,
  reliabilityNear,
  type ModelCalibration,
} from '../../src/ml/calibration.js';
import { Prng } from '../../src/core/util/prng.js';
import { pythonJson, sklearnAvailable } from '../util/xgboost.js';

describe('isotonic calibration', () => {
  it('pools violators into a non-decreasing step function and interpolates between blocks', () => {
    // Scores 0.1..0.4 with labels 1, 0, 1, 1: the first two pool to 0.5, flat over [0.1, 0.2].
    const c = fitIsotonic([0.1, 0.2, 0.3, 0.4], [1, 0, 1, 1]);
    expect(c.x).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(c.y).toEqual([0.5, 0.5, 1, 1]);
    expect(applyIsotonic(c, 0)).toBe(0.5); // clipped below
    expect(applyIsotonic(c, 0.15)).toBe(0.5);
    expect(applyIsotonic(c, 0.25)).toBeCloseTo(0.75, 12);
    expect(applyIsotonic(c, 0.9)).toBe(1); // clipped above
  });

  it('repairs a model that overstates near the threshold (predicted 0.65, observed 0.15)', () => {
    const rng = new Prng(3);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const s = rng.next();
      scores.push(s);
      // The true rate is a quarter of the score: 0.65 means ~0.16.
      labels.push(rng.next() < s / 4 ? 1 : 0);
    }
    const c = fitIsotonic(scores, labels);
    expect(applyIsotonic(c, 0.65)).toBeGreaterThan(0.1);
    expect(applyIsotonic(c, 0.65)).toBeLessThan(0.22);
    const calibrated = scores.map((s) => applyIsotonic(c, s));
    const near = reliabilityNear(calibrated, labels, 0.15, 0.05, 1);
    for (const b of near) {
      expect(b.count).toBeGreaterThan(100);
      expect(Math.abs(b.meanPredicted! - b.observedRate!)).toBeLessThan(0.03);
    }
    const raw = reliabilityNear(scores, labels, 0.65, 0.05, 1);
    for (const b of raw) expect(b.meanPredicted! - b.observedRate!).toBeGreaterThan(0.4);
  });

  it('calibrates chosen outputs in place and keeps the rest class a distribution', () => {
    const cal: ModelCalibration = {
      method: 'isotonic',
      fittedOn: 'test',
      outputs: { '1': { method: 'isotonic', x: [0, 1], y: [0, 0.5] } },
    };
    const probs = Float64Array.from([0.2, 0.6, 0.2, 0.5, 0.2, 0.3]);
    calibrateInPlace(cal, probs, 2, 3, 0);
    expect(Array.from(probs)).toEqual(
      [0.5, 0.3, 0.2, 0.6, 0.1, 0.3].map((v) => expect.closeTo(v, 12)),
    );
  });

  it('reads a stored calibration and refuses a malformed one', () => {
    const cal = {
      method: 'isotonic',
      fittedOn: 'v',
      outputs: { '2': fitIsotonic([0.1, 0.9], [0, 1]) },
    };
    expect(readCalibration({ [CALIBRATION_ATTRIBUTE]: JSON.stringify(cal) })).toEqual(cal);
    expect(readCalibration({})).toBeUndefined();
    expect(() => readCalibration({ [CALIBRATION_ATTRIBUTE]: '{' })).toThrow(/not JSON/);
    const bad = { method: 'isotonic', outputs: { '1': { x: [0.5, 0.1], y: [0, 1] } } };
    expect(() => readCalibration({ [CALIBRATION_ATTRIBUTE]: JSON.stringify(bad) })).toThrow(
      /not a valid calibration/,
    );
  });
});

describe.skipIf(!sklearnAvailable())('isotonic calibration equals scikit-learn', () => {
  it("IsotonicRegression(out_of_bounds='clip') predicts the same values", () => {
    const rng = new Prng(17);
    const n = 4000;
    // Rounded scores: ties pooled first, as sklearn does.
    const scores = Array.from({ length: n }, () => Math.round(rng.next() * 1000) / 1000);
    const labels = scores.map((s) => (rng.next() < s * s ? 1 : 0));
    const probe = Array.from({ length: 101 }, (_, i) => i / 100);
    const sk = pythonJson<number[]>(
      `
import json, sys
import numpy as np
from sklearn.isotonic import IsotonicRegression
d = json.load(sys.stdin)
m = IsotonicRegression(out_of_bounds="clip").fit(np.array(d["s"]), np.array(d["y"]))
print(json.dumps(m.predict(np.array(d["p"])).tolist()))
`,
      { s: scores, y: labels, p: probe },
    );
    const c = fitIsotonic(scores, labels, 1_000_000);
    probe.forEach((p, i) => expect(applyIsotonic(c, p)).toBeCloseTo(sk[i]!, 9));
  });
});
