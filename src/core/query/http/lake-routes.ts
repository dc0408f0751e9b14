import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminTokenMatcher, bearerToken } from '../../http/bearer.js';
import { principalRateLimit } from '../../http/rate-limit.js';
import { HttpProblem } from '../../http/problem.js';
import { ADMIN_PRINCIPAL, type Principal } from '../../governance/governance.js';
import { QueryError, type QueryErrorCode } from '../query-engine.js';
import type { QueryService } from '../query-service.js';

export interface LakeRoutesDeps {
  service: QueryService;
  /**
   * The operator's admin token (`CORRIENTE_ADMIN_TOKEN`): it authenticates as the principal
   * `admin`. @default none (only principals' tokens)
   */
  adminToken?: string;
  /** Requests per principal per minute. @default 600 */
  rateLimitPerMinute?: number;
}

const STATUS: Record<QueryErrorCode, { status: number; title: string }> = {
  'forbidden-statement': { status: 400, title: 'Statement Not Allowed' },
  'access-denied': { status: 403, title: 'Forbidden' },
  'unknown-table': { status: 400, title: 'Unknown Table' },
  'sql-error': { status: 400, title: 'SQL Error' },
  timeout: { status: 408, title: 'Query Timeout' },
  unsupported: { status: 501, title: 'Not Implemented' },
  'unknown-saved-query': { status: 404, title: 'Not Found' },
  'invalid-request': { status: 400, title: 'Bad Request' },
};

/** A QueryError as a problem: `type` is `urn:corriente:problem:<code>`, `detail` the message. */
export function problemOf(err: QueryError): HttpProblem {
  const { status, title } = STATUS[err.code];
  return new HttpProblem(status, title, err.message, err.details, err.code);
}

/** The body of `POST /query`: exactly one of `sql` or `saved`. */
export function lakeQueryBodySchema(maxLimit: number) {
  return z
    .strictObject({
      sql: z.string().min(1).max(100_000).optional(),
      saved: z.string().min(1).max(200).optional(),
      database: z.string().min(1).max(200).optional(),
      limit: z.number().int().min(1).max(maxLimit).optional(),
    })
    .refine((b) => (b.sql === undefined) !== (b.saved === undefined), {
      message: 'give exactly one of sql or saved',
    });
}

/**
 * The `onRequest` hook of the lake's routes: a principal's token, or the admin token as
 * `admin`, sets `req.lakePrincipal`; anything else is a 401 problem.
 */
export function lakeAuthHook(service: QueryService, adminToken?: string) {
  const isAdmin = adminTokenMatcher(adminToken);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req);
    const principal: Principal | undefined =
      service.authenticate(token) ??
      (isAdmin(token) ? service.governance.principal(ADMIN_PRINCIPAL) : undefined);
    if (!principal) {
      void reply.header('WWW-Authenticate', 'Bearer realm="corriente-lake"');
      throw new HttpProblem(
        401,
        'Unauthorized',
        token === undefined
          ? 'an API token is required: Authorization: Bearer <token> (see corriente lake token)'
          : 'the API token is not valid',
        {},
        'unauthenticated',
      );
    }
    req.lakePrincipal = principal.name;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated principal's name (lake routes). */
    lakePrincipal?: string;
  }
}

/**
 * The lake's HTTP API (Athena's role), registered under `/api/lake/v1`:
 *
 * - `POST /query` `{ sql | saved, database?, limit? }` → `{ columns, rows, truncated, elapsedMs }`
 *   (limit default 1000, max 100000; timeout 30 s → 408 problem);
 * - `GET /saved-queries` → `{ savedQueries: [{ name, description, sql }] }`;
 * - `GET /tables` → `{ tables: [{ database, table, columns, location, format }] }`, only what
 *   the caller may read.
 *
 * Every route needs `Authorization: Bearer <token>` of a configured principal, or the admin
 * token (`CORRIENTE_ADMIN_TOKEN`, as the principal `admin`); no token, no data: 401. Errors are problem+json: 400 SQL errors and refused statements, 403 denied
 * tables or columns, 404 unknown saved queries.
 */
export function lakeRoutes(deps: LakeRoutesDeps): FastifyPluginAsync {
  const { service } = deps;
  const bodySchema = lakeQueryBodySchema(service.maxLimit);

  return async (app) => {
    app.addHook('onRequest', lakeAuthHook(service, deps.adminToken));
    // Route hooks run after the authentication above: the key is the principal.
    await principalRateLimit(app, {
      max: deps.rateLimitPerMinute ?? 600,
      principal: (req) => req.lakePrincipal,
    });

    app.post('/query', async (req) => {
      const parsed = bodySchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new HttpProblem(
          400,
          'Bad Request',
          parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
          {},
          'invalid-request',
        );
      }
      try {
        return await service.run(req.lakePrincipal!, parsed.data);
      } catch (err) {
        if (err instanceof QueryError) throw problemOf(err);
        throw err;
      }
    });

    app.get('/saved-queries', async () => ({
      savedQueries: service
        .savedQueries()
        .map((q) => ({ name: q.name, description: q.description, sql: q.sql })),
    }));

    app.get('/tables', async (req) => ({ tables: await service.tables(req.lakePrincipal!) }));
  };
}
