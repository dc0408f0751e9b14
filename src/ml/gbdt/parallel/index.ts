export { ParallelPredictor } from './parallel-predictor.js';
export type { ParallelPredictorOptions } from './parallel-predictor.js';
