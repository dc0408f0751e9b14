export * from './query-engine.js';
export { DuckDbQueryEngine, type DuckDbQueryEngineOptions } from './duckdb/duckdb-query-engine.js';
export { AthenaQueryEngine, type AthenaQueryEngineOptions } from './athena/athena-query-engine.js';
export {
  QueryService,
  type QueryRequest,
  type QueryResponse,
  type QueryServiceOptions,
} from './query-service.js';
export { SAVED_QUERIES, findSavedQuery, type SavedQuery } from './saved-queries.js';
export { Lake, type LakeOpenOptions, type LakeQueryOptions } from '../../deploy/lake.js';
export { lakeRoutes, type LakeRoutesDeps } from './http/lake-routes.js';
export { openQueryService } from '../../deploy/open-query-service.js';
