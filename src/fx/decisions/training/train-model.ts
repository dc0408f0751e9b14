import { trainGbdt, type GbdtModel } from '../../../ml/gbdt/index.js';
import {
  CALIBRATION_ATTRIBUTE,
  calibrateInPlace,
  fitIsotonic,
  reliabilityNear,
  type ModelCalibration,
  type ReliabilityBin,
} from '../../../ml/calibration.js';
import { calibration } from '../../../ml/metrics.js';
import type { TransactionExecuted } from '../../events.js';
import type { TickColumns } from '../features/lake-history.js';
import { productMetrics, type ProductMetrics } from './product-metrics.js';
import { FEATURE_NAMES, FEATURE_VERSION, NUM_FEATURES } from '../features/feature-names.js';
import { LakeHistory } from '../features/lake-history.js';
import { trainingConfigSchema, type TrainingConfig } from './model-config.js';
import { buildDataset, type Dataset, type DatasetPart } from './dataset.js';
import {
  evaluateBaselines,
  evaluateProbabilities,
  oneVsRest,
  type BaselineMetrics,
  type ClassMetrics,
} from './evaluate.js';

/** What `trainModel` reports while it works (the CLI draws its progress display from it). */
export type TrainingProgress =
  | { phase: 'reading-lake' }
  | { phase: 'samples'; usersDone: number; usersTotal: number }
  | { phase: 'samples-built'; train: number; validation: number; test: number }
  | { phase: 'boosting'; iteration: number; of: number; trainLoss: number; validLoss?: number }
  | { phase: 'evaluating' };

/** Reliability of one class's probabilities near the threshold, on the test period. */
export interface ReliabilityNearThreshold {
  /** As served (calibrated on the validation period). */
  calibrated: ReliabilityBin[];
  /** The trees' raw probabilities, for comparison. */
  raw: ReliabilityBin[];
  /** Expected calibration error of the raw probabilities (10 uniform bins). */
  rawEce: number;
}

/**
 * The metrics stored with a model version (the registry's auto-approve reads `compra.rocAuc`, …).
 * `compra`, `venta`, `multiLogLoss`, `baselines` and `product` are measured on the untouched test
 * period with the calibrated probabilities the orchestrator serves.
 */
export interface TrainingMetrics {
  compra: ClassMetrics;
  venta: ClassMetrics;
  /** Multi-class log loss on the test period. */
  multiLogLoss: number;
  /** The same test rows scored by simple rules. */
  baselines: Record<string, BaselineMetrics>;
  /** Near the threshold: calibrated vs raw, per class. */
  reliability: { compra: ReliabilityNearThreshold; venta: ReliabilityNearThreshold };
  /** Precision at the threshold, lift over the frequency baseline, notifications, price. */
  product: ProductMetrics;
  /** ROC AUC on the validation period (the rows early stopping and calibration saw). */
  validationRocAuc: { compra: number; venta: number };
  classBalance: {
    train: { ninguna: number; compra: number; venta: number };
    validation: { ninguna: number; compra: number; venta: number };
    test: { ninguna: number; compra: number; venta: number };
  };
  samples: { train: number; validation: number; test: number };
  /**
   * ISO instants: the range the model was fitted on (training + validation, `[from, to)`), the
   * validation start (`splitAt`), and the untouched test period `[testFrom, testTo)`.
   */
  trainingRange: { from: string; to: string };
  splitAt: string;
  testRange: { from: string; to: string };
  calibration: { method: 'isotonic'; fittedOn: string };
  horizonHours: number;
  /** 0-based best boosting round (early stopping on the validation loss); trees kept = +1. */
  bestIteration: number;
  users: number;
  transactions: number;
  featureVersion: string;
}

export interface TrainModelOptions {
  /** The datalake's local folder. */
  lakeDir: string;
  /** The users' time zone. @default 'America/Bogota' */
  timezone?: string;
  /** Settings (`fx.model.training`); missing keys take their defaults. */
  training?: Partial<Omit<TrainingConfig, 'gbdt'>> & { gbdt?: Partial<TrainingConfig['gbdt']> };
  /** Range start, inclusive. @default the first event */
  from?: Date;
  /** Range end, exclusive. @default after the last event */
  to?: Date;
  onProgress?: (p: TrainingProgress) => void;
  /** DuckDB spill folder and memory limit for reading the lake. */
  tempDirectory?: string;
  memoryLimit?: string;
  /** Return the dataset too (benchmarks compare other learners on the same rows). */
  keepDataset?: boolean;
  /**
   * The policy's frequency limits the notifications-per-week metric replays.
   * @default { cooldownHours: 6, maxPerWeek: 2 } (`fx.orchestrator.policy`'s defaults)
   */
  policy?: { cooldownHours: number; maxPerWeek: number };
}

