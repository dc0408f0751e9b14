/**
 * Margin evaluation of a tree ensemble, reproducing XGBoost's CPU predictor: features compared
 * as float32 against float32 thresholds (`x < cond` goes left, NaN follows `default_left`), and
 * leaves summed into a float32 margin tree by tree, in model order.
 *
 * The default `branchless` kernel relays every tree out breadth-first with siblings adjacent,
 * so a step is `node = left + (goes right)` computed arithmetically, turns leaves into
 * self-loops so each tree runs a fixed number of steps, packs child offset, feature and
 * missing direction into one int32, and walks four rows at once. Tree walks are dominated by
 * mispredicted branches; removing them made it ~3× faster than a plain array walk (`flat`,
 * kept as the reference and for trees too large to pack) and ~5× faster than generating
 * nested-`if` JavaScript per tree with `new Function` (measured, then dropped). See
 * `src/bench/ml-speed.ts`.
 */
import type { TreeArrays } from './tree.js';

/** Adds the margins of rows `[r0, r1)` into `m` (row-major, `k` outputs per row). */
export type MarginKernel = (x: Float32Array, m: Float64Array, r0: number, r1: number) => void;

/** Strategy for {@link buildMarginKernel}. */
export type PredictorKind = 'branchless' | 'flat';

/** Rows evaluated per tree before moving on, so a tree's nodes and the rows stay in cache. */
const BLOCK_ROWS = 64;
/** Packing limits: child offset and feature index share an int32 with the missing bit. */
const MAX_PACKED_OFFSET = 0x7fff;
const MAX_PACKED_FEATURE = 0x7fff;

/**
 * A kernel adding every tree's leaf to the margin of its output group.
 * @param numOutputs outputs per row (1 for binary, number of classes for multi)
 */
export function buildMarginKernel(
  trees: readonly TreeArrays[],
  treeInfo: Int32Array,
  numFeature: number,
  numOutputs: number,
  kind: PredictorKind = 'branchless',
): MarginKernel {
  if (kind === 'branchless' && numFeature <= MAX_PACKED_FEATURE) {
    const packed = packTrees(trees);
    if (packed) return branchlessKernel(packed, treeInfo, numFeature, numOutputs);
  }
  return flatKernel(trees, treeInfo, numFeature, numOutputs);
}

interface Packed {
  /** `(child offset << 16) | (feature << 1) | missingGoesRight`; 0 for leaves (self-loop). */
  code: Int32Array;
  /** Threshold; NaN for leaves so no value ever moves on. */
  cond: Float32Array;
  leaf: Float64Array;
  roots: Int32Array;
  depths: Int32Array;
}

function packTrees(trees: readonly TreeArrays[]): Packed | undefined {
  const total = trees.reduce((s, t) => s + t.numNodes, 0);
  const code = new Int32Array(total);
  const cond = new Float32Array(total);
  const leaf = new Float64Array(total);
  const roots = new Int32Array(trees.length);
  const depths = new Int32Array(trees.length);
  let base = 0;
  for (let ti = 0; ti < trees.length; ti++) {
    const t = trees[ti]!;
    roots[ti] = base;
    // Breadth-first order puts each node's two children next to each other.
    const ids = [0];
    const depth = [0];
    for (let i = 0; i < ids.length; i++) {
      const n = ids[i]!;
      if (t.left[n] !== -1) {
        ids.push(t.left[n]!, t.right[n]!);
        depth.push(depth[i]! + 1, depth[i]! + 1);
      }
    }
    const pos = new Int32Array(t.numNodes);
    ids.forEach((n, i) => (pos[n] = i));
    for (let i = 0; i < ids.length; i++) {
      const n = ids[i]!;
      const at = base + i;
      depths[ti] = Math.max(depths[ti]!, depth[i]!);
      if (t.left[n] === -1) {
        code[at] = 0;
        cond[at] = NaN;
        leaf[at] = t.splitCondition[n]!;
        continue;
      }
      const rel = pos[t.left[n]!]! - i;
      if (rel > MAX_PACKED_OFFSET) return undefined;
      code[at] = (rel << 16) | (t.splitIndex[n]! << 1) | (t.defaultLeft[n] ? 0 : 1);
      cond[at] = t.splitCondition[n]!;
    }
    base += ids.length;
  }
  return { code, cond, leaf, roots, depths };
}

