import { CATALOG_DATABASES } from '../catalog/catalog.js';

/** The zones the crawler reads. */
export const CRAWL_ZONES = ['raw', 'processed'] as const;
export type LakeZone = (typeof CRAWL_ZONES)[number];

/** Hive partition keys of every lake table, as Glue crawlers name them. */
export const PARTITION_KEYS = ['year', 'month', 'day'] as const;

/** A data file's place in the lake. */
export interface DataFileKey {
  key: string;
  zone: LakeZone;
  entity: string;
  database: string;
  table: string;
  /** Partition values, e.g. `['2026', '01', '02']`. */
  values: string[];
  /** `raw/clientes/` */
  tablePrefix: string;
  /** `raw/clientes/year=2026/month=01/day=02/` */
  partitionPrefix: string;
  /** File name inside the partition folder. */
  name: string;
}

export type KeyClass =
  | { kind: 'data'; file: DataFileKey }
  | { kind: 'ignored' }
  /** A file of a table that is not inside `year=/month=/day=` folders. */
  | { kind: 'unpartitioned'; database: string; table: string };

/**
 * Database of a lake folder: `raw/fx_*` → `fx_raw_db`, other `raw/*` → `energy_raw_db`,
 * `processed/fx_*` → `fx_processed_db`, other `processed/*` → `energy_processed_db`.
 */
export function databaseFor(zone: LakeZone, entity: string): string {
  const fx = entity.startsWith('fx_');
  if (zone === 'raw') return fx ? CATALOG_DATABASES.fxRaw : CATALOG_DATABASES.energyRaw;
  return fx ? 'fx_processed_db' : CATALOG_DATABASES.energyProcessed;
}

/** Glue table names are lower case letters, digits and `_`. */
export function tableNameFor(entity: string): string {
  return entity.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Files that are never data: bookkeeping folders, hidden, temporary and marker files. */
function isIgnoredSegment(segment: string): boolean {
  return (
    segment.startsWith('_') ||
    segment.startsWith('.') ||
    segment.includes('.corriente-tmp-') ||
    segment.endsWith('.tmp') ||
    segment.endsWith('.crc') ||
    segment.endsWith('~') ||
    segment.endsWith('$folder$') ||
    segment.endsWith('.error.json')
  );
}

/**
 * Where a datalake key belongs.
 * @example classifyKey('raw/clientes/year=2026/month=01/day=02/c.csv').kind // → 'data'
 * @example classifyKey('_manifests/raw/x.json').kind // → 'ignored'
 */
export function classifyKey(key: string): KeyClass {
  const segments = key.split('/');
  const [zone, entity] = segments;
  if (!zone || !entity || !(CRAWL_ZONES as readonly string[]).includes(zone)) {
    return { kind: 'ignored' };
  }
  if (segments.length < 3 || segments.some(isIgnoredSegment)) return { kind: 'ignored' };
  const lakeZone = zone as LakeZone;
  const database = databaseFor(lakeZone, entity);
  const table = tableNameFor(entity);
  const rest = segments.slice(2);
  const values: string[] = [];
  for (const [i, k] of PARTITION_KEYS.entries()) {
    const match = new RegExp(`^${k}=(.+)$`).exec(rest[i] ?? '');
    if (!match) return { kind: 'unpartitioned', database, table };
    values.push(match[1]!);
  }
  if (rest.length !== PARTITION_KEYS.length + 1) return { kind: 'unpartitioned', database, table };
  const tablePrefix = `${zone}/${entity}/`;
  return {
    kind: 'data',
    file: {
      key,
      zone: lakeZone,
      entity,
      database,
      table,
      values,
      tablePrefix,
      partitionPrefix: `${tablePrefix}${rest.slice(0, PARTITION_KEYS.length).join('/')}/`,
      name: rest[PARTITION_KEYS.length]!,
    },
  };
}
