import { timingSafeEqual } from 'node:crypto';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { hashToken } from '../../core/governance/governance.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from '../../core/http/problem.js';
import { centsToNumber, type PriceTick } from '../events.js';
import {
  AccountNotOpenError,
  InsufficientFundsError,
  unrealizedPnlCopCents,
} from '../portfolio/portfolio.js';
import type { PriceBook } from '../prices/price-book.js';
import { createFxUser } from './create-user.js';
import {
  IdempotencyConflictError,
  InvalidLedgerEventError,
  LedgerUnavailableError,
  requestHashOf,
  type TransactionRecord,
} from './ledger.js';
import type { FxLedgerPort, FxUsersPort } from './ledger-port.js';
import {
  createUserRequestSchema,
  idempotencyKeySchema,
  MAX_PRICE_RANGE_DAYS,
  pricesQuerySchema,
  transactionRequestSchema,
  transactionsQuerySchema,
  usersQuerySchema,
} from './schemas.js';
import type { FxUser } from './users.js';

export interface FxRoutesDeps {
  ledger: FxLedgerPort;
  users: FxUsersPort;
  priceBook: PriceBook;
  /** A price older than this cannot be traded on: `config.fx.prices.staleAfterSeconds`. */
  staleAfterSeconds: number;
  /** Requests per minute per user: `config.fx.api.rateLimitPerMinute`. */
  rateLimitPerMinute: number;
  /**
   * Where the rate-limit counters live: in this process by default; a shared store (PostgreSQL)
   * makes the limit hold across API instances.
   */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /** Largest request body: `config.fx.api.bodyLimitBytes`. */
  bodyLimitBytes: number;
  /**
   * The admin token (`process.env.CORRIENTE_ADMIN_TOKEN`); without it the admin routes answer 401.
   */
  adminToken?: string;
  /** @default Date.now */
  now?: () => number;
}

type AuthLevel = 'user' | 'admin' | 'user-or-admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call an `/api/fx/v1` route. */
    fxAuth?: AuthLevel;
  }
  interface FastifyRequest {
    /** The authenticated FX user (user routes). */
    fxUser?: FxUser;
    fxAdmin?: boolean;
  }
}

const MS_PER_DAY = 86_400_000;

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1];
}

