import { quoteIdent } from '../../core/duckdb/duckdb.js';
import type { EnergyEntity } from '../entities.js';
import type { SqlSession, TableNamer } from './merge-steps.js';
import { createTableSql, SPECIAL_MEMBERS, TABLES } from './schema.js';
import {
  WAREHOUSE_TABLES,
  type LoadedPartition,
  type TableCount,
  type WarehouseTable,
} from './warehouse.js';

/** Creates the tables when missing and the unknown / not-applicable members of each dimension. */
export async function createSchema(
  s: SqlSession,
  t: TableNamer,
  primaryKeys: boolean,
): Promise<void> {
  for (const table of WAREHOUSE_TABLES) {
    await s.run(createTableSql(TABLES[table], t(table), primaryKeys));
  }
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

export async function readLoadedPartitions(
  s: SqlSession,
  t: TableNamer,
): Promise<LoadedPartition[]> {
  const rows = await s.rows(
    `SELECT entidad, CAST(particion AS VARCHAR) AS particion, etag, archivo, CAST(filas AS VARCHAR) AS filas, ` +
      `CAST(cargado_en AS VARCHAR) AS cargado_en FROM ${t('wh_carga_particion')} ORDER BY entidad, particion`,
  );
  return rows.map((r) => ({
    entity: r.entidad as EnergyEntity,
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
