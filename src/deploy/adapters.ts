import * as path from 'node:path';
import type { Catalog } from '../core/catalog/catalog.js';
import { SqliteCatalog } from '../core/catalog/sqlite/sqlite-catalog.js';
import { localStorePath, type Config, type StoreConfig } from './config.js';
import { LocalFsObjectStore } from '../core/object-store/local-fs/local-fs-object-store.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
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
