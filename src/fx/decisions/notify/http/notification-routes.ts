import { randomBytes } from 'node:crypto';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from '../../../../core/http/problem.js';
import { principalRateLimit } from '../../../../core/http/rate-limit.js';
import type { InAppHub } from '../channels/in-app-hub.js';
import { UnsafeTargetError, type SsrfGuard } from '../channels/ssrf-guard.js';
import type { NotifyConfig } from '../notify-config.js';
import { DEFAULT_PREFERENCES, mergePreferences, preferencesUpdateSchema } from '../preferences.js';
import {
  LimitReachedError,
  type Awaitable,
  type NotificationStore,
  type StreamTicketStore,
} from '../notification-store.js';
import {
  lastEventIdSchema,
  MOBILE_CHANNEL,
  mobileDeviceSchema,
  pageQuerySchema,
  pushSubscriptionSchema,
  pushUnsubscribeSchema,
  streamQuerySchema,
  webhookCreateSchema,
} from './schemas.js';
import { StreamTickets } from './stream-tickets.js';

export interface NotificationRoutesDeps {
  /** Bearer-token authentication of FX users (`FxUsers`, or the PostgreSQL users). */
  users: { authenticate(token: string | undefined): Awaitable<{ id: string } | undefined> };
  store: NotificationStore;
  hub: InAppHub;
  guard: SsrfGuard;
  config: NotifyConfig;
  /** The VAPID public key; without it Web Push routes answer 503. */
  vapidPublicKey?: string;
  /** Whether mobile push (End User Messaging) is configured; without it its routes answer 503. */
  mobilePush?: boolean;
  /** @default Date.now */
  now?: () => number;
  /** Requests per user per minute (`fx.api.rateLimitPerMinute`). @default 6000 */
  rateLimitPerMinute?: number;
  /** Where rate-limit counters live (shared by API instances). @default this process's memory */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /**
   * Stream tickets; shared by API instances so a ticket issued by one opens the stream on
   * another. @default in this process's memory ({@link StreamTickets})
   */
  tickets?: StreamTicketStore;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h ? /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] : undefined;
}

const unauthenticated = () =>
  new HttpProblem(
    401,
    'Unauthorized',
    'a valid `Authorization: Bearer <token>` header (or a stream ticket) is required',
    {},
    'unauthenticated',
  );

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : where,
    message: i.message,
  }));
  throw new HttpProblem(
    400,
    'Bad Request',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    { errors },
    'invalid-request',
  );
}

function sendProblem(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  let problem: HttpProblem;
  if (err instanceof HttpProblem) problem = err;
  else {
    const e = err as FastifyError;
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    problem =
      status >= 500
        ? new HttpProblem(
            500,
            'Internal Server Error',
            'an internal error occurred; it has been logged',
          )
        : new HttpProblem(status, 'Bad Request', e.message ?? 'bad request', {}, 'invalid-request');
  }
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(req.url));
}

/**
 * Notification routes of the authenticated user, for mounting at `/api/fx/v1/notifications`.
 * Every route acts on the caller's own data only (ids of other users' webhooks answer 404).
 *
 * - `GET|PUT /preferences`; `GET /?limit=&cursor=` (newest first)
 * - `POST /stream-ticket` → `{ticket, expiresAt}`; `GET /stream?ticket=` or with Bearer:
 *   `text/event-stream`, event `id` = the message's sequence number, resumable with
 *   `Last-Event-ID` (or `?lastEventId=` for clients that cannot set headers)
 * - `GET /webpush/public-key`, `POST|DELETE /webpush/subscriptions`
 * - `POST /webhooks {url}` → `{id, url, secret, createdAt}` (secret shown once),
 *   `GET /webhooks`, `DELETE /webhooks/:id`
 * - `POST /mobile/devices {platform: fcm|apns|apns-sandbox, token}` → `{id, platform, createdAt}`,
 *   `GET /mobile/devices`, `DELETE /mobile/devices/:id` (a mobile app's push registration)
 * - `GET /deliveries?limit=&cursor=`: the delivery log
 *
 * @example app.register(notificationRoutes(deps), { prefix: '/api/fx/v1/notifications' })
 */
