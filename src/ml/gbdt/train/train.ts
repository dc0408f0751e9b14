import { z } from 'zod';
import { Prng } from '../../../core/util/prng.js';
import { GbdtModel } from '../model.js';
import type { GbdtObjective, ModelData, TreeArrays } from '../tree.js';
import { TreeGrower } from './grow.js';
import { gradients, marginLogLoss } from './objective.js';
import { quantize } from './quantize.js';

/** Inputs of {@link trainGbdt}; names and defaults follow XGBoost's parameters. */
export interface TrainOptions {
  /** Row-major `nRows × nFeatures` float32 features, NaN = missing. */
  x: Float32Array;
  /** Class index 0..numClass-1 (0/1 for binary). */
  y: ArrayLike<number>;
  nRows: number;
  nFeatures: number;
  featureNames?: readonly string[];
  objective: GbdtObjective;
  /** Required for multi:softprob. */
  numClass?: number;
  /** Boosting rounds. @default 100 */
  nEstimators?: number;
  /** @default 6 */
  maxDepth?: number;
  /** eta. @default 0.3 */
  learningRate?: number;
  /** @default 1 */
  minChildWeight?: number;
  /** L2 regularization of leaf weights. @default 1 */
  lambda?: number;
  /** Minimum loss reduction to keep a split (min_split_loss). @default 0 */
  gamma?: number;
  /** Share of rows drawn (without replacement, per round). @default 1 */
  subsample?: number;
  /** Share of features drawn per tree. @default 1 */
  colsampleByTree?: number;
  /** Most bins per feature (at most 255 value bins; missing has its own). @default 256 */
  maxBin?: number;
  /** @default 0 */
  seed?: number;
  validation?: { x: Float32Array; y: ArrayLike<number>; nRows: number };
  /** Stop when the validation loss has not improved for this many rounds; keep the best. */
  earlyStoppingRounds?: number;
  onProgress?: (p: {
    iteration: number;
    of: number;
    trainLoss: number;
    validLoss?: number;
  }) => void;
  sampleWeight?: ArrayLike<number>;
}

/** Output of {@link trainGbdt}. */
export interface TrainResult {
  /** Truncated to the best iteration when early stopping ran. */
  model: GbdtModel;
  /** 0-based round with the lowest validation loss (the last round without validation). */
  bestIteration: number;
  history: { iteration: number; trainLoss: number; validLoss?: number }[];
}

const paramsSchema = z.object({
  nRows: z.number().int().positive(),
  nFeatures: z.number().int().positive(),
  objective: z.enum(['binary:logistic', 'multi:softprob']),
  numClass: z.number().int().min(2).optional(),
  nEstimators: z.number().int().positive().default(100),
  maxDepth: z.number().int().min(1).max(30).default(6),
  learningRate: z.number().positive().max(1).default(0.3),
  minChildWeight: z.number().nonnegative().default(1),
  lambda: z.number().nonnegative().default(1),
  gamma: z.number().nonnegative().default(0),
  subsample: z.number().gt(0).max(1).default(1),
  colsampleByTree: z.number().gt(0).max(1).default(1),
  maxBin: z.number().int().min(2).default(256),
  seed: z.number().int().default(0),
  earlyStoppingRounds: z.number().int().positive().optional(),
});

function checkLabels(y: ArrayLike<number>, n: number, k: number, what: string): void {
  if (y.length < n) throw new RangeError(`${what} has ${y.length} labels for ${n} rows`);
  for (let r = 0; r < n; r++) {
    const v = y[r]!;
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new RangeError(`${what}[${r}] is ${v}; labels must be integers in 0..${k - 1}`);
    }
  }
}

/**
 * Trains gradient-boosted trees with XGBoost's `hist` algorithm (see `grow.ts`), single-threaded
 * and deterministic for a seed. The model starts from base_score 0.5 like XGBoost 1.7, and its
 * split conditions are the float32 bin cuts, so every predictor partitions rows exactly as
 * training did.
 *
 * @example
 * const { model } = trainGbdt({ x, y, nRows, nFeatures: 4, objective: 'binary:logistic' });
 */
