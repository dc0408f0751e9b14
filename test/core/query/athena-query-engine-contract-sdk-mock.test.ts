import { AthenaQueryEngine } from '../../../src/core/query/athena/athena-query-engine.js';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { fakeAthena } from './fake-athena.js';
import { queryEngineContract } from './query-engine-contract.js';

// sdk mock: no Athena emulator exists. The fake Athena runs each query on DuckDB over the same
// catalog and answers in Athena's shapes (states, text values, header row, pages of 1000).
queryEngineContract('AthenaQueryEngine (sdk mock)', async (catalog) => {
  const duck = new DuckDbQueryEngine({ catalog, threads: 1 });
  const athena = fakeAthena(duck);
  const engine = new AthenaQueryEngine({
    client: athena.client,
    workGroup: 'corriente',
    outputLocation: 's3://results/athena/',
    catalog,
    pollMinMs: 1,
    pollMaxMs: 10,
  });
  return {
    engine,
    cleanup: async () => {
      await engine.close();
      await duck.close();
      athena.restore();
    },
  };
});
