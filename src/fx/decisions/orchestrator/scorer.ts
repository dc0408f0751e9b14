import type { RecommendationReason } from '../../events.js';
import { calibrateInPlace, readCalibration } from '../../../ml/calibration.js';
import { reasonsFromContributions, type Side } from './reasons.js';

/**
 * What turns feature vectors into class probabilities: the approved model, or the rules.
 * Probabilities are row-major `n × 3` for the classes [ninguna, compra (BUY), venta (SELL)].
 */
export interface Scorer {
  readonly kind: 'model' | 'rules';
  /** The model group, for a model. */
  readonly group?: string;
  /** The model version, or `reglas-v1`. */
  readonly version: string;
  /** The model a model scorer predicts with (what a parallel predictor loads). */
  readonly model?: ScoringModel;
  /** Scores `n` rows of `x` (row-major, one column per feature name of the vectors). */
  score(x: Float32Array, n: number, out?: Float64Array): Float64Array;
  /**
   * Turns the model's raw probabilities (`n × 3`, e.g. from the parallel predictor) into the
   * served ones, in place: the calibration stored with the model. `score` already applies it.
   */
  calibrate?(probs: Float64Array, n: number): void;
  /** Why `row` favours `side`: at most three Spanish reasons, strongest first. */
  reasons(row: Float32Array, side: Side, probability: number): RecommendationReason[];
}

/** The part of `GbdtModel` (`src/ml/gbdt`) the orchestrator uses. */
export interface ScoringModel {
  readonly numFeature: number;
  readonly featureNames: readonly string[] | undefined;
  /** XGBoost attributes of the artifact: a calibration fitted at training is applied. */
  readonly attributes?: Readonly<Record<string, string>>;
  predict(x: Float32Array, nRows: number, out?: Float64Array): Float64Array;
  /**
   * `(numFeature + 1) × 3` margin contributions, bias last in each class's block; with `output`,
   * only that class's block is computed.
   */
  contributions(row: ArrayLike<number>, output?: number): Float64Array;
}

/** What `ModelHandle.current()` (`src/ml/serve`) returns: the served model, hot-swapped. */
export interface ServedModel {
  group?: string;
  /** The registry's version number (or a label). */
  version?: number | string;
  model: ScoringModel;
}

/** The part of `ModelHandle` the orchestrator uses. */
export interface ModelSource {
  current(): ServedModel | undefined;
}

/** Thrown when a model cannot score the vectors the feature source computes. */
export class ModelMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

/**
 * A scorer over one served model; its probabilities are calibrated when the artifact holds a
 * calibration (`corriente_calibration`, fitted on the validation period by `fx train`). Refuses a model trained on other features (different names or
 * order): its scores would be silently wrong.
 * @throws ModelMismatchError
 */
export function modelScorer(served: ServedModel, featureNames: readonly string[]): Scorer {
  const { model } = served;
  if (model.numFeature !== featureNames.length) {
    throw new ModelMismatchError(
      `model ${served.version ?? '(unversioned)'} expects ${model.numFeature} features; the feature source computes ${featureNames.length}`,
    );
  }
  const names = model.featureNames;
  if (names) {
    const i = names.findIndex((n, k) => n !== featureNames[k]);
    if (i >= 0) {
      throw new ModelMismatchError(
        `model ${served.version ?? '(unversioned)'} has feature ${JSON.stringify(names[i])} at column ${i}; the feature source has ${JSON.stringify(featureNames[i])}`,
      );
    }
  }
  let calibration;
  try {
    calibration = readCalibration(model.attributes);
  } catch (err) {
    throw new ModelMismatchError(
      `model ${served.version ?? '(unversioned)'}: ${(err as Error).message}`,
    );
  }
  const calibrate = calibration
    ? (probs: Float64Array, n: number) => calibrateInPlace(calibration, probs, n, 3, 0)
    : undefined;
  return {
    kind: 'model',
    ...(served.group !== undefined ? { group: served.group } : {}),
    version: served.version !== undefined ? String(served.version) : 'sin-version',
    model,
    score: (x, n, out) => {
      const probs = model.predict(x, n, out);
      calibrate?.(probs, n);
      return probs;
    },
    ...(calibrate ? { calibrate } : {}),
    reasons: (row, side, probability) =>
      reasonsFromContributions(
        model.contributions(row, side === 'BUY' ? 1 : 2),
        featureNames,
        row,
        side,
        probability,
      ),
  };
}

/**
 * Follows a model handle: `current()` is the scorer of the model served right now, or
 * `undefined` without one. The scorer is rebuilt only when the handle swaps models.
 *
 * @example
 * const models = modelScorerSource(handle, FEATURE_NAMES);
 * const scorer = models.current() ?? rulesScorer(FEATURE_NAMES);
 */
export function modelScorerSource(
  handle: ModelSource,
  featureNames: readonly string[],
): { current(): Scorer | undefined } {
  let lastServed: ServedModel | undefined;
  let lastScorer: Scorer | undefined;
  return {
    current() {
      const served = handle.current();
      if (!served) return undefined;
      if (served !== lastServed) {
        lastScorer = modelScorer(served, featureNames);
        lastServed = served;
      }
      return lastScorer;
    },
  };
}

/** The uplift model's view the decider uses (`fx.orchestrator.rankBy: uplift`). */
export interface UpliftScorer {
  /** The uplift model's group and version, for the audit. */
  readonly version: string;
  /** Predicted uplift of suggesting `side` to the user of `row` (a feature vector). */
  uplift(row: Float32Array, side: Side): number;
}
