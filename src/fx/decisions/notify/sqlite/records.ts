import type { Channel, DeliveryStatus } from '../notifier.js';

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

/** A `deliveries` row. */
export interface DeliveryRow {
  id: string;
  notification_id: string;
  user_id: string;
  channel: Channel;
  target_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** A `notifications` row. */
export interface NotificationRow {
  seq: number;
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  data: string;
  created_at: string;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function deliveryFromRow(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    notificationId: r.notification_id,
    userId: r.user_id,
    channel: r.channel,
    targetId: r.target_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'queued' ? iso(r.next_attempt_at) : null,
    lastError: r.last_error,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    sentAt: r.sent_at === null ? null : iso(r.sent_at),
  };
}

export function notificationFromRow(r: NotificationRow): StoredNotification {
  return {
    seq: r.seq,
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}