export function notificationRoutes(deps: NotificationRoutesDeps): FastifyPluginAsync {
  const now = deps.now ?? Date.now;
  const tickets = deps.tickets ?? new StreamTickets(deps.config.inApp.ticketTtlSeconds * 1000, now);
  // Who sent each request, authenticated once (before the rate limit, which counts per user).
  const callers = new WeakMap<FastifyRequest, string>();
  const user = (req: FastifyRequest): string => {
    const id = callers.get(req);
    if (id === undefined) throw unauthenticated();
    return id;
  };

  return async (app) => {
    app.setErrorHandler((err, req, reply) => sendProblem(err, req, reply));
    app.addHook('onRequest', async (req) => {
      const token = bearer(req);
      if (token === undefined) return;
      const u = await deps.users.authenticate(token);
      if (u) callers.set(req, u.id);
    });
    // Per user (stream tickets and anonymous requests: per address).
    await principalRateLimit(app, {
      max: deps.rateLimitPerMinute ?? 6000,
      principal: (req) => callers.get(req),
      ...(deps.rateLimitStore ? { store: deps.rateLimitStore } : {}),
    });
    // Open event streams would keep the server from closing: end them first (clients resume).
    app.addHook('preClose', (done) => {
      deps.hub.closeAll();
      done();
    });

    app.get('/preferences', async (req) => {
      const id = user(req);
      const p = await deps.store.preferences(id);
      return { ...(p ?? DEFAULT_PREFERENCES), isDefault: p === undefined };
    });

    app.put('/preferences', async (req) => {
      const id = user(req);
      const update = parse(preferencesUpdateSchema, req.body, 'body');
      const merged = mergePreferences(
        (await deps.store.preferences(id)) ?? DEFAULT_PREFERENCES,
        update,
      );
      await deps.store.setPreferences(id, merged, now());
      return { ...merged, isDefault: false };
    });

    app.get('/', async (req) => {
      const id = user(req);
      const q = parse(pageQuerySchema, req.query, 'query');
      const before = q.cursor === undefined ? undefined : Number(q.cursor);
      if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) {
        throw new HttpProblem(
          400,
          'Bad Request',
          'cursor: must be the nextCursor of a previous page',
          { errors: [{ field: 'cursor', message: 'must be the nextCursor of a previous page' }] },
          'invalid-request',
        );
      }
      const rows = await deps.store.notifications(id, q.limit + 1, before);
      const page = rows.slice(0, q.limit).map((n) => ({
        eventId: n.seq,
        id: n.id,
        kind: n.kind,
        title: n.title,
        body: n.body,
        data: n.data,
        createdAt: n.createdAt,
      }));
      return rows.length > q.limit
        ? { notifications: page, nextCursor: String(page[page.length - 1]!.eventId) }
        : { notifications: page };
    });

    app.post('/stream-ticket', async (req, reply) => {
      const id = user(req);
      void reply.status(201);
      return tickets.issue(id);
    });

    app.get('/stream', async (req, reply) => {
      const q = parse(streamQuerySchema, req.query, 'query');
      let id: string;
      if (q.ticket !== undefined) {
        const u = await tickets.redeem(q.ticket);
        if (!u) {
          throw new HttpProblem(
            401,
            'Unauthorized',
            'the stream ticket is unknown, used or expired; get a new one with POST /stream-ticket',
            {},
            'invalid-ticket',
          );
        }
        id = u;
      } else id = user(req);
      const header = req.headers['last-event-id'];
      const raw = (Array.isArray(header) ? header[0] : header) ?? q.lastEventId;
      const last =
        raw === undefined || raw === ''
          ? await deps.store.latestSeq(id)
          : Number(parse(lastEventIdSchema, raw.trim(), 'Last-Event-ID'));
      reply.hijack();
      deps.hub.open(id, reply.raw, last);
    });

    app.get('/webpush/public-key', () => {
      if (!deps.vapidPublicKey) {
        throw unavailable('Web Push is not configured', 'webpush-unavailable');
      }
      return { publicKey: deps.vapidPublicKey };
    });

    app.post('/webpush/subscriptions', async (req, reply) => {
      const id = user(req);
      if (!deps.vapidPublicKey) {
        throw unavailable('Web Push is not configured', 'webpush-unavailable');
      }
      const sub = parse(pushSubscriptionSchema, req.body, 'body');
      await checkTarget(deps.guard, sub.endpoint, 'endpoint');
      const rec = await limited(() =>
        deps.store.addPushSubscription(id, sub, deps.config.webPush.maxSubscriptionsPerUser, now()),
      );
      void reply.status(201);
      return { id: rec.id, endpoint: rec.endpoint, createdAt: rec.createdAt };
    });

    app.delete('/webpush/subscriptions', async (req, reply) => {
      const id = user(req);
      const { endpoint } = parse(pushUnsubscribeSchema, req.body, 'body');
      if (!(await deps.store.deletePushSubscriptionByEndpoint(id, endpoint))) {
        throw new HttpProblem(
          404,
          'Not Found',
          'no push subscription with that endpoint',
          {},
          'not-found',
        );
      }
      void reply.status(204).send();
    });

    app.post('/webhooks', async (req, reply) => {
      const id = user(req);
      const { url } = parse(webhookCreateSchema, req.body, 'body');
      await checkTarget(deps.guard, url, 'url');
      const secret = `whsec_${randomBytes(32).toString('base64url')}`;
      const hook = await limited(() =>
        deps.store.addWebhook(id, url, secret, deps.config.webhooks.maxPerUser, now()),
      );
      void reply.status(201);
      return { id: hook.id, url: hook.url, secret, createdAt: hook.createdAt };
    });

    app.get('/webhooks', async (req) => {
      const id = user(req);
      return {
        webhooks: (await deps.store.webhooksOf(id)).map((h) => ({
          id: h.id,
          url: h.url,
          createdAt: h.createdAt,
        })),
      };
    });

    app.delete<{ Params: { id: string } }>('/webhooks/:id', async (req, reply) => {
      const id = user(req);
      if (!(await deps.store.deleteWebhook(id, req.params.id))) {
        throw new HttpProblem(404, 'Not Found', `no webhook ${req.params.id}`, {}, 'not-found');
      }
      void reply.status(204).send();
    });

    app.post('/mobile/devices', async (req, reply) => {
      const id = user(req);
      if (!deps.mobilePush) {
        throw unavailable(
          'mobile push is not configured (fx.notifications.aws.pushApplicationId)',
          'mobile-push-unavailable',
        );
      }
      const d = parse(mobileDeviceSchema, req.body, 'body');
      const rec = await limited(() =>
        deps.store.addMobileDevice(
          id,
          { platform: MOBILE_CHANNEL[d.platform], token: d.token },
          deps.config.mobilePush.maxDevicesPerUser,
          now(),
        ),
      );
      void reply.status(201);
      return { id: rec.id, platform: d.platform, createdAt: rec.createdAt };
    });

    app.get('/mobile/devices', async (req) => {
      const id = user(req);
      return {
        devices: (await deps.store.mobileDevicesOf(id)).map((d) => ({
          id: d.id,
          platform: API_PLATFORM[d.platform],
          createdAt: d.createdAt,
        })),
      };
    });

    app.delete<{ Params: { id: string } }>('/mobile/devices/:id', async (req, reply) => {
      const id = user(req);
      if (!(await deps.store.deleteMobileDevice(id, req.params.id))) {
        throw new HttpProblem(404, 'Not Found', `no device ${req.params.id}`, {}, 'not-found');
      }
      void reply.status(204).send();
    });

    app.get('/deliveries', async (req) => {
      const id = user(req);
      const q = parse(pageQuerySchema, req.query, 'query');
      return deps.store.deliveries({
        userId: id,
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    });
  };
}

/** 503: a channel the operator has not configured. */
function unavailable(detail: string, type: string): HttpProblem {
  return new HttpProblem(503, 'Service Unavailable', detail, {}, type);
}

const API_PLATFORM = { GCM: 'fcm', APNS: 'apns', APNS_SANDBOX: 'apns-sandbox' } as const;

async function checkTarget(guard: SsrfGuard, url: string, field: string): Promise<void> {
  try {
    await guard.resolve(url);
  } catch (err) {
    if (!(err instanceof UnsafeTargetError)) throw err;
    throw new HttpProblem(
      400,
      'Bad Request',
      `${field}: ${err.message}`,
      { errors: [{ field, message: err.message }] },
      'unsafe-target',
    );
  }
}

async function limited<T>(f: () => Awaitable<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof LimitReachedError) {
      throw new HttpProblem(409, 'Conflict', err.message, {}, 'limit-reached');
    }
    throw err;
  }
}
