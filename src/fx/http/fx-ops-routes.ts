import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DeliveryDispatcher } from '../decisions/notify/dispatcher.js';
import type { NotificationStore } from '../decisions/notify/notification-store.js';
import { adminTokenMatcher, bearerToken } from '../../core/http/bearer.js';
import { HttpProblem } from '../../core/http/problem.js';
import { principalRateLimit } from '../../core/http/rate-limit.js';
import { ModelRegistryError, type ModelRegistry } from '../../ml/registry/index.js';

export interface FxOpsRoutesDeps {
  /** `CORRIENTE_ADMIN_TOKEN`; without it every route answers 401. */
  adminToken?: string;
  registry: ModelRegistry;
  notifications: { store: NotificationStore; dispatcher: DeliveryDispatcher };
  /** The platform's live counters (processor, orchestrator, reconciliation, served model). */
  overview: () => Record<string, unknown>;
  /** Requests per minute with the admin token (and per address without it). @default 600 */
  rateLimitPerMinute?: number;
}

export const reasonBody = z.strictObject({ reason: z.string().trim().min(3).max(500) });
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export const replayBody = z.strictObject({
  ids: z.array(z.string().min(1).max(100)).max(1000).optional(),
});
const versionParams = z.strictObject({
  group: z.string().min(1).max(63),
  version: z.coerce.number().int().min(1),
});

/** The actor recorded in the registry's audit history for changes made from the console. */
export const CONSOLE_ACTOR = 'consola (admin)';

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const detail = r.error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ');
  throw new HttpProblem(400, 'Bad Request', detail, {}, 'invalid-request');
}

function registryProblem(err: unknown): never {
  if (err instanceof ModelRegistryError) {
    const status = err.code === 'not-found' ? 404 : err.code === 'invalid-input' ? 400 : 409;
    const title = status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : 'Conflict';
    throw new HttpProblem(status, title, err.message, {}, err.code);
  }
  throw err;
}

/**
 * Operations of the FX platform for the console, under `/api/fx/v1/ops`, all with
 * `Authorization: Bearer $CORRIENTE_ADMIN_TOKEN`:
 *
 * - `GET /overview` → counters of the stream processor, orchestrator, notifications and the last
 *   reconciliation, and the served model
 * - `GET /models` → `{groups: [{name, description, versions: [...]}]}`
 * - `GET /models/:group/:version` → `{version, history}`
 * - `POST /models/:group/:version/approve|reject {reason}` → the version after the change
 * - `POST /models/:group/rollback {reason}` → the version served after the rollback
 * - `GET /deliveries?limit=&cursor=` → every user's delivery log, newest first
 * - `GET /dead-letters` → `{deadLetters}`; `POST /dead-letters/replay {ids?}` → `{replayed}`:
 *   requeued and attempted once at once (what fails again stays queued for the dispatcher)
 */
export function fxOpsRoutes(deps: FxOpsRoutesDeps): FastifyPluginAsync {
  const isAdmin = adminTokenMatcher(deps.adminToken);
  const { registry } = deps;
  const { store, dispatcher } = deps.notifications;

  return async (app) => {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(req);
      if (isAdmin(token)) return;
      void reply.header('WWW-Authenticate', 'Bearer realm="corriente-fx-ops"');
      throw new HttpProblem(
        401,
        'Unauthorized',
        !deps.adminToken
          ? 'the operations API is disabled: start the server with CORRIENTE_ADMIN_TOKEN set'
          : token === undefined
            ? 'the admin token is required: Authorization: Bearer <CORRIENTE_ADMIN_TOKEN>'
            : 'the admin token is not valid',
        {},
        'unauthenticated',
      );
    });
    // After the check above: only the admin gets this far.
    await principalRateLimit(app, {
      max: deps.rateLimitPerMinute ?? 600,
      principal: () => 'admin',
    });

    app.get('/overview', () => deps.overview());

    app.get('/models', async () => {
      const groups = [];
      for (const g of await registry.listGroups()) {
        groups.push({ ...g, versions: await registry.listVersions(g.name) });
      }
      return { groups };
    });

    app.get('/models/:group/:version', async (req) => {
      const p = parse(versionParams, req.params, 'params');
      const version = await registry.getVersion(p.group, p.version).catch(registryProblem);
      if (!version) {
        throw new HttpProblem(
          404,
          'Not Found',
          `no version ${p.version} of ${p.group}`,
          {},
          'not-found',
        );
      }
      return { version, history: await registry.history(p.group, p.version) };
    });

    for (const [action, to] of [
      ['approve', 'Approved'],
      ['reject', 'Rejected'],
    ] as const) {
      app.post(`/models/:group/:version/${action}`, async (req) => {
        const p = parse(versionParams, req.params, 'params');
        const { reason } = parse(reasonBody, req.body, 'body');
        return registry
          .setStatus(p.group, p.version, to, { actor: CONSOLE_ACTOR, reason })
          .catch(registryProblem);
      });
    }

    app.post<{ Params: { group: string } }>('/models/:group/rollback', async (req) => {
      const { reason } = parse(reasonBody, req.body, 'body');
      return registry
        .rollback(req.params.group, { actor: CONSOLE_ACTOR, reason })
        .catch(registryProblem);
    });

    app.get('/deliveries', async (req) => {
      const q = parse(pageQuery, req.query, 'query');
      return store.deliveries({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    });

    app.get('/dead-letters', async () => ({ deadLetters: await store.deadLetters() }));

    app.post('/dead-letters/replay', async (req) => {
      const { ids } = parse(replayBody, req.body, 'body');
      const dead = new Set((await store.deadLetters()).map((d) => d.id));
      const unknown = (ids ?? []).filter((id) => !dead.has(id));
      if (unknown.length > 0) {
        throw new HttpProblem(
          404,
          'Not Found',
          `not a dead letter: ${unknown.join(', ')}`,
          {},
          'not-found',
        );
      }
      const replayed = [];
      for (const id of await store.requeueDeadLetters(ids ?? [...dead])) {
        const d = await dispatcher.deliverNow(id);
        if (d) replayed.push(d);
      }
      return { replayed };
    });
  };
}
