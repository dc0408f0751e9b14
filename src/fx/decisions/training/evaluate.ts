import {
  calibration,
  multiLogLoss,
  prAuc,
  precisionAt,
  rocAuc,
  type Calibration,
} from '../../../ml/metrics.js';
import { FEATURE_INDEX, NUM_FEATURES } from '../features/feature-names.js';
import type { DatasetPart } from './dataset.js';

/** Quality of the model's probability for one class (one-vs-rest) on the validation set. */
export interface ClassMetrics {
  rocAuc: number;
  prAuc: number;
  /** The notification threshold the next three are measured at. */
  threshold: number;
  precision: number;
  recall: number;
  predictedPositive: number;
  /** Validation rows of this class. */
  positives: number;
  /** The share of positives: the PR AUC of a random score. */
  prevalence: number;
  calibration: Calibration;
}

/** A baseline is a score, not a probability: only ranking metrics apply to it. */
export interface RankingMetrics {
  rocAuc: number;
  prAuc: number;
}

export interface BaselineMetrics {
  description: string;
  compra: RankingMetrics;
  venta: RankingMetrics;
}

/** The simple rules every model must beat, scored on the same validation rows. */
export const BASELINES: Record<
  string,
  { description: string; score: (x: Float32Array, row: number, cls: 1 | 2) => number }
> = {
  movimiento_24h: {
    description:
      'compra after a 24 h price drop (score −retorno_24h), venta after a rise (score retorno_24h)',
    score: (x, r, cls) => {
      const v = x[r * NUM_FEATURES + FEATURE_INDEX.retorno_24h]!;
      return v === v ? (cls === 1 ? -v : v) : 0;
    },
  },
  frecuencia_30d: {
    description: "the user's trade rate of that side in 30 days (compras_30d / ventas_30d)",
    score: (x, r, cls) =>
      x[r * NUM_FEATURES + (cls === 1 ? FEATURE_INDEX.compras_30d : FEATURE_INDEX.ventas_30d)]!,
  },
};

/** Ranking metrics of each baseline on `part`. */
export function evaluateBaselines(part: DatasetPart): Record<string, BaselineMetrics> {
  const out: Record<string, BaselineMetrics> = {};
  for (const [name, b] of Object.entries(BASELINES)) {
    const metrics = (cls: 1 | 2): RankingMetrics => {
      const scores = new Float64Array(part.nRows);
      for (let r = 0; r < part.nRows; r++) scores[r] = b.score(part.x, r, cls);
      const labels = oneVsRest(part.y, part.nRows, cls);
      return { rocAuc: rocAuc(scores, labels), prAuc: prAuc(scores, labels) };
    };
    out[name] = { description: b.description, compra: metrics(1), venta: metrics(2) };
  }
  return out;
}

/** Metrics of `nRows × 3` probabilities against the labels, per class compra / venta. */
export function evaluateProbabilities(
  probs: Float64Array,
  y: Uint8Array,
  nRows: number,
  threshold: number,
): { compra: ClassMetrics; venta: ClassMetrics; multiLogLoss: number } {
  const classMetrics = (cls: 1 | 2): ClassMetrics => {
    const scores = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) scores[r] = probs[r * 3 + cls]!;
    const labels = oneVsRest(y, nRows, cls);
    let positives = 0;
    for (let r = 0; r < nRows; r++) positives += labels[r]!;
    return {
      rocAuc: rocAuc(scores, labels),
      prAuc: prAuc(scores, labels),
      threshold,
      ...precisionAt(scores, labels, threshold),
      positives,
      prevalence: nRows ? positives / nRows : NaN,
      calibration: calibration(scores, labels, 10),
    };
  };
  return {
    compra: classMetrics(1),
    venta: classMetrics(2),
    multiLogLoss: multiLogLoss(probs.subarray(0, nRows * 3), 3, y.subarray(0, nRows)),
  };
}

/** 1 where the label is `cls`, else 0. */
export function oneVsRest(y: Uint8Array, nRows: number, cls: number): Uint8Array {
  const out = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = y[r] === cls ? 1 : 0;
  return out;
}
