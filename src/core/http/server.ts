import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type { Logger } from '../log/logger.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

export interface HttpServerOptions {
  log: Logger;
  /** Route plugins, each registered under its own prefix (e.g. `/api/lake/v1`). */
  plugins: { prefix: string; plugin: FastifyPluginAsync }[];
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
  app.get('/healthz', () => ({ status: 'ok' }));
  for (const { prefix, plugin } of options.plugins) await app.register(plugin, { prefix });
  return app;
}
