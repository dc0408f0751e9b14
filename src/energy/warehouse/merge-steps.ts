import { quoteIdent, quoteLiteral } from '../../core/duckdb/duckdb.js';
import { NOT_APPLICABLE_KEY, OPEN_END, TABLES, UNKNOWN_KEY } from './schema.js';
import {
  WAREHOUSE_TABLES,
  type LoadHooks,
  type LoadPlan,
  type TableLoadCounts,
  type WarehouseLoadCounts,
  type WarehouseTable,
} from './warehouse.js';

/** The little a load needs from a database connection. */
export interface SqlSession {
  run(sql: string): Promise<void>;
  /** Rows with every value as text (or `null`). */
  rows(sql: string): Promise<Record<string, string | null>[]>;
}

/** Quoted, schema-qualified name of a permanent table. */
export type TableNamer = (table: WarehouseTable) => string;

/*
 * Everything below is plain SQL that DuckDB (≥ 1.4), PostgreSQL (≥ 15) and Amazon Redshift all
 * accept: MERGE with exactly one WHEN MATCHED THEN UPDATE and one WHEN NOT MATCHED THEN INSERT and
 * no extra conditions (Redshift's form), the target never aliased, no IS DISTINCT FROM, no
 * ON CONFLICT, no WINDOW clause, cumulative windows with an explicit ROWS frame, UPDATE … FROM,
 * CREATE TEMP TABLE … AS. Each MERGE reads a delta table holding only the rows that are new or
 * differ, so the counts are exact and a re-load touches nothing.
 */

const q = quoteIdent;

/** `a` and `b` differ, NULLs compared as values (Redshift has no IS DISTINCT FROM). */
function differs(a: string, b: string): string {
  return `(${a} <> ${b} OR (${a} IS NULL AND ${b} IS NOT NULL) OR (${a} IS NOT NULL AND ${b} IS NULL))`;
}

function anyDiffers(cols: readonly string[], left: string, right: string): string {
  return cols.map((c) => differs(`${left}.${q(c)}`, `${right}.${q(c)}`)).join('\n   OR ');
}

const names = (table: WarehouseTable): string[] => TABLES[table].columns.map(([n]) => n);

function emptyCounts(): Record<WarehouseTable, TableLoadCounts> {
  const out = {} as Record<WarehouseTable, TableLoadCounts>;
  for (const t of WAREHOUSE_TABLES) out[t] = { staged: 0, inserted: 0, updated: 0, deleted: 0 };
  return out;
}

/**
 * MERGE of `delta` into `table` on `on` (columns): matched rows get every other column, the rest
 * are inserted. Redshift wants the target's columns referenced through its bare table name.
 */
function mergeSql(
  t: TableNamer,
  table: WarehouseTable,
  delta: string,
  on: readonly string[],
): string {
  const cols = names(table);
  const target = q(table);
  const set = cols.filter((c) => !on.includes(c)).map((c) => `${q(c)} = s.${q(c)}`);
  return (
    `MERGE INTO ${t(table)} USING ${delta} s\n` +
    `ON ${on.map((c) => `${target}.${q(c)} = s.${q(c)}`).join(' AND ')}\n` +
    `WHEN MATCHED THEN UPDATE SET ${set.join(', ')}\n` +
    `WHEN NOT MATCHED THEN INSERT (${cols.map(q).join(', ')}) VALUES (${cols.map((c) => `s.${q(c)}`).join(', ')})`
  );
}

/**
 * Merges the staging tables (already filled) into the star schema. Runs inside the caller's
 * transaction; `hooks.afterStep` sees each step.
 */
