import { quoteIdent, quoteLiteral } from '../../core/duckdb/duckdb.js';
import type { BuiltinEntity } from '../entities.js';
import type { SqlSession, TableNamer } from './merge-steps.js';
import { createTableSql, SPECIAL_MEMBERS, TABLES } from './schema.js';
import {
  WAREHOUSE_TABLES,
  type LoadedPartition,
  type TableCount,
  type WarehouseTable,
} from './warehouse.js';

export interface SchemaOptions {
  /** Declare primary keys (PostgreSQL, Redshift). */
  primaryKeys: boolean;
  /** The schema the tables live in (`main` for DuckDB). */
  schema: string;
  /** Amazon Redshift: distribution and sort keys on every table. @default false */
  redshift?: boolean;
}

/** Creates the tables when missing and the unknown / not-applicable members of each dimension. */
export async function createSchema(s: SqlSession, t: TableNamer, o: SchemaOptions): Promise<void> {
  for (const table of WAREHOUSE_TABLES) {
    await s.run(createTableSql(TABLES[table], t(table), o.primaryKeys, o.redshift === true));
  }
  await upgradeCheckDigit(s, t, o);
  for (const [table, rows] of Object.entries(SPECIAL_MEMBERS) as [WarehouseTable, string[]][]) {
    const key = quoteIdent(TABLES[table].key[0]!);
    for (const values of rows) {
      const k = values.slice(0, values.indexOf(','));
      const found = await s.rows(
        `SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ${t(table)} WHERE ${key} = ${k}`,
      );
      if (Number(found[0]?.n ?? 0) === 0) {
        await s.run(`INSERT INTO ${t(table)} VALUES (${values})`);
      }
    }
  }
}

/**
 * Warehouses created before `digito_verificacion` became an INTEGER stored it as text (`'8'`, or
 * `'8.0'` from a DOUBLE); the column is converted in place. Redshift cannot change a column's
 * type (only a VARCHAR's length): there the table must be recreated, which the error says.
 */
async function upgradeCheckDigit(s: SqlSession, t: TableNamer, o: SchemaOptions): Promise<void> {
  for (const table of ['dim_cliente', 'dim_proveedor'] as const) {
    const found = await s.rows(
      `SELECT lower(data_type) AS data_type FROM information_schema.columns WHERE table_schema = ${quoteLiteral(o.schema)} ` +
        `AND table_name = ${quoteLiteral(table)} AND column_name = 'digito_verificacion'`,
    );
    const type = found[0]?.data_type ?? '';
    if (!/char|text/.test(type)) continue;
    if (o.redshift) {
      throw new Error(
        `${table}.digito_verificacion is ${type} in this Redshift warehouse and Redshift cannot change a column's type: ` +
          `recreate ${table} (a full load rebuilds it)`,
      );
    }
    await s.run(
      `ALTER TABLE ${t(table)} ALTER COLUMN digito_verificacion TYPE INTEGER ` +
        `USING CAST(CAST(NULLIF(digito_verificacion, '') AS DECIMAL(4,1)) AS INTEGER)`,
    );
  }
}

export async function readLoadedPartitions(
  s: SqlSession,
  t: TableNamer,
): Promise<LoadedPartition[]> {
  const rows = await s.rows(
    `SELECT entidad, CAST(particion AS VARCHAR) AS particion, etag, archivo, CAST(filas AS VARCHAR) AS filas, ` +
      `CAST(cargado_en AS VARCHAR) AS cargado_en FROM ${t('wh_carga_particion')} ORDER BY entidad, particion`,
  );
  return rows.map((r) => ({
    entity: r.entidad as BuiltinEntity,
    loadDate: r.particion ?? '',
    etag: r.etag ?? '',
    key: r.archivo ?? '',
    rows: Number(r.filas ?? 0),
    loadedAt: r.cargado_en ?? '',
  }));
}

export async function countTables(s: SqlSession, t: TableNamer): Promise<TableCount[]> {
  const out: TableCount[] = [];
  for (const table of WAREHOUSE_TABLES) {
    const r = await s.rows(`SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ${t(table)}`);
    out.push({ table, rows: Number(r[0]?.n ?? 0) });
  }
  return out;
}

export async function readTableRows(
  s: SqlSession,
  t: TableNamer,
  table: WarehouseTable,
): Promise<Record<string, string | null>[]> {
  const def = TABLES[table];
  const cols = def.columns.map(([n]) => `CAST(${quoteIdent(n)} AS VARCHAR) AS ${quoteIdent(n)}`);
  return s.rows(
    `SELECT ${cols.join(', ')} FROM ${t(table)} ORDER BY ${def.key.map(quoteIdent).join(', ')}`,
  );
}
