import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type { Logger } from '../log/logger.js';
import { apiDocsAssets, apiDocsOpenApi, apiDocsRoutes } from './api-docs.js';
import {
  composeOpenApi,
  undocumentedRoutes,
  type OpenApiDocument,
  type OpenApiFragment,
  type OpenApiInfo,
} from './openapi.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/** A route plugin of the server and how the API document describes it. */
export interface HttpPlugin {
  /** Where the plugin's routes live (e.g. `/api/lake/v1`). */
  prefix: string;
  plugin: FastifyPluginAsync;
  /**
   * The plugin's routes in the OpenAPI document (paths relative to `prefix`), or `'static'` for
   * plugins that serve files rather than an API (the web console), which the document omits.
   * @default absent: the routes are undocumented (the server warns at start)
   */
  openapi?: OpenApiFragment | 'static';
}

/** A route as the server registered it; `static` when the document omits it on purpose. */
export interface RegisteredRoute {
  method: string;
  url: string;
  static: boolean;
}

export interface HttpServerOptions {
  log: Logger;
  /** Route plugins, each registered under its own prefix (e.g. `/api/lake/v1`). */
  plugins: HttpPlugin[];
  /**
   * When given, the server composes one OpenAPI 3.1 document from the plugins' fragments and
   * serves it at `GET /api/openapi.json` and `GET /api/docs` (a rendered page for browsers).
   * @default absent: no document
   */
  apiDocs?: OpenApiInfo;
  /** Called for every route registered (HEAD routes included), e.g. to check the document. */
  onRoute?: (route: RegisteredRoute) => void;
  /** Request body limit in bytes. @default 64 KiB */
  bodyLimit?: number;
  /** Time for a whole request to arrive; then 408 and the socket closes. @default 30 */
  requestTimeoutSeconds?: number;
  /** An idle socket is closed after this long. @default 120 */
  connectionTimeoutSeconds?: number;
  /** An idle keep-alive connection is closed after this long. @default 5 */
  keepAliveTimeoutSeconds?: number;
  /** Requests on one keep-alive connection (0: no limit). @default 1000 */
  maxRequestsPerSocket?: number;
}

/**
 * The one HTTP server of `corriente up` (Fastify). Errors of every route come out as
 * `application/problem+json`; unknown routes are 404 problems.
 */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const requestTimeoutMs = (options.requestTimeoutSeconds ?? 30) * 1000;
  const app = Fastify({
    // Request logs are info-level: keep them out of the platform's log unless asked for.
    loggerInstance: options.log.child(
      { component: 'http' },
      { level: 'warn' },
    ) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: (options.connectionTimeoutSeconds ?? 120) * 1000,
    keepAliveTimeout: (options.keepAliveTimeoutSeconds ?? 5) * 1000,
    maxRequestsPerSocket: options.maxRequestsPerSocket ?? 1000,
    // Node only enforces a request deadline given when the server is created (setting it later
    // has no effect), and checks deadlines every `connectionsCheckingInterval` (default 30 s):
    // check often enough that a slow body is cut close to its deadline.
    http: {
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeoutMs / 4)),
    },
  });
  app.setErrorHandler((err: unknown, req, reply) => {
    let problem: HttpProblem;
    if (err instanceof HttpProblem) problem = err;
    else {
      const e = err as { statusCode?: number; code?: string; message?: string };
      const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
      if (status >= 500) req.log.error({ err }, 'request failed');
      const detail =
        status >= 500
          ? 'an internal error occurred; it has been logged'
          : e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? 'the request body is too large'
            : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? 'the request body must be JSON (Content-Type: application/json)'
              : (e.message ?? 'bad request');
      problem = new HttpProblem(
        status,
        status >= 500 ? 'Internal Server Error' : 'Bad Request',
        detail,
      );
      if (status === 413) problem = new HttpProblem(413, 'Payload Too Large', detail);
      if (status === 415) problem = new HttpProblem(415, 'Unsupported Media Type', detail);
    }
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(req.url));
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(new HttpProblem(404, 'Not Found', `no route ${req.method} ${req.url}`).toJSON(req.url));
  });
  const routes: RegisteredRoute[] = [];
  const plugins: HttpPlugin[] = [
    { prefix: '', plugin: healthRoutes, openapi: healthOpenApi },
    ...options.plugins,
  ];
  let document: OpenApiDocument | undefined;
  if (options.apiDocs) {
    plugins.push(
      { prefix: '/api', plugin: apiDocsRoutes(() => document!), openapi: apiDocsOpenApi },
      { prefix: '/api', plugin: apiDocsAssets(), openapi: 'static' },
    );
    document = composeOpenApi(
      options.apiDocs,
      plugins.flatMap((p) =>
        p.openapi && p.openapi !== 'static' ? [{ prefix: p.prefix, fragment: p.openapi }] : [],
      ),
    );
  }
  for (const entry of plugins) {
    // One encapsulated context per plugin: its onRoute hook sees exactly the plugin's routes.
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (r) => {
          for (const method of [r.method].flat()) {
            const route = { method, url: r.url, static: entry.openapi === 'static' };
            routes.push(route);
            options.onRoute?.(route);
          }
        });
        await scope.register(entry.plugin);
      },
      { prefix: entry.prefix },
    );
  }
  if (document) {
    const doc = document;
    app.addHook('onReady', async () => {
      const missing = undocumentedRoutes(
        doc,
        routes.filter((r) => !r.static),
      );
      if (missing.length > 0) {
        options.log.warn({ routes: missing }, 'routes missing from the OpenAPI document');
      }
    });
  }
  return app;
}

const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', () => ({ status: 'ok' }));
};

const healthOpenApi: OpenApiFragment = {
  paths: {
    '/healthz': {
      get: {
        operationId: 'getHealth',
        summary: 'The server is up',
        security: [],
        responses: {
          '200': {
            description: 'up',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { status: { const: 'ok' } },
                  required: ['status'],
                },
              },
            },
          },
        },
      },
    },
  },
};
