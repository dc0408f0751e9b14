import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { queryEngineContract } from './query-engine-contract.js';

queryEngineContract('DuckDbQueryEngine', async (catalog) => {
  const engine = new DuckDbQueryEngine({ catalog, threads: 1 });
  return { engine, cleanup: () => engine.close() };
});
