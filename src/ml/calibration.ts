/**
 * Probability calibration: isotonic regression (pool adjacent violators), fitted on held-out
 * rows and applied at serving, as scikit-learn's `IsotonicRegression(out_of_bounds='clip')`
 * does: a non-decreasing step function through the pooled blocks, linear between block
 * thresholds, clipped outside them. A calibrator is stored in the model artifact's XGBoost
 * `learner.attributes` (a string map XGBoost keeps and ignores), so whoever loads the model from
 * the registry gets the same calibrated probabilities.
 */

/**
 * An isotonic calibrator: `x` strictly increasing scores, `y` non-decreasing probabilities (the
 * knots of a piecewise-linear function, flat over each pooled block).
 */
export interface IsotonicCalibrator {
  method: 'isotonic';
  x: number[];
  y: number[];
}

/** Calibrators by output index of a model (e.g. `1` compra, `2` venta of a 3-class model). */
export interface ModelCalibration {
  method: 'isotonic';
  /** Rows the calibrators were fitted on (and where: e.g. the validation period). */
  fittedOn: string;
  outputs: Record<string, IsotonicCalibrator>;
}

/** The attribute of the model artifact that holds its {@link ModelCalibration} as JSON. */
export const CALIBRATION_ATTRIBUTE = 'corriente_calibration';

/**
 * Fits an isotonic calibrator to `scores` and 0/1 `labels` (pool adjacent violators over the
 * rows sorted by score, ties pooled first). At most about `maxPoints` knots are kept (neighbouring
 * blocks are merged evenly beyond that) so the attribute stays small.
 * @example
 * const cal = fitIsotonic(validationProbs, validationLabels);
 * applyIsotonic(cal, 0.42); // the observed rate of rows scored near 0.42
 */
export function fitIsotonic(
  scores: ArrayLike<number>,
  labels01: ArrayLike<number>,
  maxPoints = 200,
): IsotonicCalibrator {
  const n = scores.length;
  if (labels01.length !== n) throw new RangeError(`${n} scores for ${labels01.length} labels`);
  if (n === 0) throw new RangeError('cannot fit a calibrator on no rows');
  const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Blocks: lowest and highest score, mean label, weight.
  const lo: number[] = [];
  const hi: number[] = [];
  const by: number[] = [];
  const bw: number[] = [];
  for (let i = 0; i < n;) {
    let j = i;
    let sy = 0;
    const s = scores[idx[i]!]!;
    while (j < n && scores[idx[j]!] === s) sy += labels01[idx[j++]!]!;
    const w = j - i;
    lo.push(s);
    hi.push(s);
    by.push(sy / w);
    bw.push(w);
    // Pool while the previous block is not below this one.
    while (by.length > 1 && by[by.length - 2]! >= by[by.length - 1]!) {
      const w2 = bw.pop()!;
      const y2 = by.pop()!;
      lo.pop();
      const h2 = hi.pop()!;
      const k = by.length - 1;
      by[k] = (by[k]! * bw[k]! + y2 * w2) / (bw[k]! + w2);
      bw[k] = bw[k]! + w2;
      hi[k] = h2;
    }
    i = j;
  }
  // Too many blocks: merge runs of neighbours (weighted means keep the function monotone).
  const per = Math.max(1, lo.length / Math.max(1, Math.floor(maxPoints / 2)));
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < lo.length / per; k++) {
    const a = Math.floor(k * per);
    const b = Math.min(lo.length, Math.floor((k + 1) * per));
    if (b <= a) continue;
    let sw = 0;
    let sy = 0;
    for (let t = a; t < b; t++) {
      sw += bw[t]!;
      sy += by[t]! * bw[t]!;
    }
    // A block is flat from its lowest to its highest score, as scikit-learn's thresholds are.
    x.push(lo[a]!);
    y.push(sy / sw);
    if (hi[b - 1]! > lo[a]!) {
      x.push(hi[b - 1]!);
      y.push(sy / sw);
    }
  }
  return { method: 'isotonic', x, y };
}

