import * as path from 'node:path';
import type { Catalog } from '../core/catalog/catalog.js';
import { SqliteCatalog } from '../core/catalog/sqlite/sqlite-catalog.js';
import { localStorePath, type Config, type StoreConfig } from './config.js';
import { LocalFsObjectStore } from '../core/object-store/local-fs/local-fs-object-store.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import type { Logger } from '../core/log/logger.js';
import type { LakeChain } from '../energy/lake-chain.js';
import { SqliteTransformState } from '../energy/transform/sqlite/sqlite-transform-state.js';
import { openWarehouse } from './warehouse.js';
import { S3ObjectStore } from '../core/object-store/s3/s3-object-store.js';

/** Builds the ObjectStore a store configuration names. The one place adapters are chosen. */
export function createObjectStore(config: Config, store: StoreConfig): ObjectStore {
  switch (store.type) {
    case 'local':
      return new LocalFsObjectStore(localStorePath(config, store));
    case 's3':
      return new S3ObjectStore({
        bucket: store.bucket,
        prefix: store.prefix,
        region: store.region,
        forcePathStyle: store.forcePathStyle,
        multipartThresholdBytes: store.multipartThresholdBytes,
        ...(store.endpoint ? { endpoint: store.endpoint } : {}),
      });
  }
}

export interface Stores {
  source: ObjectStore;
  datalake: ObjectStore;
}

export function createStores(config: Config): Stores {
  return {
    source: createObjectStore(config, config.stores.source),
    datalake: createObjectStore(config, config.stores.datalake),
  };
}

/** The catalog (Glue Data Catalog's role): a SQLite file at `$CORRIENTE_HOME/catalog.db`. */
export function openCatalog(config: Config): Catalog {
  return new SqliteCatalog({ path: path.join(config.home, 'catalog.db') });
}

/** `$CORRIENTE_HOME/state/transform.db`: transform job runs and bookmarks. */
export function transformStatePath(home: string): string {
  return path.join(home, 'state', 'transform.db');
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
  return new SqliteTransformState(transformStatePath(config.home));
}

/** A local folder as an ObjectStore (e.g. `corriente generate --out DIR`). */
export function openLocalFolder(dir: string): ObjectStore {
  return new LocalFsObjectStore(dir);
}
