import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  openDuckDb,
  quoteIdent,
  quoteQualified,
  type DuckDbOptions,
} from '../../../core/duckdb/duckdb.js';
import { mergeStaged, type SqlSession, type TableNamer } from '../merge-steps.js';
import { countTables, createSchema, readLoadedPartitions, readTableRows } from '../schema-ops.js';
import type {
  LoadedPartition,
  LoadHooks,
  LoadPlan,
  StageTable,
  TableCount,
  Warehouse,
  WarehouseLoadCounts,
  WarehouseTable,
} from '../warehouse.js';

export interface DuckDbWarehouseOptions {
  /** The warehouse file (its folder is created). */
  path: string;
  /** DuckDB settings of the warehouse instance. @default 2 threads, 1GB */
  duckdb?: Omit<DuckDbOptions, 'path'>;
}

function session(conn: DuckDBConnection): SqlSession {
  return {
    run: async (sql) => {
      await conn.run(sql);
    },
    rows: async (sql) => {
      const reader = await conn.runAndReadAll(sql);
      return (reader.getRowObjectsJson() as Record<string, unknown>[]).map((row) => {
        const out: Record<string, string | null> = {};
        for (const [k, v] of Object.entries(row)) out[k] = v === null ? null : String(v);
        return out;
      });
    },
  };
}

/** The DuckDB warehouse's tables live in the file's `main` schema. */
const names: TableNamer = (table) => quoteQualified('main', table);

/**
 * The embedded warehouse: one DuckDB file (`$CORRIENTE_HOME/warehouse/warehouse.duckdb`). It reads
 * the processed Parquet straight into its staging tables and merges with `MERGE INTO` (DuckDB ≥ 1.4;
 * the installed @duckdb/node-api bundles DuckDB 1.5). Primary keys are not declared: DuckDB checks
 * them eagerly inside a transaction, and the merges already keep keys unique.
 *
 * @example
 * const wh = await DuckDbWarehouse.open({ path: '/data/warehouse/warehouse.duckdb' });
 */
export class DuckDbWarehouse implements Warehouse {
  readonly target = 'duckdb' as const;
  readonly location: string;

  private constructor(
    private readonly instance: DuckDBInstance,
    file: string,
  ) {
    this.location = file;
  }

  static async open(options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
    const file = path.resolve(options.path);
    mkdirSync(path.dirname(file), { recursive: true });
    const instance = await openDuckDb({
      threads: 2,
      memoryLimit: '1GB',
      ...options.duckdb,
      path: file,
    });
    return new DuckDbWarehouse(instance, file);
  }

  private async with<T>(fn: (s: SqlSession, conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await fn(session(conn), conn);
    } finally {
      conn.closeSync();
    }
  }

  async init(): Promise<void> {
    await this.with((s) => createSchema(s, names, { primaryKeys: false, schema: 'main' }));
  }

  loadedPartitions(): Promise<LoadedPartition[]> {
    return this.with((s) => readLoadedPartitions(s, names));
  }

  async load(plan: LoadPlan, hooks?: LoadHooks): Promise<WarehouseLoadCounts> {
    // A fresh connection: its temp (staging) tables disappear when it closes.
    return this.with(async (s) => {
      await s.run('BEGIN TRANSACTION');
      try {
        for (const stage of plan.stages) await stageInto(s, stage);
        const counts = await mergeStaged(s, names, plan, hooks);
        await s.run('COMMIT');
        return counts;
      } catch (err) {
        await s.run('ROLLBACK');
        throw err;
      }
    });
  }

  tableCounts(): Promise<TableCount[]> {
    return this.with((s) => countTables(s, names));
  }

  tableRows(table: WarehouseTable): Promise<Record<string, string | null>[]> {
    return this.with((s) => readTableRows(s, names, table));
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }
}

async function stageInto(s: SqlSession, stage: StageTable): Promise<void> {
  const name = quoteIdent(stage.name);
  await s.run(`DROP TABLE IF EXISTS ${name}`);
  await s.run(
    `CREATE TEMP TABLE ${name} (${stage.columns.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`,
  );
  await s.run(`INSERT INTO ${name} SELECT * FROM (${stage.query})`);
}