export async function mergeStaged(
  s: SqlSession,
  t: TableNamer,
  plan: LoadPlan,
  hooks: LoadHooks = {},
): Promise<WarehouseLoadCounts> {
  const counts = emptyCounts();
  const scd2 = { versionsOpened: 0, versionsClosed: 0 };
  const num = async (sql: string): Promise<number> => Number((await s.rows(sql))[0]?.n ?? 0);
  const count = (rel: string, where = 'TRUE'): Promise<number> =>
    num(`SELECT CAST(COUNT(*) AS BIGINT) AS n FROM ${rel} WHERE ${where}`);
  const step = async (name: Parameters<NonNullable<LoadHooks['afterStep']>>[0]): Promise<void> => {
    await hooks.afterStep?.(name);
  };
  const temp = async (name: string, sql: string): Promise<void> => {
    await s.run(`DROP TABLE IF EXISTS ${name}`);
    await s.run(`CREATE TEMP TABLE ${name} AS\n${sql}`);
  };
  /** Delta of `staged` against `table` on `on`: new rows and rows whose `compare` columns differ. */
  const simpleMerge = async (
    table: WarehouseTable,
    staged: string,
    on: readonly string[],
    extraWhere = '',
  ): Promise<void> => {
    const cols = names(table);
    const compare = cols.filter((c) => !on.includes(c));
    const delta = `d_${table}`;
    await temp(
      delta,
      `SELECT ${cols.map((c) => `s.${q(c)}`).join(', ')}, CASE WHEN x.${q(on[0]!)} IS NULL THEN 1 ELSE 0 END AS es_nuevo\n` +
        `FROM ${staged} s LEFT JOIN ${t(table)} x ON ${on.map((c) => `x.${q(c)} = s.${q(c)}`).join(' AND ')}\n` +
        `WHERE x.${q(on[0]!)} IS NULL OR (${anyDiffers(compare, 's', 'x')})${extraWhere}`,
    );
    const c = counts[table];
    c.staged = await count(staged);
    c.inserted = await count(delta, 'es_nuevo = 1');
    c.updated = (await count(delta)) - c.inserted;
    if (c.inserted + c.updated > 0) await s.run(mergeSql(t, table, delta, on));
  };

  await step('staged');

  // dim_tipo_energia: a fixed list, keys by position (0 = unknown).
  await simpleMerge('dim_tipo_energia', 'stg_tipo_energia', ['tipo_energia_key']);
  await step('dim_tipo_energia');

  await simpleMerge('dim_fecha', 'stg_fecha', ['fecha_key']);
  await step('dim_fecha');

  let dimsChanged = false;
  if (plan.proveedores) {
    await mergeProveedores(s, t, temp, count, counts.dim_proveedor);
    const c = counts.dim_proveedor;
    dimsChanged ||= c.inserted + c.updated > 0;
  }
  await step('dim_proveedor');

  if (plan.clientes) {
    await mergeClientes(s, t, temp, count, counts.dim_cliente, scd2);
    const c = counts.dim_cliente;
    dimsChanged ||= c.inserted + c.updated + c.deleted > 0;
  }
  await step('dim_cliente');

  const fact = counts.fact_transaccion;
  if (plan.transacciones) {
    await temp('stg_fact', resolvedFacts(t, 'stg_transaccion r'));
    fact.staged = await count('stg_fact');
    const partitions = `SELECT particion FROM stg_particion WHERE entidad = 'transacciones'`;
    // Facts of a reloaded partition that its new file no longer holds.
    const gone =
      `${q('fecha_carga')} IN (${partitions}) AND NOT EXISTS ` +
      `(SELECT 1 FROM stg_fact g WHERE g.id_transaccion = ${q('fact_transaccion')}.id_transaccion)`;
    fact.deleted = await count(t('fact_transaccion'), gone);
    if (fact.deleted) await s.run(`DELETE FROM ${t('fact_transaccion')} WHERE ${gone}`);
    // A fact already loaded from a later partition keeps that version.
    await simpleMerge(
      'fact_transaccion',
      'stg_fact',
      ['id_transaccion'],
      ' AND (x.fecha_carga IS NULL OR x.fecha_carga <= s.fecha_carga)',
    );
  }
  if (dimsChanged) {
    // Dimension versions moved: point every fact at the version valid on its date.
    const current =
      `(SELECT f.id_transaccion, d.fecha, f.tipo_transaccion, f.nombre_contraparte, e.codigo AS tipo_energia ` +
      `FROM ${t('fact_transaccion')} f JOIN ${t('dim_fecha')} d ON d.fecha_key = f.fecha_key ` +
      `LEFT JOIN ${t('dim_tipo_energia')} e ON e.tipo_energia_key = f.tipo_energia_key) r`;
    await temp(
      'r_fact',
      `SELECT n.id_transaccion, n.cliente_key, n.proveedor_key FROM (${resolvedKeys(t, current)}) n ` +
        `JOIN ${t('fact_transaccion')} f ON f.id_transaccion = n.id_transaccion ` +
        `WHERE ${differs('f.cliente_key', 'n.cliente_key')} OR ${differs('f.proveedor_key', 'n.proveedor_key')}`,
    );
    const repointed = await count('r_fact');
    if (repointed) {
      await s.run(
        `UPDATE ${t('fact_transaccion')} SET cliente_key = r.cliente_key, proveedor_key = r.proveedor_key ` +
          `FROM r_fact r WHERE ${q('fact_transaccion')}.id_transaccion = r.id_transaccion`,
      );
      fact.updated += repointed;
    }
  }
  await step('fact_transaccion');

  const state = counts.wh_carga_particion;
  await temp(
    'stg_carga',
    `SELECT entidad, particion, etag, archivo, filas, CAST(${quoteLiteral(plan.loadedAt.replace('T', ' ').replace('Z', ''))} AS TIMESTAMP) AS cargado_en FROM stg_particion`,
  );
  state.staged = await count('stg_carga');
  await temp(
    'd_wh_carga_particion',
    `SELECT s.*, CASE WHEN x.entidad IS NULL THEN 1 ELSE 0 END AS es_nuevo FROM stg_carga s ` +
      `LEFT JOIN ${t('wh_carga_particion')} x ON x.entidad = s.entidad AND x.particion = s.particion ` +
      `WHERE x.entidad IS NULL OR (${anyDiffers(['etag', 'archivo', 'filas'], 's', 'x')})`,
  );
  state.inserted = await count('d_wh_carga_particion', 'es_nuevo = 1');
  state.updated = (await count('d_wh_carga_particion')) - state.inserted;
  if (state.inserted + state.updated) {
    await s.run(
      mergeSql(t, 'wh_carga_particion', 'd_wh_carga_particion', ['entidad', 'particion']),
    );
  }
  await step('wh_carga_particion');
  return { tables: counts, scd2 };
}

