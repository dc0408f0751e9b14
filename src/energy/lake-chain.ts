import type { Logger } from '../core/log/logger.js';
import type { Catalog, CrawlReport } from '../core/catalog/catalog.js';
import { crawl } from '../core/crawler/index.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import type { EnergyConfig } from './energy-config.js';
import { energyContracts, jobsOf } from './contracts/load-contracts.js';
import { runTransforms, type TransformReport } from './transform/runner.js';
import type { TransformState } from './transform/transform-state.js';
import { loadWarehouse, type WarehouseLoadReport } from './warehouse/load.js';
import type { Warehouse } from './warehouse/warehouse.js';

/**
 * What the chain after an ingestion needs: the lake, the catalog, the job state and the
 * warehouse, as the composition root (`src/deploy/`) chose them.
 */
export interface LakeChain {
  config: EnergyConfig;
  stores: { datalake: ObjectStore };
  log: Logger;
  catalog: Catalog;
  transformState: TransformState;
  openWarehouse: () => Promise<Warehouse>;
  close(): Promise<void>;
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
      jobs: jobsOf(energyContracts(config)),
      duckdb: { memoryLimit: config.lake.transformMemoryLimit },
    },
    {},
  );
  const crawlProcessed = await crawl(
    { datalake: stores.datalake, catalog, log },
    { zone: 'processed' },
  );
  const warehouse = await loadWarehouse({
    datalake: stores.datalake,
    home: config.home,
    log,
    openWarehouse: chain.openWarehouse,
  });
  return { crawlRaw, transform, crawlProcessed, warehouse };
}