/** The test period's trades and the ticks (to measure other models' product metrics alike). */
export interface TestMarket {
  trades: TransactionExecuted[];
  ticks: TickColumns;
}

export interface TrainModelResult {
  model: GbdtModel;
  metrics: TrainingMetrics;
  featureVersion: string;
  featureNames: readonly string[];
  trainingRange: { from: string; to: string };
  horizonHours: number;
  samples: { train: number; validation: number; test: number };
  /** The calibration stored in the model's attributes. */
  calibration: ModelCalibration;
  /** With `keepDataset`. */
  dataset?: Dataset;
  /** With `keepDataset`. */
  market?: TestMarket;
}

/**
 * Trains the FX recommendation model from the lake: builds the time-split dataset (training,
 * validation, untouched test) with the shared features, boosts `multi:softprob` trees over 3
 * classes (ninguna, compra, venta) with early stopping on the validation period only, fits an
 * isotonic calibration of compra and venta on the validation period (stored in the model's
 * attributes, so serving and the backtest use the same probabilities), and measures the
 * calibrated model, the baselines and the product metrics on the test period. Independent of the
 * model registry: the caller stores or registers the result.
 *
 * @example
 * const { model, metrics } = await trainModel({ lakeDir, timezone: config.timezone,
 *   training: config.fx.model.training });
 * await datalake.put('models/…/model.json', model.toXgboostText());
 */
export async function trainModel(o: TrainModelOptions): Promise<TrainModelResult> {
  const parsed = trainingConfigSchema.safeParse(o.training ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new RangeError(`training option ${i.path.join('.')}: ${i.message}`);
  }
  const cfg = parsed.data;
  o.onProgress?.({ phase: 'reading-lake' });
  const history = await LakeHistory.open({
    lakeDir: o.lakeDir,
    ...(o.tempDirectory ? { tempDirectory: o.tempDirectory } : {}),
    ...(o.memoryLimit ? { memoryLimit: o.memoryLimit } : {}),
  });
  let ds: Dataset;
  let market: TestMarket;
  try {
    ds = await buildDataset({
      history,
      timezone: o.timezone ?? 'America/Bogota',
      horizonHours: cfg.horizonHours,
      sampleEveryHours: cfg.sampleEveryHours,
      warmupDays: cfg.warmupDays,
      validationFraction: cfg.validationFraction,
      testFraction: cfg.testFraction,
      usersPerChunk: cfg.usersPerChunk,
      ...(o.from ? { fromMs: o.from.getTime() } : {}),
      ...(o.to ? { toMs: o.to.getTime() } : {}),
      onProgress: (p) => o.onProgress?.(p),
    });
    market = {
      trades: await history.transactionsBetween(ds.testMs, ds.toMs),
      ticks: await history.ticks(),
    };
  } finally {
    history.close();
  }
  const { train, validation, test } = ds;
  o.onProgress?.({
    phase: 'samples-built',
    train: train.nRows,
    validation: validation.nRows,
    test: test.nRows,
  });

  const g = cfg.gbdt;
  const { model: trees, bestIteration } = trainGbdt({
    x: train.x,
    y: train.y,
    nRows: train.nRows,
    nFeatures: NUM_FEATURES,
    featureNames: FEATURE_NAMES,
    objective: 'multi:softprob',
    numClass: 3,
    nEstimators: g.nEstimators,
    maxDepth: g.maxDepth,
    learningRate: g.learningRate,
    minChildWeight: g.minChildWeight,
    lambda: g.lambda,
    subsample: g.subsample,
    colsampleByTree: g.colsampleByTree,
    seed: cfg.seed,
    validation: { x: validation.x, y: validation.y, nRows: validation.nRows },
    earlyStoppingRounds: g.earlyStoppingRounds,
    onProgress: (p) => o.onProgress?.({ phase: 'boosting', ...p }),
  });

  o.onProgress?.({ phase: 'evaluating' });
  const validProbs = trees.predict(validation.x, validation.nRows);
  const cal = fitCalibration(validProbs, validation);
  const model = trees.withAttributes({ [CALIBRATION_ATTRIBUTE]: JSON.stringify(cal) });
  const rawTest = trees.predict(test.x, test.nRows);
  const probs = Float64Array.from(rawTest);
  calibrateInPlace(cal, probs, test.nRows, 3, 0);
  const evaluation = evaluateOnTest({
    probs,
    rawProbs: rawTest,
    dataset: ds,
    threshold: cfg.notificationThreshold,
    market,
    ...(o.policy ? { policy: o.policy } : {}),
  });
  const trainingRange = {
    from: new Date(ds.fromMs).toISOString(),
    to: new Date(ds.testMs).toISOString(),
  };
  const samples = { train: train.nRows, validation: validation.nRows, test: test.nRows };
  const balance = (c: [number, number, number]) => ({
    ninguna: c[0],
    compra: c[1],
    venta: c[2],
  });
  const validQuality = evaluateProbabilities(
    validProbs,
    validation.y,
    validation.nRows,
    cfg.notificationThreshold,
  );
  const metrics: TrainingMetrics = {
    ...evaluation,
    validationRocAuc: { compra: validQuality.compra.rocAuc, venta: validQuality.venta.rocAuc },
    classBalance: {
      train: balance(train.classCounts),
      validation: balance(validation.classCounts),
      test: balance(test.classCounts),
    },
    samples,
    trainingRange,
    splitAt: new Date(ds.splitMs).toISOString(),
    testRange: { from: new Date(ds.testMs).toISOString(), to: new Date(ds.toMs).toISOString() },
    calibration: { method: 'isotonic', fittedOn: cal.fittedOn },
    horizonHours: cfg.horizonHours,
    bestIteration,
    users: ds.users,
    transactions: ds.transactions,
    featureVersion: FEATURE_VERSION,
  };
  return {
    model,
    metrics,
    featureVersion: FEATURE_VERSION,
    featureNames: FEATURE_NAMES,
    trainingRange,
    horizonHours: cfg.horizonHours,
    samples,
    calibration: cal,
    ...(o.keepDataset ? { dataset: ds, market } : {}),
  };
}

