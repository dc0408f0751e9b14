import type { Column, Table } from '../../catalog/catalog.js';
import { quoteIdent, quoteLiteral } from '../../duckdb/duckdb.js';

/** DuckDB type of a Glue (Hive) column type; `undefined` leaves the column as the files have it. */
export function duckTypeOf(glue: string): string | undefined {
  const t = glue.trim().toLowerCase();
  const simple: Record<string, string> = {
    string: 'VARCHAR',
    varchar: 'VARCHAR',
    char: 'VARCHAR',
    tinyint: 'TINYINT',
    smallint: 'SMALLINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    float: 'FLOAT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    binary: 'BLOB',
  };
  if (simple[t]) return simple[t];
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `DECIMAL(${dec[1]}, ${dec[2]})`;
  return undefined;
}

const ENCODINGS: Record<string, string> = {
  'utf-8': 'utf-8',
  'utf-8-bom': 'utf-8',
  'latin-1': 'latin-1',
  // Files of one table disagree: Latin-1 never fails to decode (UTF-8 text may read garbled).
  mixed: 'latin-1',
};

/** True when DuckDB cannot read the location directly (an object store URL). */
export function isRemoteLocation(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/**
 * The table function reading every file of a table's `year=/month=/day=` partitions, with the
 * partition keys as VARCHAR columns (as the catalog declares them), so `WHERE year = '2026'`
 * prunes folders before any file is opened.
 */
export function scanOf(table: Table): string {
  const base = table.location.replace(/\/+$/, '');
  const hive = 'hive_partitioning = true, hive_types_autocast = false, union_by_name = true';
  switch (table.format) {
    case 'parquet':
      return `read_parquet(${quoteLiteral(`${base}/*/*/*/*.parquet`)}, ${hive})`;
    case 'json':
      return `read_json(${quoteLiteral(`${base}/*/*/*/[!.]*`)}, format = 'newline_delimited', ${hive})`;
    case 'csv': {
      const fp = table.formatParameters;
      const options = [
        hive,
        `delim = ${quoteLiteral(fp.delimiter ?? ',')}`,
        `header = ${fp.header === false ? 'false' : 'true'}`,
        `quote = '"'`,
        `escape = '"'`,
        `encoding = ${quoteLiteral(ENCODINGS[fp.encoding ?? 'utf-8'] ?? 'utf-8')}`,
        // The crawler names columns as normalizeColumnName does; DuckDB's normalisation is the
        // same for the lake's headers (lower case, `_` for other characters).
        'normalize_names = true',
        'all_varchar = true',
        // Raw exports are dirty: a broken row is skipped rather than failing every query.
        'ignore_errors = true',
        'null_padding = true',
      ];
      return `read_csv(${quoteLiteral(`${base}/*/*/*/[!.]*`)}, ${options.join(', ')})`;
    }
  }
}

/**
 * The view's select list: `columns` in the catalog's order; a cataloged column no file has yet
 * reads as a typed NULL; CSV text is cast to the cataloged type (bad values → NULL, as Athena's
 * text SerDe reads them).
 */
export function projectionOf(
  table: Table,
  columns: readonly Column[],
  present: ReadonlySet<string>,
): string {
  return columns
    .map((c) => {
      const name = c.name.toLowerCase();
      const type = duckTypeOf(c.type);
      const ident = quoteIdent(c.name);
      if (!present.has(name)) return `CAST(NULL AS ${type ?? 'VARCHAR'}) AS ${ident}`;
      if (table.format === 'csv' && type && type !== 'VARCHAR') {
        return `TRY_CAST(${ident} AS ${type}) AS ${ident}`;
      }
      return ident;
    })
    .join(', ');
}
