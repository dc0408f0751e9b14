import type { DuckDBConnection } from '@duckdb/node-api';
import type { EnergyEntity } from '../entities.js';
import { duckDbDialect, type SqlDialect } from './dialect.js';

export type Severity = 'error' | 'warn';

/**
 * Data tests declared with each job, in the spirit of dbt's generic tests. They run on the new
 * partition before it replaces the old one; a failing `error` test keeps the old partition.
 */
export type DataTest =
  /** No two rows share these columns (rows where all are NULL are ignored). */
  | { type: 'unique'; columns: readonly string[]; severity: Severity }
  | { type: 'not_null'; columns: readonly string[]; severity: Severity }
  | { type: 'accepted_values'; column: string; values: readonly string[]; severity: Severity }
  /** Every value of `column` (on rows matching `where`) exists in another processed table. */
  | {
      type: 'relationships';
      column: string;
      where?: { column: string; equals: string };
      to: { entity: EnergyEntity; column: string };
      severity: Severity;
    }
  /** The rows the CSV reader saw (parsed + broken) equal the rows ingestion counted. */
  | { type: 'row_count'; severity: Severity };

export interface DataTestResult {
  name: string;
  severity: Severity;
  status: 'pass' | 'warn' | 'fail';
  /** Offending rows (or the difference for counts). */
  failures: number;
  message: string;
}

export interface DataTestContext {
  /** Relation holding the new processed partition. */
  relation: string;
  /** `ref_<entity>_<column>` relations (one `value` column) for relationships. */
  refRelation(entity: EnergyEntity, column: string): string;
  /** Rows ingestion counted in the partition's raw files (manifests). */
  manifestRows: number;
  /** Rows the CSV reader returned plus broken rows. */
  readRows: number;
}

/** A readable name, e.g. `unique(tipo_identificacion, identificacion)`. */
export function dataTestName(t: DataTest): string {
  switch (t.type) {
    case 'unique':
    case 'not_null':
      return `${t.type}(${t.columns.join(', ')})`;
    case 'accepted_values':
      return `accepted_values(${t.column})`;
    case 'relationships':
      return `relationships(${t.column}${t.where ? ` where ${t.where.column} = ${t.where.equals}` : ''} → ${t.to.entity}.${t.to.column})`;
    case 'row_count':
      return 'row_count(raw)';
  }
}

/**
 * The SQL that counts a test's failures in `relation` (one row, one number), in `d`'s dialect, so
 * the DuckDB engine and the Glue job run the same test. `refRelation(entity, column)` names a
 * relation with one `value` column (relationships). `row_count` compares two numbers the engine
 * already has: `undefined`.
 *
 * @example
 * renderDataTestSql({ type: 'not_null', columns: ['nombre'], severity: 'error' }, sparkDialect, 'nuevo')
 * // → "SELECT count(*) FROM nuevo WHERE `nombre` IS NULL"
 */
export function renderDataTestSql(
  t: DataTest,
  d: SqlDialect,
  relation: string,
  refRelation: (entity: EnergyEntity, column: string) => string = (e, c) => `ref_${e}_${c}`,
): string | undefined {
  switch (t.type) {
    case 'unique': {
      const cols = t.columns.map(d.ident).join(', ');
      const notAllNull = t.columns.map((c) => `${d.ident(c)} IS NOT NULL`).join(' OR ');
      return `SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${relation} WHERE ${notAllNull} GROUP BY ${cols} HAVING count(*) > 1) dup`;
    }
    case 'not_null': {
      const anyNull = t.columns.map((c) => `${d.ident(c)} IS NULL`).join(' OR ');
      return `SELECT count(*) FROM ${relation} WHERE ${anyNull}`;
    }
    case 'accepted_values': {
      const list = t.values.map(d.str).join(', ');
      return `SELECT count(*) FROM ${relation} WHERE ${d.ident(t.column)} IS NOT NULL AND ${d.ident(t.column)} NOT IN (${list})`;
    }
    case 'relationships': {
      const where = t.where ? `AND p.${d.ident(t.where.column)} = ${d.str(t.where.equals)}` : '';
      return (
        `SELECT count(*) FROM ${relation} p WHERE p.${d.ident(t.column)} IS NOT NULL ${where} ` +
        `AND NOT EXISTS (SELECT 1 FROM ${refRelation(t.to.entity, t.to.column)} r WHERE r.value = p.${d.ident(t.column)})`
      );
    }
    case 'row_count':
      return undefined;
  }
}

/** The message of a test result, in Spanish (the same words the Glue job writes). */
export function dataTestMessage(t: DataTest, failures: number, ctx?: DataTestContext): string {
  switch (t.type) {
    case 'unique':
      return failures ? `${failures} filas repiten la clave` : 'sin claves repetidas';
    case 'not_null':
      return failures ? `${failures} filas con valores nulos` : 'sin nulos';
    case 'accepted_values':
      return failures ? `${failures} filas fuera de {${t.values.join(', ')}}` : 'valores aceptados';
    case 'relationships':
      return failures
        ? `${failures} filas sin ${t.to.entity}.${t.to.column} correspondiente`
        : 'todas las referencias existen';
    case 'row_count':
      return `ingesta contó ${ctx?.manifestRows ?? 0} filas, el lector ${ctx?.readRows ?? 0}`;
  }
}

/** Runs the tests with DuckDB on the new partition. */
export async function runDataTests(
  conn: DuckDBConnection,
  tests: readonly DataTest[],
  ctx: DataTestContext,
): Promise<DataTestResult[]> {
  const results: DataTestResult[] = [];
  for (const t of tests) {
    const sql = renderDataTestSql(t, duckDbDialect, ctx.relation, ctx.refRelation);
    const failures =
      sql === undefined
        ? Math.abs(ctx.manifestRows - ctx.readRows)
        : Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    results.push({
      name: dataTestName(t),
      severity: t.severity,
      status: failures === 0 ? 'pass' : t.severity === 'error' ? 'fail' : 'warn',
      failures,
      message: dataTestMessage(t, failures, ctx),
    });
  }
  return results;
}
