export * from './query-engine.js';
export { DuckDbQueryEngine, type DuckDbQueryEngineOptions } from './duckdb/duckdb-query-engine.js';
export {
  QueryService,
  type QueryRequest,
  type QueryResponse,
  type QueryServiceOptions,
} from './query-service.js';
export { findSavedQuery, type SavedQuery } from './saved-queries.js';
export { lakeRoutes, type LakeRoutesDeps } from './http/lake-routes.js';
