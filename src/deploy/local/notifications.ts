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
import { SqliteNotificationStore } from '../../fx/decisions/notify/sqlite/sqlite-notification-store.js';

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

/** The embedded notification system, wired: what `corriente up` and the CLI use. */
export interface EmbeddedNotifications {
  store: SqliteNotificationStore;
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
  const { config } = o;
  const now = o.now ?? Date.now;
  const vapid = loadOrCreateVapidKeys(defaultVapidPath(o.home), o.env ?? process.env);
  const secrets = new SecretBox(
    loadOrCreateSecretsKey(defaultSecretsKeyPath(o.home), o.env ?? process.env),
  );
  const store = new SqliteNotificationStore({
    path: notificationsDbPath(o.home, config),
    ...{ secrets },
  });
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
    try {
      store.prune(config.inApp.retentionPerUser, config.inApp.retentionDays * 86_400_000, now());
    } catch (err) {
      o.log.error({ err }, 'notification retention sweep failed');
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
      store.close();
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
