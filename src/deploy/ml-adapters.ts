import * as path from 'node:path';
import type { Config } from './config.js';
import type { ObjectStore } from '../core/object-store/object-store.js';
import { SqliteModelRegistry } from '../ml/registry/sqlite/sqlite-model-registry.js';

/** The model registry's SQLite file: `<home>/ml/registry.db`. */
export function modelRegistryPath(home: string): string {
  return path.join(home, 'ml', 'registry.db');
}

/**
 * The model registry of this home: SQLite for versions and audit, the datalake store for the
 * artifacts, and the auto-approve policy of `fx.model.registry.autoApprove` when configured.
 */
export function openModelRegistry(config: Config, datalake: ObjectStore): SqliteModelRegistry {
  const autoApprove = config.fx.model.registry.autoApprove;
  return new SqliteModelRegistry({
    path: modelRegistryPath(config.home),
    store: datalake,
    ...(autoApprove ? { autoApprove } : {}),
  });
}
