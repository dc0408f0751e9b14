export {
  trainModel,
  evaluateOnTest,
  fitCalibration,
  type ReliabilityNearThreshold,
  type TestMarket,
  type TrainModelOptions,
  type TrainModelResult,
  type TrainingMetrics,
  type TrainingProgress,
} from './train-model.js';
export {
  buildDataset,
  EmptyDatasetError,
  type Dataset,
  type DatasetOptions,
  type DatasetPart,
} from './dataset.js';
export {
  BASELINES,
  evaluateBaselines,
  evaluateProbabilities,
  oneVsRest,
  type BaselineMetrics,
  type ClassMetrics,
  type RankingMetrics,
} from './evaluate.js';
export {
  productMetrics,
  topKHits,
  midAverager,
  type PriceOutcome,
  type ProductMetrics,
  type SideProductMetrics,
} from './product-metrics.js';
export {
  isUpliftModel,
  NotEnoughHoldoutError,
  trainUplift,
  upliftOf,
  UPLIFT_FEATURE_NAMES,
  type UpliftMetrics,
  type UpliftTrainResult,
  type UpliftTrainingSettings,
} from './uplift.js';
