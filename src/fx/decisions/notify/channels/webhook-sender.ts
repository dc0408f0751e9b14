import type {
  Awaitable,
  DeliveryRecord,
  StoredNotification,
  WebhookRecord,
} from '../notification-store.js';
import { retryableStatus, type ChannelSender, type SendOutcome } from './channel-sender.js';
import { guardedPost } from './guarded-http.js';
import type { SsrfGuard } from './ssrf-guard.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookSenderOptions {
  webhooks: { webhook(id: string): Awaitable<WebhookRecord | undefined> };
  guard: SsrfGuard;
  topic: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The JSON body POSTed to a webhook. `deliveryId` equals the `X-Corriente-Delivery` header and
 * stays the same across retries: receivers deduplicate on it.
 */
export function webhookBody(topic: string, d: DeliveryRecord, n: StoredNotification): string {
  return JSON.stringify({
    deliveryId: d.id,
    topic,
    notification: {
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      data: n.data,
      createdAt: n.createdAt,
    },
  });
}

/** Signed webhook deliveries (see `verifyWebhookSignature` for the receiving side). */
export class WebhookSender implements ChannelSender {
  constructor(private readonly o: WebhookSenderOptions) {}

  async send(d: DeliveryRecord, n: StoredNotification): Promise<SendOutcome> {
    const hook = await this.o.webhooks.webhook(d.targetId);
    if (!hook || hook.userId !== d.userId) {
      return { ok: false, retry: false, error: 'the webhook was deleted' };
    }
    const body = webhookBody(this.o.topic, d, n);
    const t = Math.floor((this.o.now ?? Date.now)() / 1000);
    try {
      const res = await guardedPost({
        guard: this.o.guard,
        url: hook.url,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'corriente-webhooks/1',
          [DELIVERY_HEADER]: d.id,
          [SIGNATURE_HEADER]: signWebhook(hook.secret, body, t),
        },
        body,
        timeoutMs: this.o.timeoutMs,
        maxResponseBytes: this.o.maxResponseBytes,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true };
      // Any other answer (a redirect included: they are not followed) is retried: the receiver
      // may be redeploying; after the last attempt the delivery becomes a dead letter.
      return {
        ok: false,
        retry: res.status >= 300 ? true : retryableStatus(res.status),
        error: `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`,
      };
    } catch (err) {
      return { ok: false, retry: true, error: (err as Error).message };
    }
  }
}
