import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { postgresRateLimitStore } from '../../core/http/postgres/postgres-rate-limit-store.js';
import { createLogger } from '../../core/log/logger.js';
import { buildFxApp } from '../../fx/api/app.js';
import { processEnv } from '../environment.js';
import { openPostgresFxApiState } from '../fx-api-state.js';
import { sharedSecretsEnv } from '../secrets.js';
import { postgresState } from '../state.js';
import { awsConfig, awsEventLog, awsSecretsEnv } from './aws-adapters.js';

/** The part of an API Gateway HTTP API (payload format 2.0) event the handler reads. */
const httpApiEventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string().startsWith('/'),
  rawQueryString: z.string().default(''),
  headers: z.record(z.string(), z.string()).default({}),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    http: z.object({ method: z.string().min(1), sourceIp: z.string().optional() }),
  }),
});
export type HttpApiEventV2 = z.input<typeof httpApiEventSchema>;

/** What API Gateway expects back (payload format 2.0). */
export interface HttpApiResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

const TEXT_TYPES = /^(text\/|application\/(.*\+)?json|application\/xml|application\/javascript)/i;

/**
 * The API Gateway (HTTP API, payload 2.0) Lambda in front of the same Fastify app `corriente up`
 * serves (`buildFxApp`): the event becomes an `app.inject` request and the response goes back
 * as `{statusCode, headers, body, isBase64Encoded}` (binary bodies base64). The app is built
 * once per Lambda container, on the first event.
 *
 * @example
 * export const handler = createApiGatewayHandler(async () => buildFxApp(await deps()));
 */
export function createApiGatewayHandler(
  app: FastifyInstance | (() => Promise<FastifyInstance>),
): (event: unknown) => Promise<HttpApiResultV2> {
  let ready: Promise<FastifyInstance> | undefined;
  const getApp = (): Promise<FastifyInstance> =>
    (ready ??= typeof app === 'function' ? app() : Promise.resolve(app.ready()).then(() => app));
  return async (event) => {
    const parsed = httpApiEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `not an API Gateway HTTP API (payload 2.0) event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const e = parsed.data;
    const headers: Record<string, string> = { ...e.headers };
    if (e.cookies?.length) headers.cookie = e.cookies.join('; ');
    const payload =
      e.body === undefined ? undefined : e.isBase64Encoded ? Buffer.from(e.body, 'base64') : e.body;
    const res = await (
      await getApp()
    ).inject({
      method: e.requestContext.http.method as 'GET',
      url: e.rawQueryString ? `${e.rawPath}?${e.rawQueryString}` : e.rawPath,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      ...(e.requestContext.http.sourceIp ? { remoteAddress: e.requestContext.http.sourceIp } : {}),
    });
    const outHeaders: Record<string, string> = {};
    const cookies: string[] = [];
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      if (k === 'set-cookie') cookies.push(...(Array.isArray(v) ? v : [String(v)]));
      else outHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    const type = outHeaders['content-type'] ?? '';
    const binary = res.rawPayload.length > 0 && type !== '' && !TEXT_TYPES.test(type);
    return {
      statusCode: res.statusCode,
      headers: outHeaders,
      ...(cookies.length ? { cookies } : {}),
      body: binary ? res.rawPayload.toString('base64') : res.body,
      isBase64Encoded: binary,
    };
  };
}

let cachedApi: ((event: unknown) => Promise<HttpApiResultV2>) | undefined;
let relayOnce: (() => Promise<number>) | undefined;

/**
 * The `api` Lambda entry point: the FX API on the PostgreSQL state store (`state.type =
 * postgres`, configuration and shared secrets from the environment), so every container serves
 * the same users, balances, prices and rate limits. After each request the container relays
 * what is in the outbox (a frozen container cannot relay in the background; rows it leaves are
 * carried by the next invocation of any container).
 */
export async function handler(event: unknown): Promise<HttpApiResultV2> {
  if (!cachedApi) {
    const config = await awsConfig();
    postgresState(config);
    const secrets = sharedSecretsEnv(config, await awsSecretsEnv(processEnv()));
    const log = createLogger(config.log.level, 'corriente-api', 'json');
    cachedApi = createApiGatewayHandler(async () => {
      const state = await openPostgresFxApiState(config, {
        eventLog: (pool) => awsEventLog(config, pool),
        log,
        relay: false,
      });
      relayOnce = state.relayOnce;
      return buildFxApp(
        {
          ledger: state.ledger,
          users: state.users,
          priceBook: state.priceBook,
          staleAfterSeconds: config.fx.prices.staleAfterSeconds,
          rateLimitPerMinute: config.fx.api.rateLimitPerMinute,
          // A container is frozen between invocations: every hit is counted before its answer.
          rateLimitStore: postgresRateLimitStore(state.pool, { syncMs: 0 }),
          bodyLimitBytes: config.fx.api.bodyLimitBytes,
          ...(secrets.CORRIENTE_ADMIN_TOKEN ? { adminToken: secrets.CORRIENTE_ADMIN_TOKEN } : {}),
        },
        { logger: log },
      );
    });
  }
  const result = await cachedApi(event);
  await relayOnce?.().catch(() => undefined);
  return result;
}
