import type { AccessPolicy } from '../governance/governance.js';

/**
 * The QueryEngine port: Athena's role. SQL over the cataloged lake tables, each named
 * `<database>.<table>`, read only.
 *
 * Adapters: `DuckDbQueryEngine` (embedded default: DuckDB over the catalog and a local lake) and
 * `AthenaQueryEngine` (Amazon Athena, for a lake on S3).
 */

export interface QueryColumn {
  name: string;
  /** The engine's type name, e.g. `VARCHAR`, `BIGINT`, `DECIMAL(18,3)` (DuckDB) or `varchar` (Athena). */
  type: string;
}

/**
 * A result. Values are JSON-ready: integers as numbers (as strings beyond 2^53), DECIMALs as
 * their exact text (`"1234.5000000"`: a DECIMAL(38,7) does not fit a double), floating point as
 * numbers, dates and timestamps as ISO strings, blobs as base64. Both engines agree on this.
 */
export interface QueryResult {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  /** True when the result had more rows than the limit and was cut. */
  truncated: boolean;
  elapsedMs: number;
}

export interface QueryOptions {
  /** Default database for unqualified table names (`FROM clientes`). */
  database?: string;
  /** Most rows returned; more are cut (`truncated: true`). @default unlimited */
  limit?: number;
  /** The query is cancelled after this long. @default 30000 */
  timeoutMs?: number;
  /** Whose grants apply. @default full read (trusted, in-process callers only) */
  policy?: AccessPolicy;
}

/** A table a principal may see, with the columns it may read. */
export interface QueryableTable {
  database: string;
  table: string;
  columns: QueryColumn[];
  location: string;
  format: string;
}

export type QueryErrorCode =
  /** Not a read-only statement (INSERT, COPY, SET…), several statements, or a file/table function. */
  | 'forbidden-statement'
  /** A table or column the principal may not read. */
  | 'access-denied'
  /** A table that is not in the catalog (or not visible to the principal). */
  | 'unknown-table'
  /** The engine rejected the SQL (syntax, binder, runtime). */
  | 'sql-error'
  /** Ran longer than the timeout and was cancelled. */
  | 'timeout'
  /** The engine cannot serve this lake (e.g. DuckDB over an S3 lake). */
  | 'unsupported'
  /** No saved query has that name. */
  | 'unknown-saved-query'
  /** A bad option (e.g. a limit above the maximum). */
  | 'invalid-request';

/** Every failure of a query, with a message fit for the person who wrote it. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: QueryErrorCode,
    /** Extra facts, e.g. `{ availableTables: [...] }` for `unknown-table`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/**
 * The port. All adapters pass `test/core/query/query-engine-contract.ts`.
 *
 * @example
 * const r = await engine.query('SELECT ciudad, count(*) AS n FROM clientes GROUP BY 1',
 *   { database: 'energy_processed_db', limit: 100 });
 * r.rows // → [{ ciudad: 'CALI', n: 12 }, …]
 */
export interface QueryEngine {
  /** @throws QueryError */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /** The tables (and columns) the policy may read, by database and name. */
  listTables(policy?: AccessPolicy): Promise<QueryableTable[]>;
  close(): Promise<void>;
}
