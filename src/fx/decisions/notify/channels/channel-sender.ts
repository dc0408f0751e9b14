import type { DeliveryRecord, StoredNotification } from '../notification-store.js';

/** The outcome of one delivery attempt. */
export type SendOutcome =
  | { ok: true }
  /** `retry: false`: retrying cannot help (subscription gone, target deleted). */
  | { ok: false; retry: boolean; error: string };

/** Delivers one notification to one target of a channel (Web Push, webhook, mobile push). */
export interface ChannelSender {
  send(delivery: DeliveryRecord, notification: StoredNotification): Promise<SendOutcome>;
}

/** Whether an HTTP status of a receiver is worth retrying (rate limits, server errors, timeouts). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}
