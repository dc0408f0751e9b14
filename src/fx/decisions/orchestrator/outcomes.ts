import type { Catalog } from '../../../core/catalog/catalog.js';
import { crawl } from '../../../core/crawler/crawler.js';
import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import type { ObjectStore } from '../../../core/object-store/object-store.js';
import type { QueryEngine, QueryResult } from '../../../core/query/query-engine.js';
import type { SavedQuery } from '../../../core/query/saved-queries.js';

const DB = 'fx_raw_db';

/**
 * Each recommendation once (the raw table may hold a record twice after a retried append) with
 * `convertida` = 1 when the user traded that side after it and before `vigente_hasta` (the end
 * of the outcome horizon, set by the orchestrator), and `abierta` = 1 while the horizon has not
 * ended by the lake's last transaction (a conversion may still come). Times are the events'
 * ISO-8601 UTC strings, compared as text: both columns are written by `toISOString()`.
 */
const OUTCOMES = `WITH r AS (
  SELECT id, min(usuario_id) AS usuario_id, min(lado) AS lado, min(origen) AS origen,
    min(version_modelo) AS version_modelo, min(razon_principal) AS razon_principal,
    coalesce(min(grupo), 'tratamiento') AS grupo,
    min(creada_en) AS creada_en, min(vigente_hasta) AS vigente_hasta
  FROM ${DB}.fx_recommendations
  GROUP BY id
),
resultado AS (
  SELECT r.*,
    CASE WHEN EXISTS (
      SELECT 1 FROM ${DB}.fx_transacciones t
      WHERE t.usuario_id = r.usuario_id AND t.lado = r.lado
        AND t.ejecutado_en > r.creada_en AND t.ejecutado_en <= r.vigente_hasta
    ) THEN 1 ELSE 0 END AS convertida,
    CASE WHEN r.vigente_hasta > (SELECT max(ejecutado_en) FROM ${DB}.fx_transacciones)
      THEN 1 ELSE 0 END AS abierta
  FROM r
)`;

/**
 * Treated (notified) vs held-out (`control`: decided, recorded, not notified) recommendations
 * whose horizon has closed, per `keys`: their trade rates, the difference (lift, percentage
 * points) with a 95 % confidence interval (normal approximation of the difference of two
 * proportions), and the incremental trades per 1,000 notifications (1,000 × the difference).
 * Rows without held-out recommendations have no lift (NULL).
 */
function liftSql(keys: string, select = keys, groupBy = keys): string {
  return `${OUTCOMES},
grupos AS (
  SELECT ${select},
    sum(CASE WHEN grupo = 'tratamiento' THEN 1 ELSE 0 END) AS tratadas,
    sum(CASE WHEN grupo = 'tratamiento' THEN convertida ELSE 0 END) AS convertidas_tratadas,
    sum(CASE WHEN grupo = 'control' THEN 1 ELSE 0 END) AS retenidas,
    sum(CASE WHEN grupo = 'control' THEN convertida ELSE 0 END) AS convertidas_retenidas
  FROM resultado
  WHERE abierta = 0
  GROUP BY ${groupBy}
),
tasas AS (
  SELECT *,
    CASE WHEN tratadas > 0 THEN 1.0 * convertidas_tratadas / tratadas END AS p_t,
    CASE WHEN retenidas > 0 THEN 1.0 * convertidas_retenidas / retenidas END AS p_c
  FROM grupos
),
diferencia AS (
  SELECT *, p_t - p_c AS d,
    sqrt(p_t * (1 - p_t) / tratadas + p_c * (1 - p_c) / retenidas) AS ee
  FROM tasas
)
SELECT ${keys}, tratadas, convertidas_tratadas, round(100 * p_t, 2) AS tasa_tratadas_pct,
  retenidas, convertidas_retenidas, round(100 * p_c, 2) AS tasa_retenidas_pct,
  round(100 * d, 2) AS lift_pp,
  round(100 * (d - 1.96 * ee), 2) AS lift_ic95_min_pp,
  round(100 * (d + 1.96 * ee), 2) AS lift_ic95_max_pp,
  round(1000 * d, 1) AS operaciones_incrementales_por_1000
FROM diferencia
ORDER BY ${keys}`;
}

