import type { Catalog } from '../../core/catalog/catalog.js';
import type { OpenApiInfo } from '../../core/http/openapi.js';
import type { HttpPlugin } from '../../core/http/server.js';
import { hasWebAssets, webAssets } from '../../core/http/web-assets.js';
import { lakeOpenApi } from '../../core/query/http/lake-openapi.js';
import { lakeRoutes } from '../../core/query/http/lake-routes.js';
import type { QueryService } from '../../core/query/query-service.js';
import { lakeOpsOpenApi } from '../../energy/http/lake-ops-openapi.js';
import { lakeOpsRoutes } from '../../energy/http/lake-ops-routes.js';
import type { TransformState } from '../../energy/transform/transform-state.js';
import type { Stores } from '../adapters.js';
import type { Config } from '../config.js';
import type { FxPlatform } from './fx-platform.js';

/** The title of the platform's one OpenAPI document (`GET /api/openapi.json`). */
export const PLATFORM_API_INFO: OpenApiInfo = {
  title: 'corriente',
  version: '1.0.0',
  description:
    'Every HTTP API of `corriente up`: the lake (query API and operations), the FX API, its ' +
    'operations and notifications, and the model endpoint. Errors are RFC 9457 ' +
    '`application/problem+json` with `type` `urn:corriente:problem:<code>`.',
};

export interface UpHttpPluginsDeps {
  config: Config;
  stores: Stores;
  catalog: Catalog;
  query: QueryService;
  transformState: TransformState;
  fx: Pick<FxPlatform, 'routes'>;
  adminToken: string;
  /** A quarantined file went back to landing: ingest soon. */
  onReingest: () => void;
  /** Serve the web console and app (when built). @default hasWebAssets() */
  web?: boolean;
  /** The energy entities the lake operations accept (from the source contracts). */
  entities?: readonly string[];
  /** Serve the lake's APIs (the `lake` role runs here). @default true */
  lake?: boolean;
  /** Serve the FX API and the web console (the `api` role runs here). @default true */
  api?: boolean;
}

/**
 * Every route plugin `corriente up` serves, each with its part of the OpenAPI document: the
 * lake's query and operations APIs, the FX platform's routes, and the web console (static).
 */
export function upHttpPlugins(d: UpHttpPluginsDeps): HttpPlugin[] {
  const web = d.web ?? hasWebAssets();
  const lake: HttpPlugin[] = [
    {
      prefix: '/api/lake/v1',
      plugin: lakeRoutes({ service: d.query, adminToken: d.adminToken }),
      openapi: lakeOpenApi({ maxLimit: d.query.maxLimit }),
    },
    {
      prefix: '/api/lake/v1',
      plugin: lakeOpsRoutes({
        service: d.query,
        catalog: d.catalog,
        datalake: d.stores.datalake,
        source: d.stores.source,
        transformState: d.transformState,
        freshnessHours: d.config.lake.freshnessHours,
        ...(d.entities ? { entities: d.entities } : {}),
        adminToken: d.adminToken,
        onReingest: d.onReingest,
      }),
      openapi: lakeOpsOpenApi,
    },
  ];
  const api = d.api ?? true;
  return [
    ...((d.lake ?? true) ? lake : []),
    ...(api ? d.fx.routes : []),
    ...(web && api ? [{ prefix: '/', plugin: webAssets(), openapi: 'static' as const }] : []),
  ];
}