/** The calibrated probability of score `p` (linear between thresholds, clipped outside). */
export function applyIsotonic(c: IsotonicCalibrator, p: number): number {
  const { x, y } = c;
  const n = x.length;
  if (n === 0) return p;
  if (!(p > x[0]!)) return y[0]!;
  if (p >= x[n - 1]!) return y[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const m = (lo + hi) >>> 1;
    if (x[m]! <= p) lo = m;
    else hi = m;
  }
  const t = (p - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}

/**
 * Calibrates `nRows × k` row-major probabilities in place: each output with a calibrator is
 * replaced by its calibrated value. With `restOutput` (a multi-class model's "none" class), that
 * output becomes `max(0, 1 − Σ others)` so the row still reads as a distribution when it can.
 */
export function calibrateInPlace(
  cal: ModelCalibration,
  probs: Float64Array,
  nRows: number,
  k: number,
  restOutput?: number,
): void {
  const outs = Object.entries(cal.outputs).map(([o, c]) => [Number(o), c] as const);
  for (let r = 0; r < nRows; r++) {
    const base = r * k;
    for (const [o, c] of outs) probs[base + o] = applyIsotonic(c, probs[base + o]!);
    if (restOutput !== undefined) {
      let others = 0;
      for (let j = 0; j < k; j++) if (j !== restOutput) others += probs[base + j]!;
      probs[base + restOutput] = Math.max(0, 1 - others);
    }
  }
}

/**
 * The calibration stored in a model's attributes, or `undefined` without one.
 * @throws RangeError when the attribute is present but malformed (a broken artifact)
 */
export function readCalibration(
  attributes: Readonly<Record<string, string>> | undefined,
): ModelCalibration | undefined {
  const text = attributes?.[CALIBRATION_ATTRIBUTE];
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RangeError(`model attribute ${CALIBRATION_ATTRIBUTE} is not JSON`);
  }
  const c = v as ModelCalibration;
  const ok =
    c &&
    c.method === 'isotonic' &&
    typeof c.outputs === 'object' &&
    Object.entries(c.outputs).every(
      ([o, f]) =>
        /^\d+$/.test(o) &&
        Array.isArray(f.x) &&
        Array.isArray(f.y) &&
        f.x.length === f.y.length &&
        f.x.every((a, i) => typeof a === 'number' && (i === 0 || a > f.x[i - 1]!)) &&
        f.y.every(
          (b, i) => typeof b === 'number' && b >= 0 && b <= 1 && (i === 0 || b >= f.y[i - 1]!),
        ),
    );
  if (!ok)
    throw new RangeError(`model attribute ${CALIBRATION_ATTRIBUTE} is not a valid calibration`);
  return c;
}

/** One bin of a reliability table. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** `null` for an empty bin. */
  meanPredicted: number | null;
  observedRate: number | null;
}

/**
 * A reliability table near `threshold`: `binsEachSide` bins of `width` below it and as many above
 * (`[lo, hi)`, clipped to [0, 1]), so the table shows whether "0.35" means 35 % where decisions
 * are made, not only on average.
 */
export function reliabilityNear(
  scores: ArrayLike<number>,
  labels01: ArrayLike<number>,
  threshold: number,
  width = 0.05,
  binsEachSide = 3,
): ReliabilityBin[] {
  const bins: ReliabilityBin[] = [];
  for (let b = -binsEachSide; b < binsEachSide; b++) {
    const lo = Math.max(0, threshold + b * width);
    const hi = Math.min(1, threshold + (b + 1) * width);
    if (hi <= lo) continue;
    let count = 0;
    let sp = 0;
    let sy = 0;
    for (let i = 0; i < scores.length; i++) {
      const p = scores[i]!;
      if (p >= lo && (p < hi || (hi === 1 && p === 1))) {
        count++;
        sp += p;
        sy += labels01[i]!;
      }
    }
    bins.push({
      lo: round4(lo),
      hi: round4(hi),
      count,
      meanPredicted: count ? sp / count : null,
      observedRate: count ? sy / count : null,
    });
  }
  return bins;
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
