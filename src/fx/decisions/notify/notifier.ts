/** What the orchestrator hands the notifier: one recommendation for one user. */
export interface NotificationRequest {
  /** ULID of the recommendation; notifying the same id again is a no-op. */
  id: string;
  userId: string;
  /** A recommendation, or the question asked before the first one (consent). */
  kind: 'recomendacion' | 'consentimiento';
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** The notifier port (SNS's role in the original design). */
export interface Notifier {
  /** Resolves once durably queued on each enabled channel of the user (idempotent by id). */
  notify(n: NotificationRequest): Promise<void>;
  /**
   * A burst at once (one durable write for all), where the notifier can: resolves once every
   * request is queued (idempotent by id, as `notify`); rejects when none was.
   */
  notifyMany?(requests: readonly NotificationRequest[]): Promise<void>;
}

/** Quiet hours of a user: local wall-clock `HH:MM`–`HH:MM` in an IANA zone; may cross midnight. */
export interface QuietHours {
  start: string;
  end: string;
  timezone: string;
}

/** Synchronous, in-memory view of preferences for the orchestrator's hot path. */
export interface PreferenceLookup {
  /**
   * `undefined`: the user has not set quiet hours (never set preferences, or set others): the
   * policy's default window applies; `null`: the user chose none.
   */
  quietHours(userId: string): QuietHours | null | undefined;
  /**
   * Whether the user wants recommendations: `undefined` = never asked (consent pending),
   * `'on'`, `'off'`. Absent: every user counts as `'on'`.
   */
  recommendations?(userId: string): 'on' | 'off' | undefined;
  /** Whether the user wants suggestions of their scheduled trades. Absent: no. */
  scheduledReminders?(userId: string): boolean;
  /** The language of the user's texts. Absent: `es`. */
  language?(userId: string): 'es' | 'en';
}

/** The delivery channels a user can switch on and off. */
export const CHANNELS = ['inApp', 'webPush', 'webhook', 'mobilePush'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Life of one delivery: `queued` (waiting, also between retries), `sent`, `failed` (will not be
 * retried: e.g. the push subscription is gone) or `dead` (a dead letter after the last attempt).
 */
export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'dead';
