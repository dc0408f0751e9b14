import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../../core/log/logger.js';
import { acquireLock } from '../../core/lock/pid-lock.js';
import { ENERGY_ENTITIES, type BuiltinEntity } from '../entities.js';
import { listAll, type ObjectStore } from '../../core/object-store/object-store.js';
import { localFile, PARTITION_FILE } from '../transform/lake-files.js';
import { stagePlan } from './staging.js';
import type {
  LoadHooks,
  PartitionToLoad,
  Warehouse,
  WarehouseLoadCounts,
  WarehouseTarget,
} from './warehouse.js';

export interface WarehouseDeps {
  datalake: ObjectStore;
  /** `CORRIENTE_HOME`: the load's lock and work folder live under it. */
  home: string;
  log: Logger;
  /** An open warehouse to load (it stays open)… */
  warehouse?: Warehouse;
  /** …or how to open one (the composition root's choice of adapter); it is closed after the load. */
  openWarehouse?: () => Promise<Warehouse>;
  now?: () => Date;
}

export interface WarehouseLoadOptions {
  /** Re-stage every processed partition, ignoring the load state (still changes nothing if nothing changed). @default false */
  full?: boolean;
  hooks?: LoadHooks;
}

export interface WarehouseLoadReport extends WarehouseLoadCounts {
  target: WarehouseTarget;
  location: string;
  /** `up-to-date`: no processed partition was new or changed, nothing was run. */
  status: 'loaded' | 'up-to-date';
  /** Processed partitions new or changed since the last load (the ones this load recorded). */
  partitions: { entity: BuiltinEntity; loadDate: string; etag: string }[];
  startedAt: string;
  durationMs: number;
}

/** A processed partition in the lake. */
interface ProcessedPartition {
  entity: BuiltinEntity;
  loadDate: string;
  key: string;
  etag: string;
}

const PROCESSED_KEY = new RegExp(
  `^processed/([^/]+)/year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/${PARTITION_FILE.replace('.', '\\.')}$`,
);

async function listProcessed(store: ObjectStore): Promise<ProcessedPartition[]> {
  const out: ProcessedPartition[] = [];
  for (const entity of ENERGY_ENTITIES) {
    for await (const info of listAll(store, `processed/${entity}/`)) {
      const m = PROCESSED_KEY.exec(info.key);
      if (!m || m[1] !== entity) continue;
      out.push({
        entity,
        loadDate: `${m[2]}-${m[3]}-${m[4]}`,
        key: info.key,
        etag: info.etag ?? `${info.size}-${info.modifiedAt.getTime()}`,
      });
    }
  }
  return out;
}

/**
 * Loads the star schema from the processed zone: only processed partitions new or changed since
 * the last load (by the etag the warehouse recorded in `wh_carga_particion`), in one transaction.
 * `corriente warehouse load`, `corriente run --once` and `corriente up` call it after the transform.
 *
 * @example
 * const report = await loadWarehouse({ datalake, home, log, openWarehouse: () => openWarehouse(config) });
 * console.log(report.tables.fact_transaccion.inserted);
 */
export async function loadWarehouse(
  deps: WarehouseDeps,
  options: WarehouseLoadOptions = {},
): Promise<WarehouseLoadReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const release = acquireLock(path.join(deps.home, 'state', 'warehouse.lock'));
  const workDir = path.join(
    deps.home,
    'tmp',
    'warehouse',
    `${process.pid}-${randomBytes(3).toString('hex')}`,
  );
  let warehouse = deps.warehouse;
  try {
    if (!warehouse) {
      if (!deps.openWarehouse) throw new Error('loadWarehouse needs a warehouse or openWarehouse');
      warehouse = await deps.openWarehouse();
    }
    await warehouse.init();
    const processed = await listProcessed(deps.datalake);
    const loaded = new Map(
      (await warehouse.loadedPartitions()).map((p) => [`${p.entity}/${p.loadDate}`, p.etag]),
    );
    const toLoad = processed.filter(
      (p) => options.full || loaded.get(`${p.entity}/${p.loadDate}`) !== p.etag,
    );
    const report = (
      status: WarehouseLoadReport['status'],
      counts: WarehouseLoadCounts,
    ): WarehouseLoadReport => ({
      target: warehouse!.target,
      location: warehouse!.location,
      status,
      partitions: toLoad.map((p) => ({ entity: p.entity, loadDate: p.loadDate, etag: p.etag })),
      ...counts,
      startedAt: started.toISOString(),
      durationMs: now().getTime() - started.getTime(),
    });
    if (!toLoad.length) {
      deps.log.info({ target: warehouse.target }, 'warehouse up to date');
      return report('up-to-date', emptyCounts());
    }
    // Dimensions are rebuilt from all their partitions; facts only from the new or changed ones.
    const changedEntities = new Set(toLoad.map((p) => p.entity));
    const toStage = processed.filter(
      (p) =>
        (p.entity === 'transacciones' && toLoad.includes(p)) ||
        (p.entity !== 'transacciones' && changedEntities.has(p.entity)),
    );
    await fs.mkdir(workDir, { recursive: true });
    const files: PartitionToLoad[] = [];
    for (const p of toStage) {
      files.push({ ...p, path: await localFile(deps.datalake, p.key, workDir) });
    }
    const counts = await warehouse.load(stagePlan(files, started), options.hooks);
    const out = report('loaded', counts);
    deps.log.info(
      {
        target: out.target,
        partitions: out.partitions.length,
        facts: counts.tables.fact_transaccion,
        scd2: counts.scd2,
        durationMs: out.durationMs,
      },
      'warehouse loaded',
    );
    return out;
  } finally {
    if (warehouse && !deps.warehouse) await warehouse.close();
    await fs.rm(workDir, { recursive: true, force: true });
    release();
  }
}

function emptyCounts(): WarehouseLoadCounts {
  const zero = { staged: 0, inserted: 0, updated: 0, deleted: 0 };
  return {
    tables: {
      dim_cliente: { ...zero },
      dim_proveedor: { ...zero },
      dim_tipo_energia: { ...zero },
      dim_fecha: { ...zero },
      fact_transaccion: { ...zero },
      wh_carga_particion: { ...zero },
    },
    scd2: { versionsOpened: 0, versionsClosed: 0 },
  };
}
