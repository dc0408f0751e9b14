/**
 * Quantile binning of a float32 feature matrix, as XGBoost's `hist` tree method does once
 * before boosting. Bin 0 of every feature holds missing values; real bins are 1..nBins[f].
 * A value falls in real bin `b` (0-based) when `cuts[b-1] <= x < cuts[b]`, so a split "real
 * bins 0..b go left" is exactly `fround(x) < cuts[b]`: the cut, a float32 taken from the data,
 * is the split condition the model stores and every predictor re-evaluates identically.
 */

/** The binned matrix and the cut values behind it. */
export interface Quantized {
  /** Row-major `nRows × nFeatures` bin ids: 0 = missing, 1..nBins[f] = real bins. */
  readonly bins: Uint8Array;
  /** Per feature, ascending float32 cut values; `cuts[f].length === nBins[f] - 1`. */
  readonly cuts: Float32Array[];
  /** Real bins per feature (at least 1, even for an all-missing feature). */
  readonly nBins: Int32Array;
}

/** Most real bins a feature can have: one byte per value, with 0 kept for missing. */
export const MAX_REAL_BINS = 255;

/**
 * Cut points per feature from the (unweighted) quantiles of its non-missing values, at most
 * `maxBin` bins (capped at {@link MAX_REAL_BINS}). A feature with few distinct values gets one
 * bin per value.
 */
export function quantize(
  x: Float32Array,
  nRows: number,
  nFeatures: number,
  maxBin: number,
): Quantized {
  const limit = Math.max(2, Math.min(maxBin, MAX_REAL_BINS));
  const bins = new Uint8Array(nRows * nFeatures);
  const cuts: Float32Array[] = [];
  const nBins = new Int32Array(nFeatures);
  const column = new Float32Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    let n = 0;
    for (let r = 0; r < nRows; r++) {
      const v = x[r * nFeatures + f]!;
      if (v === v) column[n++] = v;
    }
    const sorted = column.subarray(0, n).sort();
    const c = cutsOf(sorted, limit);
    cuts.push(c);
    nBins[f] = c.length + 1;
    for (let r = 0; r < nRows; r++) {
      const i = r * nFeatures + f;
      const v = x[i]!;
      bins[i] = v === v ? upperBound(c, v) + 1 : 0;
    }
  }
  return { bins, cuts, nBins };
}

function cutsOf(sorted: Float32Array, limit: number): Float32Array {
  const n = sorted.length;
  if (n === 0) return new Float32Array(0);
  let distinct = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const out: number[] = [];
  if (distinct <= limit) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  } else {
    // Cut j sits at quantile j/limit; duplicates collapse, and a cut equal to the minimum
    // would only make an empty first bin.
    let last = sorted[0]!;
    for (let j = 1; j < limit; j++) {
      const v = sorted[Math.floor((j * n) / limit)]!;
      if (v > last) {
        out.push(v);
        last = v;
      }
    }
  }
  return Float32Array.from(out);
}

/** Number of cuts `<= v` (the 0-based real bin of `v`). */
export function upperBound(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
