import { quoteLiteral } from '../../core/duckdb/duckdb.js';
import { TIPOS_ENERGIA } from '../entities.js';
import { TABLES } from './schema.js';
import type { LoadPlan, PartitionToLoad, StageTable } from './warehouse.js';

const ENERGY_NAMES: Record<(typeof TIPOS_ENERGIA)[number], [nombre: string, renovable: boolean]> = {
  HIDROELECTRICA: ['Hidroeléctrica', true],
  SOLAR: ['Solar', true],
  EOLICA: ['Eólica', true],
  TERMICA: ['Térmica', false],
  BIOMASA: ['Biomasa', true],
  GEOTERMICA: ['Geotérmica', true],
};

const DAYS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'];
const MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];

/** Formats a transaction date may arrive in (kept as sent by the transform). */
const DATE_FORMATS = ['%d/%m/%Y', '%d-%m-%Y', '%Y/%m/%d', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M'];

function readParquet(files: readonly PartitionToLoad[]): string {
  return `read_parquet([${files.map((f) => quoteLiteral(f.path)).join(', ')}], union_by_name = true)`;
}

function columnsOf(
  table: 'dim_cliente' | 'dim_proveedor',
  names: readonly string[],
): StageTable['columns'] {
  return names.map((n) => {
    const col = TABLES[table].columns.find(([c]) => c === n);
    return [n, (col?.[1] ?? 'DATE').replace(' NOT NULL', '')] as const;
  });
}

/**
 * The staging tables of a load, as DuckDB queries over the processed Parquet files. Light
 * derivations happen here, once, for every target: a business key for transactions without
 * `id_transaccion` (a hash of the row, as the transform's own dedup does), the transaction date
 * parsed from the text kept by the transform (else the load date), and the calendar of `dim_fecha`.
 *
 * `clientes` / `proveedores`: every partition of the entity (the dimension history is rebuilt from
 * all of them); `transacciones`: only the partitions to (re)load.
 */
export function stagePlan(files: readonly PartitionToLoad[], loadedAt: Date): LoadPlan {
  const of = (e: PartitionToLoad['entity']): PartitionToLoad[] =>
    files.filter((f) => f.entity === e);
  const clientes = of('clientes');
  const proveedores = of('proveedores');
  const transacciones = of('transacciones');
  const stages: StageTable[] = [];

  stages.push({
    name: 'stg_particion',
    columns: [
      ['entidad', 'VARCHAR(32)'],
      ['particion', 'DATE'],
      ['etag', 'VARCHAR(256)'],
      ['archivo', 'VARCHAR(1024)'],
      ['filas', 'BIGINT'],
    ],
    query: files
      .map(
        (f) =>
          `SELECT ${quoteLiteral(f.entity)} AS entidad, CAST(${quoteLiteral(f.loadDate)} AS DATE) AS particion, ` +
          `${quoteLiteral(f.etag)} AS etag, ${quoteLiteral(f.key)} AS archivo, CAST(count(*) AS BIGINT) AS filas ` +
          `FROM read_parquet(${quoteLiteral(f.path)})`,
      )
      .join('\nUNION ALL\n'),
  });

  stages.push({
    name: 'stg_tipo_energia',
    columns: TABLES.dim_tipo_energia.columns.map(([n, t]) => [n, t.replace(' NOT NULL', '')]),
    query: TIPOS_ENERGIA.map((code, i) => {
      const [nombre, renovable] = ENERGY_NAMES[code];
      return `SELECT ${i + 1} AS tipo_energia_key, ${quoteLiteral(code)} AS codigo, ${quoteLiteral(nombre)} AS nombre, ${renovable} AS renovable`;
    }).join('\nUNION ALL\n'),
  });

  if (clientes.length) {
    const names = [
      'tipo_identificacion',
      'identificacion',
      'digito_verificacion',
      'nombre',
      'ciudad',
      'departamento',
      'segmento',
      'estrato',
      'fecha_registro',
      'fecha_carga',
      'archivo_origen',
    ];
    stages.push({
      name: 'stg_cliente',
      columns: columnsOf('dim_cliente', names),
      query:
        `SELECT tipo_identificacion, identificacion, CAST(digito_verificacion AS INTEGER), nombre, ciudad, ` +
        `departamento, segmento, CAST(estrato AS INTEGER), CAST(fecha_registro AS VARCHAR), ` +
        `CAST(_fecha_carga AS DATE), _archivo_origen FROM ${readParquet(clientes)} ` +
        `QUALIFY row_number() OVER (PARTITION BY tipo_identificacion, identificacion, _fecha_carga ORDER BY _ingestado_en DESC) = 1`,
    });
  }

  if (proveedores.length) {
    const names = [
      'nombre_proveedor',
      'nit',
      'digito_verificacion',
      'tipo_energia',
      'ciudad',
      'capacidad_mw',
      'fecha_registro',
      'fecha_carga',
      'archivo_origen',
    ];
    stages.push({
      name: 'stg_proveedor',
      columns: columnsOf('dim_proveedor', names),
      query:
        `SELECT nombre_proveedor, CAST(nit AS VARCHAR), CAST(digito_verificacion AS INTEGER), tipo_energia, ciudad, ` +
        `CAST(capacidad_mw AS DECIMAL(12,3)), CAST(fecha_registro AS VARCHAR), CAST(_fecha_carga AS DATE), _archivo_origen ` +
        `FROM ${readParquet(proveedores)} ` +
        `QUALIFY row_number() OVER (PARTITION BY nombre_proveedor, _fecha_carga ORDER BY _ingestado_en DESC) = 1`,
    });
  }

  if (transacciones.length) {
    const fecha =
      `coalesce(try_cast(fecha_transaccion AS DATE), CAST(try_cast(fecha_transaccion AS TIMESTAMP) AS DATE), ` +
      `CAST(try_strptime(fecha_transaccion, [${DATE_FORMATS.map(quoteLiteral).join(', ')}]) AS DATE), CAST(_fecha_carga AS DATE))`;
    const hash =
      `'h:' || md5(concat_ws('|', fecha_transaccion, tipo_transaccion, nombre_cliente_proveedor, ` +
      `CAST(cantidad_comprada_kwh AS VARCHAR), CAST(precio_kwh_cop AS VARCHAR), tipo_energia))`;
    stages.push({
      name: 'stg_transaccion',
      columns: [
        ['id_transaccion', 'VARCHAR(256)'],
        ['fecha', 'DATE'],
        ['fecha_key', 'INTEGER'],
        ['tipo_transaccion', 'VARCHAR(32)'],
        ['nombre_contraparte', 'VARCHAR(512)'],
        ['tipo_energia', 'VARCHAR(32)'],
        ['categoria_precio', 'VARCHAR(32)'],
        ['contraparte_conocida', 'BOOLEAN'],
        ['cantidad_kwh', 'DECIMAL(18,3)'],
        ['precio_kwh_cop', 'DECIMAL(18,4)'],
        ['precio_total_cop', 'DECIMAL(38,7)'],
        ['archivo_origen', 'VARCHAR(1024)'],
        ['fecha_carga', 'DATE'],
        ['ingestado_en', 'TIMESTAMP'],
      ],
      // An id seen in two staged load dates: the later load wins, as in the processed zone.
      query:
        `SELECT id_transaccion, fecha, CAST(strftime(fecha, '%Y%m%d') AS INTEGER), tipo_transaccion, ` +
        `nombre_cliente_proveedor, tipo_energia, categoria_precio, contraparte_conocida, cantidad_comprada_kwh, ` +
        `precio_kwh_cop, precio_total_cop, _archivo_origen, _fecha_carga, _ingestado_en FROM (` +
        `SELECT * REPLACE (coalesce(id_transaccion, ${hash}) AS id_transaccion), ${fecha} AS fecha ` +
        `FROM ${readParquet(transacciones)}) ` +
        `QUALIFY row_number() OVER (PARTITION BY id_transaccion ORDER BY _fecha_carga DESC, _ingestado_en DESC) = 1`,
    });
  }

  const dates = [
    'SELECT particion AS d FROM stg_particion',
    ...(transacciones.length ? ['SELECT fecha AS d FROM stg_transaccion'] : []),
  ];
  stages.push({
    name: 'stg_fecha',
    columns: TABLES.dim_fecha.columns.map(([n, t]) => [n, t.replace(' NOT NULL', '')]),
    query:
      `SELECT CAST(strftime(d, '%Y%m%d') AS INTEGER), d, year(d), quarter(d), month(d), ` +
      `[${MONTHS.map(quoteLiteral).join(', ')}][month(d)], day(d), isodow(d), ` +
      `[${DAYS.map(quoteLiteral).join(', ')}][isodow(d)], isodow(d) >= 6 ` +
      `FROM (SELECT DISTINCT d FROM (${dates.join(' UNION ALL ')}) WHERE d IS NOT NULL)`,
  });

  return {
    stages,
    clientes: clientes.length > 0,
    proveedores: proveedores.length > 0,
    transacciones: transacciones.length > 0,
    loadedAt: loadedAt.toISOString(),
  };
}