/** Isotonic calibrators of compra (output 1) and venta (output 2) fitted on `part`. */
export function fitCalibration(probs: Float64Array, part: DatasetPart): ModelCalibration {
  const outputs: ModelCalibration['outputs'] = {};
  for (const cls of [1, 2] as const) {
    const scores = new Float64Array(part.nRows);
    for (let r = 0; r < part.nRows; r++) scores[r] = probs[3 * r + cls]!;
    outputs[String(cls)] = fitIsotonic(scores, oneVsRest(part.y, part.nRows, cls));
  }
  return { method: 'isotonic', fittedOn: `validation (${part.nRows} rows)`, outputs };
}

/**
 * Everything measured on the test period from calibrated probabilities (`probs`) and the trees'
 * raw ones: class metrics, baselines, reliability near the threshold, product metrics. Shared
 * with the benchmark, which measures XGBoost the same way.
 */
export function evaluateOnTest(o: {
  probs: Float64Array;
  rawProbs: Float64Array;
  dataset: Dataset;
  threshold: number;
  market: TestMarket;
  policy?: { cooldownHours: number; maxPerWeek: number };
}): Pick<
  TrainingMetrics,
  'compra' | 'venta' | 'multiLogLoss' | 'baselines' | 'reliability' | 'product'
> {
  const { test } = o.dataset;
  const quality = evaluateProbabilities(o.probs, test.y, test.nRows, o.threshold);
  const near = (cls: 1 | 2): ReliabilityNearThreshold => {
    const cal = new Float64Array(test.nRows);
    const raw = new Float64Array(test.nRows);
    for (let r = 0; r < test.nRows; r++) {
      cal[r] = o.probs[3 * r + cls]!;
      raw[r] = o.rawProbs[3 * r + cls]!;
    }
    const labels = oneVsRest(test.y, test.nRows, cls);
    return {
      calibrated: reliabilityNear(cal, labels, o.threshold),
      raw: reliabilityNear(raw, labels, o.threshold),
      rawEce: calibration(raw, labels, 10).ece,
    };
  };
  return {
    ...quality,
    baselines: evaluateBaselines(test),
    reliability: { compra: near(1), venta: near(2) },
    product: productMetrics({
      probs: o.probs,
      part: test,
      userIds: o.dataset.userIds,
      threshold: o.threshold,
      horizonMs: o.dataset.horizonMs,
      fromMs: o.dataset.testMs,
      toMs: o.dataset.toMs,
      trades: o.market.trades,
      ticks: o.market.ticks,
      ...(o.policy ?? {}),
    }),
  };
}