export function trainGbdt(opts: TrainOptions): TrainResult {
  const parsed = paramsSchema.safeParse(opts);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new RangeError(`trainGbdt option ${i.path.join('.')}: ${i.message}`);
  }
  const o = parsed.data;
  const multi = o.objective === 'multi:softprob';
  if (multi && o.numClass === undefined) throw new RangeError('multi:softprob needs numClass');
  const numClass = multi ? o.numClass! : 1;
  const k = numClass;
  const n = o.nRows;
  const nf = o.nFeatures;
  if (opts.x.length < n * nf) {
    throw new RangeError(`x has ${opts.x.length} values; ${n} × ${nf} needed`);
  }
  checkLabels(opts.y, n, multi ? numClass : 2, 'y');
  const w = opts.sampleWeight;
  if (w) {
    if (w.length < n) throw new RangeError(`sampleWeight has ${w.length} entries for ${n} rows`);
    for (let r = 0; r < n; r++) {
      if (!(w[r]! >= 0)) throw new RangeError(`sampleWeight[${r}] is ${w[r]}; must be ≥ 0`);
    }
  }
  if (opts.featureNames && opts.featureNames.length !== nf) {
    throw new RangeError(`featureNames has ${opts.featureNames.length} names for ${nf} features`);
  }
  const valid = opts.validation;
  if (valid) {
    if (valid.x.length < valid.nRows * nf) throw new RangeError('validation.x is too short');
    checkLabels(valid.y, valid.nRows, multi ? numClass : 2, 'validation.y');
  }

  const q = quantize(opts.x, n, nf, o.maxBin);
  const grower = new TreeGrower(q, nf, n, {
    maxDepth: o.maxDepth,
    learningRate: o.learningRate,
    lambda: o.lambda,
    gamma: o.gamma,
    minChildWeight: o.minChildWeight,
  });
  const rng = new Prng(o.seed);
  const baseScore = 0.5;
  const baseMargin = multi ? baseScore : 0; // logit(0.5) = 0
  const margin = new Float64Array(n * k).fill(baseMargin);
  const grad = new Float64Array(n * k);
  const hess = new Float64Array(n * k);
  const prob = new Float64Array(k);
  const rows = new Uint32Array(n);
  const inSample = new Uint8Array(n);
  const vMargin = valid ? new Float64Array(valid.nRows * k).fill(baseMargin) : undefined;
  const trees: TreeArrays[] = [];
  const treeInfo: number[] = [];
  const history: TrainResult['history'] = [];
  const allFeatures = Int32Array.from({ length: nf }, (_, i) => i);
  const nColumns = Math.max(1, Math.floor(o.colsampleByTree * nf));
  let best = { iteration: 0, loss: Infinity };

  for (let it = 0; it < o.nEstimators; it++) {
    gradients(margin, opts.y, w, n, k, grad, hess, prob);
    let nSample = n;
    if (o.subsample < 1) {
      nSample = 0;
      for (let r = 0; r < n; r++) {
        const take = rng.next() < o.subsample;
        inSample[r] = take ? 1 : 0;
        if (take) rows[nSample++] = r;
      }
    }
    for (let c = 0; c < k; c++) {
      if (o.subsample >= 1) for (let r = 0; r < n; r++) rows[r] = r;
      else {
        let j = 0;
        for (let r = 0; r < n; r++) if (inSample[r]) rows[j++] = r;
      }
      const features = nColumns < nf ? sampleColumns(rng, nf, nColumns) : allFeatures;
      const g = grad.subarray(c * n, c * n + n);
      const h = hess.subarray(c * n, c * n + n);
      const { tree, rowValue } = grower.grow(rows, nSample, g, h, features);
      for (let i = 0; i < nSample; i++) {
        const mi = rows[i]! * k + c;
        margin[mi] = margin[mi]! + rowValue[i]!;
      }
      if (nSample < n) addTree(tree, opts.x, n, nf, margin, k, c, inSample);
      if (valid) addTree(tree, valid.x, valid.nRows, nf, vMargin!, k, c, undefined);
      trees.push(tree);
      treeInfo.push(c);
    }
    const trainLoss = marginLogLoss(margin, opts.y, w, n, k, prob);
    const entry: TrainResult['history'][number] = { iteration: it, trainLoss };
    if (valid) entry.validLoss = marginLogLoss(vMargin!, valid.y, undefined, valid.nRows, k, prob);
    history.push(entry);
    opts.onProgress?.({ ...entry, of: o.nEstimators });
    const score = entry.validLoss ?? trainLoss;
    if (score < best.loss) best = { iteration: it, loss: score };
    if (
      valid &&
      o.earlyStoppingRounds !== undefined &&
      it - best.iteration >= o.earlyStoppingRounds
    ) {
      break;
    }
  }
  const bestIteration = valid ? best.iteration : history.length - 1;
  const keep = (bestIteration + 1) * k;
  const data: ModelData = {
    objective: o.objective,
    numClass,
    numFeature: nf,
    baseScore,
    featureNames: opts.featureNames ? [...opts.featureNames] : undefined,
    featureTypes: undefined,
    trees: trees.slice(0, keep),
    treeInfo: Int32Array.from(treeInfo.slice(0, keep)),
    numParallelTree: 1,
    attributes: valid
      ? { best_iteration: String(bestIteration), best_ntree_limit: String(bestIteration + 1) }
      : {},
  };
  return { model: new GbdtModel(data), bestIteration, history };
}

/** Features for one tree: a seeded partial Fisher–Yates draw, sorted for cache-friendly scans. */
function sampleColumns(rng: Prng, nf: number, count: number): Int32Array {
  const all = Int32Array.from({ length: nf }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.next() * (nf - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, count).sort();
}

/** Adds `tree`'s leaf values to output `c` of rows not covered by training (skip `inSample`). */
function addTree(
  t: TreeArrays,
  x: Float32Array,
  n: number,
  nf: number,
  m: Float64Array,
  k: number,
  c: number,
  skip: Uint8Array | undefined,
): void {
  for (let r = 0; r < n; r++) {
    if (skip && skip[r]) continue;
    let node = 0;
    while (t.left[node] !== -1) {
      const v = x[r * nf + t.splitIndex[node]!]!;
      const cond = t.splitCondition[node]!;
      node =
        v < cond
          ? t.left[node]!
          : v >= cond
            ? t.right[node]!
            : t.defaultLeft[node]
              ? t.left[node]!
              : t.right[node]!;
    }
    m[r * k + c] = m[r * k + c]! + t.splitCondition[node]!;
  }
}
