import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CatalogError,
  columnsDiffer,
  partitionValuesKey,
  type Catalog,
  type CrawlReport,
  type Database,
  type Partition,
  type PartitionInput,
  type SchemaVersion,
  type Table,
  type TableInput,
} from '../catalog.js';

export interface SqliteCatalogOptions {
  /** Database file, e.g. `$CORRIENTE_HOME/catalog.db`; `:memory:` for tests. */
  path: string;
}

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE databases (
     name TEXT PRIMARY KEY,
     description TEXT,
     created_at TEXT NOT NULL
   );
   CREATE TABLE tables (
     database TEXT NOT NULL REFERENCES databases(name),
     name TEXT NOT NULL,
     definition TEXT NOT NULL,
     schema_version INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (database, name)
   );
   CREATE TABLE schema_versions (
     database TEXT NOT NULL,
     table_name TEXT NOT NULL,
     version INTEGER NOT NULL,
     columns TEXT NOT NULL,
     partition_keys TEXT NOT NULL,
     changes TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (database, table_name, version),
     FOREIGN KEY (database, table_name) REFERENCES tables(database, name)
   );
   CREATE TABLE partitions (
     database TEXT NOT NULL,
     table_name TEXT NOT NULL,
     values_key TEXT NOT NULL,
     definition TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (database, table_name, values_key),
     FOREIGN KEY (database, table_name) REFERENCES tables(database, name)
   );
   CREATE TABLE crawls (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     started_at TEXT NOT NULL,
     report TEXT NOT NULL
   );`,
];

interface TableRow {
  definition: string;
  schema_version: number;
  created_at: string;
  updated_at: string;
}

/**
 * The embedded catalog: one SQLite file (WAL mode), definitions stored as JSON documents beside
 * the keys that are queried. Every change runs in a transaction.
 */
export class SqliteCatalog implements Catalog {
  private readonly db: BetterSqlite3.Database;

  constructor(options: SqliteCatalogOptions) {
    if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  async ensureDatabase(db: Database): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO databases (name, description, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
      )
      .run(db.name, db.description ?? null, now());
  }

  async listDatabases(): Promise<Database[]> {
    const rows = this.db.prepare('SELECT name, description FROM databases ORDER BY name').all() as {
      name: string;
      description: string | null;
    }[];
    return rows.map((r) => ({
      name: r.name,
      ...(r.description !== null ? { description: r.description } : {}),
    }));
  }

  async getTable(database: string, name: string): Promise<Table | undefined> {
    const row = this.db
      .prepare(
        'SELECT definition, schema_version, created_at, updated_at FROM tables WHERE database = ? AND name = ?',
      )
      .get(database, name) as TableRow | undefined;
    return row ? toTable(row) : undefined;
  }

  async listTables(database: string): Promise<Table[]> {
    const rows = this.db
      .prepare(
        'SELECT definition, schema_version, created_at, updated_at FROM tables WHERE database = ? ORDER BY name',
      )
      .all(database) as TableRow[];
    return rows.map(toTable);
  }

  async createTable(input: TableInput): Promise<Table> {
    const ts = now();
    this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM databases WHERE name = ?').get(input.database)) {
        throw new CatalogError(`database ${input.database} does not exist`, 'not-found');
      }
      if (this.tableExists(input.database, input.name)) {
        throw new CatalogError(
          `table ${input.database}.${input.name} already exists`,
          'already-exists',
        );
      }
      this.db
        .prepare(
          'INSERT INTO tables (database, name, definition, schema_version, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)',
        )
        .run(input.database, input.name, JSON.stringify(definitionOf(input)), ts, ts);
      this.insertVersion(input, 1, [], ts);
    })();
    return (await this.getTable(input.database, input.name))!;
  }

  async updateTable(input: TableInput): Promise<Table> {
    const ts = now();
    this.db.transaction(() => {
      const row = this.db
        .prepare(
          'SELECT definition, schema_version, created_at, updated_at FROM tables WHERE database = ? AND name = ?',
        )
        .get(input.database, input.name) as TableRow | undefined;
      if (!row) {
        throw new CatalogError(`table ${input.database}.${input.name} does not exist`, 'not-found');
      }
      const current = toTable(row);
      let version = current.schemaVersion;
      if (
        columnsDiffer(current.columns, input.columns) ||
        columnsDiffer(current.partitionKeys, input.partitionKeys)
      ) {
        version += 1;
        this.insertVersion(input, version, input.schemaChanges ?? [], ts);
      }
      this.db
        .prepare(
          'UPDATE tables SET definition = ?, schema_version = ?, updated_at = ? WHERE database = ? AND name = ?',
        )
        .run(JSON.stringify(definitionOf(input)), version, ts, input.database, input.name);
    })();
    return (await this.getTable(input.database, input.name))!;
  }

  async listPartitions(database: string, table: string): Promise<Partition[]> {
    const rows = this.db
      .prepare(
        'SELECT definition, created_at, updated_at FROM partitions WHERE database = ? AND table_name = ? ORDER BY values_key',
      )
      .all(database, table) as { definition: string; created_at: string; updated_at: string }[];
    return rows.map((r) => ({
      ...(JSON.parse(r.definition) as PartitionInput),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async putPartitions(
    database: string,
    table: string,
    partitions: PartitionInput[],
  ): Promise<void> {
    const ts = now();
    const upsert = this.db.prepare(
      `INSERT INTO partitions (database, table_name, values_key, definition, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (database, table_name, values_key)
       DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      if (!this.tableExists(database, table)) {
        throw new CatalogError(`table ${database}.${table} does not exist`, 'not-found');
      }
      for (const p of partitions) {
        const definition: PartitionInput = {
          values: p.values,
          location: p.location,
          columns: p.columns,
          formatParameters: p.formatParameters,
          schemaVersion: p.schemaVersion,
          files: p.files,
        };
        upsert.run(
          database,
          table,
          partitionValuesKey(p.values),
          JSON.stringify(definition),
          ts,
          ts,
        );
      }
    })();
  }

  async listSchemaVersions(database: string, table: string): Promise<SchemaVersion[]> {
    const rows = this.db
      .prepare(
        'SELECT version, columns, partition_keys, changes, created_at FROM schema_versions WHERE database = ? AND table_name = ? ORDER BY version',
      )
      .all(database, table) as {
      version: number;
      columns: string;
      partition_keys: string;
      changes: string;
      created_at: string;
    }[];
    return rows.map((r) => ({
      version: r.version,
      columns: JSON.parse(r.columns) as SchemaVersion['columns'],
      partitionKeys: JSON.parse(r.partition_keys) as SchemaVersion['partitionKeys'],
      changes: JSON.parse(r.changes) as string[],
      createdAt: r.created_at,
    }));
  }

  async recordCrawl(report: CrawlReport): Promise<void> {
    this.db
      .prepare('INSERT INTO crawls (id, started_at, report) VALUES (?, ?, ?)')
      .run(report.id, report.startedAt, JSON.stringify(report));
  }

  async listCrawls(limit = 20): Promise<CrawlReport[]> {
    const rows = this.db
      .prepare('SELECT report FROM crawls ORDER BY seq DESC LIMIT ?')
      .all(limit) as { report: string }[];
    return rows.map((r) => JSON.parse(r.report) as CrawlReport);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private tableExists(database: string, name: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM tables WHERE database = ? AND name = ?')
        .get(database, name) !== undefined
    );
  }

  private insertVersion(input: TableInput, version: number, changes: string[], ts: string): void {
    this.db
      .prepare(
        'INSERT INTO schema_versions (database, table_name, version, columns, partition_keys, changes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        input.database,
        input.name,
        version,
        JSON.stringify(input.columns),
        JSON.stringify(input.partitionKeys),
        JSON.stringify(changes),
        ts,
      );
  }
}

/** What is stored of a table input (schemaChanges belong to the version, not the table). */
function definitionOf(input: TableInput): TableInput {
  const { schemaChanges: _changes, ...rest } = input;
  return { ...rest, parameters: input.parameters ?? {} };
}

function toTable(row: TableRow): Table {
  return {
    ...(JSON.parse(row.definition) as TableInput),
    schemaVersion: row.schema_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function now(): string {
  return new Date().toISOString();
}
