import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * The one thin wrapper over DuckDB: it owns instances and connections and all identifier and
 * literal quoting. Nothing else builds SQL by concatenating unquoted strings.
 */
export interface DuckDbOptions {
  /** Database file; `:memory:` when absent. */
  path?: string;
  /** e.g. `'1GB'`. DuckDB spills to `tempDirectory` beyond it. */
  memoryLimit?: string;
  /** Folder for spill files. */
  tempDirectory?: string;
  threads?: number;
}

export async function openDuckDb(options: DuckDbOptions = {}): Promise<DuckDBInstance> {
  const settings: Record<string, string> = {};
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  if (options.tempDirectory) settings.temp_directory = options.tempDirectory;
  if (options.threads) settings.threads = String(options.threads);
  return DuckDBInstance.create(options.path ?? ':memory:', settings);
}

/** Runs `fn` with a fresh connection and always closes it. */
export async function withConnection<T>(
  instance: DuckDBInstance,
  fn: (conn: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const conn = await instance.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

/** Quotes an identifier: `my "col"` → `"my ""col"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal: `it's` → `'it''s'`. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A qualified name: `quoteQualified('db', 't')` → `"db"."t"`. */
export function quoteQualified(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** A list literal of strings: `['a', 'b']` → `['a', 'b']` with each element quoted. */
export function quoteStringList(values: readonly string[]): string {
  return `[${values.map(quoteLiteral).join(', ')}]`;
}

/**
 * Confines an instance's file access to `directories` (and DuckDB's own temp folder):
 * `allowed_directories`, then `enable_external_access = false` (no other file, no network, no
 * ATTACH of files, no extension install or load). Views created afterwards may read only there.
 * Call {@link lockConfiguration} when the set-up is done so no statement can undo it.
 */
export async function restrictFileAccess(
  conn: DuckDBConnection,
  directories: readonly string[],
): Promise<void> {
  await conn.run('SET autoinstall_known_extensions = false');
  await conn.run('SET autoload_known_extensions = false');
  await conn.run(`SET allowed_directories = ${quoteStringList(directories)}`);
  await conn.run('SET enable_external_access = false');
}

/** `lock_configuration = true`: no later `SET`/`RESET`/`PRAGMA` may change any setting. */
export async function lockConfiguration(conn: DuckDBConnection): Promise<void> {
  await conn.run('SET lock_configuration = true');
}
