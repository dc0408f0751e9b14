import { quoteIdent } from '../../core/duckdb/duckdb.js';
import type { WarehouseTable } from './warehouse.js';

/** A column: name and a type every target understands (DuckDB, PostgreSQL, Redshift). */
export type ColumnDef = readonly [name: string, type: string];

export interface TableDef {
  name: WarehouseTable;
  columns: readonly ColumnDef[];
  /** Primary key (enforced by PostgreSQL, informational on Redshift, not declared on DuckDB). */
  key: readonly string[];
}

const NAME = 'VARCHAR(512)';
const CODE = 'VARCHAR(32)';
const FILE = 'VARCHAR(1024)';

/** The star schema. Surrogate keys are plain BIGINT/INTEGER: no IDENTITY, SERIAL or sequence. */
export const TABLES: Record<WarehouseTable, TableDef> = {
  dim_cliente: {
    name: 'dim_cliente',
    columns: [
      ['cliente_key', 'BIGINT NOT NULL'],
      ['tipo_identificacion', CODE],
      ['identificacion', 'VARCHAR(64)'],
      ['digito_verificacion', 'INTEGER'],
      ['nombre', NAME],
      ['ciudad', NAME],
      ['departamento', NAME],
      ['segmento', NAME],
      ['estrato', 'INTEGER'],
      ['fecha_registro', 'VARCHAR(64)'],
      ['version', 'INTEGER'],
      ['valid_from', 'DATE'],
      ['valid_to', 'DATE'],
      ['is_current', 'BOOLEAN'],
      ['archivo_origen', FILE],
    ],
    key: ['cliente_key'],
  },
  dim_proveedor: {
    name: 'dim_proveedor',
    columns: [
      ['proveedor_key', 'BIGINT NOT NULL'],
      ['nombre_proveedor', NAME],
      ['nit', 'VARCHAR(64)'],
      ['digito_verificacion', 'INTEGER'],
      ['tipo_energia', CODE],
      ['ciudad', NAME],
      ['capacidad_mw', 'DECIMAL(12,3)'],
      ['fecha_registro', 'VARCHAR(64)'],
      ['fecha_carga', 'DATE'],
      ['archivo_origen', FILE],
    ],
    key: ['proveedor_key'],
  },
  dim_tipo_energia: {
    name: 'dim_tipo_energia',
    columns: [
      ['tipo_energia_key', 'INTEGER NOT NULL'],
      ['codigo', CODE],
      ['nombre', 'VARCHAR(64)'],
      ['renovable', 'BOOLEAN'],
    ],
    key: ['tipo_energia_key'],
  },
  dim_fecha: {
    name: 'dim_fecha',
    columns: [
      ['fecha_key', 'INTEGER NOT NULL'],
      ['fecha', 'DATE'],
      ['anio', 'INTEGER'],
      ['trimestre', 'INTEGER'],
      ['mes', 'INTEGER'],
      ['nombre_mes', 'VARCHAR(16)'],
      ['dia', 'INTEGER'],
      ['dia_semana', 'INTEGER'],
      ['nombre_dia', 'VARCHAR(16)'],
      ['es_fin_de_semana', 'BOOLEAN'],
    ],
    key: ['fecha_key'],
  },
  fact_transaccion: {
    name: 'fact_transaccion',
    columns: [
      ['id_transaccion', 'VARCHAR(256) NOT NULL'],
      ['fecha_key', 'INTEGER'],
      ['cliente_key', 'BIGINT'],
      ['proveedor_key', 'BIGINT'],
      ['tipo_energia_key', 'INTEGER'],
      ['tipo_transaccion', CODE],
      ['categoria_precio', CODE],
      ['nombre_contraparte', NAME],
      ['contraparte_conocida', 'BOOLEAN'],
      ['cantidad_kwh', 'DECIMAL(18,3)'],
      ['precio_kwh_cop', 'DECIMAL(18,4)'],
      ['precio_total_cop', 'DECIMAL(38,7)'],
      ['archivo_origen', FILE],
      ['fecha_carga', 'DATE'],
      ['ingestado_en', 'TIMESTAMP'],
    ],
    key: ['id_transaccion'],
  },
  wh_carga_particion: {
    name: 'wh_carga_particion',
    columns: [
      ['entidad', 'VARCHAR(32) NOT NULL'],
      ['particion', 'DATE NOT NULL'],
      ['etag', 'VARCHAR(256)'],
      ['archivo', FILE],
      ['filas', 'BIGINT'],
      ['cargado_en', 'TIMESTAMP'],
    ],
    key: ['entidad', 'particion'],
  },
};

