import { awsClientConfig } from '../core/aws/client-config.js';
import { homeLayout } from './home-layout.js';
import { SAVED_QUERIES } from './saved-queries.js';
import { AthenaClient } from '@aws-sdk/client-athena';
import { openCatalog } from './adapters.js';
import type { Config } from './config.js';
import { Governance } from '../core/governance/governance.js';
import { AthenaQueryEngine } from '../core/query/athena/athena-query-engine.js';
import { DuckDbQueryEngine } from '../core/query/duckdb/duckdb-query-engine.js';
import type { QueryEngine } from '../core/query/query-engine.js';
import { QueryService } from '../core/query/query-service.js';

/**
 * The query service the configuration describes: the engine (`query.engine`), the catalog,
 * the governance section, the limits. The one place query adapters are chosen. Closing the
 * service closes the engine and the catalog.
 */
export function openQueryService(config: Config): QueryService {
  const catalog = openCatalog(config);
  const q = config.query;
  let engine: QueryEngine;
  if (q.engine === 'athena') {
    engine = new AthenaQueryEngine({
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
  } else {
    engine = new DuckDbQueryEngine({
      catalog,
      tempDirectory: homeLayout(config.home).tmp('duckdb-query'),
      defaultTimeoutMs: q.timeoutMs,
      ...(q.memoryLimit ? { memoryLimit: q.memoryLimit } : {}),
    });
  }
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