function invalid(error: z.ZodError, where: string): HttpProblem {
  const detail = error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : where}: ${i.message}`)
    .join('; ');
  return new HttpProblem(
    400,
    'Bad Request',
    detail,
    { errors: error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message })) },
    'invalid-request',
  );
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error, where);
  return r.data;
}

export function transactionJson(t: TransactionRecord): Record<string, unknown> {
  return {
    id: t.id,
    side: t.side,
    amountUsd: centsToNumber(t.amountUsdCents),
    priceCop: centsToNumber(t.priceCopCents),
    totalCop: centsToNumber(t.totalCopCents),
    executedAt: t.executedAt,
  };
}

function priceJson(t: PriceTick): Record<string, unknown> {
  return {
    id: t.id,
    source: t.source,
    bidCop: centsToNumber(t.bidCopCents),
    askCop: centsToNumber(t.askCopCents),
    midCop: centsToNumber(t.midCopCents),
    observedAt: t.observedAt,
  };
}

/**
 * The 201 body of `POST /transactions`, for Fastify's compiled serializer (the hot route). Only
 * the serializer uses it: every field is produced by {@link transactionJson}.
 */
const transactionResponseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    side: { type: 'string' },
    amountUsd: { type: 'number' },
    priceCop: { type: 'number' },
    totalCop: { type: 'number' },
    executedAt: { type: 'string' },
  },
  required: ['id', 'side', 'amountUsd', 'priceCop', 'totalCop', 'executedAt'],
} as const;

/** Maps errors of this plugin's routes to problem+json (self-contained: also in Lambda). */
function sendProblem(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  let problem: HttpProblem;
  if (err instanceof HttpProblem) problem = err;
  else if (err instanceof InsufficientFundsError) {
    const cur = err.currency;
    problem = new HttpProblem(
      409,
      'Insufficient Funds',
      `insufficient ${cur}: the transaction needs ${centsToNumber(err.requiredCents)} ${cur}, ` +
        `the balance is ${centsToNumber(err.availableCents)} ${cur}`,
      {
        currency: cur,
        required: centsToNumber(err.requiredCents),
        available: centsToNumber(err.availableCents),
      },
      'insufficient-funds',
    );
  } else if (err instanceof AccountNotOpenError) {
    problem = new HttpProblem(409, 'No Account', 'the user has no account', {}, 'account-not-open');
  } else if (err instanceof IdempotencyConflictError) {
    problem = new HttpProblem(
      422,
      'Idempotency Key Reused',
      `${err.message}; use a new key for a new request`,
      { idempotencyKey: err.idempotencyKey },
      'idempotency-conflict',
    );
  } else if (err instanceof InvalidLedgerEventError) {
    problem = new HttpProblem(400, 'Bad Request', err.message, {}, 'invalid-request');
  } else if (err instanceof LedgerUnavailableError) {
    req.log.error({ err }, 'ledger unavailable');
    problem = new HttpProblem(503, 'Service Unavailable', err.message, {}, 'ledger-unavailable');
  } else {
    const e = err as FastifyError;
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
    if (status === 413) {
      problem = new HttpProblem(
        413,
        'Payload Too Large',
        'the request body is too large',
        {},
        'payload-too-large',
      );
    } else if (status === 415) {
      problem = new HttpProblem(
        415,
        'Unsupported Media Type',
        'the request body must be JSON (Content-Type: application/json)',
        {},
        'unsupported-media-type',
      );
    } else if (status >= 500) {
      req.log.error({ err }, 'request failed');
      problem = new HttpProblem(
        500,
        'Internal Server Error',
        'an internal error occurred; it has been logged',
      );
    } else {
      problem = new HttpProblem(
        status,
        'Bad Request',
        e.message ?? 'bad request',
        {},
        'invalid-request',
      );
    }
  }
  void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(req.url));
}

/**
 * The FX transaction API (API Gateway + ingestor in the original design), registered under
 * `/api/fx/v1`. Every route but the admin ones needs `Authorization: Bearer <user token>`; a
 * user only ever sees and changes their own data.
 *
 * - `POST /transactions` `{side, amountUsd}` + `Idempotency-Key` → 201 `{id, side, amountUsd,
 *   priceCop, totalCop, executedAt}`; replays of a key answer the original response with
 *   `Idempotent-Replayed: true`.
 * - `GET /transactions?limit=&cursor=` (newest first), `GET /portfolio`,
 *   `GET /prices/latest`, `GET /prices?from=&to=&limit=&cursor=`.
 * - `POST /admin/users`, `GET /admin/users` with `Authorization: Bearer $CORRIENTE_ADMIN_TOKEN`.
 *
 * Errors are `application/problem+json` (`type` `urn:corriente:problem:<code>`): 400
 * invalid-request, 401 unauthenticated, 409 insufficient-funds, 413, 422 idempotency-conflict,
 * 429 rate-limited (with Retry-After), 503 price-unavailable. See `openapi.ts`.
 *
 * @example
 * await buildHttpServer({ log, plugins: [{ prefix: '/api/fx/v1', plugin: fxRoutes(deps) }] });
 */
export function fxRoutes(deps: FxRoutesDeps): FastifyPluginAsync {
  const now = deps.now ?? Date.now;
  const adminHash = deps.adminToken ? Buffer.from(hashToken(deps.adminToken), 'hex') : undefined;
  const staleMs = deps.staleAfterSeconds * 1000;

  const isAdmin = (token: string): boolean => {
    if (!adminHash) return false;
    return timingSafeEqual(Buffer.from(hashToken(token), 'hex'), adminHash);
  };

  /** The latest price if it is fresh enough to trade on; else a 503 problem. */
  const tradablePrice = (): PriceTick => {
    const tick = deps.priceBook.latest();
    if (!tick) {
      throw new HttpProblem(
        503,
        'Price Unavailable',
        'no price has been collected yet; try again shortly',
        {},
        'price-unavailable',
      );
    }
    const ageMs = now() - Date.parse(tick.observedAt);
    if (ageMs > staleMs) {
      const age = Math.round(ageMs / 1000);
      throw new HttpProblem(
        503,
        'Price Unavailable',
        `the latest price is ${age} s old (observed at ${tick.observedAt}); prices older than ` +
          `${deps.staleAfterSeconds} s cannot be traded on`,
        { lastPriceAgeSeconds: age, lastPriceObservedAt: tick.observedAt },
        'price-unavailable',
      );
    }
    return tick;
  };

  return async (app) => {
    app.setErrorHandler(sendProblem);
    app.setNotFoundHandler((req, reply) => {
      sendProblem(
        new HttpProblem(404, 'Not Found', `no route ${req.method} ${req.url}`, {}, 'not-found'),
        req,
        reply,
      );
    });

    app.addHook('onRequest', async (req, reply) => {
      const level = req.routeOptions.config?.fxAuth;
      if (!level) return; // unknown route: 404
      const token = bearer(req);
      if (token !== undefined) {
        if (level !== 'admin') req.fxUser = await deps.users.authenticate(token);
        if (!req.fxUser && level !== 'user') req.fxAdmin = isAdmin(token);
        if (req.fxUser || req.fxAdmin) return;
      }
      void reply.header('WWW-Authenticate', 'Bearer realm="corriente-fx"');
      const detail =
        level === 'admin' && !adminHash
          ? 'the admin API is disabled: start the server with CORRIENTE_ADMIN_TOKEN set'
          : token === undefined
            ? `an API token is required: Authorization: Bearer <token>${level === 'admin' ? ' (the admin token, CORRIENTE_ADMIN_TOKEN)' : ' (see corriente fx users create)'}`
            : level === 'admin'
              ? 'the admin token is not valid'
              : 'the API token is not valid';
      throw new HttpProblem(401, 'Unauthorized', detail, {}, 'unauthenticated');
    });

    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: deps.rateLimitPerMinute,
      ...(deps.rateLimitStore ? { store: deps.rateLimitStore } : {}),
      timeWindow: 60_000,
      keyGenerator: (req) => (req.fxUser ? req.fxUser.id : req.fxAdmin ? 'admin' : req.ip),
      errorResponseBuilder: (_req, ctx) =>
        new HttpProblem(
          429,
          'Too Many Requests',
          `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`,
          { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
          'rate-limited',
        ),
    });

    const user = { config: { fxAuth: 'user' as const } };

    app.post(
      '/transactions',
      {
        ...user,
        bodyLimit: deps.bodyLimitBytes,
        schema: { response: { 201: transactionResponseSchema } },
      },
      async (req, reply) => {
        const userId = req.fxUser!.id;
        const keyHeader = req.headers['idempotency-key'];
        if (keyHeader === undefined) {
          throw new HttpProblem(
            400,
            'Bad Request',
            'the Idempotency-Key header is required (1–200 characters, unique per transaction)',
            { errors: [{ field: 'Idempotency-Key', message: 'required' }] },
            'invalid-request',
          );
        }
        const idempotencyKey = parse(
          idempotencyKeySchema,
          Array.isArray(keyHeader) ? keyHeader.join(',') : keyHeader,
          'Idempotency-Key',
        );
        const body = parse(transactionRequestSchema, req.body, 'body');
        const amountUsdCents = Math.round(body.amountUsd * 100);
        const result = await deps.ledger.execute(
          {
            userId,
            side: body.side,
            amountUsdCents,
            idempotencyKey,
            requestHash: requestHashOf(body.side, amountUsdCents),
          },
          tradablePrice,
        );
        if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
        void reply
          .status(201)
          .header('Location', `${req.url.split('?')[0]}/${result.transaction.id}`);
        return transactionJson(result.transaction);
      },
    );

    app.get('/transactions', user, async (req) => {
      const q = parse(transactionsQuerySchema, req.query, 'query');
      const page = await deps.ledger.transactions(req.fxUser!.id, {
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return {
        transactions: page.transactions.map(transactionJson),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    });

    // Where POST /transactions's Location points.
    app.get('/transactions/:id', user, async (req) => {
      const { id } = req.params as { id: string };
      const tx = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)
        ? await deps.ledger.transaction(req.fxUser!.id, id)
        : undefined;
      if (!tx) {
        throw new HttpProblem(
          404,
          'Not Found',
          `no transaction ${id} of this user`,
          {},
          'not-found',
        );
      }
      return transactionJson(tx);
    });

    app.get('/portfolio', user, async (req) => {
      const p = await deps.ledger.portfolio(req.fxUser!.id);
      if (!p)
        throw new HttpProblem(404, 'Not Found', 'the user has no account', {}, 'account-not-open');
      const tick = deps.priceBook.latest();
      return {
        userId: p.userId,
        usd: centsToNumber(p.usdCents),
        cop: centsToNumber(p.copCents),
        avgCostCop: centsToNumber(p.avgCostCopCents),
        costBasisCop: centsToNumber(p.costBasisCopCents),
        unrealizedPnlCop: tick ? centsToNumber(unrealizedPnlCopCents(p, tick.bidCopCents)) : null,
        realizedPnlCop: centsToNumber(p.realizedPnlCopCents),
        bidCop: tick ? centsToNumber(tick.bidCopCents) : null,
        askCop: tick ? centsToNumber(tick.askCopCents) : null,
        valuedAt: tick ? tick.observedAt : null,
        priceStale: tick ? now() - Date.parse(tick.observedAt) > staleMs : true,
        buyCount: p.buyCount,
        sellCount: p.sellCount,
        openedAt: p.openedAt,
        lastTransactionAt: p.lastTransactionAt,
      };
    });

    const anyone = { config: { fxAuth: 'user-or-admin' as const } };

    app.get('/prices/latest', anyone, async () => {
      const tick = deps.priceBook.latest();
      if (!tick) {
        throw new HttpProblem(404, 'Not Found', 'no price has been collected yet', {}, 'no-price');
      }
      const ageMs = now() - Date.parse(tick.observedAt);
      return { ...priceJson(tick), ageSeconds: Math.round(ageMs / 1000), stale: ageMs > staleMs };
    });

    app.get('/prices', anyone, async (req) => {
      const q = parse(pricesQuerySchema, req.query, 'query');
      const toMs = q.to ? Date.parse(q.to) : now();
      const fromMs = q.from ? Date.parse(q.from) : toMs - 3_600_000;
      if (!(fromMs < toMs)) {
        throw new HttpProblem(400, 'Bad Request', 'from must be before to', {}, 'invalid-request');
      }
      if (toMs - fromMs > MAX_PRICE_RANGE_DAYS * MS_PER_DAY) {
        throw new HttpProblem(
          400,
          'Bad Request',
          `the range from..to is longer than ${MAX_PRICE_RANGE_DAYS} days`,
          {},
          'invalid-request',
        );
      }
      const page = await deps.priceBook.history({
        fromMs,
        toMs,
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        prices: page.ticks.map(priceJson),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    });

    const admin = { config: { fxAuth: 'admin' as const } };

    app.post('/admin/users', { ...admin, bodyLimit: deps.bodyLimitBytes }, async (req, reply) => {
      const body = parse(createUserRequestSchema, req.body, 'body');
      const created = await createFxUser(deps, {
        name: body.name,
        copCents: Math.round(body.cop * 100),
        usdCents: Math.round(body.usd * 100),
      });
      void reply.status(201);
      return {
        ...created.user,
        token: created.token,
        cop: centsToNumber(created.copCents),
        usd: centsToNumber(created.usdCents),
      };
    });

    app.get('/admin/users', admin, async (req) => {
      const q = parse(usersQuerySchema, req.query, 'query');
      return deps.users.list({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    });
  };
}
