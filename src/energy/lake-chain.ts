import type { Logger } from 'pino';
import { openCatalog, transformStatePath, type Stores } from '../deploy/adapters.js';
import type { Catalog, CrawlReport } from '../core/catalog/catalog.js';
import type { Config } from '../deploy/config.js';
import { crawl } from '../core/crawler/index.js';
import { runTransforms, type TransformReport } from './transform/runner.js';
import { SqliteTransformState } from './transform/sqlite/sqlite-transform-state.js';
import type { TransformState } from './transform/transform-state.js';
import { loadWarehouse, type WarehouseLoadReport } from './warehouse/load.js';

/** What the chain after an ingestion needs: the stores, the catalog and the job state. */
export interface LakeChain {
  config: Config;
  stores: Stores;
  log: Logger;
  catalog: Catalog;
  transformState: TransformState;
  close(): Promise<void>;
}

export function openLakeChain(config: Config, stores: Stores, log: Logger): LakeChain {
  const catalog = openCatalog(config);
  const transformState = new SqliteTransformState(transformStatePath(config.home));
  return {
    config,
    stores,
    log,
    catalog,
    transformState,
    async close() {
      transformState.close();
      await catalog.close();
    },
  };
}

export interface LakeChainReport {
  crawlRaw: CrawlReport;
  transform: TransformReport;
  crawlProcessed: CrawlReport;
  warehouse: WarehouseLoadReport;
}

/**
 * Crawl raw → transform → crawl processed → warehouse load: what follows every ingestion that
 * loaded data. Each step is incremental, so running it with nothing new is cheap.
 */
export async function runLakeChain(chain: LakeChain): Promise<LakeChainReport> {
  const { config, stores, log, catalog, transformState } = chain;
  const crawlRaw = await crawl({ datalake: stores.datalake, catalog, log }, { zone: 'raw' });
  const transform = await runTransforms(
    {
      datalake: stores.datalake,
      state: transformState,
      log,
      home: config.home,
      duckdb: { memoryLimit: config.lake.transformMemoryLimit },
    },
    {},
  );
  const crawlProcessed = await crawl(
    { datalake: stores.datalake, catalog, log },
    { zone: 'processed' },
  );
  const warehouse = await loadWarehouse({ datalake: stores.datalake, config, log });
  return { crawlRaw, transform, crawlProcessed, warehouse };
}
