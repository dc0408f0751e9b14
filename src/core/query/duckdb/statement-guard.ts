import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryError } from '../query-engine.js';

/** A table named in a query, as the parser read it (lower case). */
export interface TableName {
  catalog: string;
  schema: string;
  table: string;
}

/** What DuckDB's own parser says a query reads. */
export interface StatementAnalysis {
  /** The statement to run: the checked SELECT, re-prefixed with `EXPLAIN [ANALYZE]` when asked. */
  sql: string;
  explain: 'none' | 'explain' | 'analyze';
  /** Base tables, CTE names excluded. */
  tables: TableName[];
  /** Every part of every column reference, lower case (`c.nombre` → `c`, `nombre`). */
  columnNames: Set<string>;
}

/** Table functions a query may call: generators only, never a reader of files or SQL text. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'range',
  'generate_series',
  'unnest',
]);

/** `SHOW TABLES`, `SHOW ALL TABLES`, `SHOW DATABASES`: listings of what the instance holds. */
const ALLOWED_SHOW_LISTINGS = new Set([
  '"tables"',
  'tables',
  '__show_tables_expanded',
  '"databases"',
]);

const READ_ONLY = 'SELECT, WITH, VALUES, FROM, EXPLAIN, DESCRIBE, SHOW and SUMMARIZE';

/**
 * Checks a query with DuckDB's parser (not with regular expressions): exactly one statement;
 * a SELECT-class statement (`json_serialize_sql` serialises only those; DESCRIBE, SHOW and
 * SUMMARIZE parse as SELECTs over a SHOW_REF), or `EXPLAIN [ANALYZE]` of one; no table function
 * but generators. Returns the tables and column names it references.
 *
 * @throws QueryError `forbidden-statement` or `sql-error` (syntax)
 */
export async function analyzeStatement(
  conn: DuckDBConnection,
  sql: string,
): Promise<StatementAnalysis> {
  let count: number;
  try {
    count = (await conn.extractStatements(sql)).count;
  } catch (err) {
    throw new QueryError(cleanMessage(err), 'sql-error');
  }
  if (count === 0) throw new QueryError('the query is empty', 'sql-error');
  if (count > 1) {
    throw new QueryError(
      `one statement per query: found ${count} (remove the extra statements and the ';' between them)`,
      'forbidden-statement',
    );
  }
  let explain: StatementAnalysis['explain'] = 'none';
  let body = sql;
  let tree = await serialize(conn, body);
  if (!tree) {
    const m = /^EXPLAIN\s+(ANALY[SZ]E\s+)?/i.exec(stripLeadingComments(sql));
    if (m) {
      explain = m[1] ? 'analyze' : 'explain';
      body = stripLeadingComments(sql).slice(m[0].length);
      tree = await serialize(conn, body);
    }
    if (!tree) {
      const keyword = /^[A-Za-z]+/.exec(stripLeadingComments(explain === 'none' ? sql : body));
      throw new QueryError(
        `only read-only queries may run (${READ_ONLY}); ` +
          `${keyword ? `${keyword[0].toUpperCase()} statements are` : 'this statement is'} not allowed`,
        'forbidden-statement',
      );
    }
  }
  const ctes = new Set<string>();
  const tables: TableName[] = [];
  const columnNames = new Set<string>();
  const functions: string[] = [];
  walk(tree, (node) => {
    switch (node.type) {
      case 'BASE_TABLE':
        tables.push({
          catalog: lower(node.catalog_name),
          schema: lower(node.schema_name),
          table: lower(node.table_name),
        });
        break;
      case 'TABLE_FUNCTION': {
        const fn = node.function as { function_name?: unknown } | undefined;
        functions.push(lower(fn?.function_name));
        break;
      }
      case 'SHOW_REF':
        if (node.query == null && !ALLOWED_SHOW_LISTINGS.has(lower(node.table_name))) {
          throw new QueryError(
            `SHOW ${String(node.table_name)} is not allowed; use SHOW TABLES or DESCRIBE <table>`,
            'forbidden-statement',
          );
        }
        break;
    }
    if (node.class === 'COLUMN_REF' && Array.isArray(node.column_names)) {
      for (const part of node.column_names) columnNames.add(lower(part));
    }
    const cteMap = (node.cte_map as { map?: { key?: unknown }[] } | undefined)?.map;
    for (const entry of cteMap ?? []) ctes.add(lower(entry.key));
  });
  const denied = functions.find((f) => !ALLOWED_TABLE_FUNCTIONS.has(f));
  if (denied !== undefined) {
    throw new QueryError(
      `table function ${denied}() is not allowed: queries read the cataloged lake tables ` +
        `(<database>.<table>), not files; allowed table functions: ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')}`,
      'forbidden-statement',
    );
  }
  const prefix =
    explain === 'analyze' ? 'EXPLAIN ANALYZE ' : explain === 'explain' ? 'EXPLAIN ' : '';
  return {
    sql: `${prefix}${body}`,
    explain,
    tables: tables.filter((t) => t.schema !== '' || t.catalog !== '' || !ctes.has(t.table)),
    columnNames,
  };
}

type Node = Record<string, unknown>;

/** The parse tree of a SELECT-class statement; `undefined` for any other statement. */
async function serialize(conn: DuckDBConnection, sql: string): Promise<unknown> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
  const text = reader.getRows()[0]?.[0];
  const parsed = JSON.parse(String(text)) as { error?: boolean; error_message?: string };
  if (parsed.error) {
    if (/only select statements/i.test(parsed.error_message ?? '')) return undefined;
    throw new QueryError(parsed.error_message ?? 'the query could not be parsed', 'sql-error');
  }
  return parsed;
}

function walk(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value !== null && typeof value === 'object') {
    visit(value as Node);
    for (const v of Object.values(value)) walk(v, visit);
  }
}

function lower(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

function stripLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith('--')) {
      const nl = s.indexOf('\n');
      s = nl < 0 ? '' : s.slice(nl + 1).trimStart();
    } else if (s.startsWith('/*')) {
      const end = s.indexOf('*/');
      s = end < 0 ? '' : s.slice(end + 2).trimStart();
    } else return s;
  }
}

/** DuckDB's message without the `LINE 1: … ^` caret block when it only repeats the query. */
export function cleanMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim();
}
