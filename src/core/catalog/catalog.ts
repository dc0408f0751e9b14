/**
 * The Catalog port: the Glue Data Catalog's model of the lake. Databases hold tables; a table
 * has columns with Glue types, Hive partition keys (`year`, `month`, `day`), a location, a
 * format with its parameters, a list of partitions and a history of schema versions. The
 * catalog also keeps the reports of past crawls.
 *
 * Adapters: `SqliteCatalog` (embedded default) and `GlueCatalog` (AWS Glue Data Catalog).
 */

/** The databases the crawler fills. */
export const CATALOG_DATABASES = {
  energyRaw: 'energy_raw_db',
  energyProcessed: 'energy_processed_db',
  fxRaw: 'fx_raw_db',
} as const;

/**
 * A column type in Glue's (Hive's) type language: `string`, `tinyint`, `smallint`, `int`,
 * `bigint`, `float`, `double`, `decimal(p,s)`, `date`, `timestamp`, `boolean`, `binary`,
 * `array<…>`.
 */
export type ColumnType = string;

export interface Column {
  name: string;
  type: ColumnType;
  comment?: string;
  /**
   * Set when the newest files of the table no longer carry the column. The column stays in the
   * table schema (nothing is dropped from the lake); older partitions still have it.
   */
  removed?: boolean;
}

/** Files are read by format: CSV (any delimiter), Parquet, or JSON lines. */
export type TableFormat = 'csv' | 'parquet' | 'json';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'latin-1';

/** How a table's (or partition's) files are laid out. Only what applies to the format is set. */
export interface FormatParameters {
  /** CSV field delimiter, e.g. `;`. */
  delimiter?: string;
  /** CSV: the first line is a header (Glue: `skip.header.line.count = 1`). */
  header?: boolean;
  /** Text encoding; `mixed` when files of one partition disagree. */
  encoding?: TextEncoding | 'mixed';
  /** CSV: some fields are quoted (Glue crawlers then choose OpenCSVSerde). */
  quoted?: boolean;
  /** Parquet compression codec as found in the files, e.g. `zstd`. */
  compression?: string;
}

export interface Database {
  name: string;
  description?: string;
}

/** What a caller gives to create or update a table. */
export interface TableInput {
  database: string;
  name: string;
  /** Data columns (not the partition keys), in file order. */
  columns: Column[];
  /** Hive partition keys, e.g. `year`, `month`, `day`, all `string` as Glue crawlers write them. */
  partitionKeys: Column[];
  /** Folder of the table: an absolute path, or `s3://bucket/prefix/raw/<entity>/`. */
  location: string;
  format: TableFormat;
  formatParameters: FormatParameters;
  /** Free-form parameters kept with the table. */
  parameters?: Record<string, string>;
  /** Why the schema changed (recorded with the new schema version), e.g. `added column x`. */
  schemaChanges?: string[];
}

