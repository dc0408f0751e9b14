/**
 * Saabas feature contributions, the method of XGBoost's `pred_contribs=True,
 * approx_contribs=True`: walking a row's path, each split's feature is credited with the change
 * of the node mean value (leaf values averaged by `sum_hessian`), and the root mean is the bias.
 */
import type { TreeArrays } from './tree.js';

/** Mean value of every node, computed as XGBoost's `FillNodeMeanValues` (float32). */
export function nodeMeanValues(t: TreeArrays): Float32Array {
  const out = new Float32Array(t.numNodes);
  const fr = Math.fround;
  const fill = (i: number): number => {
    const l = t.left[i]!;
    let v: number;
    if (l === -1) {
      v = t.splitCondition[i]!;
    } else {
      const r = t.right[i]!;
      v = fr(fill(l) * t.sumHessian[l]!);
      v = fr(v + fr(fill(r) * t.sumHessian[r]!));
      v = fr(v / t.sumHessian[i]!);
    }
    out[i] = v;
    return v;
  };
  fill(0);
  return out;
}

/**
 * Adds one tree's contributions for `row` (values already float32) into `out`, laid out
 * `(numFeature + 1) × numOutputs` with the bias last in each output's block.
 */
export function addTreeContributions(
  t: TreeArrays,
  means: Float32Array,
  row: Float32Array,
  out: Float64Array,
  offset: number,
  numFeature: number,
): void {
  let node = 0;
  let value = means[0]!;
  out[offset + numFeature] = out[offset + numFeature]! + value;
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
    // At a leaf the mean value is the leaf value itself, as in XGBoost's final step.
    const next = means[node]!;
    out[offset + f] = out[offset + f]! + (next - value);
    value = next;
  }
}
