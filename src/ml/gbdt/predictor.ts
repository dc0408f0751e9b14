/**
 * Margin evaluation of a tree ensemble, reproducing XGBoost's CPU predictor: features compared
 * as float32 against float32 thresholds (`x < cond` goes left, NaN follows `default_left`), and
 * leaves summed into a float32 margin tree by tree, in model order. Kernels, fastest first
 * (measured in `bench/ml-speed.ts`):
 * - `wasm` (default; trees of depth ≤ 10): the `complete` layout and steps in WebAssembly
 *   (`wasm/wasm-kernel.ts`), bit-identical, about 2× faster than `complete` in JavaScript (no
 *   bounds checks; a node's feature and threshold side by side). Without WebAssembly, `complete`.
 * - `complete` (trees of depth ≤ 10): trees padded to complete binary trees in heap
 *   order, so a step is `n = 2n + (v > C[n])`: no child offsets, no branch, no NaN test. A node
 *   sending missing values right swaps its children and compares `-x > -c` (`⟺ x < c`); one
 *   sending them left compares `x > nextDown(c)` (`⟺ x >= c` for float32 `x`); NaN compares
 *   false: first child. Rows are copied per block into a float32 buffer of `x` and `-x`; float32
 *   values compared as doubles compare as float32, so no `Math.fround`. Eight rows walk a tree
 *   together. ~1.8× faster than `branchless` walking four rows at once (its earlier form).
 * - `branchless` (trees deeper than 10): breadth-first layout, leaves as self-loops, child
 *   offset, feature and missing bit packed in an int32; no data-dependent branch.
 * - `flat`: a plain array walk, the reference. (Per-tree `new Function` code was ~5× slower.)
 */
import { copyBlock, packComplete, type Complete } from './complete-layout.js';
import type { TreeArrays } from './tree.js';
import { wasmAvailable, wasmKernel } from './wasm/wasm-kernel.js';

/**
 * Adds the margins of rows `[r0, r1)` into `m` (row-major, `k` outputs per row), in float32:
 * `m` holds float32 values (the base margin is one, and so is every sum).
 */
export type MarginKernel = (x: Float32Array, m: Float64Array, r0: number, r1: number) => void;

/** Strategy for {@link buildMarginKernel}. */
export type PredictorKind = 'wasm' | 'complete' | 'branchless' | 'flat';

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
  kind: PredictorKind = 'wasm',
): MarginKernel {
  if (kind === 'wasm' || kind === 'complete') {
    const c = packComplete(trees, numFeature);
    if (c && kind === 'wasm' && wasmAvailable()) {
      return wasmKernel(c, treeInfo, numFeature, numOutputs);
    }
    if (c) return completeKernel(c, treeInfo, numFeature, numOutputs);
  }
  if (kind !== 'flat' && numFeature <= MAX_PACKED_FEATURE) {
    const packed = packTrees(trees);
    if (packed) return branchlessKernel(packed, treeInfo, numFeature, numOutputs);
  }
  return flatKernel(trees, treeInfo, numFeature, numOutputs);
}

function completeKernel(p: Complete, treeInfo: Int32Array, nf: number, k: number): MarginKernel {
  const { feature: F, cond: C, leaf: L, inner, leaves, depths } = p;
  const nt = depths.length;
  const w = 2 * nf;
  const xb = new Float32Array(BLOCK_ROWS * w);
  const fr = Math.fround;
  return (x, m, r0, r1) => {
    for (let b = r0; b < r1; b += BLOCK_ROWS) {
      const nb = Math.min(BLOCK_ROWS, r1 - b);
      copyBlock(x, b, nb, nf, xb);
      for (let ti = 0; ti < nt; ti++) {
        const ir = inner[ti]!;
        const lr = leaves[ti]!;
        const dep = depths[ti]!;
        let mi = b * k + treeInfo[ti]!;
        let r = 0;
        for (; r + 8 <= nb; r += 8) {
          const o0 = r * w;
          const o1 = o0 + w;
          const o2 = o1 + w;
          const o3 = o2 + w;
          const o4 = o3 + w;
          const o5 = o4 + w;
          const o6 = o5 + w;
          const o7 = o6 + w;
          let n0 = 1;
          let n1 = 1;
          let n2 = 1;
          let n3 = 1;
          let n4 = 1;
          let n5 = 1;
          let n6 = 1;
          let n7 = 1;
          for (let d = 0; d < dep; d++) {
            n0 = 2 * n0 + +(xb[o0 + F[ir + n0]!]! > C[ir + n0]!);
            n1 = 2 * n1 + +(xb[o1 + F[ir + n1]!]! > C[ir + n1]!);
            n2 = 2 * n2 + +(xb[o2 + F[ir + n2]!]! > C[ir + n2]!);
            n3 = 2 * n3 + +(xb[o3 + F[ir + n3]!]! > C[ir + n3]!);
            n4 = 2 * n4 + +(xb[o4 + F[ir + n4]!]! > C[ir + n4]!);
            n5 = 2 * n5 + +(xb[o5 + F[ir + n5]!]! > C[ir + n5]!);
            n6 = 2 * n6 + +(xb[o6 + F[ir + n6]!]! > C[ir + n6]!);
            n7 = 2 * n7 + +(xb[o7 + F[ir + n7]!]! > C[ir + n7]!);
          }
          m[mi] = fr(m[mi]! + L[lr + n0]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n1]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n2]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n3]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n4]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n5]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n6]!);
          mi += k;
          m[mi] = fr(m[mi]! + L[lr + n7]!);
          mi += k;
        }
        for (; r < nb; r++) {
          const o = r * w;
          let n = 1;
          for (let d = 0; d < dep; d++) n = 2 * n + +(xb[o + F[ir + n]!]! > C[ir + n]!);
          m[mi] = fr(m[mi]! + L[lr + n]!);
          mi += k;
        }
      }
    }
  };
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
        for (let r = b; r < e; r++) {
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
