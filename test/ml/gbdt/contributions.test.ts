import { describe, expect, it } from 'vitest';
import { nodeMeanValues } from '../../../src/ml/gbdt/contributions.js';
import { GbdtModel, syntheticClassification, trainGbdt } from '../../../src/ml/gbdt/index.js';
import type { TreeArrays } from '../../../src/ml/gbdt/tree.js';
import { xgboostAvailable, xgbPredict, xgbTrain } from '../../util/xgboost.js';

const NF = 6;

function expectSumsToMargin(model: GbdtModel, x: Float32Array, nRows: number): void {
  const k = model.outputsPerRow;
  const margins = model.predictMargin(x, nRows);
  for (let r = 0; r < nRows; r++) {
    const c = model.contributions(x.subarray(r * NF, r * NF + NF));
    expect(c).toHaveLength((NF + 1) * k);
    for (let o = 0; o < k; o++) {
      let sum = 0;
      for (let f = 0; f <= NF; f++) sum += c[o * (NF + 1) + f]!;
      expect(Math.abs(sum - margins[r * k + o]!)).toBeLessThan(1e-5);
    }
  }
}

/** The textbook walk, one tree's own arrays at a time: the reference for the packed one. */
function referenceContributions(model: GbdtModel, row: Float32Array): Float64Array {
  const k = model.outputsPerRow;
  const out = new Float64Array((NF + 1) * k);
  for (let o = 0; o < k; o++) out[o * (NF + 1) + NF] = model.baseMargin;
  model.data.trees.forEach((t: TreeArrays, i) => {
    const offset = model.data.treeInfo[i]! * (NF + 1);
    const means = nodeMeanValues(t);
    let node = 0;
    let value = means[0]!;
    out[offset + NF] = out[offset + NF]! + value;
    while (t.left[node] !== -1) {
      const f = t.splitIndex[node]!;
      const x = row[f]!;
      const c = t.splitCondition[node]!;
      node =
        x < c
          ? t.left[node]!
          : x >= c
            ? t.right[node]!
            : t.defaultLeft[node]
              ? t.left[node]!
              : t.right[node]!;
      const next = means[node]!;
      out[offset + f] = out[offset + f]! + (next - value);
      value = next;
    }
  });
  return out;
}

describe('contributions (Saabas)', () => {
  it('sum to the margin of every output, for rows with missing values', () => {
    const d = syntheticClassification({ nRows: 1500, nFeatures: NF, numClass: 3, seed: 61 });
    const { model } = trainGbdt({
      x: d.x,
      y: d.y,
      nRows: d.nRows,
      nFeatures: NF,
      objective: 'multi:softprob',
      numClass: 3,
      nEstimators: 20,
    });
    expectSumsToMargin(model, d.x, 200);
    // One output's block alone equals that block of the full computation, bit for bit.
    for (let r = 0; r < 50; r++) {
      const row = d.x.subarray(r * NF, r * NF + NF);
      const full = model.contributions(row);
      for (let o = 0; o < 3; o++) {
        const one = model.contributions(row, o);
        expect(Array.from(one.subarray(o * (NF + 1), (o + 1) * (NF + 1)))).toEqual(
          Array.from(full.subarray(o * (NF + 1), (o + 1) * (NF + 1))),
        );
      }
    }
    expect(() => model.contributions(d.x.subarray(0, NF), 3)).toThrow(/output 3 is not in 0..2/);
  });

  it('equal, bit for bit, the textbook walk over the arrays of each tree', () => {
    const d = syntheticClassification({ nRows: 1500, nFeatures: NF, numClass: 3, seed: 63 });
    const { model } = trainGbdt({
      x: d.x,
      y: d.y,
      nRows: d.nRows,
      nFeatures: NF,
      objective: 'multi:softprob',
      numClass: 3,
      nEstimators: 30,
    });
    for (let r = 0; r < 300; r++) {
      const row = d.x.subarray(r * NF, r * NF + NF);
      expect(Array.from(model.contributions(row))).toEqual(
        Array.from(referenceContributions(model, row)),
      );
    }
  });

  it('a feature the model never splits on contributes nothing', () => {
    const d = syntheticClassification({ nRows: 1500, nFeatures: NF, seed: 62 });
    const { model } = trainGbdt({
      x: d.x,
      y: d.y,
      nRows: d.nRows,
      nFeatures: NF,
      objective: 'binary:logistic',
      nEstimators: 10,
      maxDepth: 2,
    });
    const used = new Set(
      model.data.trees.flatMap((t) => Array.from(t.splitIndex.filter((_, i) => t.left[i] !== -1))),
    );
    const unused = [...Array(NF).keys()].filter((f) => !used.has(f));
    expect(unused.length).toBeGreaterThan(0);
    const c = model.contributions(d.x.subarray(0, NF));
    for (const f of unused) expect(c[f]).toBe(0);
  });
});

describe.skipIf(!xgboostAvailable())('contributions match XGBoost approx_contribs', () => {
  for (const numClass of [2, 3]) {
    it(`${numClass === 2 ? 'binary' : '3 classes'}: within 1e-5 for every entry`, () => {
      const d = syntheticClassification({ nRows: 2000, nFeatures: NF, numClass, seed: 63 });
      const test = syntheticClassification({
        nRows: 300,
        nFeatures: NF,
        numClass,
        seed: 64,
        missingRate: 0.3,
      });
      const check = (model: GbdtModel, text: string): void => {
        const theirs = xgbPredict(text, test.x, test.nRows, NF, 'contribs');
        const width = (NF + 1) * model.outputsPerRow;
        expect(theirs).toHaveLength(test.nRows * width);
        let worst = 0;
        for (let r = 0; r < test.nRows; r++) {
          const ours = model.contributions(test.x.subarray(r * NF, r * NF + NF));
          for (let i = 0; i < width; i++) {
            worst = Math.max(worst, Math.abs(ours[i]! - theirs[r * width + i]!));
          }
        }
        expect(worst).toBeLessThanOrEqual(1e-5);
        expectSumsToMargin(model, test.x, 50);
      };
      const params =
        numClass === 2
          ? { objective: 'binary:logistic' as const }
          : { objective: 'multi:softprob' as const, numClass };
      const ours = trainGbdt({
        x: d.x,
        y: d.y,
        nRows: d.nRows,
        nFeatures: NF,
        nEstimators: 30,
        ...params,
      });
      check(ours.model, ours.model.toXgboostText());
      const xgb = xgbTrain({
        data: d,
        params: {
          objective: params.objective,
          ...(numClass > 2 ? { num_class: numClass } : {}),
          tree_method: 'hist',
          max_depth: 5,
        },
        rounds: 30,
      });
      check(GbdtModel.parse(xgb.text), xgb.text);
    });
  }
});
