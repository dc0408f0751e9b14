import { expect } from 'vitest';

/** Largest absolute difference between two equally long arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface TreeJson {
  left_children: number[];
  split_indices: number[];
  split_conditions: number[];
}

/** The trees of an XGBoost JSON model document. */
export function treesOf(json: unknown): TreeJson[] {
  return (json as { learner: { gradient_booster: { model: { trees: TreeJson[] } } } }).learner
    .gradient_booster.model.trees;
}

/**
 * `x` plus rows whose values sit exactly on the model's split conditions, each also with
 * another feature missing: the cases where float32 rounding and default directions matter.
 */
export function withBoundaryRows(
  json: unknown,
  x: Float32Array,
  nRows: number,
  nf: number,
): { x: Float32Array; nRows: number } {
  const extra: number[] = [];
  let k = 0;
  for (const t of treesOf(json).slice(0, 40)) {
    t.left_children.forEach((l, i) => {
      if (l === -1) return;
      const at = (k % nRows) * nf;
      const row = Array.from(x.subarray(at, at + nf));
      row[t.split_indices[i]!] = t.split_conditions[i]!;
      extra.push(...row);
      row[(t.split_indices[i]! + 1) % nf] = NaN;
      extra.push(...row);
      k++;
    });
  }
  const out = new Float32Array(x.length + extra.length);
  out.set(x);
  out.set(extra, x.length);
  return { x: out, nRows: nRows + extra.length / nf };
}
