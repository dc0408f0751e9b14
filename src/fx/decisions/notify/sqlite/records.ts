import type { Channel, DeliveryStatus } from '../notifier.js';
import type { DeliveryRecord, StoredNotification } from '../notification-store.js';

export type {
  DeliveryRecord,
  MobileDeviceRecord,
  MobilePlatform,
  PushSubscriptionRecord,
  StoredNotification,
  WebhookRecord,
} from '../notification-store.js';
export { MOBILE_PLATFORMS } from '../notification-store.js';

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