type Temp = (name: string, sql: string) => Promise<void>;
type Count = (rel: string, where?: string) => Promise<number>;

/** Surrogate keys without IDENTITY: the largest key so far plus a row number over the new rows. */
function withKeys(
  t: TableNamer,
  table: WarehouseTable,
  key: string,
  delta: string,
  order: string,
): string {
  const cols = names(table).filter((c) => c !== key);
  return (
    `SELECT COALESCE(d.clave_actual, b.base + ROW_NUMBER() OVER (ORDER BY CASE WHEN d.clave_actual IS NULL THEN 0 ELSE 1 END, ${order})) AS ${q(key)}, ` +
    `${cols.map((c) => `d.${q(c)}`).join(', ')} ` +
    `FROM ${delta} d CROSS JOIN (SELECT COALESCE(MAX(${q(key)}), 0) AS base FROM ${t(table)}) b`
  );
}

/** dim_proveedor, SCD type 1: the latest load of each proveedor (business key nombre_proveedor). */
async function mergeProveedores(
  s: SqlSession,
  t: TableNamer,
  temp: Temp,
  count: Count,
  c: TableLoadCounts,
): Promise<void> {
  const attrs = names('dim_proveedor').filter((n) => n !== 'proveedor_key');
  await temp(
    'v_proveedor',
    `SELECT ${attrs.join(', ')} FROM (SELECT p.*, ROW_NUMBER() OVER (PARTITION BY nombre_proveedor ORDER BY fecha_carga DESC) AS rn ` +
      `FROM stg_proveedor p) x WHERE rn = 1`,
  );
  c.staged = await count('stg_proveedor');
  await temp(
    'd_proveedor',
    `SELECT s.*, x.proveedor_key AS clave_actual FROM v_proveedor s ` +
      `LEFT JOIN ${t('dim_proveedor')} x ON x.nombre_proveedor = s.nombre_proveedor AND x.proveedor_key > 0 ` +
      `WHERE x.proveedor_key IS NULL OR (${anyDiffers(
        attrs.filter((a) => a !== 'nombre_proveedor'),
        's',
        'x',
      )})`,
  );
  c.inserted = await count('d_proveedor', 'clave_actual IS NULL');
  c.updated = (await count('d_proveedor')) - c.inserted;
  if (c.inserted + c.updated === 0) return;
  await temp(
    'm_proveedor',
    withKeys(t, 'dim_proveedor', 'proveedor_key', 'd_proveedor', 'd.nombre_proveedor'),
  );
  await s.run(mergeSql(t, 'dim_proveedor', 'm_proveedor', ['proveedor_key']));
}

