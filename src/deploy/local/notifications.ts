import { awsClientConfig } from '../../core/aws/client-config.js';
import * as path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../../core/log/logger.js';
import { InAppHub } from '../../fx/decisions/notify/channels/in-app-hub.js';
import { SsrfGuard } from '../../fx/decisions/notify/channels/ssrf-guard.js';
import {
  defaultVapidPath,
  loadOrCreateVapidKeys,
  type VapidKeys,
} from '../../fx/decisions/notify/channels/vapid-keys.js';
import {
  defaultSecretsKeyPath,
  loadOrCreateSecretsKey,
  SecretBox,
} from '../../fx/decisions/notify/channels/secret-box.js';
import { WebhookSender } from '../../fx/decisions/notify/channels/webhook-sender.js';
import { WebPushSender } from '../../fx/decisions/notify/channels/web-push-sender.js';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { DeliveryDispatcher } from '../../fx/decisions/notify/dispatcher.js';
import { EndUserMessagingPush } from '../../fx/decisions/notify/end-user-messaging/end-user-messaging-push.js';
import { MobilePushSender } from '../../fx/decisions/notify/end-user-messaging/mobile-push-sender.js';
import { EmbeddedNotifier } from '../../fx/decisions/notify/embedded-notifier.js';
import {
  notificationRoutes,
  type NotificationRoutesDeps,
} from '../../fx/decisions/notify/http/notification-routes.js';
import type { NotifyConfig } from '../../fx/decisions/notify/notify-config.js';
import type {
  NotificationStore,
  StreamTicketStore,
} from '../../fx/decisions/notify/notification-store.js';
import { SqliteNotificationStore } from '../../fx/decisions/notify/sqlite/sqlite-notification-store.js';
import {
  PostgresNotificationStore,
  PostgresStreamTickets,
} from '../../fx/decisions/notify/postgres/index.js';
import { postgresRateLimitStore } from '../../core/http/postgres/postgres-rate-limit-store.js';
import type { PgPool } from '../../core/state/postgres/index.js';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

export interface EmbeddedNotificationsOptions {
  /** `config.home`. */
  home: string;
  /** `config.fx.notifications`. */
  config: NotifyConfig;
  log: Logger;
  /** Source of `CORRIENTE_VAPID_*`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Seeded randomness for backoff jitter. @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
  /**
   * Mobile push. @default End User Messaging with `config.aws.pushApplicationId` when set,
   * else none (the device routes answer 503)
   */
  mobilePush?: EndUserMessagingPush;
}

/** The notification system, wired: what `corriente up`, API instances and the CLI use. */
export interface Notifications<S extends NotificationStore = NotificationStore> {
  store: S;
  hub: InAppHub;
  guard: SsrfGuard;
  vapid: VapidKeys;
  /** The Notifier and PreferenceLookup the orchestrator calls. */
  notifier: EmbeddedNotifier;
  dispatcher: DeliveryDispatcher;
  /** The Fastify plugin for `/api/fx/v1/notifications`. */
  routes(users: NotificationRoutesDeps['users'], rateLimitPerMinute?: number): FastifyPluginAsync;
  /** Starts delivering and the hourly retention sweep. */
  start(): void;
  /** Stops delivering (waits for attempts in flight), closes streams and the database. */
  close(): Promise<void>;
}

/** The embedded notification system (SQLite under the home). */
export type EmbeddedNotifications = Notifications<SqliteNotificationStore>;

/** The notifications database file. */
export function notificationsDbPath(home: string, config: NotifyConfig): string {
  return path.resolve(home, config.databasePath);
}

/**
 * Opens the notifications database, loads (or generates) the VAPID keys and wires the in-app
 * hub, the Web Push, webhook and (when configured) End User Messaging senders, the dispatcher and
 * the notifier.
 *
 * @example
 * const notifications = openEmbeddedNotifications({ home: config.home, config: config.fx.notifications, log });
 * await app.register(notifications.routes(users), { prefix: '/api/fx/v1/notifications' });
 * notifications.start();
 */
export function openEmbeddedNotifications(o: EmbeddedNotificationsOptions): EmbeddedNotifications {
  const vapid = loadOrCreateVapidKeys(defaultVapidPath(o.home), o.env ?? process.env);
  const secrets = new SecretBox(
    loadOrCreateSecretsKey(defaultSecretsKeyPath(o.home), o.env ?? process.env),
  );
  const store = new SqliteNotificationStore({
    path: notificationsDbPath(o.home, o.config),
    ...{ secrets },
  });
  return wireNotifications(o, store, vapid, {
    closeStore: async () => {
      store.close();
    },
  });
}

/**
 * The notification system on the PostgreSQL state store (`state.type = postgres`): queue,
 * inbox, preferences, targets and stream tickets in `pool`'s database, shared by every process;
 * the VAPID keys and the webhook-secret key from the environment (never generated per instance).
 * Deliveries and in-app messages committed by any process wake this process's dispatcher and
 * SSE streams (LISTEN/NOTIFY).
 * @example const n = await openPostgresNotifications({ home, config: config.fx.notifications, log, pool, env });
 */
