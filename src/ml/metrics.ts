/**
 * Classification metrics for the FX models, defined as scikit-learn defines them (the tests
 * compare with sklearn on the same data): tied scores share average ranks in ROC AUC and form
 * one threshold in average precision; calibration bins are sklearn's uniform bins.
 */

function check(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} scores for ${labels.length} labels`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) {
      throw new RangeError(`labels[${i}] is ${labels[i]}; expected 0 or 1`);
    }
    if (Number.isNaN(scores[i]!)) throw new RangeError(`scores[${i}] is NaN`);
  }
  return labels.length;
}

/** Indices sorted by descending score (stable). */
function byScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Area under the ROC curve (Mann–Whitney U with average ranks for ties). NaN when the labels
 * hold a single class.
 */
export function rocAuc(scores: ArrayLike<number>, labels01: ArrayLike<number>): number {
  const n = check(scores, labels01);
  const idx = byScoreDesc(scores);
  let pos = 0;
  let rankSumPos = 0;
  // Ranks ascending: the i-th from the top (0-based) has rank n - i.
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = n - (i + j) / 2;
    for (let t = i; t <= j; t++) {
      if (labels01[idx[t]!] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Average precision (area under the precision–recall curve as sklearn's
 * `average_precision_score`: Σ (Rₙ − Rₙ₋₁) Pₙ over distinct thresholds). NaN without positives.
 */
export function prAuc(scores: ArrayLike<number>, labels01: ArrayLike<number>): number {
  const n = check(scores, labels01);
  const idx = byScoreDesc(scores);
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels01[i]!;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && scores[idx[j]!] === scores[idx[i]!]) {
      if (labels01[idx[j]!] === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/** Precision and recall when `score >= threshold` predicts positive. */
export interface PrecisionAt {
  /** 0 when nothing is predicted positive (sklearn's `zero_division` default). */
  precision: number;
  /** 0 when there are no positives. */
  recall: number;
  predictedPositive: number;
}

/** Precision, recall and count of predicted positives at a score threshold (`>=`). */
export function precisionAt(
  scores: ArrayLike<number>,
  labels01: ArrayLike<number>,
  threshold: number,
): PrecisionAt {
  const n = check(scores, labels01);
  let tp = 0;
  let pp = 0;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const yes = scores[i]! >= threshold;
    if (yes) pp++;
    if (labels01[i] === 1) {
      pos++;
      if (yes) tp++;
    }
  }
  return { precision: pp ? tp / pp : 0, recall: pos ? tp / pos : 0, predictedPositive: pp };
}

/** One calibration bin (only non-empty bins are reported, as sklearn does). */
export interface CalibrationBin {
  lo: number;
  hi: number;
  meanPredicted: number;
  observedRate: number;
  count: number;
}

/** Reliability of probabilities: per-bin means, expected calibration error, Brier score. */
export interface Calibration {
  bins: CalibrationBin[];
  /** Σ count/N · |meanPredicted − observedRate| over the bins. */
  ece: number;
  /** Mean squared error of the probabilities. */
  brier: number;
}

/**
 * Calibration over `bins` equal-width bins of [0, 1], bounded like sklearn's
 * `calibration_curve(strategy='uniform')`: `(lo, hi]`, the first bin also holding 0.
 * @param bins @default 10
 */
export function calibration(
  scores: ArrayLike<number>,
  labels01: ArrayLike<number>,
  bins = 10,
): Calibration {
  const n = check(scores, labels01);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins ${bins} must be ≥ 1`);
  const step = 1 / bins;
  // Edges computed as numpy's linspace does, so values on an edge land in the same bin.
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * step));
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const p = scores[i]!;
    if (p < 0 || p > 1)
      throw new RangeError(`scores[${i}] is ${p}; probabilities must be in [0, 1]`);
    let b = 0;
    while (b < bins - 1 && edges[b + 1]! < p) b++;
    sumP[b] = sumP[b]! + p;
    sumY[b] = sumY[b]! + labels01[i]!;
    count[b] = count[b]! + 1;
    brier += (p - labels01[i]!) ** 2;
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b]!;
    if (!c) continue;
    const meanPredicted = sumP[b]! / c;
    const observedRate = sumY[b]! / c;
    out.push({ lo: edges[b]!, hi: edges[b + 1]!, meanPredicted, observedRate, count: c });
    ece += (c / n) * Math.abs(meanPredicted - observedRate);
  }
  return { bins: out, ece: n ? ece : NaN, brier: n ? brier / n : NaN };
}

/**
 * Mean binary log loss; probabilities are clipped to [eps, 1 − eps] like sklearn's
 * `log_loss(eps='auto')` on float64.
 */
export function logLoss(
  scores: ArrayLike<number>,
  labels01: ArrayLike<number>,
  eps = Number.EPSILON,
): number {
  const n = check(scores, labels01);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(scores[i]!, eps), 1 - eps);
    sum -= labels01[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/**
 * Mean multi-class log loss of row-major probabilities `nRows × numClass` against class labels.
 */
export function multiLogLoss(
  probs: ArrayLike<number>,
  numClass: number,
  labels: ArrayLike<number>,
  eps = Number.EPSILON,
): number {
  const n = labels.length;
  if (probs.length !== n * numClass) {
    throw new RangeError(`${probs.length} probabilities for ${n} rows × ${numClass} classes`);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClass) {
      throw new RangeError(`labels[${i}] is ${c}; expected 0..${numClass - 1}`);
    }
    // sklearn clips, then renormalizes each row.
    let rowSum = 0;
    for (let k = 0; k < numClass; k++) {
      rowSum += Math.min(Math.max(probs[i * numClass + k]!, eps), 1 - eps);
    }
    const p = Math.min(Math.max(probs[i * numClass + c]!, eps), 1 - eps) / rowSum;
    sum -= Math.log(p);
  }
  return sum / n;
}
