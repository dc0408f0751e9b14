export {
  processAvailable,
  startStreamProcessor,
  STREAM_PROCESSOR_CONSUMER,
  type StreamProcessor,
  type StreamProcessorOptions,
  type StreamProcessorStats,
} from './stream-processor.js';
export { resetStreamProcessor, type ResetOptions } from './reset.js';
export {
  batchFileName,
  decideSkips,
  readSkips,
  positionSlug,
  processBatch,
  readPlan,
  writePlan,
  PLAN_PREFIX,
  type BatchDeps,
  type BatchPlan,
  type BatchResult,
  type BatchSkips,
  type CutReason,
} from './batch.js';
export {
  INVALID_EVENTS_PREFIX,
  LoadDates,
  putRawFiles,
  RawBatchBuilder,
  type InvalidRecord,
  type RawFile,
} from './raw-writer.js';
export * from './raw-rows.js';
export { ShardLeaseLostError } from './stream-processor.js';
export {
  startSharedStreamProcessor,
  type SharedStreamProcessor,
  type SharedStreamProcessorOptions,
} from './shared-processor.js';
export type { RawEventClaims } from './raw-claims.js';
