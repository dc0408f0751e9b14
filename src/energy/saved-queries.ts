/**
 * The energy lake's saved queries: the questions analysts ask every week, runnable by name
 * (`corriente query --saved NAME`, `POST /api/lake/v1/query {"saved": NAME}`, `lake.saved(NAME)`).
 * They read the processed zone (`energy_processed_db`) and are written in the SQL that both
 * DuckDB and Athena (Trino) accept, with explicit casts wherever the engines' result types differ
 * (`avg` of a DECIMAL is a DECIMAL on Trino and a DOUBLE on DuckDB; so is a DECIMAL division), so
 * both return the same types and round the same way.
 */
import type { SavedQuery } from '../core/query/saved-queries.js';

const DB = 'energy_processed_db';

/** The transaction's own day when its `fecha_transaccion` reads as a date, else its load date. */
const DIA = `COALESCE(TRY_CAST(substr(fecha_transaccion, 1, 10) AS DATE), CAST(year || '-' || month || '-' || day AS DATE))`;

export const ENERGY_SAVED_QUERIES: readonly SavedQuery[] = [
  {
    name: 'clientes_por_ciudad',
    description: 'Número de clientes por ciudad, de la ciudad con más clientes a la de menos.',
    sql: `SELECT ciudad, count(*) AS clientes
FROM ${DB}.clientes
GROUP BY ciudad
ORDER BY clientes DESC, ciudad`,
  },
  {
    name: 'proveedores_por_tipo_energia',
    description: 'Número de proveedores por tipo de energía (hidroeléctrica, solar, eólica…).',
    sql: `SELECT tipo_energia, count(*) AS proveedores
FROM ${DB}.proveedores
GROUP BY tipo_energia
ORDER BY proveedores DESC, tipo_energia`,
  },
  {
    name: 'transacciones_por_tipo',
    description:
      'Por tipo de transacción (COMPRA o VENTA): cuántas hay, el promedio de kWh y el precio promedio del kWh en COP.',
    sql: `SELECT tipo_transaccion,
  count(*) AS transacciones,
  CAST(avg(CAST(cantidad_comprada_kwh AS DOUBLE)) AS DECIMAL(18,3)) AS kwh_promedio,
  CAST(avg(CAST(precio_kwh_cop AS DOUBLE)) AS DECIMAL(18,4)) AS precio_kwh_promedio_cop
FROM ${DB}.transacciones
GROUP BY tipo_transaccion
ORDER BY tipo_transaccion`,
  },
  {
    name: 'kwh_compra_venta_por_dia',
    description:
      'kWh comprados a proveedores y kWh vendidos a clientes por tipo de energía y por día (día de la transacción; si no tiene fecha, día de carga).',
    sql: `SELECT ${DIA} AS dia,
  tipo_energia,
  sum(CASE WHEN tipo_transaccion = 'COMPRA' THEN cantidad_comprada_kwh ELSE 0 END) AS kwh_comprados,
  sum(CASE WHEN tipo_transaccion = 'VENTA' THEN cantidad_comprada_kwh ELSE 0 END) AS kwh_vendidos
FROM ${DB}.transacciones
GROUP BY 1, 2
ORDER BY dia, tipo_energia`,
  },
  {
    name: 'margen_bruto_por_tipo_energia',
    description:
      'Margen bruto por tipo de energía: ingresos por ventas menos costo de compras (precio total en COP), y el margen como porcentaje de las ventas.',
    sql: `SELECT tipo_energia,
  sum(CASE WHEN tipo_transaccion = 'VENTA' THEN precio_total_cop ELSE 0 END) AS ingresos_ventas_cop,
  sum(CASE WHEN tipo_transaccion = 'COMPRA' THEN precio_total_cop ELSE 0 END) AS costo_compras_cop,
  sum(CASE WHEN tipo_transaccion = 'VENTA' THEN precio_total_cop ELSE -precio_total_cop END) AS margen_bruto_cop,
  CAST(100 * CAST(sum(CASE WHEN tipo_transaccion = 'VENTA' THEN precio_total_cop ELSE -precio_total_cop END) AS DOUBLE)
    / nullif(CAST(sum(CASE WHEN tipo_transaccion = 'VENTA' THEN precio_total_cop ELSE 0 END) AS DOUBLE), 0) AS DECIMAL(38,2)) AS margen_pct
FROM ${DB}.transacciones
GROUP BY tipo_energia
ORDER BY margen_bruto_cop DESC, tipo_energia`,
  },
  {
    name: 'top_clientes_por_consumo',
    description:
      'Los 20 clientes que más kWh han comprado (ventas de la comercializadora), con lo que pagaron en COP.',
    sql: `SELECT nombre_cliente_proveedor AS cliente,
  count(*) AS compras,
  sum(cantidad_comprada_kwh) AS kwh_consumidos,
  sum(precio_total_cop) AS total_pagado_cop
FROM ${DB}.transacciones
WHERE tipo_transaccion = 'VENTA'
GROUP BY nombre_cliente_proveedor
ORDER BY kwh_consumidos DESC, cliente
LIMIT 20`,
  },
];