export interface Table extends TableInput {
  /** Current schema version, starting at 1. */
  schemaVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** One schema version of a table: created when the columns, their types or flags change. */
export interface SchemaVersion {
  version: number;
  columns: Column[];
  partitionKeys: Column[];
  /** Human-readable changes from the previous version (empty for version 1). */
  changes: string[];
  createdAt: string;
}

/** A file of a partition as last seen by the crawler (its fingerprint). */
export interface PartitionFile {
  name: string;
  size: number;
  etag?: string;
}

export interface PartitionInput {
  /** Values of the partition keys, e.g. `['2026', '01', '02']`. */
  values: string[];
  location: string;
  /**
   * The columns of this partition's own files. Columns of the table absent here read as NULL
   * in this partition (Glue keeps a StorageDescriptor per partition for this).
   */
  columns: Column[];
  formatParameters: FormatParameters;
  /** Table schema version current when the partition was (last) crawled. */
  schemaVersion: number;
  /** Files seen in the partition, so a re-crawl reads only files it has not seen. */
  files: PartitionFile[];
}

export interface Partition extends PartitionInput {
  createdAt: string;
  updatedAt: string;
}

export type CrawlZone = 'raw' | 'processed' | 'all';

export type CrawlWarningKind =
  | 'type-changed'
  | 'column-removed'
  | 'column-restored'
  | 'unreadable-file'
  | 'mixed-format'
  | 'unpartitioned-file';

export interface CrawlWarning {
  /** `db.table` */
  table: string;
  kind: CrawlWarningKind;
  message: string;
  column?: string;
  /** Key in the datalake store. */
  file?: string;
}

/** What one table went through in a crawl. */
export interface TableCrawlSummary {
  /** `db.table` */
  table: string;
  status: 'created' | 'updated' | 'unchanged';
  /** Schema version after the crawl. */
  schemaVersion: number;
  /** Set when the crawl created a new schema version. */
  newSchemaVersion: boolean;
  columnsAdded: string[];
  partitionsAdded: number;
  partitionsUpdated: number;
  filesListed: number;
  filesRead: number;
}

/** The result of one crawl; kept in the catalog. */
export interface CrawlReport {
  id: string;
  zone: CrawlZone;
  startedAt: string;
  finishedAt: string;
  /** `db.table` names. */
  tablesCreated: string[];
  tablesUpdated: string[];
  partitionsAdded: number;
  partitionsUpdated: number;
  /** Data files found by listing (ignored files not counted). */
  filesListed: number;
  /** Data files opened and parsed (files in partitions already crawled are not read again). */
  filesRead: number;
  tables: TableCrawlSummary[];
  warnings: CrawlWarning[];
}

/** Thrown when a table does not exist (or, for `createTable`, already exists). */
export class CatalogError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'already-exists' | 'invalid',
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

/**
 * The catalog port. All adapters pass `test/core/catalog/catalog-contract.ts`.
 *
 * @example
 * await catalog.ensureDatabase({ name: 'energy_raw_db' });
 * await catalog.createTable({ database: 'energy_raw_db', name: 'clientes', columns, ... });
 * await catalog.putPartitions('energy_raw_db', 'clientes', [partition]);
 */
export interface Catalog {
  /** Creates the database unless it exists. */
  ensureDatabase(db: Database): Promise<void>;
  listDatabases(): Promise<Database[]>;
  /** `undefined` when the table (or its database) does not exist. */
  getTable(database: string, name: string): Promise<Table | undefined>;
  /** Tables of a database, by name; `[]` for an unknown database. */
  listTables(database: string): Promise<Table[]>;
  /**
   * Creates a table at schema version 1.
   * @throws CatalogError `already-exists`, or `not-found` when the database does not exist.
   */
  createTable(input: TableInput): Promise<Table>;
  /**
   * Replaces a table's definition. When its columns or partition keys differ from the current
   * ones, a new schema version is recorded with `input.schemaChanges`.
   * @throws CatalogError `not-found`
   */
  updateTable(input: TableInput): Promise<Table>;
  /** Partitions of a table, ordered by their values; `[]` for an unknown table. */
  listPartitions(database: string, table: string): Promise<Partition[]>;
  /**
   * Adds new partitions and replaces existing ones with the same values.
   * @throws CatalogError `not-found` when the table does not exist.
   */
  putPartitions(database: string, table: string, partitions: PartitionInput[]): Promise<void>;
  /** Schema versions, oldest first; `[]` for an unknown table. */
  listSchemaVersions(database: string, table: string): Promise<SchemaVersion[]>;
  recordCrawl(report: CrawlReport): Promise<void>;
  /** Past crawl reports, newest first. @default limit 20 */
  listCrawls(limit?: number): Promise<CrawlReport[]>;
  close(): Promise<void>;
}

/** True when two column lists differ in names, order, types or flags. */
export function columnsDiffer(a: readonly Column[], b: readonly Column[]): boolean {
  if (a.length !== b.length) return true;
  return a.some((col, i) => {
    const other = b[i];
    return (
      !other ||
      other.name !== col.name ||
      other.type !== col.type ||
      Boolean(other.removed) !== Boolean(col.removed)
    );
  });
}

/** `['2026','01','02']` → `'2026/01/02'`: a stable key for partition values. */
export function partitionValuesKey(values: readonly string[]): string {
  return values.join('/');
}
