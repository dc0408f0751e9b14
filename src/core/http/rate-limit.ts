import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

export interface PrincipalRateLimitOptions {
  /** Requests per principal per minute. */
  max: number;
  /**
   * Who is asking (a user id, a principal's name, `admin`), from the request's credentials;
   * undefined for an anonymous request, which is limited by its IP address instead.
   */
  principal(req: FastifyRequest): string | undefined;
  /** Where the counters live (shared by instances). @default this process's memory */
  store?: FastifyRateLimitStoreCtor;
}

/**
 * Rate-limits every route registered after it in this plugin, per principal: the one way an
 * authenticating corriente API is limited. Refusals are 429 `rate-limited` problems with
 * `Retry-After`. Call it before the routes, inside the plugin that declares them.
 *
 * @example await principalRateLimit(app, { max: 600, principal: (req) => users.authenticate(bearer(req))?.id });
 */
export async function principalRateLimit(
  app: FastifyInstance,
  options: PrincipalRateLimitOptions,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: options.max,
    ...(options.store ? { store: options.store } : {}),
    timeWindow: 60_000,
    keyGenerator: (req) => {
      const who = options.principal(req);
      return who === undefined ? `ip:${req.ip}` : `principal:${who}`;
    },
    errorResponseBuilder: (_req, ctx) =>
      new HttpProblem(
        429,
        'Too Many Requests',
        `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`,
        { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) },
        'rate-limited',
      ),
  });
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h ? /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] : undefined;
}
