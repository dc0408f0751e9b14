import { describe, expect, it } from 'vitest';
import {
  GbdtModel,
  syntheticClassification,
  trainGbdt,
  type ModelData,
  type PredictorKind,
  type TreeArrays,
} from '../../../src/ml/gbdt/index.js';
import { Prng } from '../../../src/core/util/prng.js';
import { withBoundaryRows } from './helpers.js';

const KINDS: PredictorKind[] = ['wasm', 'complete', 'branchless', 'flat'];

/** Float32 neighbours, to probe `x >= c` exactly at and around thresholds. */
function nextUp32(v: number): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  if (v === 0) return 1.401298464324817e-45;
  i[0] = i[0]! + (v > 0 ? 1 : -1);
  return f[0]!;
}

/** Values where float32 comparisons are delicate: zeros, subnormals, ties, tiny gaps. */
const SPECIAL = [0, -0, 1.401298464324817e-45, -1.401298464324817e-45, 1e-38, -2.5, 0.1, 3, 7];

/** A random tree of at most `maxDepth` levels in XGBoost's array layout. */
function randomTree(rng: Prng, nf: number, maxDepth: number, leafChance: number): TreeArrays {
  const left: number[] = [];
  const right: number[] = [];
  const parent: number[] = [];
  const feat: number[] = [];
  const cond: number[] = [];
  const defLeft: number[] = [];
  const grow = (p: number, depth: number): number => {
    const id = left.length;
    left.push(-1);
    right.push(-1);
    parent.push(p);
    const leaf = depth === maxDepth || (depth > 0 && rng.chance(leafChance));
    feat.push(leaf ? 0 : rng.int(0, nf - 1));
    cond.push(leaf ? rng.float(-1, 1) : rng.pick(SPECIAL) * (rng.chance(0.5) ? 1 : 1.5));
    defLeft.push(rng.chance(0.5) ? 1 : 0);
    if (!leaf) {
      left[id] = grow(id, depth + 1);
      right[id] = grow(id, depth + 1);
    }
    return id;
  };
  grow(-1, 0);
  const n = left.length;
  return {
    numNodes: n,
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    parent: Int32Array.from(parent),
    splitIndex: Int32Array.from(feat),
    splitCondition: Float32Array.from(cond),
    defaultLeft: Uint8Array.from(defLeft),
    baseWeight: new Float32Array(n),
    lossChange: new Float32Array(n),
    sumHessian: new Float32Array(n).fill(1),
  };
}

function randomModel(seed: number, numClass: number, maxDepth: number, rounds: number): ModelData {
  const rng = new Prng(seed);
  const nf = 6;
  const k = numClass === 2 ? 1 : numClass;
  const trees = Array.from({ length: rounds * k }, () => randomTree(rng, nf, maxDepth, 0.2));
  return {
    objective: numClass === 2 ? 'binary:logistic' : 'multi:softprob',
    numClass: numClass === 2 ? 1 : numClass,
    numFeature: nf,
    baseScore: 0.5,
    featureNames: undefined,
    featureTypes: undefined,
    trees,
    treeInfo: Int32Array.from(trees, (_, i) => i % k),
    numParallelTree: 1,
    attributes: {},
  };
}

/** Rows made of thresholds, their float32 neighbours, NaN and infinities. */
function trickyRows(seed: number, nRows: number, nf: number): Float32Array {
  const rng = new Prng(seed);
  const pool = SPECIAL.flatMap((v) => [v, v * 1.5, nextUp32(v), -nextUp32(v), nextUp32(v * 1.5)]);
  pool.push(NaN, NaN, Infinity, -Infinity);
  return Float32Array.from({ length: nRows * nf }, () => rng.pick(pool));
}

function expectIdentical(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  const differing = [...a.keys()].filter((i) => !Object.is(a[i], b[i]));
  expect(differing).toEqual([]);
}

describe('prediction kernels', () => {
  it('the WebAssembly kernel is the default', () => {
    expect(new GbdtModel(randomModel(1, 2, 3, 2)).predictor).toBe('wasm');
  });

  for (const [numClass, maxDepth] of [
    [2, 6],
    [3, 4],
    [2, 10],
    [3, 13], // deeper than the complete layout pads: falls back to the packed kernel
  ] as const) {
    it(`random ${numClass}-class trees of depth ≤ ${maxDepth}: all kernels bit-identical`, () => {
      const data = randomModel(10 + maxDepth, numClass, maxDepth, 12);
      const x = trickyRows(maxDepth, 1000, data.numFeature);
      const ref = new GbdtModel(data, 'flat');
      for (const kind of KINDS) {
        const m = new GbdtModel(data, kind);
        expectIdentical(m.predictMargin(x, 1000), ref.predictMargin(x, 1000));
        expectIdentical(m.predict(x, 1000), ref.predict(x, 1000));
      }
    });
  }

  it('a model with an infinite threshold falls back and still agrees', () => {
    const data = randomModel(5, 2, 5, 4);
    const t = data.trees[0]!;
    (t.splitCondition as Float32Array)[0] = -Infinity;
    const x = trickyRows(6, 300, data.numFeature);
    const ref = new GbdtModel(data, 'flat').predictMargin(x, 300);
    expectIdentical(new GbdtModel(data, 'complete').predictMargin(x, 300), ref);
  });

  for (const numClass of [2, 3]) {
    it(`trained ${numClass}-class model: identical on every row count and through subarrays`, () => {
      const nf = 9;
      const d = syntheticClassification({ nRows: 1500, nFeatures: nf, numClass, seed: 3 });
      const { model } = trainGbdt({
        x: d.x,
        y: d.y,
        nRows: d.nRows,
        nFeatures: nf,
        objective: numClass === 2 ? 'binary:logistic' : 'multi:softprob',
        numClass,
        nEstimators: 15,
        maxDepth: 6,
      });
      const probe = withBoundaryRows(model.toXgboostJson(), d.x, d.nRows, nf);
      const ref = model.withPredictor('flat');
      expectIdentical(model.predict(probe.x, probe.nRows), ref.predict(probe.x, probe.nRows));
      const k = model.outputsPerRow;
      const all = ref.predict(probe.x, probe.nRows);
      // Row counts around the 8-row groups and 64-row blocks, starting mid-matrix.
      for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 129]) {
        const at = 37;
        const part = model.predict(probe.x.subarray(at * nf, (at + n) * nf), n);
        expectIdentical(part, all.slice(at * k, (at + n) * k));
      }
    });
  }
});
