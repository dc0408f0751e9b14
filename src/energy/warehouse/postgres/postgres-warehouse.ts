import type { DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import {
  openDuckDb,
  quoteIdent,
  quoteQualified,
  withConnection,
  type DuckDbOptions,
} from '../../../core/duckdb/duckdb.js';
import { mergeStaged, type SqlSession, type TableNamer } from '../merge-steps.js';
import { countTables, createSchema, readLoadedPartitions, readTableRows } from '../schema-ops.js';
import {
  WarehouseConfigError,
  type LoadedPartition,
  type LoadHooks,
  type LoadPlan,
  type StageTable,
  type TableCount,
  type Warehouse,
  type WarehouseLoadCounts,
  type WarehouseTable,
} from '../warehouse.js';

export interface PostgresWarehouseOptions {
  /** `postgres://user[:password]@host:port/database` (from `CORRIENTE_WAREHOUSE_URL` or the config). */
  url: string;
  /** Schema of the star schema (created when missing). @default 'corriente_dw' */
  schema?: string;
  /** Rows per multi-row INSERT of the staging load. @default 1000 */
  batchRows?: number;
  /** Settings of the in-memory DuckDB that reads the processed Parquet. @default 2 threads */
  stager?: Omit<DuckDbOptions, 'path'>;
}

/**
 * Whether `SELECT version()` came from Amazon Redshift (`PostgreSQL 8.0.2 on i686-pc-linux-gnu,
 * compiled by GCC … Redshift 1.0.NNNNN`), which then gets distribution and sort keys.
 */
export function isRedshift(version: string): boolean {
  return /\bRedshift\b/i.test(version);
}

/** The URL without its password, for logs and reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

// Every value arrives as text: the port's rows are text, and no precision is lost on the way.
const TEXT_TYPES = {
  getTypeParser: () => (value: string) => value,
} as unknown as pg.CustomTypesConfig;

function session(client: pg.Client): SqlSession {
  return {
    run: async (sql) => {
      await client.query(sql);
    },
    rows: async (sql) => (await client.query<Record<string, string | null>>(sql)).rows,
  };
}

/**
 * The star schema in PostgreSQL (or Amazon Redshift, which speaks its wire protocol) through `pg`.
 * The processed Parquet is read by an in-memory DuckDB and shipped into temporary staging tables
 * with multi-row parameterised INSERTs; the merge is the same portable SQL as the DuckDB
 * warehouse's. One load is one transaction: a crash leaves the previous state intact.
 *
 * @example
 * const wh = await PostgresWarehouse.open({ url: process.env.CORRIENTE_WAREHOUSE_URL!, schema: 'corriente_dw' });
 */
export class PostgresWarehouse implements Warehouse {
  readonly target = 'postgres' as const;
  readonly location: string;
  private readonly names: TableNamer;

  private constructor(
    private readonly client: pg.Client,
    readonly schema: string,
    url: string,
    private readonly options: PostgresWarehouseOptions,
  ) {
    this.location = `${redactUrl(url)} (schema ${schema})`;
    this.names = (table) => quoteQualified(schema, table);
  }

  /** @throws WarehouseConfigError naming the URL (without password) when the server cannot be reached. */
  static async open(options: PostgresWarehouseOptions): Promise<PostgresWarehouse> {
    const schema = options.schema ?? 'corriente_dw';
    const client = new pg.Client({ connectionString: options.url, types: TEXT_TYPES });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new WarehouseConfigError(
        `cannot connect to the PostgreSQL warehouse at ${redactUrl(options.url)}: ${(err as Error).message} ` +
          `(check CORRIENTE_WAREHOUSE_URL or warehouse.postgresUrl, and that the server is running)`,
      );
    }
    // Clients that die mid-load must not crash the process; the transaction is rolled back server-side.
    client.on('error', () => undefined);
    return new PostgresWarehouse(client, schema, options.url, options);
  }

  async init(): Promise<void> {
    const s = session(this.client);
    await s.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
    const redshift = isRedshift((await s.rows('SELECT version() AS v'))[0]?.v ?? '');
    await createSchema(s, this.names, { primaryKeys: true, schema: this.schema, redshift });
  }

  loadedPartitions(): Promise<LoadedPartition[]> {
    return readLoadedPartitions(session(this.client), this.names);
  }

  async load(plan: LoadPlan, hooks?: LoadHooks): Promise<WarehouseLoadCounts> {
    const s = session(this.client);
    const stager = await openDuckDb({ threads: 2, memoryLimit: '1GB', ...this.options.stager });
    try {
      await s.run('BEGIN');
      try {
        // One loader at a time (LOCK exists on Redshift too); readers of the star schema go on.
        await s.run(`LOCK TABLE ${this.names('wh_carga_particion')}`);
        await withConnection(stager, async (duck) => {
          for (const stage of plan.stages) await this.stage(duck, stage);
        });
        const counts = await mergeStaged(s, this.names, plan, hooks);
        await s.run('COMMIT');
        return counts;
      } catch (err) {
        await s.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      stager.closeSync();
    }
  }

  /** Fills `stage` in the stager, then ships it in batches into a PostgreSQL temp table. */
  private async stage(duck: DuckDBConnection, stage: StageTable): Promise<void> {
    const name = quoteIdent(stage.name);
    const defs = stage.columns.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ');
    await duck.run(`CREATE OR REPLACE TABLE ${name} (${defs})`);
    await duck.run(`INSERT INTO ${name} SELECT * FROM (${stage.query})`);
    await this.client.query(`DROP TABLE IF EXISTS ${name}`);
    await this.client.query(`CREATE TEMP TABLE ${name} (${defs})`);
    const cols = stage.columns.map(([n]) => quoteIdent(n));
    const casts = stage.columns.map(([, t]) => t);
    const batchRows = this.options.batchRows ?? 1000;
    const result = await duck.stream(
      `SELECT ${cols.map((c) => `CAST(${c} AS VARCHAR)`).join(', ')} FROM ${name}`,
    );
    let batch: (string | null)[][] = [];
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const params: (string | null)[] = [];
      const tuples = batch.map((row) => {
        const slots = row.map((v, i) => {
          params.push(v);
          return `CAST($${params.length} AS ${casts[i]})`;
        });
        return `(${slots.join(', ')})`;
      });
      await this.client.query(
        `INSERT INTO ${name} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`,
        params,
      );
      batch = [];
    };
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRows()) {
        batch.push(row.map((v) => (v === null ? null : String(v))));
        if (batch.length >= batchRows) await flush();
      }
    }
    await flush();
  }

  tableCounts(): Promise<TableCount[]> {
    return countTables(session(this.client), this.names);
  }

  tableRows(table: WarehouseTable): Promise<Record<string, string | null>[]> {
    return readTableRows(session(this.client), this.names, table);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
