import { ConfigError } from '../../core/util/config-error.js';
import type { BuiltinEntity } from '../entities.js';

/** Where the star schema lives. */
export type WarehouseTarget = 'duckdb' | 'postgres';

/** The permanent tables of the star schema, plus the load-state table. */
export const WAREHOUSE_TABLES = [
  'dim_cliente',
  'dim_proveedor',
  'dim_tipo_energia',
  'dim_fecha',
  'fact_transaccion',
  'wh_carga_particion',
] as const;
export type WarehouseTable = (typeof WAREHOUSE_TABLES)[number];

/** A processed partition as the warehouse recorded it (`wh_carga_particion`). */
export interface LoadedPartition {
  entity: BuiltinEntity;
  /** Load date `YYYY-MM-DD` of the processed partition. */
  loadDate: string;
  /** ETag (or size-mtime) of the processed file that was loaded. */
  etag: string;
  /** Key of the processed file in the lake. */
  key: string;
  rows: number;
  loadedAt: string;
}

/** A processed partition to stage: its file is readable by DuckDB at `path`. */
export interface PartitionToLoad {
  entity: BuiltinEntity;
  loadDate: string;
  etag: string;
  key: string;
  path: string;
}

/**
 * One staging table: its portable column list and the DuckDB query (over the processed Parquet
 * files and earlier staging tables) that fills it. The DuckDB warehouse runs the query itself;
 * the PostgreSQL warehouse runs it in an in-memory DuckDB and ships the rows.
 */
export interface StageTable {
  name: string;
  columns: readonly (readonly [name: string, type: string])[];
  query: string;
}

/** What one load must do: the staging tables, in order, and which dimensions were re-staged. */
export interface LoadPlan {
  stages: readonly StageTable[];
  /** Every clientes partition was staged: rebuild the SCD2 history of `dim_cliente`. */
  clientes: boolean;
  /** Every proveedores partition was staged: merge `dim_proveedor`. */
  proveedores: boolean;
  /** Transacciones partitions were staged: merge their facts. */
  transacciones: boolean;
  /** When the load runs (`cargado_en` of the load state), ISO 8601. */
  loadedAt: string;
}

/** Row counts of one table in one load. */
export interface TableLoadCounts {
  staged: number;
  inserted: number;
  updated: number;
  deleted: number;
}

export interface WarehouseLoadCounts {
  tables: Record<WarehouseTable, TableLoadCounts>;
  scd2: {
    /** New `dim_cliente` versions of a cliente that already had one (name or city changed). */
    versionsOpened: number;
    /** Versions that stopped being current. */
    versionsClosed: number;
  };
}

/** Steps of a load, in order; a hook sees each one inside the open transaction. */
export type LoadStep =
  | 'staged'
  | 'dim_tipo_energia'
  | 'dim_fecha'
  | 'dim_proveedor'
  | 'dim_cliente'
  | 'fact_transaccion'
  | 'wh_carga_particion';

export interface LoadHooks {
  /**
   * Called after each step, inside the transaction. Throwing rolls the whole load back (the fault
   * tests simulate a crash this way).
   */
  afterStep?: (step: LoadStep) => void | Promise<void>;
}

/** Row count of one warehouse table. */
export interface TableCount {
  table: WarehouseTable;
  rows: number;
}

/**
 * The Warehouse port (the Redshift box): a star schema loaded from the processed zone.
 *
 * Every adapter guarantees:
 * - `load` is one transaction: it commits entirely or leaves the previous state intact;
 * - loading the same plan twice changes nothing the second time (MERGE on business keys);
 * - the SQL it runs is portable to Amazon Redshift (see docs/warehouse.md).
 *
 * @example
 * const wh = await DuckDbWarehouse.open({ path: 'corriente-data/warehouse/warehouse.duckdb' });
 * try { console.log(await wh.tableCounts()); } finally { await wh.close(); }
 */
export interface Warehouse {
  readonly target: WarehouseTarget;
  /** Printable location (file path, or URL without password plus schema). */
  readonly location: string;
  /** Creates the schema, the tables and the unknown members when missing (idempotent). */
  init(): Promise<void>;
  /** Processed partitions loaded so far. */
  loadedPartitions(): Promise<LoadedPartition[]>;
  /** Stages and merges, in one transaction. */
  load(plan: LoadPlan, hooks?: LoadHooks): Promise<WarehouseLoadCounts>;
  tableCounts(): Promise<TableCount[]>;
  /**
   * Every row of `table`, each value cast to text (`null` stays `null`), in a stable order: lets
   * tests and tools compare contents across adapters.
   */
  tableRows(table: WarehouseTable): Promise<Record<string, string | null>[]>;
  close(): Promise<void>;
}

/**
 * Raised when the warehouse is misconfigured or cannot be reached; the message says what to do.
 * A {@link ConfigError}, so the CLI prints it without a stack trace (exit code 2).
 */
export class WarehouseConfigError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'WarehouseConfigError';
  }
}
