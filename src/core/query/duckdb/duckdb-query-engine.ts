import { createHash } from 'node:crypto';
import {
  StatementType,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import type { Catalog, Table } from '../../catalog/catalog.js';
import {
  lockConfiguration,
  openDuckDb,
  quoteIdent,
  quoteQualified,
  restrictFileAccess,
} from '../../duckdb/duckdb.js';
import { ADMIN_PRINCIPAL, Governance, type AccessPolicy } from '../../governance/governance.js';
import {
  QueryError,
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  type QueryableTable,
} from '../query-engine.js';
import { queryableTables } from '../queryable-tables.js';
import { analyzeStatement, cleanMessage, type StatementAnalysis } from './statement-guard.js';
import { toJsonValue, uniqueNames } from './values.js';
import { isRemoteLocation, projectionOf, scanOf } from './views.js';

export interface DuckDbQueryEngineOptions {
  catalog: Catalog;
  /** Folder for DuckDB spill files (DuckDB may also read there). @default DuckDB's `.tmp` */
  tempDirectory?: string;
  /** Memory limit of each principal's instance, e.g. `2GB`. @default DuckDB's (80% of RAM) */
  memoryLimit?: string;
  threads?: number;
  /** @default 30000 */
  defaultTimeoutMs?: number;
}

/** One cataloged table as one principal's instance exposes it. */
interface ExposedTable {
  table: Table;
  /** Readable columns (lower case), partition keys included. */
  readable: Set<string>;
  /** Columns of the table the principal may not read (lower case). */
  denied: string[];
  /** Why the table cannot be queried here (on S3, unreadable files). */
  unavailable?: { message: string; code: 'unsupported' | 'sql-error' };
}

/** A DuckDB instance holding one principal's views of one catalog version. */
interface PrincipalInstance {
  key: string;
  instance: DuckDBInstance;
  tables: Map<string, ExposedTable>;
  databases: Set<string>;
  /** Every cataloged table, `db.table` (to tell "denied" from "does not exist"). */
  cataloged: Set<string>;
  catalogDatabases: Set<string>;
  inFlight: number;
  retired: boolean;
  /** Connections free for the next query, each with its prepared statements. */
  idle: PooledConnection[];
}

/**
 * A connection kept between queries, with the statements prepared on it (by default database and
 * SQL): a repeated query (saved queries, dashboards) skips connect, parse and plan.
 */
interface PooledConnection {
  conn: DuckDBConnection;
  database: string | undefined;
  prepared: Map<string, DuckDBPreparedStatement>;
}

const MAX_IDLE_CONNECTIONS = 4;
const MAX_PREPARED_PER_CONNECTION = 64;

interface Snapshot {
  version: string;
  databases: string[];
  tables: Table[];
}

/**
 * The embedded QueryEngine: DuckDB over the catalog. Every cataloged table of a local lake is a
 * view `<database>.<table>` over its files (`read_parquet` / `read_csv` / `read_json` with Hive
 * partitioning, so `WHERE year = '2026' AND month = '11'` reads only those folders).
 *
 * Security model (see `docs` in the README): each principal gets its own DuckDB instance whose
 * views expose only the tables and columns granted to it (a denied column does not exist there);
 * the instance may read only the folders of those tables (`allowed_directories`, then
 * `enable_external_access = false`, then `lock_configuration = true`), and user SQL passes
 * DuckDB's parser first: one SELECT-class statement, no table function but generators, no table
 * outside the catalog. The instance is rebuilt when the catalog or the grants change.
 *
 * @example
 * const engine = new DuckDbQueryEngine({ catalog });
 * const r = await engine.query('SELECT count(*) AS n FROM energy_processed_db.clientes');
 */
export class DuckDbQueryEngine implements QueryEngine {
  private readonly instances = new Map<string, PrincipalInstance>();
  private readonly building = new Map<string, Promise<PrincipalInstance>>();
  private readonly adminPolicy = Governance.fromConfig(undefined).policyFor(ADMIN_PRINCIPAL);
  private readonly analyses = new Map<string, StatementAnalysis>();
  private closed = false;

  constructor(private readonly options: DuckDbQueryEngineOptions) {}

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const started = performance.now();
    const policy = options.policy ?? this.adminPolicy;
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000;
    const pi = await this.acquire(policy);
    const pooled = pi.idle.pop() ?? {
      conn: await pi.instance.connect(),
      database: undefined,
      prepared: new Map<string, DuckDBPreparedStatement>(),
    };
    const conn = pooled.conn;
    let reusable = true;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, timeoutMs);
    try {
      const analysis = await this.analyze(conn, sql);
      const database = options.database?.toLowerCase();
      if (database !== undefined) this.checkDatabase(pi, policy, database);
      if (database !== pooled.database) {
        await conn.run(database === undefined ? 'USE memory.main' : `USE ${quoteIdent(database)}`);
        pooled.database = database;
      }
      this.authorize(pi, policy, analysis, database);
      const cacheKey = analysis.sql;
      let prepared = pooled.prepared.get(cacheKey);
      if (!prepared) {
        try {
          prepared = await conn.prepare(analysis.sql);
        } catch (err) {
          throw this.engineError(err, pi, timedOut, timeoutMs);
        }
        // Defence in depth: the parser check above already allows only these.
        if (
          prepared.statementType !== StatementType.SELECT &&
          prepared.statementType !== StatementType.EXPLAIN
        ) {
          throw new QueryError('only read-only queries may run', 'forbidden-statement');
        }
        if (pooled.prepared.size >= MAX_PREPARED_PER_CONNECTION) pooled.prepared.clear();
        pooled.prepared.set(cacheKey, prepared);
      }
      const limit = options.limit;
      let reader;
      try {
        reader =
          limit === undefined
            ? await prepared.streamAndReadAll()
            : await prepared.streamAndReadUntil(limit + 1);
      } catch (err) {
        reusable = false;
        throw this.engineError(err, pi, timedOut, timeoutMs);
      }
      const names = uniqueNames(reader.columnNames());
      const types = reader.columnTypes().map((t) => t.toString());
      const raw = reader.getRowsJS();
      // getRowsJS turns DECIMALs into doubles: their exact text is taken from the DuckDB values.
      const decimals = types.flatMap((t, i) => (t.startsWith('DECIMAL') ? [i] : []));
      if (decimals.length) {
        const exact = reader.getRows();
        raw.forEach((r, k) => {
          for (const i of decimals) r[i] = exact[k]?.[i] === null ? null : String(exact[k]?.[i]);
        });
      }
      const truncated = limit !== undefined && raw.length > limit;
      if (truncated) reusable = false; // the stream was not read to its end
      const kept = truncated ? raw.slice(0, limit) : raw;
      const rows = kept.map((r) => {
        const row: Record<string, unknown> = {};
        names.forEach((n, i) => (row[n] = toJsonValue(r[i], types[i])));
        return row;
      });
      return {
        columns: names.map((name, i) => ({ name, type: types[i] ?? 'UNKNOWN' })),
        rows,
        truncated,
        elapsedMs: Math.round((performance.now() - started) * 100) / 100,
      };
    } catch (err) {
      if (timedOut && !(err instanceof QueryError && err.code !== 'sql-error')) {
        throw timeoutError(timeoutMs);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      // An interrupted or failed execution may leave a result pending: never reuse that one.
      if (reusable && !timedOut && !pi.retired && pi.idle.length < MAX_IDLE_CONNECTIONS) {
        pi.idle.push(pooled);
      } else {
        pooled.prepared.clear();
        conn.closeSync();
      }
      this.release(pi);
    }
  }

  async listTables(policy?: AccessPolicy): Promise<QueryableTable[]> {
    return queryableTables(this.options.catalog, policy ?? this.adminPolicy);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.building.values());
    for (const pi of this.instances.values()) {
      pi.retired = true;
      if (pi.inFlight === 0) closeInstance(pi);
    }
    this.instances.clear();
  }

  /**
   * The parser's verdict on a query text; cached (it depends on the text only), so saved and
   * repeated queries skip the parse. Refusals are not cached.
   */
  private async analyze(conn: DuckDBConnection, sql: string): Promise<StatementAnalysis> {
    const cached = this.analyses.get(sql);
    if (cached) return cached;
    const analysis = await analyzeStatement(conn, sql);
    if (this.analyses.size >= 256) this.analyses.delete(this.analyses.keys().next().value!);
    this.analyses.set(sql, analysis);
    return analysis;
  }

  private checkDatabase(pi: PrincipalInstance, policy: AccessPolicy, database: string): void {
    if (pi.databases.has(database)) return;
    if (pi.catalogDatabases.has(database)) {
      throw new QueryError(
        `access denied: ${policy.describe()} may not read any table of database ${database}`,
        'access-denied',
        { availableTables: this.available(pi) },
      );
    }
    throw new QueryError(
      `database ${database} does not exist; databases: ${[...pi.databases].sort().join(', ') || '(none)'}`,
      'unknown-table',
      { availableTables: this.available(pi) },
    );
  }

  /** Table and column grants, checked on the parse tree for a precise message. */
  private authorize(
    pi: PrincipalInstance,
    policy: AccessPolicy,
    analysis: StatementAnalysis,
    database: string | undefined,
  ): void {
    const referenced: { name: string; exposed: ExposedTable }[] = [];
    for (const ref of analysis.tables) {
      const shown = [ref.catalog, ref.schema, ref.table].filter(Boolean).join('.');
      if (ref.catalog !== '') throw this.unknownTable(pi, shown);
      const db = ref.schema || database;
      if (!db) {
        throw new QueryError(
          `table ${ref.table} needs a database: write <database>.${ref.table} (e.g. ` +
            `energy_processed_db.${ref.table}) or give a default database (--database, "database")`,
          'unknown-table',
          { availableTables: this.available(pi) },
        );
      }
      const name = `${db}.${ref.table}`;
      const exposed = pi.tables.get(name);
      if (!exposed) {
        if (pi.cataloged.has(name)) {
          throw new QueryError(
            `access denied: ${policy.describe()} may not read table ${name}`,
            'access-denied',
            { availableTables: this.available(pi) },
          );
        }
        throw this.unknownTable(pi, ref.schema ? name : ref.table);
      }
      if (exposed.unavailable) {
        throw new QueryError(exposed.unavailable.message, exposed.unavailable.code);
      }
      referenced.push({ name, exposed });
    }
    for (const { name, exposed } of referenced) {
      const col = exposed.denied.find((c) => analysis.columnNames.has(c));
      if (col !== undefined) {
        throw new QueryError(
          `access denied: ${policy.describe()} may not read column ${name}.${col}`,
          'access-denied',
          { readableColumns: [...exposed.readable] },
        );
      }
    }
  }

  private unknownTable(pi: PrincipalInstance, shown: string): QueryError {
    const available = this.available(pi);
    return new QueryError(
      `table ${shown} does not exist; tables you may read: ${available.join(', ') || '(none)'}`,
      'unknown-table',
      { availableTables: available },
    );
  }

  private available(pi: PrincipalInstance): string[] {
    return [...pi.tables.keys()].sort();
  }

  private engineError(
    err: unknown,
    pi: PrincipalInstance,
    timedOut: boolean,
    timeoutMs: number,
  ): QueryError {
    const message = cleanMessage(err);
    if (timedOut || /^INTERRUPT Error/i.test(message)) return timeoutError(timeoutMs);
    if (/^Catalog Error: Table with name .* does not exist/i.test(message)) {
      const available = this.available(pi);
      return new QueryError(
        `${message}\ntables you may read: ${available.join(', ') || '(none)'}`,
        'unknown-table',
        { availableTables: available },
      );
    }
    if (/^Permission Error/i.test(message)) {
      return new QueryError(
        `${message}\n(queries read the cataloged lake tables only)`,
        'forbidden-statement',
      );
    }
    return new QueryError(message, 'sql-error');
  }

  /** The principal's instance for the current catalog version, built on first use. */
  private async acquire(policy: AccessPolicy): Promise<PrincipalInstance> {
    if (this.closed) throw new Error('the query engine is closed');
    const snapshot = await this.snapshot();
    const key = `${policy.fingerprint()}:${snapshot.version}`;
    const slot = policy.principal.name;
    let pi = this.instances.get(slot);
    if (!pi || pi.key !== key) {
      const buildKey = `${slot}\u0000${key}`;
      let pending = this.building.get(buildKey);
      if (!pending) {
        pending = this.build(policy, snapshot, key).finally(() => this.building.delete(buildKey));
        this.building.set(buildKey, pending);
      }
      const built = await pending;
      const current = this.instances.get(slot);
      if (current !== built) {
        if (current) this.retire(current);
        this.instances.set(slot, built);
      }
      pi = built;
    }
    pi.inFlight++;
    return pi;
  }

  private release(pi: PrincipalInstance): void {
    pi.inFlight--;
    if (pi.retired && pi.inFlight === 0) closeInstance(pi);
  }

  private retire(pi: PrincipalInstance): void {
    pi.retired = true;
    if (pi.inFlight === 0) closeInstance(pi);
  }

  private async snapshot(): Promise<Snapshot> {
    const catalog = this.options.catalog;
    const databases = (await catalog.listDatabases()).map((d) => d.name);
    const tables = (await Promise.all(databases.map((d) => catalog.listTables(d)))).flat();
    const version = createHash('sha256')
      .update(
        JSON.stringify(
          tables.map((t) => [
            t.database,
            t.name,
            t.schemaVersion,
            t.updatedAt,
            t.location,
            t.format,
            t.formatParameters,
          ]),
        ),
      )
      .digest('hex')
      .slice(0, 16);
    return { version, databases, tables };
  }

  private async build(
    policy: AccessPolicy,
    snapshot: Snapshot,
    key: string,
  ): Promise<PrincipalInstance> {
    const o = this.options;
    const instance = await openDuckDb({
      ...(o.memoryLimit ? { memoryLimit: o.memoryLimit } : {}),
      ...(o.tempDirectory ? { tempDirectory: o.tempDirectory } : {}),
      ...(o.threads ? { threads: o.threads } : {}),
    });
    const tables = new Map<string, ExposedTable>();
    const conn = await instance.connect();
    try {
      const visible: { table: Table; readable: string[] }[] = [];
      for (const t of snapshot.tables) {
        const all = [...t.columns, ...t.partitionKeys].map((c) => c.name);
        const readable = policy.readableColumns(t.database, t.name, all);
        if (readable) visible.push({ table: t, readable });
      }
      const folders = visible
        .map((v) => v.table.location)
        .filter((l) => !isRemoteLocation(l))
        .map((l) => `${l.replace(/\/+$/, '')}/`);
      await restrictFileAccess(conn, [...new Set(folders)]);
      for (const db of new Set(visible.map((v) => v.table.database))) {
        await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}`);
      }
      for (const { table, readable } of visible) {
        const name = `${table.database}.${table.name}`;
        const all = [...table.columns, ...table.partitionKeys];
        const readableSet = new Set(readable.map((c) => c.toLowerCase()));
        const exposed: ExposedTable = {
          table,
          readable: readableSet,
          denied: all.map((c) => c.name.toLowerCase()).filter((c) => !readableSet.has(c)),
        };
        tables.set(name, exposed);
        if (isRemoteLocation(table.location)) {
          exposed.unavailable = {
            code: 'unsupported',
            message:
              `table ${name} is at ${table.location}: the DuckDB query engine reads a local ` +
              `datalake only (it cannot read s3:// here); for a lake on S3 set query.engine ` +
              `to "athena" in the config`,
          };
          continue;
        }
        try {
          const scan = scanOf(table);
          const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
          const present = new Set(described.getRows().map((r) => String(r[0]).toLowerCase()));
          const columns = all.filter((c) => readableSet.has(c.name.toLowerCase()));
          await conn.run(
            `CREATE VIEW ${quoteQualified(table.database, table.name)} AS SELECT ${projectionOf(table, columns, present)} FROM ${scan}`,
          );
        } catch (err) {
          exposed.unavailable = {
            code: 'sql-error',
            message: `table ${name} cannot be read now: ${cleanMessage(err)}`,
          };
        }
      }
      await lockConfiguration(conn);
    } catch (err) {
      conn.closeSync();
      instance.closeSync();
      throw err;
    }
    conn.closeSync();
    return {
      key,
      instance,
      tables,
      databases: new Set(visible(tables)),
      cataloged: new Set(snapshot.tables.map((t) => `${t.database}.${t.name}`)),
      catalogDatabases: new Set(snapshot.databases),
      inFlight: 0,
      idle: [],
      retired: false,
    };
  }
}

function visible(tables: Map<string, ExposedTable>): string[] {
  return [...tables.values()].map((t) => t.table.database);
}

function timeoutError(timeoutMs: number): QueryError {
  return new QueryError(
    `the query ran longer than ${timeoutMs} ms and was cancelled; narrow it (filter on ` +
      `year/month/day, aggregate, add LIMIT) or raise the timeout`,
    'timeout',
    { timeoutMs },
  );
}

function closeInstance(pi: PrincipalInstance): void {
  for (const p of pi.idle.splice(0)) {
    p.prepared.clear();
    p.conn.closeSync();
  }
  pi.instance.closeSync();
}