export async function openPostgresNotifications(
  o: EmbeddedNotificationsOptions & { pool: PgPool },
): Promise<Notifications<PostgresNotificationStore>> {
  const env = o.env ?? process.env;
  const vapid = loadOrCreateVapidKeys(defaultVapidPath(o.home), env);
  if (env.CORRIENTE_WEBHOOK_SECRETS_KEY === undefined) {
    throw new Error('CORRIENTE_WEBHOOK_SECRETS_KEY is required with the PostgreSQL state store');
  }
  const secrets = new SecretBox(loadOrCreateSecretsKey(defaultSecretsKeyPath(o.home), env));
  // The hub and dispatcher exist once the store is open: wake-ups heard before are dropped
  // (nothing listens yet, and both read the store when they start).
  const late: { wired?: Notifications<PostgresNotificationStore> } = {};
  const store = await PostgresNotificationStore.open({
    pool: o.pool,
    secrets,
    logger: o.log,
    onInApp: (users) => late.wired?.hub.wake(users),
    onQueued: () => late.wired?.dispatcher.wake(),
    onResync: () => late.wired?.hub.wakeAll(),
  });
  const wired = wireNotifications(o, store, vapid, {
    closeStore: () => store.close(),
    tickets: new PostgresStreamTickets(
      o.pool,
      o.config.inApp.ticketTtlSeconds * 1000,
      o.now ?? Date.now,
    ),
    rateLimitStore: postgresRateLimitStore(o.pool),
  });
  late.wired = wired;
  return wired;
}

/** The hub, senders, dispatcher, notifier and routes over an open store. */
function wireNotifications<S extends NotificationStore>(
  o: EmbeddedNotificationsOptions,
  store: S,
  vapid: VapidKeys,
  extra: {
    closeStore: () => Promise<void>;
    tickets?: StreamTicketStore;
    rateLimitStore?: FastifyRateLimitStoreCtor;
  },
): Notifications<S> {
  const { config } = o;
  const now = o.now ?? Date.now;
  const guard = new SsrfGuard(config.webhooks.allowPrivateTargets);
  const hub = new InAppHub(store, {
    heartbeatMs: config.inApp.heartbeatSeconds * 1000,
    maxStreamsPerUser: config.inApp.maxStreamsPerUser,
  });
  const http = {
    guard,
    timeoutMs: config.webhooks.timeoutMs,
    maxResponseBytes: config.webhooks.maxResponseBytes,
  };
  const mobilePush = o.mobilePush ?? endUserMessaging(config);
  const dispatcher = new DeliveryDispatcher({
    store,
    senders: {
      ...(mobilePush ? { mobilePush: new MobilePushSender(mobilePush, store) } : {}),
      webhook: new WebhookSender({ webhooks: store, topic: config.topic, now, ...http }),
      webPush: new WebPushSender({
        subscriptions: store,
        vapid,
        subject: config.webPush.subject,
        ttlSeconds: config.webPush.ttlSeconds,
        ...http,
      }),
    },
    retry: config.retry,
    ...config.dispatcher,
    log: o.log.child({ component: 'notify' }),
    ...(o.random ? { random: o.random } : {}),
    now,
  });
  const notifier = new EmbeddedNotifier(store, hub, dispatcher, now);
  let sweep: NodeJS.Timeout | undefined;
  const prune = () => {
    const failed = (err: unknown) => o.log.error({ err }, 'notification retention sweep failed');
    try {
      void Promise.resolve(
        store.prune(config.inApp.retentionPerUser, config.inApp.retentionDays * 86_400_000, now()),
      ).catch(failed);
    } catch (err) {
      failed(err);
    }
  };
  return {
    store,
    hub,
    guard,
    vapid,
    notifier,
    dispatcher,
    routes: (users, rateLimitPerMinute) =>
      notificationRoutes({
        users,
        ...(rateLimitPerMinute !== undefined ? { rateLimitPerMinute } : {}),
        store,
        hub,
        guard,
        config,
        vapidPublicKey: vapid.publicKey,
        mobilePush: mobilePush !== undefined,
        now,
        ...(extra.tickets ? { tickets: extra.tickets } : {}),
        ...(extra.rateLimitStore ? { rateLimitStore: extra.rateLimitStore } : {}),
      }),
    start() {
      dispatcher.start();
      prune();
      sweep = setInterval(prune, 3_600_000);
      sweep.unref();
    },
    async close() {
      if (sweep) clearInterval(sweep);
      await dispatcher.stop();
      hub.closeAll();
      await extra.closeStore();
    },
  };
}

/** End User Messaging push when `config.aws.pushApplicationId` is set. */
function endUserMessaging(config: NotifyConfig): EndUserMessagingPush | undefined {
  const aws = config.aws;
  if (!aws?.pushApplicationId) return undefined;
  const client = new PinpointClient(
    awsClientConfig({ region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}) }),
  );
  return new EndUserMessagingPush(client, aws.pushApplicationId, config.mobilePush.ttlSeconds);
}
