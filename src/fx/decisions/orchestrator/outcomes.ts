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
];

/** The outcomes report: conversion per model version and per main reason. */
export interface OutcomesReport {
  byModel: QueryResult;
  byReason: QueryResult;
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
  const [byModel, byReason] = OUTCOME_SAVED_QUERIES;
  return {
    byModel: await deps.query.query(byModel!.sql),
    byReason: await deps.query.query(byReason!.sql),
  };
}