/**
 * dim_cliente, SCD type 2 on (nombre, ciudad). The history is rebuilt from every clientes
 * partition (each one a dated snapshot of the clientes it carries): a version starts at the first
 * load date whose name or city differs from the previous snapshot of the same cliente, and ends
 * where the next starts. Versions are identified by (tipo_identificacion, identificacion,
 * valid_from), so rebuilding the same history finds every version already there and changes
 * nothing; other attributes take the last snapshot inside the version (type 1 within it).
 */
async function mergeClientes(
  s: SqlSession,
  t: TableNamer,
  temp: Temp,
  count: Count,
  c: TableLoadCounts,
  scd2: WarehouseLoadCounts['scd2'],
): Promise<void> {
  const id = 'tipo_identificacion, identificacion';
  const byId = `PARTITION BY ${id} ORDER BY fecha_carga`;
  c.staged = await count('stg_cliente');
  await temp(
    'v1_cliente',
    `SELECT s.*, CASE WHEN ROW_NUMBER() OVER (${byId}) = 1 THEN 1 ` +
      `WHEN ${differs(`LAG(nombre) OVER (${byId})`, 'nombre')} OR ${differs(`LAG(ciudad) OVER (${byId})`, 'ciudad')} THEN 1 ELSE 0 END AS cambio ` +
      `FROM stg_cliente s`,
  );
  await temp(
    'v2_cliente',
    `SELECT v.*, CAST(SUM(cambio) OVER (${byId} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS INTEGER) AS version FROM v1_cliente v`,
  );
  const attrs = [
    'tipo_identificacion',
    'identificacion',
    'digito_verificacion',
    'nombre',
    'ciudad',
    'departamento',
    'segmento',
    'estrato',
    'fecha_registro',
  ];
  await temp(
    'v_cliente',
    `SELECT ${attrs.join(', ')}, version, valid_from, ` +
      `COALESCE(LEAD(valid_from) OVER (PARTITION BY ${id} ORDER BY version), CAST('${OPEN_END}' AS DATE)) AS valid_to, ` +
      `CASE WHEN LEAD(valid_from) OVER (PARTITION BY ${id} ORDER BY version) IS NULL THEN TRUE ELSE FALSE END AS is_current, ` +
      `archivo_origen FROM (` +
      `SELECT v.*, MIN(fecha_carga) OVER (PARTITION BY ${id}, version) AS valid_from, ` +
      `ROW_NUMBER() OVER (PARTITION BY ${id}, version ORDER BY fecha_carga DESC) AS rn FROM v2_cliente v) x WHERE rn = 1`,
  );
  const match = `x.tipo_identificacion = s.tipo_identificacion AND x.identificacion = s.identificacion AND x.valid_from = s.valid_from`;
  const compare = names('dim_cliente').filter(
    (n) => !['cliente_key', 'tipo_identificacion', 'identificacion', 'valid_from'].includes(n),
  );
  await temp(
    'd_cliente',
    `SELECT s.*, x.cliente_key AS clave_actual, x.is_current AS era_actual FROM v_cliente s ` +
      `LEFT JOIN ${t('dim_cliente')} x ON ${match} AND x.cliente_key > 0 ` +
      `WHERE x.cliente_key IS NULL OR (${anyDiffers(compare, 's', 'x')})`,
  );
  // Versions the rebuilt history no longer has (a clientes partition was replaced).
  const stale =
    `cliente_key > 0 AND NOT EXISTS (SELECT 1 FROM v_cliente s WHERE ` +
    `s.tipo_identificacion = ${q('dim_cliente')}.tipo_identificacion AND s.identificacion = ${q('dim_cliente')}.identificacion ` +
    `AND s.valid_from = ${q('dim_cliente')}.valid_from)`;
  c.deleted = await count(t('dim_cliente'), stale);
  if (c.deleted) await s.run(`DELETE FROM ${t('dim_cliente')} WHERE ${stale}`);
  c.inserted = await count('d_cliente', 'clave_actual IS NULL');
  c.updated = (await count('d_cliente')) - c.inserted;
  scd2.versionsOpened = await count('d_cliente', 'clave_actual IS NULL AND version > 1');
  scd2.versionsClosed = await count(
    'd_cliente',
    'clave_actual IS NOT NULL AND era_actual = TRUE AND is_current = FALSE',
  );
  if (c.inserted + c.updated === 0) return;
  await temp(
    'm_cliente',
    withKeys(
      t,
      'dim_cliente',
      'cliente_key',
      'd_cliente',
      'd.tipo_identificacion, d.identificacion, d.valid_from',
    ),
  );
  await s.run(mergeSql(t, 'dim_cliente', 'm_cliente', ['cliente_key']));
}

