import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import { fxRoutes, type FxRoutesDeps } from './fx-routes.js';
import { fxDocsRoutes } from './openapi.js';

/** Where the FX API lives. */
export const FX_API_PREFIX = '/api/fx/v1';

/**
 * A Fastify app with only the FX API (`/api/fx/v1/*`) and its document (`/api/docs`): for the
 * API Gateway Lambda handler, tests and benchmarks. `corriente up` registers the same plugins
 * on its one server instead.
 */
export async function buildFxApp(
  deps: FxRoutesDeps,
  options: { logger?: Logger } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (options.logger ?? silentLogger) as FastifyBaseLogger,
  });
  await app.register(fxRoutes(deps), { prefix: FX_API_PREFIX });
  await app.register(fxDocsRoutes(), { prefix: '/api' });
  await app.ready();
  return app;
}
