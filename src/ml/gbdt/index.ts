export { GbdtModel } from './model.js';
export { ModelFormatError } from './errors.js';
export type { GbdtObjective, ModelData, TreeArrays } from './tree.js';
export type { PredictorKind } from './predictor.js';
export { stringifyXgboostJson } from './xgboost-json.js';
export { trainGbdt } from './train/train.js';
export type { TrainOptions, TrainResult } from './train/train.js';
export { syntheticClassification } from './synthetic.js';
export type { SyntheticData, SyntheticOptions } from './synthetic.js';
