/**
 * The `complete` layout of a tree ensemble, shared by the JavaScript and the WebAssembly
 * kernels: trees padded to complete binary trees in heap order, so a step is
 * `n = 2n + (v > C[n])` with no child offsets, no branch and no NaN test (see `predictor.ts`).
 */
import type { TreeArrays } from './tree.js';

/** Deepest tree the `complete` layout pads (2^depth leaves), and its total size limit. */
export const MAX_COMPLETE_DEPTH = 10;
const MAX_COMPLETE_NODES = 1 << 22;

export interface Complete {
  /** Feature offset in a block row of `x` then `-x` (`f` or `numFeature + f`); 1-based heap. */
  feature: Int32Array;
  /** `v > cond` takes the second child; NaN for padding nodes (always the first child). */
  cond: Float32Array;
  leaf: Float64Array;
  /** Per tree: `feature`/`cond` index of heap node 0 (node 1 is the root). */
  inner: Int32Array;
  /** Per tree: `leaf` index of heap node 0 (leaves are heap nodes 2^depth … 2^(depth+1) - 1). */
  leaves: Int32Array;
  depths: Int32Array;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The largest float32 below `t` (finite `t`): for float32 `v`, `v > nextDown(t) ⟺ v >= t`. */
function nextDown32(t: number): number {
  if (t === 0) return -1.401298464324817e-45;
  f32[0] = t;
  i32[0] = i32[0]! + (t > 0 ? -1 : 1);
  return f32[0];
}

function treeDepth(t: TreeArrays): number {
  const depth = new Int32Array(t.numNodes);
  const stack = [0];
  let max = 0;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (t.left[n] === -1) continue;
    const d = depth[n]! + 1;
    depth[t.left[n]!] = d;
    depth[t.right[n]!] = d;
    max = Math.max(max, d);
    stack.push(t.left[n]!, t.right[n]!);
  }
  return max;
}

export function packComplete(trees: readonly TreeArrays[], nf: number): Complete | undefined {
  const depths = Int32Array.from(trees, treeDepth);
  const inner = new Int32Array(trees.length);
  const leaves = new Int32Array(trees.length);
  let ni = 0;
  let nl = 0;
  for (let ti = 0; ti < trees.length; ti++) {
    const d = depths[ti]!;
    if (d > MAX_COMPLETE_DEPTH) return undefined;
    inner[ti] = ni - 1;
    leaves[ti] = nl - (1 << d);
    ni += (1 << d) - 1;
    nl += 1 << d;
  }
  if (ni + nl > MAX_COMPLETE_NODES) return undefined;
  const feature = new Int32Array(ni);
  const cond = new Float32Array(ni).fill(NaN);
  const leaf = new Float64Array(nl);
  for (let ti = 0; ti < trees.length; ti++) {
    const t = trees[ti]!;
    const dep = depths[ti]!;
    // (node, heap index, level); children of heap node h are 2h and 2h + 1.
    const stack: [number, number, number][] = [[0, 1, 0]];
    while (stack.length > 0) {
      const [n, h, level] = stack.pop()!;
      if (t.left[n] === -1) {
        // Padding nodes below a shallow leaf always take the first child: its leftmost leaf.
        leaf[leaves[ti]! + h * (1 << (dep - level))] = t.splitCondition[n]!;
        continue;
      }
      const c = t.splitCondition[n]!;
      if (!Number.isFinite(c)) return undefined;
      const at = inner[ti]! + h;
      if (t.defaultLeft[n]) {
        feature[at] = t.splitIndex[n]!;
        cond[at] = nextDown32(c);
        stack.push([t.left[n]!, 2 * h, level + 1], [t.right[n]!, 2 * h + 1, level + 1]);
      } else {
        feature[at] = nf + t.splitIndex[n]!;
        cond[at] = -c;
        stack.push([t.right[n]!, 2 * h, level + 1], [t.left[n]!, 2 * h + 1, level + 1]);
      }
    }
  }
  return { feature, cond, leaf, inner, leaves, depths };
}

/**
 * Copies rows `[b, b + nb)` of `x` (`nf` features each) into the block buffer `xb` as the
 * layout reads them: each row's `x`, then its `-x` (`2 × nf` values a row).
 */
export function copyBlock(
  x: Float32Array,
  b: number,
  nb: number,
  nf: number,
  xb: Float32Array,
): void {
  const w = 2 * nf;
  for (let r = 0; r < nb; r++) {
    const o = (b + r) * nf;
    const j = r * w;
    for (let f = 0; f < nf; f++) {
      const v = x[o + f]!;
      xb[j + f] = v;
      xb[j + nf + f] = -v;
    }
  }
}
