import { trainGbdt, type GbdtModel } from '../../../ml/gbdt/index.js';
import { FEATURE_NAMES, FEATURE_VERSION, NUM_FEATURES } from '../features/feature-names.js';
import { LakeHistory } from '../features/lake-history.js';
import { trainingConfigSchema, type TrainingConfig } from './model-config.js';
import { buildDataset, type Dataset } from './dataset.js';
import {
  evaluateBaselines,
  evaluateProbabilities,
  type BaselineMetrics,
  type ClassMetrics,
} from './evaluate.js';

/** What `trainModel` reports while it works (the CLI draws its progress display from it). */
export type TrainingProgress =
  | { phase: 'reading-lake' }
  | { phase: 'samples'; usersDone: number; usersTotal: number }
  | { phase: 'samples-built'; train: number; validation: number }
  | { phase: 'boosting'; iteration: number; of: number; trainLoss: number; validLoss?: number }
  | { phase: 'evaluating' };

/** The metrics stored with a model version (the registry's auto-approve reads `compra.rocAuc`, …). */
export interface TrainingMetrics {
  compra: ClassMetrics;
  venta: ClassMetrics;
  /** Multi-class log loss on the validation set. */
  multiLogLoss: number;
  /** The same validation rows scored by simple rules. */
  baselines: Record<string, BaselineMetrics>;
  classBalance: {
    train: { ninguna: number; compra: number; venta: number };
    validation: { ninguna: number; compra: number; venta: number };
  };
  samples: { train: number; validation: number };
  /** ISO instants: the sampled range `[from, to)` and the split. */
  trainingRange: { from: string; to: string };
  splitAt: string;
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
}

export interface TrainModelResult {
  model: GbdtModel;
  metrics: TrainingMetrics;
  featureVersion: string;
  featureNames: readonly string[];
  trainingRange: { from: string; to: string };
  horizonHours: number;
  samples: { train: number; validation: number };
  /** With `keepDataset`. */
  dataset?: Dataset;
}

/**
 * Trains the FX recommendation model from the lake: builds the time-split dataset with the
 * shared features, boosts `multi:softprob` trees over 3 classes (ninguna, compra, venta) with
 * early stopping on the validation set, and measures the model and the baselines on it.
 * Independent of the model registry: the caller stores or registers the result.
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
  try {
    ds = await buildDataset({
      history,
      timezone: o.timezone ?? 'America/Bogota',
      horizonHours: cfg.horizonHours,
      sampleEveryHours: cfg.sampleEveryHours,
      warmupDays: cfg.warmupDays,
      validationFraction: cfg.validationFraction,
      usersPerChunk: cfg.usersPerChunk,
      ...(o.from ? { fromMs: o.from.getTime() } : {}),
      ...(o.to ? { toMs: o.to.getTime() } : {}),
      onProgress: (p) => o.onProgress?.(p),
    });
  } finally {
    history.close();
  }
  const { train, validation } = ds;
  o.onProgress?.({ phase: 'samples-built', train: train.nRows, validation: validation.nRows });

  const g = cfg.gbdt;
  const { model, bestIteration } = trainGbdt({
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
  const probs = model.predict(validation.x, validation.nRows);
  const quality = evaluateProbabilities(
    probs,
    validation.y,
    validation.nRows,
    cfg.notificationThreshold,
  );
  const trainingRange = {
    from: new Date(ds.fromMs).toISOString(),
    to: new Date(ds.toMs).toISOString(),
  };
  const samples = { train: train.nRows, validation: validation.nRows };
  const balance = (c: [number, number, number]) => ({
    ninguna: c[0],
    compra: c[1],
    venta: c[2],
  });
  const metrics: TrainingMetrics = {
    ...quality,
    baselines: evaluateBaselines(validation),
    classBalance: {
      train: balance(train.classCounts),
      validation: balance(validation.classCounts),
    },
    samples,
    trainingRange,
    splitAt: new Date(ds.splitMs).toISOString(),
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
    ...(o.keepDataset ? { dataset: ds } : {}),
  };
}
