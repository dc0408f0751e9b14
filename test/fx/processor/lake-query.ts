import * as path from 'node:path';
import { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import {
  reconcile,
  type ReconcileDeps,
  type ReconcileReport,
} from '../../../src/fx/reconcile/index.js';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import type { Harness } from './harness.js';

/** Runs `reconcile` with a real SQLite catalog and the DuckDB query engine in `h.dir`. */
export async function reconcileHarness(
  h: Harness,
  ledger?: ReconcileDeps['ledger'],
): Promise<ReconcileReport> {
  const catalog = new SqliteCatalog({ path: path.join(h.dir, 'catalog.db') });
  const query = new DuckDbQueryEngine({ catalog });
  try {
    return await reconcile({
      log: h.log,
      datalake: h.datalake,
      catalog,
      query,
      portfolios: h.portfolios,
      ...(ledger ? { ledger } : {}),
    });
  } finally {
    await query.close();
    await catalog.close();
  }
}