/**
 * Amazon Redshift distribution and sort keys (docs/warehouse.md): the fact table is distributed
 * on its most common join (`cliente_key`, the same key as `dim_cliente`, so that join is local)
 * and sorted on the date key (date-range filters skip blocks); the small dimensions and the load
 * log are copied to every node (`DISTSTYLE ALL`).
 */
export const REDSHIFT_TABLE_ATTRIBUTES: Record<WarehouseTable, string> = {
  fact_transaccion: 'DISTKEY(cliente_key) SORTKEY(fecha_key)',
  dim_cliente: 'DISTKEY(cliente_key) SORTKEY(tipo_identificacion, identificacion, valid_from)',
  dim_proveedor: 'DISTSTYLE ALL',
  dim_tipo_energia: 'DISTSTYLE ALL',
  dim_fecha: 'DISTSTYLE ALL SORTKEY(fecha_key)',
  wh_carga_particion: 'DISTSTYLE ALL',
};

/**
 * `CREATE TABLE IF NOT EXISTS` for `def`, named `qualified`; on Redshift with the table's
 * {@link REDSHIFT_TABLE_ATTRIBUTES}.
 */
export function createTableSql(
  def: TableDef,
  qualified: string,
  primaryKey: boolean,
  redshift = false,
): string {
  const cols = def.columns.map(([n, t]) => `${quoteIdent(n)} ${t}`);
  if (primaryKey) cols.push(`PRIMARY KEY (${def.key.map(quoteIdent).join(', ')})`);
  const attributes = redshift ? ` ${REDSHIFT_TABLE_ATTRIBUTES[def.name]}` : '';
  return `CREATE TABLE IF NOT EXISTS ${qualified} (\n  ${cols.join(',\n  ')}\n)${attributes}`;
}

/** Key of the "unknown" member of a dimension: a counterparty name no dimension row carries. */
export const UNKNOWN_KEY = 0;
/** Key of the "not applicable" member: the cliente of a COMPRA, the proveedor of a VENTA. */
export const NOT_APPLICABLE_KEY = -1;

/** Rows every dimension starts with, so every fact key always exists in its dimension. */
export const SPECIAL_MEMBERS: Partial<Record<WarehouseTable, readonly string[]>> = {
  dim_cliente: [
    `${UNKNOWN_KEY}, NULL, NULL, NULL, 'DESCONOCIDO', NULL, NULL, NULL, NULL, NULL, 1, CAST('1900-01-01' AS DATE), CAST('9999-12-31' AS DATE), TRUE, NULL`,
    `${NOT_APPLICABLE_KEY}, NULL, NULL, NULL, 'NO APLICA', NULL, NULL, NULL, NULL, NULL, 1, CAST('1900-01-01' AS DATE), CAST('9999-12-31' AS DATE), TRUE, NULL`,
  ],
  dim_proveedor: [
    `${UNKNOWN_KEY}, 'DESCONOCIDO', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
    `${NOT_APPLICABLE_KEY}, 'NO APLICA', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`,
  ],
  dim_tipo_energia: [`${UNKNOWN_KEY}, 'DESCONOCIDO', 'Desconocido', NULL`],
};

/** Open end of a current SCD2 version (not NULL: plain `<` comparisons work everywhere). */
export const OPEN_END = '9999-12-31';