/**
 * Surrogate keys of the dimension versions valid on each transaction's date. `rel` has
 * `id_transaccion`, `fecha`, `tipo_transaccion`, `nombre_contraparte`, `tipo_energia` (alias r).
 * A VENTA's counterparty is a cliente (matched by name, the version valid on the date; before the
 * first version, the first; after a rename, the last version with that name); a COMPRA's is a
 * proveedor. No match: the unknown member; the other role: the not-applicable member.
 */
function resolvedKeys(t: TableNamer, rel: string): string {
  const grp =
    `CASE WHEN d.valid_from <= r.fecha AND r.fecha < d.valid_to THEN 0 ` +
    `WHEN r.fecha < d.valid_from THEN 1 ELSE 2 END`;
  const candidates =
    `SELECT r.id_transaccion, d.cliente_key, ROW_NUMBER() OVER (PARTITION BY r.id_transaccion ORDER BY ${grp}, ` +
    `CASE WHEN ${grp} = 1 THEN d.valid_from ELSE CAST('0001-01-01' AS DATE) END, d.valid_from DESC, d.cliente_key) AS rn ` +
    `FROM ${rel} JOIN ${t('dim_cliente')} d ON d.nombre = r.nombre_contraparte AND d.cliente_key > 0 ` +
    `WHERE r.tipo_transaccion = 'VENTA'`;
  return (
    `SELECT r.id_transaccion, ` +
    `CASE WHEN r.tipo_transaccion = 'VENTA' THEN COALESCE(c.cliente_key, ${UNKNOWN_KEY}) ELSE ${NOT_APPLICABLE_KEY} END AS cliente_key, ` +
    `CASE WHEN r.tipo_transaccion = 'COMPRA' THEN COALESCE(p.proveedor_key, ${UNKNOWN_KEY}) ELSE ${NOT_APPLICABLE_KEY} END AS proveedor_key, ` +
    `COALESCE(e.tipo_energia_key, ${UNKNOWN_KEY}) AS tipo_energia_key ` +
    `FROM ${rel} ` +
    `LEFT JOIN (${candidates}) c ON c.id_transaccion = r.id_transaccion AND c.rn = 1 ` +
    `LEFT JOIN ${t('dim_proveedor')} p ON p.nombre_proveedor = r.nombre_contraparte AND p.proveedor_key > 0 ` +
    `LEFT JOIN ${t('dim_tipo_energia')} e ON e.codigo = r.tipo_energia`
  );
}

/** Staged transactions as fact rows (`fact_transaccion`'s columns, in order). */
function resolvedFacts(t: TableNamer, rel: string): string {
  const cols = names('fact_transaccion').map((c) =>
    ['cliente_key', 'proveedor_key', 'tipo_energia_key'].includes(c) ? `k.${q(c)}` : `r.${q(c)}`,
  );
  return (
    `SELECT ${cols.join(', ')} FROM ${rel} ` +
    `JOIN (${resolvedKeys(t, rel)}) k ON k.id_transaccion = r.id_transaccion`
  );
}
