/**
 * The composition root's one map from configuration to adapters: every port's adapter is chosen
 * and constructed here (and nowhere else: `npm run lint` refuses adapter imports outside
 * `src/deploy/`). Paths under `$CORRIENTE_HOME` come from `home-layout.ts`.
 */
import * as path from 'node:path';
import type { Catalog } from '../core/catalog/catalog.js';
import { GlueClient } from '@aws-sdk/client-glue';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { awsClientConfig } from '../core/aws/client-config.js';
import { GlueCatalog } from '../core/catalog/glue/glue-catalog.js';
import { SqliteCatalog } from '../core/catalog/sqlite/sqlite-catalog.js';
import { localStorePath, type Config } from './config.js';
import { homeLayout } from './home-layout.js';
import { LocalFsObjectStore } from '../core/object-store/local-fs/local-fs-object-store.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import type { Logger } from '../core/log/logger.js';
import type { LakeChain } from '../energy/lake-chain.js';
import type { IngestClaims } from '../energy/ingest/ingest-claims.js';
import { PostgresIngestClaims } from '../energy/ingest/postgres/postgres-ingest-claims.js';
import { SqliteIngestClaims } from '../energy/ingest/sqlite/sqlite-ingest-claims.js';
import { SqliteTransformState } from '../energy/transform/sqlite/sqlite-transform-state.js';
import { DiskEventLog } from '../core/event-log/disk/disk-event-log.js';
import type { EventLog } from '../core/event-log/event-log.js';
import { KinesisEventLog } from '../core/event-log/kinesis/kinesis-event-log.js';
import { SqliteCheckpointStore } from '../core/event-log/sqlite/sqlite-checkpoint-store.js';
import { PostgresCheckpointStore } from '../core/event-log/postgres/postgres-checkpoint-store.js';
import type { LeaseStore } from '../core/lease/lease.js';
import { PostgresLeaseStore } from '../core/lease/postgres/postgres-lease-store.js';
import { SqliteLeaseStore } from '../core/lease/sqlite/sqlite-lease-store.js';
import type { PgPool } from '../core/state/postgres/index.js';
import type { OrchestratorState } from '../fx/decisions/orchestrator/orchestrator-state.js';
import { PostgresOrchestratorState } from '../fx/decisions/orchestrator/postgres/postgres-orchestrator-state.js';
import { SqliteOrchestratorState } from '../fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { DynamoDbPortfolioStore } from '../fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import type { PortfolioStore } from '../fx/portfolio/portfolio-store.js';
import { SqlitePortfolioStore } from '../fx/portfolio/sqlite/sqlite-portfolio-store.js';
import type { ModelRegistry } from '../ml/registry/model-registry.js';
import { SageMakerModelRegistry } from '../ml/registry/sagemaker/sagemaker-model-registry.js';
import { PostgresModelRegistry } from '../ml/registry/postgres/postgres-model-registry.js';
import { SqliteModelRegistry } from '../ml/registry/sqlite/sqlite-model-registry.js';
import { DuckDbWarehouse } from '../energy/warehouse/duckdb/duckdb-warehouse.js';
import { PostgresWarehouse } from '../energy/warehouse/postgres/postgres-warehouse.js';
import {
  WarehouseConfigError,
  type Warehouse,
  type WarehouseTarget,
} from '../energy/warehouse/warehouse.js';

import { createObjectStore, type Stores } from './stores.js';
import { REGISTRY_NEEDS_POSTGRES_STATE } from './adapter-map.js';
import { ConfigError } from '../core/util/config-error.js';
import { openPostgresState, type OpenStateOptions } from './state.js';

export { createObjectStore, createPriceSource, createStores, type Stores } from './stores.js';

/**
 * The ingestion claims: in the PostgreSQL state store when one is given (`state.type =
 * postgres`: every host and Lambda invocation shares them), else the SQLite file
 * `ingest.claims.path` under the home, shared by the ingestion processes of one host. Callers
 * close it (the pool stays the caller's).
 */
export function openIngestClaims(config: Config, statePool?: PgPool): IngestClaims {
  if (statePool) return new PostgresIngestClaims({ pool: statePool });
  return new SqliteIngestClaims({
    path: homeLayout(config.home).resolve(config.ingest.claims.path),
  });
}

