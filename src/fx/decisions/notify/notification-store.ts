/**
 * The notification store port: queue, inbox, preferences, push subscriptions, mobile devices,
 * webhooks and the delivery log. `sqlite/` is the embedded adapter (synchronous: its methods
 * return plain values), `postgres/` the adapter shared by many processes (Promises); the
 * composition root (`src/deploy/`) chooses one. Callers always `await` what a method returns.
 */
import type { Channel, DeliveryStatus, NotificationRequest } from './notifier.js';
import type { Preferences } from './preferences.js';

/** A notification as kept for the inbox and the SSE stream. */
export interface StoredNotification {
  /** SSE event id: increases monotonically. */
  seq: number;
  id: string;
  userId: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  createdAt: string;
}

/** The push services a mobile app registers with, by End User Messaging's channel names. */
export const MOBILE_PLATFORMS = ['GCM', 'APNS', 'APNS_SANDBOX'] as const;
export type MobilePlatform = (typeof MOBILE_PLATFORMS)[number];

/** A mobile device registered for push: its FCM (`GCM`) or APNs token. */
export interface MobileDeviceRecord {
  id: string;
  userId: string;
  platform: MobilePlatform;
  token: string;
  createdAt: string;
}

export interface WebhookRecord {
  id: string;
  userId: string;
  url: string;
  /** HMAC key; never returned by the API after creation. */
  secret: string;
  createdAt: string;
}

/** One notification on one channel target: the delivery log's row. */
export interface DeliveryRecord {
  /** Stable across retries: sent as `X-Corriente-Delivery`. */
  id: string;
  notificationId: string;
  userId: string;
  channel: Channel;
  /** Push subscription or webhook id; `inbox` for in-app. */
  targetId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

/** Raised when a user already has the maximum number of subscriptions, devices or webhooks. */
export class LimitReachedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitReachedError';
  }
}

/** Where a delivery attempt ended. */
export type DeliveryOutcome =
  | { status: 'sent' }
  | { status: 'failed' | 'dead'; error: string }
  | { status: 'queued'; error: string; retryAt: number };

/** A value, or a Promise of it: the embedded adapter answers synchronously, PostgreSQL does not. */
export type Awaitable<T> = T | Promise<T>;

export interface NotificationStore {
  /** The stored preferences of a user; `undefined` when never set. */
  preferences(userId: string): Awaitable<Preferences | undefined>;
  /**
   * A synchronous view of the preferences for the orchestrator's hot path
   * ({@link PreferenceLookup}): exact in the embedded adapter; in the shared one a cache kept
   * current by notifications of every change (and a periodic reload), so at most moments stale.
   */
  cachedPreferences(userId: string): Preferences | undefined;
  setPreferences(userId: string, prefs: Preferences, now?: number): Awaitable<void>;
  /** Stores the notifications and queues their deliveries; returns the users with new in-app messages. */
  enqueue(
    batch: readonly NotificationRequest[],
    defaults: Preferences,
    now?: number,
  ): Awaitable<Set<string>>;
  /** The inbox, newest first, before `beforeSeq`. */
  notifications(userId: string, limit: number, beforeSeq?: number): Awaitable<StoredNotification[]>;
  inAppAfter(userId: string, afterSeq: number, limit: number): Awaitable<StoredNotification[]>;
  latestSeq(userId: string): Awaitable<number>;
  notification(id: string): Awaitable<StoredNotification | undefined>;
  addPushSubscription(
    userId: string,
    sub: { endpoint: string; keys: { p256dh: string; auth: string } },
    max: number,
    now?: number,
  ): Awaitable<PushSubscriptionRecord>;
  pushSubscription(id: string): Awaitable<PushSubscriptionRecord | undefined>;
  deletePushSubscriptionByEndpoint(userId: string, endpoint: string): Awaitable<boolean>;
  deletePushSubscription(userId: string, id: string): Awaitable<void>;
  addMobileDevice(
    userId: string,
    device: { platform: MobilePlatform; token: string },
    max: number,
    now?: number,
  ): Awaitable<MobileDeviceRecord>;
  mobileDevice(id: string): Awaitable<MobileDeviceRecord | undefined>;
  mobileDevicesOf(userId: string): Awaitable<MobileDeviceRecord[]>;
  deleteMobileDevice(userId: string, id: string): Awaitable<boolean>;
  replaceMobileToken(id: string, token: string): Awaitable<void>;
  addWebhook(
    userId: string,
    url: string,
    secret: string,
    max: number,
    now?: number,
  ): Awaitable<WebhookRecord>;
  webhook(id: string): Awaitable<WebhookRecord | undefined>;
  webhooksOf(userId: string): Awaitable<WebhookRecord[]>;
  deleteWebhook(userId: string, id: string): Awaitable<boolean>;
  /** Keeps at most `perUser` inbox notifications per user, none older than `maxAgeMs`. */
  prune(perUser: number, maxAgeMs: number, now?: number): Awaitable<number>;
  /**
   * Leases up to `limit` due deliveries for `leaseMs` (counting the attempt). Workers in other
   * processes never get a delivery another holds a live lease on; an expired lease (a worker
   * that died) makes the delivery due again.
   */
  claimDue(limit: number, leaseMs: number, now?: number): Awaitable<DeliveryRecord[]>;
  claimNow(id: string, leaseMs: number, now?: number): Awaitable<DeliveryRecord | undefined>;
  finish(id: string, outcome: DeliveryOutcome, now?: number): Awaitable<void>;
  delivery(id: string): Awaitable<DeliveryRecord | undefined>;
  deliveries(options: { userId?: string; limit: number; cursor?: string }): Awaitable<{
    deliveries: DeliveryRecord[];
    nextCursor?: string;
  }>;
  deadLetters(): Awaitable<DeliveryRecord[]>;
  requeueDeadLetters(ids: readonly string[], now?: number): Awaitable<string[]>;
  close(): Awaitable<void>;
}

/**
 * Single-use tickets for `GET /stream?ticket=` (an EventSource cannot send a header). In memory
 * for one process ({@link StreamTickets}); in the state store when several API instances serve.
 */
export interface StreamTicketStore {
  issue(userId: string): Awaitable<{ ticket: string; expiresAt: string }>;
  /** The user of a valid ticket, consuming it; `undefined` if unknown, used or expired. */
  redeem(ticket: string): Awaitable<string | undefined>;
}

export type { DeliveryStatus };
