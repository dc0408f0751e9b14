/**
 * The notification store port: queue, inbox, preferences, push subscriptions, mobile devices,
 * webhooks and the delivery log. `sqlite/` is the embedded adapter; the composition root
 * (`src/deploy/`) chooses it.
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

export interface NotificationStore {
  preferences(userId: string): Preferences | undefined;
  setPreferences(userId: string, prefs: Preferences, now?: number): void;
  /** Stores the notifications and queues their deliveries; returns the ids newly stored. */
  enqueue(batch: readonly NotificationRequest[], defaults: Preferences, now?: number): Set<string>;
  /** The inbox, newest first, before `beforeSeq`. */
  notifications(userId: string, limit: number, beforeSeq?: number): StoredNotification[];
  inAppAfter(userId: string, afterSeq: number, limit: number): StoredNotification[];
  latestSeq(userId: string): number;
  notification(id: string): StoredNotification | undefined;
  addPushSubscription(
    userId: string,
    sub: { endpoint: string; keys: { p256dh: string; auth: string } },
    max: number,
    now?: number,
  ): PushSubscriptionRecord;
  pushSubscription(id: string): PushSubscriptionRecord | undefined;
  deletePushSubscriptionByEndpoint(userId: string, endpoint: string): boolean;
  deletePushSubscription(userId: string, id: string): void;
  addMobileDevice(
    userId: string,
    device: { platform: MobilePlatform; token: string },
    max: number,
    now?: number,
  ): MobileDeviceRecord;
  mobileDevice(id: string): MobileDeviceRecord | undefined;
  mobileDevicesOf(userId: string): MobileDeviceRecord[];
  deleteMobileDevice(userId: string, id: string): boolean;
  replaceMobileToken(id: string, token: string): void;
  addWebhook(userId: string, url: string, secret: string, max: number, now?: number): WebhookRecord;
  webhook(id: string): WebhookRecord | undefined;
  webhooksOf(userId: string): WebhookRecord[];
  deleteWebhook(userId: string, id: string): boolean;
  /** Keeps at most `perUser` inbox notifications per user, none older than `maxAgeMs`. */
  prune(perUser: number, maxAgeMs: number, now?: number): number;
  /** Leases up to `limit` due deliveries for `leaseMs`. */
  claimDue(limit: number, leaseMs: number, now?: number): DeliveryRecord[];
  claimNow(id: string, leaseMs: number, now?: number): DeliveryRecord | undefined;
  finish(id: string, outcome: DeliveryOutcome, now?: number): void;
  delivery(id: string): DeliveryRecord | undefined;
  deliveries(options: { userId?: string; limit: number; cursor?: string }): {
    deliveries: DeliveryRecord[];
    nextCursor?: string;
  };
  deadLetters(): DeliveryRecord[];
  requeueDeadLetters(ids: readonly string[], now?: number): string[];
  close(): void;
}

export type { DeliveryStatus };