/**
 * The catalog `catalog` names: a SQLite file at `$CORRIENTE_HOME/catalog.db`, or the AWS Glue
 * Data Catalog (crawl reports kept in the datalake store under `catalog.reportsPrefix`).
 */
export function openCatalog(config: Config): Catalog {
  const c = config.catalog;
  if (c.type === 'sqlite') return new SqliteCatalog({ path: homeLayout(config.home).catalogDb });
  return new GlueCatalog({
    client: new GlueClient(
      awsClientConfig({ region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) }),
    ),
    ...(c.catalogId ? { catalogId: c.catalogId } : {}),
    reports: {
      store: createObjectStore(config, config.stores.datalake),
      prefix: c.reportsPrefix,
    },
  });
}

/** `$CORRIENTE_HOME/state/transform.db`: transform job runs and bookmarks. */
export function transformStatePath(home: string): string {
  return homeLayout(home).transformStateDb;
}

/** The energy chain's adapters: the catalog, the transform state and the configured warehouse. */
export function openLakeChain(config: Config, stores: Stores, log: Logger): LakeChain {
  const catalog = openCatalog(config);
  const transformState = openTransformState(config);
  return {
    config,
    stores,
    log,
    catalog,
    transformState,
    openWarehouse: () => openWarehouse(config),
    async close() {
      transformState.close();
      await catalog.close();
    },
  };
}

/** Transform job runs and bookmarks: SQLite at `$CORRIENTE_HOME/state/transform.db`. */
export function openTransformState(config: { home: string }): SqliteTransformState {
  return new SqliteTransformState({ path: transformStatePath(config.home) });
}

/** A local folder as an ObjectStore (e.g. `corriente generate --out DIR`). */
export function openLocalFolder(dir: string): ObjectStore {
  return new LocalFsObjectStore({ root: dir });
}

/**
 * The FX event log the configuration names (`fx.eventLog`). `readOnly` opens a disk log without
 * its writer lock, so a reading command works beside a running `corriente up`.
 */
export async function openFxEventLog(
  config: Config,
  options: {
    readOnly?: boolean;
    /**
     * The PostgreSQL state store (`state.type = postgres`): Kinesis consumers checkpoint there,
     * so an instance on another machine continues where a dead one stopped.
     */
    statePool?: PgPool;
  } = {},
): Promise<EventLog> {
  const c = config.fx.eventLog;
  if (c.type === 'disk') {
    return DiskEventLog.open({
      dir: localStorePath(config, c),
      stream: c.stream,
      ...(options.readOnly ? { readOnly: true } : {}),
    });
  }
  return new KinesisEventLog({
    streamName: c.streamName,
    checkpoints: options.statePool
      ? new PostgresCheckpointStore({ pool: options.statePool })
      : new SqliteCheckpointStore({ path: homeLayout(config.home).kinesisCheckpointsDb }),
    clientConfig: { region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) },
  });
}

/** The portfolio store the configuration names (`fx.portfolioStore`). */
export function openPortfolioStore(config: Config): PortfolioStore {
  const c = config.fx.portfolioStore;
  if (c.type === 'sqlite') return new SqlitePortfolioStore({ path: localStorePath(config, c) });
  return new DynamoDbPortfolioStore({
    tableName: c.tableName,
    region: c.region,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
  });
}

/** The model registry's SQLite file: `<home>/ml/registry.db`. */
export function modelRegistryPath(home: string): string {
  return homeLayout(home).modelRegistryDb;
}

/**
 * The model registry `fx.model.registry.type` names: SQLite (`<home>/ml/registry.db`), the
 * PostgreSQL state store (tables `ml_model_*`, shared by every process of every home) or
 * SageMaker Model Registry, with the artifacts in the datalake store and the auto-approve
 * policy of `fx.model.registry.autoApprove` when configured. The PostgreSQL registry uses
 * `statePool` when given (it stays open on `close()`), else opens (and migrates) a pool of its
 * own, ended by `close()`.
 * @throws ConfigError naming `fx.model.registry.type` when it is postgres without postgres state.
 */