/**
 * The customer's price: for each recommendation followed by a trade of its side within the
 * horizon, the first such trade's price (the spread included: a BUY pays the ask, a SELL gets
 * the bid) against the average mid over the recommendation's horizon (the next 24 h by
 * default). `ventaja_pct` is positive when the customer did better than that average: for a
 * BUY (average − price) / average, for a SELL (price − average) / average.
 */
const PRICE_OUTCOME = `${OUTCOMES},
seguidas AS (
  SELECT r.id, r.grupo, r.origen, r.version_modelo, r.lado, r.creada_en, r.vigente_hasta,
    (SELECT min(t.ejecutado_en) FROM ${DB}.fx_transacciones t
      WHERE t.usuario_id = r.usuario_id AND t.lado = r.lado
        AND t.ejecutado_en > r.creada_en AND t.ejecutado_en <= r.vigente_hasta) AS ejecutada_en,
    r.usuario_id
  FROM resultado r
  WHERE r.convertida = 1 AND r.abierta = 0
),
precios AS (
  SELECT s.*,
    (SELECT min(t.precio_cop_centavos) FROM ${DB}.fx_transacciones t
      WHERE t.usuario_id = s.usuario_id AND t.lado = s.lado AND t.ejecutado_en = s.ejecutada_en)
      AS precio,
    (SELECT avg(p.medio_cop_centavos) FROM ${DB}.fx_precios p
      WHERE p.observado_en > s.creada_en AND p.observado_en <= s.vigente_hasta) AS medio_horizonte
  FROM seguidas s
),
ventajas AS (
  SELECT *, CASE WHEN lado = 'BUY' THEN (medio_horizonte - precio) / medio_horizonte
    ELSE (precio - medio_horizonte) / medio_horizonte END AS ventaja
  FROM precios
  WHERE medio_horizonte IS NOT NULL
)
SELECT grupo, origen, version_modelo, lado, count(*) AS operaciones,
  round(100 * avg(ventaja), 3) AS ventaja_media_pct,
  round(100 * min(ventaja), 3) AS ventaja_min_pct,
  round(100 * max(ventaja), 3) AS ventaja_max_pct
FROM ventajas
GROUP BY grupo, origen, version_modelo, lado
ORDER BY grupo DESC, origen, version_modelo, lado`;

/**
 * Saved queries over the outcomes of recommendations (`fx_raw_db.fx_recommendations` ⋈
 * `fx_raw_db.fx_transacciones`), in the SQL DuckDB and Athena both accept. Register them beside
 * `SAVED_QUERIES` so `corriente query --saved NAME` and the lake API run them.
 */
