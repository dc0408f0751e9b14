/**
 * One stateless FX API instance on the PostgreSQL state store (`state.type = postgres`): the
 * HTTP API with the ledger, users, price book and rate limits in PostgreSQL, and this instance's
 * share of the outbox relay; the notification routes on the PostgreSQL notification store (stream
 * tickets redeemable on any instance, SSE woken by messages committed by any process). Any number can run against one database and one event log
 * (Kinesis, or a disk log only one of them writes).
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpServer } from '../../core/http/server.js';
import { createLogger, type Logger } from '../../core/log/logger.js';
import { postgresRateLimitStore } from '../../core/http/postgres/postgres-rate-limit-store.js';
import type { EventLog } from '../../core/event-log/event-log.js';
import { fxDocsRoutes, fxRoutes } from '../../fx/api/index.js';
import { openFxEventLog } from '../adapters.js';
import { loadConfig, type Config } from '../config.js';
import { logFormatFromEnv } from '../environment.js';
import { openPostgresFxApiState, type FxApiState } from '../fx-api-state.js';
import { sharedSecretsEnv } from '../secrets.js';
import { postgresState } from '../state.js';
import { notificationsOpenApi } from '../../fx/decisions/notify/http/notifications-openapi.js';
import { openPostgresNotifications, type Notifications } from './notifications.js';

export interface FxApiInstance {
  app: FastifyInstance;
  /** `http://host:port` the instance listens on. */
  url: string;
  state: FxApiState;
  eventLog: EventLog;
  /** The notification store, SSE hub and routes (no dispatcher: that is another role). */
  notifications: Notifications;
  /** Stops serving, relays what is left of the outbox, closes the pool and the log. */
  close(): Promise<void>;
}

/**
 * Starts an API instance on `config.http.host:port` (port 0: any free port).
 * @throws ConfigError when state is not postgres or a shared secret is missing.
 */
export async function startFxApiInstance(o: {
  config: Config;
  log: Logger;
  env: NodeJS.ProcessEnv;
}): Promise<FxApiInstance> {
  const { config, log } = o;
  postgresState(config);
  const secrets = sharedSecretsEnv(config, o.env);
  const eventLog = await openFxEventLog(config);
  const state = await openPostgresFxApiState(config, { eventLog, log });
  const notifications = await openPostgresNotifications({
    home: config.home,
    config: config.fx.notifications,
    log,
    env: secrets,
    pool: state.pool,
  });
  const app = await buildHttpServer({
    log,
    bodyLimit: config.fx.api.bodyLimitBytes,
    requestTimeoutSeconds: config.http.requestTimeoutSeconds,
    connectionTimeoutSeconds: config.http.connectionTimeoutSeconds,
    keepAliveTimeoutSeconds: config.http.keepAliveTimeoutSeconds,
    maxRequestsPerSocket: config.http.maxRequestsPerSocket,
    plugins: [
      {
        prefix: '/api/fx/v1',
        plugin: fxRoutes({
          ledger: state.ledger,
          users: state.users,
          priceBook: state.priceBook,
          staleAfterSeconds: config.fx.prices.staleAfterSeconds,
          rateLimitPerMinute: config.fx.api.rateLimitPerMinute,
          rateLimitStore: postgresRateLimitStore(state.pool),
          bodyLimitBytes: config.fx.api.bodyLimitBytes,
          ...(secrets.CORRIENTE_ADMIN_TOKEN ? { adminToken: secrets.CORRIENTE_ADMIN_TOKEN } : {}),
        }),
      },
      {
        prefix: '/api/fx/v1/notifications',
        plugin: notifications.routes(state.users, config.fx.api.rateLimitPerMinute),
        openapi: notificationsOpenApi,
      },
      { prefix: '/api', plugin: fxDocsRoutes() },
    ],
  });
  const address = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    app,
    url: address,
    state,
    eventLog,
    notifications,
    async close() {
      await app.close();
      await notifications.close();
      await state.close();
      await eventLog.close();
    },
  };
}

/**
 * Runs an API instance as its own process: configuration from the environment and config file,
 * `listening on <url>` on stdout once it serves, a clean stop on SIGTERM/SIGINT.
 */
export async function runFxApiInstance(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig({ env });
  const log = createLogger(config.log.level, 'corriente-api', logFormatFromEnv(env));
  const instance = await startFxApiInstance({ config, log, env });
  process.stdout.write(`listening on ${instance.url}\n`);
  const stop = (): void => {
    void instance.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'api instance: unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
