import webpush from 'web-push';
import type {
  Awaitable,
  DeliveryRecord,
  PushSubscriptionRecord,
  StoredNotification,
} from '../notification-store.js';
import { retryableStatus, type ChannelSender, type SendOutcome } from './channel-sender.js';
import { guardedPost } from './guarded-http.js';
import type { SsrfGuard } from './ssrf-guard.js';
import type { VapidKeys } from './vapid-keys.js';

export interface WebPushSenderOptions {
  subscriptions: {
    pushSubscription(id: string): Awaitable<PushSubscriptionRecord | undefined>;
    deletePushSubscription(userId: string, id: string): Awaitable<void>;
  };
  vapid: VapidKeys;
  /** VAPID `sub`: `mailto:` or `https:`. */
  subject: string;
  ttlSeconds: number;
  guard: SsrfGuard;
  timeoutMs: number;
  maxResponseBytes: number;
}

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and an aes128gcm-encrypted payload (RFC 8291) of
 * `{title, body, data}`. The `web-push` library builds the request (JWT, encryption); it is
 * sent through the SSRF-guarded client because the endpoint URL comes from the user's browser.
 * A 404/410 from the push service means the subscription is gone: it is deleted.
 */
export class WebPushSender implements ChannelSender {
  constructor(private readonly o: WebPushSenderOptions) {}

  async send(d: DeliveryRecord, n: StoredNotification): Promise<SendOutcome> {
    const sub = await this.o.subscriptions.pushSubscription(d.targetId);
    if (!sub || sub.userId !== d.userId) {
      return { ok: false, retry: false, error: 'the push subscription was removed' };
    }
    const payload = JSON.stringify({ title: n.title, body: n.body, data: { ...n.data, id: n.id } });
    const details = webpush.generateRequestDetails(
      { endpoint: sub.endpoint, keys: sub.keys },
      payload,
      {
        vapidDetails: {
          subject: this.o.subject,
          publicKey: this.o.vapid.publicKey,
          privateKey: this.o.vapid.privateKey,
        },
        TTL: this.o.ttlSeconds,
        contentEncoding: 'aes128gcm',
      },
    );
    try {
      const res = await guardedPost({
        guard: this.o.guard,
        url: details.endpoint,
        headers: details.headers as Record<string, string | number>,
        body: details.body as Buffer,
        timeoutMs: this.o.timeoutMs,
        maxResponseBytes: this.o.maxResponseBytes,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true };
      if (res.status === 404 || res.status === 410) {
        await this.o.subscriptions.deletePushSubscription(sub.userId, sub.id);
        return {
          ok: false,
          retry: false,
          error: `HTTP ${res.status}: the subscription expired; deleted`,
        };
      }
      return {
        ok: false,
        retry: retryableStatus(res.status),
        error: `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`,
      };
    } catch (err) {
      return { ok: false, retry: true, error: (err as Error).message };
    }
  }
}
