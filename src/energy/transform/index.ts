export type { DataTest, DataTestResult, Severity } from './data-tests.js';
export { jobFor, type ColumnRule, type ColumnSpec, type JobDefinition } from './definitions.js';
export { duckDbDialect, sparkDialect, type SqlDialect } from './dialect.js';
export { renderJob, LINEAGE_COLUMNS, type RenderedJob } from './render.js';
export { renderGlueScript, renderSparkSql } from './spark/glue-script.js';
export { processedKey, quarantineKey, PARTITION_FILE } from './lake-files.js';
export {
  runTransforms,
  type TransformDeps,
  type TransformOptions,
  type TransformReport,
} from './runner.js';
export type {
  JobRun,
  PartitionBookmark,
  PartitionRun,
  RunStatus,
  TransformState,
} from './transform-state.js';
export {
  freshnessReport,
  DEFAULT_CADENCE_HOURS,
  type FreshnessEntry,
  type FreshnessOptions,
} from './freshness.js';