export const OUTCOME_SAVED_QUERIES: readonly SavedQuery[] = [
  {
    name: 'fx_conversion_por_modelo',
    description:
      'Tasa de conversión de las recomendaciones por origen (modelo o reglas), versión del modelo y lado: cuántas recomendaciones, cuántas terminaron en una operación de ese lado dentro del horizonte, y cuántas tienen el horizonte aún abierto.',
    sql: `${OUTCOMES}
SELECT origen, version_modelo, lado,
  count(*) AS recomendaciones,
  sum(convertida) AS convertidas,
  sum(abierta) AS abiertas,
  round(100 * CAST(sum(convertida) AS DOUBLE) / count(*), 2) AS tasa_conversion_pct
FROM resultado
GROUP BY origen, version_modelo, lado
ORDER BY origen, version_modelo, lado`,
  },
  {
    name: 'fx_conversion_por_razon',
    description:
      'Tasa de conversión de las recomendaciones por razón principal (la primera razón mostrada al usuario) y lado.',
    sql: `${OUTCOMES}
SELECT coalesce(razon_principal, '(sin razón)') AS razon_principal, lado,
  count(*) AS recomendaciones,
  sum(convertida) AS convertidas,
  sum(abierta) AS abiertas,
  round(100 * CAST(sum(convertida) AS DOUBLE) / count(*), 2) AS tasa_conversion_pct
FROM resultado
GROUP BY coalesce(razon_principal, '(sin razón)'), lado
ORDER BY recomendaciones DESC, razon_principal, lado`,
  },
  {
    name: 'fx_lift_por_modelo',
    description:
      'Efecto de notificar (lift): tasa de operación de las recomendaciones notificadas (tratamiento) frente a las de usuarios retenidos al azar (control, no notificadas), por origen, versión del modelo y lado, con intervalo de confianza del 95 % y operaciones incrementales por cada 1.000 notificaciones. Solo recomendaciones con el horizonte cerrado.',
    sql: liftSql('origen, version_modelo, lado'),
  },
  {
    name: 'fx_lift_por_razon',
    description:
      'Efecto de notificar (lift) por razón principal y lado: tratamiento frente a control, con intervalo de confianza del 95 % y operaciones incrementales por cada 1.000 notificaciones.',
    sql: liftSql(
      'razon_principal, lado',
      "coalesce(razon_principal, '(sin razón)') AS razon_principal, lado",
      "coalesce(razon_principal, '(sin razón)'), lado",
    ),
  },
  {
    name: 'fx_resultado_precio',
    description:
      'Precio obtenido por el cliente: en las recomendaciones seguidas de una operación de ese lado dentro del horizonte, el precio ejecutado (con el spread) frente al precio medio promedio del horizonte (24 h por defecto). Ventaja positiva: el cliente obtuvo mejor precio que ese promedio.',
    sql: PRICE_OUTCOME,
  },
];

/**
 * The outcomes report: conversion per model version and per main reason; lift (treated vs
 * held out) per model version and per reason; the customer's price outcome (`undefined` when
 * the lake has no prices).
 */
export interface OutcomesReport {
  byModel: QueryResult;
  byReason: QueryResult;
  liftByModel: QueryResult;
  liftByReason: QueryResult;
  price: QueryResult | undefined;
}

/** Thrown when the lake has no recommendations (or no transactions) to measure yet. */
export class NoOutcomesError extends Error {
  constructor(missing: string) {
    super(
      `the lake has no ${missing} yet: recommendations appear once the orchestrator has suggested and the stream processor has written them (corriente fx process --once)`,
    );
    this.name = 'NoOutcomesError';
  }
}

/**
 * Crawls the raw zone (so new files are cataloged) and runs both outcome queries.
 * @throws NoOutcomesError when a table is missing from the catalog.
 */
export async function recommendationOutcomes(deps: {
  datalake: ObjectStore;
  catalog: Catalog;
  query: QueryEngine;
  logger?: Logger;
  /** @default true */
  crawl?: boolean;
}): Promise<OutcomesReport> {
  const log = deps.logger ?? silentLogger;
  if (deps.crawl !== false) {
    await crawl({ datalake: deps.datalake, catalog: deps.catalog, log }, { zone: 'raw' });
  }
  for (const [table, what] of [
    ['fx_recommendations', 'recommendations'],
    ['fx_transacciones', 'transactions'],
  ] as const) {
    if (!(await deps.catalog.getTable(DB, table))) throw new NoOutcomesError(what);
  }
  const [byModel, byReason, liftByModel, liftByReason, price] = OUTCOME_SAVED_QUERIES;
  const hasPrices = (await deps.catalog.getTable(DB, 'fx_precios')) !== undefined;
  return {
    byModel: await deps.query.query(byModel!.sql),
    byReason: await deps.query.query(byReason!.sql),
    liftByModel: await deps.query.query(liftByModel!.sql),
    liftByReason: await deps.query.query(liftByReason!.sql),
    price: hasPrices ? await deps.query.query(price!.sql) : undefined,
  };
}
