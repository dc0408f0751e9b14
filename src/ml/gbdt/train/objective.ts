/**
 * Gradients, hessians and losses of XGBoost's `binary:logistic` and `multi:softprob`
 * objectives (hessians floored at 1e-16, and the softmax hessian `2p(1-p)` as XGBoost has it).
 */

const HESS_FLOOR = 1e-16;
const PROB_EPS = 1e-16;

/**
 * Fills class-major `grad[c*n + r]`, `hess[c*n + r]` from row-major margins `m[r*k + c]`.
 * `k === 1` means binary:logistic.
 */
export function gradients(
  m: Float64Array,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  n: number,
  k: number,
  grad: Float64Array,
  hess: Float64Array,
  prob: Float64Array,
): void {
  if (k === 1) {
    for (let r = 0; r < n; r++) {
      const p = 1 / (1 + Math.exp(-m[r]!));
      const wr = w ? w[r]! : 1;
      grad[r] = (p - y[r]!) * wr;
      hess[r] = Math.max(p * (1 - p), HESS_FLOOR) * wr;
    }
    return;
  }
  for (let r = 0; r < n; r++) {
    softmaxRow(m, r * k, k, prob);
    const wr = w ? w[r]! : 1;
    const label = y[r]!;
    for (let c = 0; c < k; c++) {
      const p = prob[c]!;
      grad[c * n + r] = (p - (label === c ? 1 : 0)) * wr;
      hess[c * n + r] = Math.max(2 * p * (1 - p), HESS_FLOOR) * wr;
    }
  }
}

function softmaxRow(m: Float64Array, o: number, k: number, out: Float64Array): void {
  let max = m[o]!;
  for (let c = 1; c < k; c++) if (m[o + c]! > max) max = m[o + c]!;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(m[o + c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[c] = out[c]! / sum;
}

/** Weighted mean log loss (binary) or multi-class log loss of row-major margins. */
export function marginLogLoss(
  m: Float64Array,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  n: number,
  k: number,
  prob: Float64Array,
): number {
  let sum = 0;
  let wsum = 0;
  for (let r = 0; r < n; r++) {
    const wr = w ? w[r]! : 1;
    let p: number;
    if (k === 1) {
      const q = 1 / (1 + Math.exp(-m[r]!));
      p = y[r]! === 1 ? q : 1 - q;
    } else {
      softmaxRow(m, r * k, k, prob);
      p = prob[y[r]!]!;
    }
    sum -= wr * Math.log(Math.min(Math.max(p, PROB_EPS), 1 - PROB_EPS));
    wsum += wr;
  }
  return wsum > 0 ? sum / wsum : 0;
}