function branchlessKernel(p: Packed, treeInfo: Int32Array, nf: number, k: number): MarginKernel {
  const { code: P, cond: T, leaf: V, roots, depths } = p;
  const nt = roots.length;
  // One step: right child when v >= cond, or v is NaN and the node sends missing right.
  // `+(v >= c) | (+(v !== v) & code)` is 0/1 without a branch (bit 0 of code = missing right).
  return (x, m, r0, r1) => {
    for (let b = r0; b < r1; b += BLOCK_ROWS) {
      const e = Math.min(b + BLOCK_ROWS, r1);
      for (let ti = 0; ti < nt; ti++) {
        const root = roots[ti]!;
        const dep = depths[ti]!;
        const c = treeInfo[ti]!;
        let r = b;
        for (; r + 4 <= e; r += 4) {
          let n0 = root;
          let n1 = root;
          let n2 = root;
          let n3 = root;
          const o0 = r * nf;
          const o1 = o0 + nf;
          const o2 = o1 + nf;
          const o3 = o2 + nf;
          for (let d = 0; d < dep; d++) {
            let q = P[n0]!;
            let v = x[o0 + ((q >> 1) & 0x7fff)]!;
            n0 = n0 + (q >> 16) + (+(v >= T[n0]!) | (+(v !== v) & q));
            q = P[n1]!;
            v = x[o1 + ((q >> 1) & 0x7fff)]!;
            n1 = n1 + (q >> 16) + (+(v >= T[n1]!) | (+(v !== v) & q));
            q = P[n2]!;
            v = x[o2 + ((q >> 1) & 0x7fff)]!;
            n2 = n2 + (q >> 16) + (+(v >= T[n2]!) | (+(v !== v) & q));
            q = P[n3]!;
            v = x[o3 + ((q >> 1) & 0x7fff)]!;
            n3 = n3 + (q >> 16) + (+(v >= T[n3]!) | (+(v !== v) & q));
          }
          let mi = r * k + c;
          m[mi] = Math.fround(m[mi]! + V[n0]!);
          mi += k;
          m[mi] = Math.fround(m[mi]! + V[n1]!);
          mi += k;
          m[mi] = Math.fround(m[mi]! + V[n2]!);
          mi += k;
          m[mi] = Math.fround(m[mi]! + V[n3]!);
        }
        for (; r < e; r++) {
          let n = root;
          const o = r * nf;
          for (let d = 0; d < dep; d++) {
            const q = P[n]!;
            const v = x[o + ((q >> 1) & 0x7fff)]!;
            n = n + (q >> 16) + (+(v >= T[n]!) | (+(v !== v) & q));
          }
          const mi = r * k + c;
          m[mi] = Math.fround(m[mi]! + V[n]!);
        }
      }
    }
  };
}

function flatKernel(
  trees: readonly TreeArrays[],
  treeInfo: Int32Array,
  nf: number,
  k: number,
): MarginKernel {
  // One concatenated node table; child indices made absolute. `miss` is the child for NaN.
  const total = trees.reduce((s, t) => s + t.numNodes, 0);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const miss = new Int32Array(total);
  const feat = new Int32Array(total);
  const cond = new Float64Array(total);
  const roots = new Int32Array(trees.length);
  let base = 0;
  trees.forEach((t, ti) => {
    roots[ti] = base;
    for (let i = 0; i < t.numNodes; i++) {
      const l = t.left[i]!;
      left[base + i] = l === -1 ? -1 : base + l;
      right[base + i] = l === -1 ? -1 : base + t.right[i]!;
      miss[base + i] = t.defaultLeft[i] ? left[base + i]! : right[base + i]!;
      feat[base + i] = t.splitIndex[i]!;
      cond[base + i] = t.splitCondition[i]!;
    }
    base += t.numNodes;
  });
  const nt = trees.length;
  return (x, m, r0, r1) => {
    for (let b = r0; b < r1; b += BLOCK_ROWS) {
      const e = Math.min(b + BLOCK_ROWS, r1);
      for (let ti = 0; ti < nt; ti++) {
        const root = roots[ti]!;
        const c = treeInfo[ti]!;
        for (let r = b; r < e; r++) {
          const o = r * nf;
          let n = root;
          let l = left[n]!;
          while (l !== -1) {
            const v = x[o + feat[n]!]!;
            const t = cond[n]!;
            n = v < t ? l : v >= t ? right[n]! : miss[n]!;
            l = left[n]!;
          }
          const mi = r * k + c;
          m[mi] = Math.fround(m[mi]! + cond[n]!);
        }
      }
    }
  };
}

/** XGBoost's `ProbToMargin` for binary:logistic, in float32 like XGBoost. */
export function logitF32(p: number): number {
  const fr = Math.fround;
  return fr(-Math.log(fr(fr(1 / fr(p)) - 1)));
}

/** XGBoost's float32 sigmoid `1 / (1 + exp(-x))`, in place over `m`. */
export function sigmoidInPlace(m: Float64Array, n: number): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) m[i] = fr(1 / fr(1 + fr(Math.exp(-m[i]!))));
}

/** XGBoost's softmax (float32 exp, double sum), in place over `n` rows of `k` outputs. */
export function softmaxInPlace(m: Float64Array, n: number, k: number): void {
  const fr = Math.fround;
  for (let r = 0; r < n; r++) {
    const o = r * k;
    let max = m[o]!;
    for (let c = 1; c < k; c++) if (m[o + c]! > max) max = m[o + c]!;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = fr(Math.exp(fr(m[o + c]! - max)));
      m[o + c] = e;
      sum += e;
    }
    const s = fr(sum);
    for (let c = 0; c < k; c++) m[o + c] = fr(m[o + c]! / s);
  }
}