export async function openModelRegistry(
  config: Config,
  datalake: ObjectStore,
  options: { statePool?: PgPool; log?: Logger } = {},
): Promise<ModelRegistry> {
  const registry = config.fx.model.registry;
  const autoApprove = registry.autoApprove;
  if (registry.type === 'postgres') {
    if (config.state.type !== 'postgres') throw new ConfigError(REGISTRY_NEEDS_POSTGRES_STATE);
    const common = {
      store: datalake,
      ...(options.log ? { log: options.log } : {}),
      ...(autoApprove ? { autoApprove } : {}),
    };
    if (options.statePool) return new PostgresModelRegistry({ ...common, pool: options.statePool });
    const pool = await openPostgresState(config, {
      applicationName: 'corriente-ml-registry',
      ...(options.log ? { log: options.log } : {}),
    });
    return new PostgresModelRegistry({ ...common, pool, onClose: () => pool.end() });
  }
  if (registry.type === 'sagemaker') {
    const sm = registry.sagemaker;
    return new SageMakerModelRegistry({
      store: datalake,
      region: sm.region,
      ...(sm.endpoint
        ? {
            client: new SageMakerClient(
              awsClientConfig({ region: sm.region, endpoint: sm.endpoint }),
            ),
          }
        : {}),
      ...(sm.containerImage ? { containerImage: sm.containerImage } : {}),
      ...(autoApprove ? { autoApprove } : {}),
    });
  }
  return new SqliteModelRegistry({
    path: modelRegistryPath(config.home),
    store: datalake,
    ...(autoApprove ? { autoApprove } : {}),
  });
}

/** The adapter `warehouse.target` selects: Redshift goes through the PostgreSQL adapter. */
export function warehouseTarget(config: Config): WarehouseTarget {
  return config.warehouse.target === 'duckdb' ? 'duckdb' : 'postgres';
}

/** Absolute path of the DuckDB warehouse file (`warehouse.duckdbPath` under home). */
export function warehouseDuckDbPath(config: Config): string {
  return homeLayout(config.home).resolve(config.warehouse.duckdbPath);
}

/**
 * Opens the warehouse the configuration names (the one place its adapters are chosen).
 * PostgreSQL / Redshift take their URL from `CORRIENTE_WAREHOUSE_URL` (or `warehouse.postgresUrl`),
 * never from source code.
 *
 * @throws WarehouseConfigError when the target is postgres and no URL is configured.
 */
export async function openWarehouse(
  config: Config,
  target: WarehouseTarget = warehouseTarget(config),
): Promise<Warehouse> {
  if (target === 'duckdb') return DuckDbWarehouse.open({ path: warehouseDuckDbPath(config) });
  const url = config.warehouse.postgresUrl;
  if (!url) {
    throw new WarehouseConfigError(
      'the warehouse target is postgres but no PostgreSQL URL is set: export CORRIENTE_WAREHOUSE_URL ' +
        '(e.g. postgres://user@127.0.0.1:5432/corriente) or set warehouse.postgresUrl in the config file',
    );
  }
  return PostgresWarehouse.open({ url, schema: config.warehouse.postgresSchema });
}

/**
 * The leases of the roles shared by many processes: in the PostgreSQL state store when one is
 * given (`state.type = postgres`), else SQLite at `$CORRIENTE_HOME/state/leases.db` (processes of
 * one machine sharing a home).
 */
export function openLeaseStore(config: Config, statePool?: PgPool): LeaseStore {
  if (statePool) return new PostgresLeaseStore({ pool: statePool });
  return new SqliteLeaseStore({ path: homeLayout(config.home).leasesDb });
}

/**
 * The ingestion claims of a command: in the PostgreSQL state store when `state.type` is postgres
 * (a pool opened for them, migrated first), else the SQLite file under the home. `close()`
 * closes the claims and that pool.
 */
export async function openCommandIngestClaims(
  config: Config,
  options: OpenStateOptions = {},
): Promise<IngestClaims> {
  if (config.state.type !== 'postgres') return openIngestClaims(config);
  const pool = await openPostgresState(config, options);
  return new PostgresIngestClaims({ pool, onClose: () => pool.end() });
}

/**
 * The orchestrator's state: PostgreSQL tables `fx_orchestrator_*` on `statePool` when given
 * (`state.type = postgres`: every orchestrator instance, leader or standby, sees the same
 * cooldowns and outbox), else the SQLite file `fx.orchestrator.statePath` under the home.
 */
export async function openOrchestratorState(
  config: Config,
  statePool?: PgPool,
): Promise<OrchestratorState> {
  if (statePool) return PostgresOrchestratorState.open({ pool: statePool });
  return SqliteOrchestratorState.open(path.resolve(config.home, config.fx.orchestrator.statePath));
}
