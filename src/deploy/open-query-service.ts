import { awsClientConfig } from '../core/aws/client-config.js';
import { homeLayout } from './home-layout.js';
import { SAVED_QUERIES } from './saved-queries.js';
import { AthenaClient } from '@aws-sdk/client-athena';
import { openCatalog } from './adapters.js';
import type { Catalog } from '../core/catalog/catalog.js';
import type { Config } from './config.js';
import { Governance } from '../core/governance/governance.js';
import { AthenaQueryEngine } from '../core/query/athena/athena-query-engine.js';
import { DuckDbQueryEngine } from '../core/query/duckdb/duckdb-query-engine.js';
import type { QueryEngine } from '../core/query/query-engine.js';
import { QueryService } from '../core/query/query-service.js';
import { SqliteCatalog } from '../core/catalog/sqlite/sqlite-catalog.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import { LocalFsObjectStore } from '../core/object-store/local-fs/local-fs-object-store.js';
import { withLocalLake } from '../fx/decisions/training/lake-folder.js';

/** A lake with the catalog and the query engine that read it. */
export interface QueryableLake {
  datalake: ObjectStore;
  catalog: Catalog;
  query: QueryEngine;
}

/**
 * Runs `fn` on a lake the configured engine can read: `lake` itself, unless DuckDB must read a
 * lake kept elsewhere (S3), which it cannot: then the raw FX tables are copied to a temporary
 * folder under `$CORRIENTE_HOME/tmp/`, cataloged in memory (`fn` crawls them) and queried there.
 * @example const report = await withQueryableLake(config, { datalake, catalog, query }, (l) => reconcile({ ...l, log, portfolios }));
 */
export async function withQueryableLake<T>(
  config: Config,
  lake: QueryableLake,
  fn: (lake: QueryableLake) => Promise<T>,
): Promise<T> {
  if (lake.datalake.localPath || config.query.engine === 'athena') return fn(lake);
  const home = homeLayout(config.home);
  return withLocalLake(lake.datalake, home.tmp('lake-copy'), async (lakeDir) => {
    const catalog = new SqliteCatalog({ path: ':memory:' });
    const query = openQueryEngine(config, catalog);
    try {
      return await fn({ datalake: new LocalFsObjectStore({ root: lakeDir }), catalog, query });
    } finally {
      await query.close();
      await catalog.close();
    }
  });
}

/**
 * The query engine `query.engine` names, over `catalog`: DuckDB (reading the lake the catalog
 * points at, spilling under `$CORRIENTE_HOME/tmp/<tempName>`) or Athena (the Glue Data Catalog
 * and the lake on S3). Every command that runs SQL over the lake gets its engine here. The
 * caller closes the engine, and the catalog after it.
 *
 * @example const query = openQueryEngine(config, catalog, { tempName: 'duckdb-reconcile' });
 */
export function openQueryEngine(
  config: Config,
  catalog: Catalog,
  options: {
    /** DuckDB's spill folder under the home's tmp. @default 'duckdb-query' */
    tempName?: string;
  } = {},
): QueryEngine {
  const q = config.query;
  if (q.engine === 'athena') {
    return new AthenaQueryEngine({
      client: new AthenaClient(
        awsClientConfig({
          region: q.athena.region,
          ...(q.athena.endpoint ? { endpoint: q.athena.endpoint } : {}),
        }),
      ),
      workGroup: q.athena.workGroup,
      dataCatalog: q.athena.catalog,
      catalog,
      defaultTimeoutMs: q.timeoutMs,
      ...(q.athena.outputLocation ? { outputLocation: q.athena.outputLocation } : {}),
    });
  }
  return new DuckDbQueryEngine({
    catalog,
    tempDirectory: homeLayout(config.home).tmp(options.tempName ?? 'duckdb-query'),
    defaultTimeoutMs: q.timeoutMs,
    ...(q.memoryLimit ? { memoryLimit: q.memoryLimit } : {}),
  });
}

/**
 * The query service the configuration describes: the engine (`query.engine`), the catalog,
 * the governance section, the limits. The one place query adapters are chosen. Closing the
 * service closes the engine and the catalog.
 */
export function openQueryService(config: Config): QueryService {
  const catalog = openCatalog(config);
  const q = config.query;
  const engine = openQueryEngine(config, catalog);
  const closing: QueryEngine = {
    query: (sql, options) => engine.query(sql, options),
    listTables: (policy) => engine.listTables(policy),
    close: async () => {
      try {
        await engine.close();
      } finally {
        await catalog.close();
      }
    },
  };
  return new QueryService({
    engine: closing,
    governance: Governance.fromConfig(config.governance),
    savedQueries: SAVED_QUERIES,
    defaultLimit: q.defaultLimit,
    maxLimit: q.maxLimit,
    timeoutMs: q.timeoutMs,
  });
}
