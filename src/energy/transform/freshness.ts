import { ENERGY_ENTITIES, type EnergyEntity } from '../entities.js';
import { manifestEntrySchema, manifestKeyForRaw } from '../ingest/manifest.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { listRawPartitions } from './lake-files.js';

/** Expected arrival cadence of every source entity. @default 24 (daily) */
export const DEFAULT_CADENCE_HOURS = 24;

export interface FreshnessOptions {
  /** Entities to report on. @default the built-in ones (clientes, proveedores, transacciones) */
  entities?: readonly EnergyEntity[];
  /** Hours between expected loads, per entity. @default 24 for each */
  cadenceHours?: Partial<Record<EnergyEntity, number>>;
  /** Extra hours allowed before a load counts as overdue. @default half the cadence */
  graceHours?: number;
  now?: Date;
}

export interface FreshnessEntry {
  entity: EnergyEntity;
  /** Latest load date with raw files, `YYYY-MM-DD`. */
  latestLoadDate?: string;
  /** When the latest file was accepted (manifest `loadedAt`, else the object's time). */
  latestLoadedAt?: string;
  cadenceHours: number;
  ageHours?: number;
  overdue: boolean;
}

/**
 * Which source entities are overdue: their latest load is older than the cadence plus the grace
 * (an entity that never arrived is overdue too).
 */
export async function freshnessReport(
  datalake: ObjectStore,
  options: FreshnessOptions = {},
): Promise<FreshnessEntry[]> {
  const now = options.now ?? new Date();
  const entries: FreshnessEntry[] = [];
  for (const entity of options.entities ?? ENERGY_ENTITIES) {
    const cadenceHours = options.cadenceHours?.[entity] ?? DEFAULT_CADENCE_HOURS;
    const grace = options.graceHours ?? cadenceHours / 2;
    const partitions = await listRawPartitions(datalake, entity);
    const latest = [...partitions.keys()].sort().pop();
    if (!latest) {
      entries.push({ entity, cadenceHours, overdue: true });
      continue;
    }
    let latestAt = 0;
    for (const info of partitions.get(latest) ?? []) {
      let at = info.modifiedAt.getTime();
      try {
        const m = manifestEntrySchema.parse(
          JSON.parse((await datalake.get(manifestKeyForRaw(info.key))).toString('utf8')),
        );
        at = Date.parse(m.loadedAt);
      } catch {
        // no manifest (yet): the object's own time
      }
      latestAt = Math.max(latestAt, at);
    }
    const ageHours = (now.getTime() - latestAt) / 3_600_000;
    entries.push({
      entity,
      latestLoadDate: latest,
      latestLoadedAt: new Date(latestAt).toISOString(),
      cadenceHours,
      ageHours: Math.round(ageHours * 10) / 10,
      overdue: ageHours > cadenceHours + grace,
    });
  }
  return entries;
}
