import { randomBytes } from 'node:crypto';
import { encodeTime } from 'ulid';
import type { Logger } from '../../../../core/log/logger.js';
import { silentLogger } from '../../../../core/log/logger.js';
import {
  PgListener,
  withTransaction,
  type PgClient,
  type PgPool,
  type PgQueryable,
} from '../../../../core/state/postgres/index.js';
import type { SecretBox } from '../channels/secret-box.js';
import type { Channel, NotificationRequest } from '../notifier.js';
import { DEFAULT_PREFERENCES, type Preferences } from '../preferences.js';
import {
  LimitReachedError,
  type DeliveryOutcome,
  type DeliveryRecord,
  type MobileDeviceRecord,
  type MobilePlatform,
  type NotificationStore,
  type PushSubscriptionRecord,
  type StoredNotification,
  type WebhookRecord,
} from '../notification-store.js';

/** Channels this store announces changes on (`pg_notify`, delivered at commit). */
export const NOTIFY_CHANNELS = {
  /** Payload: JSON array of user ids with new in-app messages. */
  inbox: 'fx_notify_inbox',
  /** Payload: empty; deliveries were queued (dispatchers look now). */
  deliveries: 'fx_notify_deliveries',
  /** Payload: the user id whose preferences changed. */
  preferences: 'fx_notify_prefs',
} as const;

/** Enqueues take turns on this advisory lock, so inbox `seq`s become visible in order. */
const ENQUEUE_LOCK = 0x66786e71; // "fxnq"
/** A pg_notify payload must stay under 8000 bytes: user ids are announced in chunks. */
const NOTIFY_CHUNK = 100;

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

interface DeliveryRow {
  id: string;
  notification_id: string;
  user_id: string;
  channel: Channel;
  target_id: string;
  status: DeliveryRecord['status'];
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

interface NotificationRow {
  seq: string;
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  data: string;
  created_at: string;
}

function delivery(r: DeliveryRow): DeliveryRecord {
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

function notification(r: NotificationRow): StoredNotification {
  return {
    seq: Number(r.seq),
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    data: JSON.parse(r.data) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}

/** Preferences as stored, with channels added since taking their default. */
function readPreferences(json: string): Preferences {
  const p = JSON.parse(json) as Preferences;
  return {
    ...p,
    channels: { ...DEFAULT_PREFERENCES.channels, ...p.channels },
    recommendations: p.recommendations ?? null,
    scheduledReminders: p.scheduledReminders ?? false,
  };
}

const NOTIFICATION_COLUMNS = 'seq, id, user_id, kind, title, body, data, created_at';

export interface PostgresNotificationStoreOptions {
  /** A pool on a database migrated with `FX_NOTIFY_MIGRATIONS`. */
  pool: PgPool;
  /** Seals webhook secrets at rest (the key every instance shares). */
  secrets?: SecretBox;
  /**
   * Listen for changes made by other processes (one connection of the pool): keeps the
   * preference cache current and calls `onInApp` / `onQueued`. @default true
   */
  listen?: boolean;
  /** Users with new in-app messages, committed by any process (wake their SSE streams). */
  onInApp?: (userIds: readonly string[]) => void;
  /** Deliveries were queued by some process (wake the dispatcher). */
  onQueued?: () => void;
  /**
   * After (re)connecting the listener: notifications may have been missed; SSE streams should
   * re-read the inbox.
   */
  onResync?: () => void;
  /** Reload the preference cache this often as well. @default 10000 */
  refreshMs?: number;
  logger?: Logger;
}

/**
 * The notification store in PostgreSQL, shared by API instances, dispatchers and the
 * orchestrator: inbox, delivery queue and log, preferences, push subscriptions, webhooks (secrets
 * sealed with the shared key) and mobile devices.
 *
 * - Dispatchers in many processes claim due deliveries with `FOR UPDATE SKIP LOCKED` and a lease
 *   (`lease_until`): one worker holds a delivery at a time; a worker killed mid-send leaves a
 *   lease that expires, and the delivery is attempted again by another (at-least-once; receivers
 *   deduplicate on the delivery id).
 * - Enqueues take turns on an advisory lock, so the inbox `seq` (the SSE event id) becomes
 *   visible in increasing order and a stream reading "after my last id" never skips one.
 * - Each commit announces what changed (`pg_notify`, see {@link NOTIFY_CHANNELS}); SSE hubs and
 *   dispatchers of every process listen, and the orchestrator's synchronous preference view is
 *   a cache refreshed by those announcements and every `refreshMs`.
 *
 * @example const store = await PostgresNotificationStore.open({ pool, secrets }); … await store.close();
 */
export class PostgresNotificationStore implements NotificationStore {
  private readonly pool: PgPool;
  private readonly secrets: SecretBox | undefined;
  private readonly prefs = new Map<string, Preferences>();
  private readonly logger: Logger;
  private listener: PgListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly tag = randomBytes(4).toString('hex');
  private idTime = -1;
  private idPrefix = '';
  private idCounter = 0;

  private constructor(private readonly o: PostgresNotificationStoreOptions) {
    this.pool = o.pool;
    this.secrets = o.secrets;
    this.logger = o.logger ?? silentLogger;
  }

  /** Loads the preference cache and starts listening (unless `listen: false`). */
  static async open(o: PostgresNotificationStoreOptions): Promise<PostgresNotificationStore> {
    const store = new PostgresNotificationStore(o);
    await store.reloadPreferences();
    if (o.listen ?? true) {
      store.listener = await PgListener.open({
        pool: o.pool,
        channels: Object.values(NOTIFY_CHANNELS),
        logger: store.logger,
        onNotify: (channel, payload) => store.heard(channel, payload),
        onConnect: () => {
          void store.reloadPreferences().catch(() => undefined);
          o.onResync?.();
        },
      });
      store.timer = setInterval(() => {
        store.reloadPreferences().catch((err: unknown) => {
          store.logger.warn({ err }, 'notification store: cannot reload preferences');
        });
      }, o.refreshMs ?? 10_000).unref();
    }
    return store;
  }

  private heard(channel: string, payload: string): void {
    if (channel === NOTIFY_CHANNELS.inbox) {
      let users: unknown;
      try {
        users = JSON.parse(payload);
      } catch {
        return;
      }
      if (Array.isArray(users)) this.o.onInApp?.(users.filter((u) => typeof u === 'string'));
    } else if (channel === NOTIFY_CHANNELS.deliveries) this.o.onQueued?.();
    else if (channel === NOTIFY_CHANNELS.preferences && payload) {
      void this.reloadPreferences(payload).catch(() => undefined);
    }
  }

  /** Re-reads the preferences of one user, or all. */
  private async reloadPreferences(userId?: string): Promise<void> {
    const r =
      userId === undefined
        ? await this.pool.query<{ user_id: string; json: string }>(
            'SELECT user_id, json FROM fx_notify_preferences',
          )
        : await this.pool.query<{ user_id: string; json: string }>(
            'SELECT user_id, json FROM fx_notify_preferences WHERE user_id = $1',
            [userId],
          );
    for (const row of r.rows) this.prefs.set(row.user_id, readPreferences(row.json));
  }

  /** A time-ordered unique id: ULID time part, a per-process tag and a counter. */
  private newId(now: number): string {
    if (now !== this.idTime) {
      this.idTime = now;
      this.idPrefix = encodeTime(now, 10) + this.tag;
    }
    return this.idPrefix + (this.idCounter++).toString(36).padStart(8, '0');
  }

  async preferences(userId: string): Promise<Preferences | undefined> {
    const r = await this.pool.query<{ json: string }>(
      'SELECT json FROM fx_notify_preferences WHERE user_id = $1',
      [userId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const p = readPreferences(row.json);
    this.prefs.set(userId, p);
    return p;
  }

  cachedPreferences(userId: string): Preferences | undefined {
    return this.prefs.get(userId);
  }

  async setPreferences(userId: string, prefs: Preferences, now = Date.now()): Promise<void> {
    await this.pool.query(
      `WITH p AS (
         INSERT INTO fx_notify_preferences (user_id, json, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
       )
       SELECT pg_notify($4, $1)`,
      [userId, JSON.stringify(prefs), now, NOTIFY_CHANNELS.preferences],
    );
    this.prefs.set(userId, prefs);
  }

  /**
   * Stores a batch of notifications and their deliveries in one transaction, on each channel
   * the user has enabled (read in the same transaction); announces the in-app users and the
   * queued deliveries at commit. A notification id seen before is skipped.
   */
  async enqueue(
    batch: readonly NotificationRequest[],
    defaults: Preferences,
    now = Date.now(),
  ): Promise<Set<string>> {
    const inAppUsers = new Set<string>();
    if (batch.length === 0) return inAppUsers;
    await withTransaction(this.pool, async (c) => {
      inAppUsers.clear();
      await c.query('SELECT pg_advisory_xact_lock($1)', [ENQUEUE_LOCK]);
      const users = [...new Set(batch.map((n) => n.userId))];
      const prefs = await c.query<{ user_id: string; json: string }>(
        'SELECT user_id, json FROM fx_notify_preferences WHERE user_id = ANY($1)',
        [users],
      );
      const push = await targets(c, 'fx_push_subscriptions', users);
      const hooks = await targets(c, 'fx_webhooks', users);
      const devices = await targets(c, 'fx_mobile_devices', users);
      const channelsOf = new Map(
        prefs.rows.map((r) => [r.user_id, readPreferences(r.json).channels]),
      );
      const channels = (u: string) => channelsOf.get(u) ?? defaults.channels;
      const inserted = await c.query<{ id: string }>(
        `INSERT INTO fx_notifications (id, user_id, kind, title, body, data, created_at, queued_at, in_app)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::text[], $8::bigint[], $9::boolean[])
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          batch.map((n) => n.id),
          batch.map((n) => n.userId),
          batch.map((n) => n.kind),
          batch.map((n) => n.title),
          batch.map((n) => n.body),
          batch.map((n) => JSON.stringify(n.data)),
          batch.map((n) => n.createdAt),
          batch.map(() => now),
          batch.map((n) => channels(n.userId).inApp),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => r.id));
      const rows: { n: NotificationRequest; channel: Channel; target: string; sent: boolean }[] =
        [];
      for (const n of batch) {
        if (!fresh.delete(n.id)) continue;
        const ch = channels(n.userId);
        if (ch.inApp) {
          rows.push({ n, channel: 'inApp', target: 'inbox', sent: true });
          inAppUsers.add(n.userId);
        }
        if (ch.webPush) {
          for (const t of push.get(n.userId) ?? [])
            rows.push({ n, channel: 'webPush', target: t, sent: false });
        }
        if (ch.webhook) {
          for (const t of hooks.get(n.userId) ?? [])
            rows.push({ n, channel: 'webhook', target: t, sent: false });
        }
        if (ch.mobilePush) {
          for (const t of devices.get(n.userId) ?? []) {
            rows.push({ n, channel: 'mobilePush', target: t, sent: false });
          }
        }
      }
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO fx_deliveries (id, notification_id, user_id, channel, target_id, status,
             attempts, next_attempt_at, created_at, updated_at, sent_at)
           SELECT d.id, d.nid, d.uid, d.channel, d.target, d.status, 0, $7, $7, $7,
                  CASE WHEN d.status = 'sent' THEN $7::bigint END
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS d (id, nid, uid, channel, target, status)
           ON CONFLICT DO NOTHING`,
          [
            rows.map(() => this.newId(now)),
            rows.map((r) => r.n.id),
            rows.map((r) => r.n.userId),
            rows.map((r) => r.channel),
            rows.map((r) => r.target),
            rows.map((r) => (r.sent ? 'sent' : 'queued')),
            now,
          ],
        );
      }
      const inApp = [...inAppUsers];
      for (let i = 0; i < inApp.length; i += NOTIFY_CHUNK) {
        await c.query('SELECT pg_notify($1, $2)', [
          NOTIFY_CHANNELS.inbox,
          JSON.stringify(inApp.slice(i, i + NOTIFY_CHUNK)),
        ]);
      }
      if (rows.some((r) => !r.sent)) {
        await c.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNELS.deliveries, '']);
      }
    });
    return inAppUsers;
  }

  async notifications(
    userId: string,
    limit: number,
    beforeSeq = Number.MAX_SAFE_INTEGER,
  ): Promise<StoredNotification[]> {
    const r = await this.pool.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM fx_notifications
       WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [userId, beforeSeq, limit],
    );
    return r.rows.map(notification);
  }

  async inAppAfter(userId: string, afterSeq: number, limit: number): Promise<StoredNotification[]> {
    const r = await this.pool.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM fx_notifications
       WHERE user_id = $1 AND seq > $2 AND in_app ORDER BY seq LIMIT $3`,
      [userId, afterSeq, limit],
    );
    return r.rows.map(notification);
  }

  async latestSeq(userId: string): Promise<number> {
    const r = await this.pool.query<{ seq: string | null }>(
      'SELECT max(seq) AS seq FROM fx_notifications WHERE user_id = $1',
      [userId],
    );
    return Number(r.rows[0]?.seq ?? 0);
  }

  async notification(id: string): Promise<StoredNotification | undefined> {
    const r = await this.pool.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM fx_notifications WHERE id = $1`,
      [id],
    );
    return r.rows[0] ? notification(r.rows[0]) : undefined;
  }

  /**
   * Adds (or refreshes, same endpoint) a browser push subscription.
   * @throws LimitReachedError when the user already has `max`
   */
  async addPushSubscription(
    userId: string,
    sub: { endpoint: string; keys: { p256dh: string; auth: string } },
    max: number,
    now = Date.now(),
  ): Promise<PushSubscriptionRecord> {
    return withTransaction(this.pool, async (c) => {
      await lockUser(c, userId);
      const existing = await c.query(
        'SELECT 1 FROM fx_push_subscriptions WHERE user_id = $1 AND endpoint = $2',
        [userId, sub.endpoint],
      );
      if (existing.rowCount === 0 && (await count(c, 'fx_push_subscriptions', userId)) >= max) {
        throw new LimitReachedError(`at most ${max} push subscriptions per user`);
      }
      const r = await c.query<{ id: string; created_at: string }>(
        `INSERT INTO fx_push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
         RETURNING id, created_at`,
        [`ps_${this.newId(now)}`, userId, sub.endpoint, sub.keys.p256dh, sub.keys.auth, now],
      );
      const row = r.rows[0]!;
      return {
        id: row.id,
        userId,
        endpoint: sub.endpoint,
        keys: sub.keys,
        createdAt: iso(row.created_at),
      };
    });
  }

  async pushSubscription(id: string): Promise<PushSubscriptionRecord | undefined> {
    const r = await this.pool.query<{
      id: string;
      user_id: string;
      endpoint: string;
      p256dh: string;
      auth: string;
      created_at: string;
    }>('SELECT * FROM fx_push_subscriptions WHERE id = $1', [id]);
    const row = r.rows[0];
    return row
      ? {
          id: row.id,
          userId: row.user_id,
          endpoint: row.endpoint,
          keys: { p256dh: row.p256dh, auth: row.auth },
          createdAt: iso(row.created_at),
        }
      : undefined;
  }

  async deletePushSubscriptionByEndpoint(userId: string, endpoint: string): Promise<boolean> {
    const r = await this.pool.query(
      'DELETE FROM fx_push_subscriptions WHERE user_id = $1 AND endpoint = $2',
      [userId, endpoint],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async deletePushSubscription(userId: string, id: string): Promise<void> {
    await this.pool.query('DELETE FROM fx_push_subscriptions WHERE id = $1 AND user_id = $2', [
      id,
      userId,
    ]);
  }

  /**
   * Registers (or refreshes, same token) a mobile device of `userId` for push.
   * @throws LimitReachedError when the user already has `max` devices
   */
  async addMobileDevice(
    userId: string,
    device: { platform: MobilePlatform; token: string },
    max: number,
    now = Date.now(),
  ): Promise<MobileDeviceRecord> {
    return withTransaction(this.pool, async (c) => {
      await lockUser(c, userId);
      const existing = await c.query(
        'SELECT 1 FROM fx_mobile_devices WHERE user_id = $1 AND token = $2',
        [userId, device.token],
      );
      if (existing.rowCount === 0 && (await count(c, 'fx_mobile_devices', userId)) >= max) {
        throw new LimitReachedError(`at most ${max} mobile devices per user`);
      }
      const r = await c.query<DeviceRow>(
        `INSERT INTO fx_mobile_devices (id, user_id, platform, token, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, token) DO UPDATE SET platform = excluded.platform
         RETURNING *`,
        [`md_${this.newId(now)}`, userId, device.platform, device.token, now],
      );
      return deviceRecord(r.rows[0]!);
    });
  }

  async mobileDevice(id: string): Promise<MobileDeviceRecord | undefined> {
    const r = await this.pool.query<DeviceRow>('SELECT * FROM fx_mobile_devices WHERE id = $1', [
      id,
    ]);
    return r.rows[0] ? deviceRecord(r.rows[0]) : undefined;
  }

  async mobileDevicesOf(userId: string): Promise<MobileDeviceRecord[]> {
    const r = await this.pool.query<DeviceRow>(
      'SELECT * FROM fx_mobile_devices WHERE user_id = $1 ORDER BY id',
      [userId],
    );
    return r.rows.map(deviceRecord);
  }

  async deleteMobileDevice(userId: string, id: string): Promise<boolean> {
    const r = await this.pool.query(
      'DELETE FROM fx_mobile_devices WHERE id = $1 AND user_id = $2',
      [id, userId],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** The push service issued a new token (kept unless the user has that token already). */
  async replaceMobileToken(id: string, token: string): Promise<void> {
    await this.pool.query(
      `UPDATE fx_mobile_devices d SET token = $1 WHERE id = $2
       AND NOT EXISTS (SELECT 1 FROM fx_mobile_devices o WHERE o.user_id = d.user_id AND o.token = $1)`,
      [token, id],
    );
  }

  /**
   * @throws Error when the store was opened without `secrets` (they are never stored in clear)
   * @throws LimitReachedError when the user already has `max` webhooks
   */
  async addWebhook(
    userId: string,
    url: string,
    secret: string,
    max: number,
    now = Date.now(),
  ): Promise<WebhookRecord> {
    const box = this.secrets;
    if (!box)
      throw new Error('webhook secrets are sealed at rest: open the store with a SecretBox');
    const id = `wh_${this.newId(now)}`;
    await withTransaction(this.pool, async (c) => {
      await lockUser(c, userId);
      if ((await count(c, 'fx_webhooks', userId)) >= max) {
        throw new LimitReachedError(`at most ${max} webhooks per user`);
      }
      await c.query(
        'INSERT INTO fx_webhooks (id, user_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)',
        [id, userId, url, box.seal(secret), now],
      );
    });
    return { id, userId, url, secret, createdAt: iso(now) };
  }

  async webhook(id: string): Promise<WebhookRecord | undefined> {
    const r = await this.pool.query<HookRow>('SELECT * FROM fx_webhooks WHERE id = $1', [id]);
    return r.rows[0] ? this.hook(r.rows[0]) : undefined;
  }

  async webhooksOf(userId: string): Promise<WebhookRecord[]> {
    const r = await this.pool.query<HookRow>(
      'SELECT * FROM fx_webhooks WHERE user_id = $1 ORDER BY id',
      [userId],
    );
    return r.rows.map((row) => this.hook(row));
  }

  private hook(r: HookRow): WebhookRecord {
    if (!this.secrets) {
      throw new Error('webhook secrets are sealed at rest: open the store with a SecretBox');
    }
    return {
      id: r.id,
      userId: r.user_id,
      url: r.url,
      secret: this.secrets.open(r.secret),
      createdAt: iso(r.created_at),
    };
  }

  async deleteWebhook(userId: string, id: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM fx_webhooks WHERE id = $1 AND user_id = $2', [
      id,
      userId,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Bounded retention: keeps the newest `perUser` notifications per user and none older than
   * `maxAgeMs`, except those a queued or dead delivery still needs; prunes finished deliveries
   * of the same age. Returns the number of notifications removed.
   */
  async prune(perUser: number, maxAgeMs: number, now = Date.now()): Promise<number> {
    const cutoff = now - maxAgeMs;
    return withTransaction(this.pool, async (c) => {
      const removed = await c.query(
        `DELETE FROM fx_notifications WHERE seq IN (
           SELECT n.seq FROM (
             SELECT seq, id, queued_at,
                    row_number() OVER (PARTITION BY user_id ORDER BY seq DESC) AS rn
             FROM fx_notifications) n
           WHERE (n.rn > $1 OR n.queued_at < $2)
             AND NOT EXISTS (SELECT 1 FROM fx_deliveries d WHERE d.notification_id = n.id
                             AND d.status IN ('queued', 'dead')))`,
        [perUser, cutoff],
      );
      await c.query(
        `DELETE FROM fx_deliveries WHERE status IN ('sent', 'failed') AND created_at < $1`,
        [cutoff],
      );
      return removed.rowCount ?? 0;
    });
  }

  /**
   * Leases up to `limit` due deliveries: rows another worker is claiming right now are skipped
   * (`SKIP LOCKED`), rows another holds a live lease on are not due.
   */
  async claimDue(limit: number, leaseMs: number, now = Date.now()): Promise<DeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `UPDATE fx_deliveries SET lease_until = $2, attempts = attempts + 1, updated_at = $1
       WHERE id IN (SELECT id FROM fx_deliveries
                    WHERE status = 'queued' AND next_attempt_at <= $1 AND lease_until <= $1
                    ORDER BY next_attempt_at LIMIT $3
                    FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, now + leaseMs, limit],
    );
    return r.rows.map(delivery);
  }

  async claimNow(
    id: string,
    leaseMs: number,
    now = Date.now(),
  ): Promise<DeliveryRecord | undefined> {
    const r = await this.pool.query<DeliveryRow>(
      `UPDATE fx_deliveries SET lease_until = $3, attempts = attempts + 1, updated_at = $2
       WHERE id = $1 AND status = 'queued' AND lease_until <= $2 RETURNING *`,
      [id, now, now + leaseMs],
    );
    return r.rows[0] ? delivery(r.rows[0]) : undefined;
  }

  async finish(id: string, outcome: DeliveryOutcome, now = Date.now()): Promise<void> {
    await this.pool.query(
      `UPDATE fx_deliveries SET status = $2, last_error = $3, next_attempt_at = $4,
         lease_until = 0, updated_at = $5, sent_at = $6
       WHERE id = $1 AND status = 'queued'`,
      [
        id,
        outcome.status,
        outcome.status === 'sent' ? null : outcome.error,
        outcome.status === 'queued' ? outcome.retryAt : 0,
        now,
        outcome.status === 'sent' ? now : null,
      ],
    );
  }

  async delivery(id: string): Promise<DeliveryRecord | undefined> {
    const r = await this.pool.query<DeliveryRow>('SELECT * FROM fx_deliveries WHERE id = $1', [id]);
    return r.rows[0] ? delivery(r.rows[0]) : undefined;
  }

  /** The delivery log, newest first; `userId` restricts it to one user. */
  async deliveries(options: {
    userId?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ deliveries: DeliveryRecord[]; nextCursor?: string }> {
    const cursor = options.cursor ?? '\u{10FFFF}';
    const r = options.userId
      ? await this.pool.query<DeliveryRow>(
          'SELECT * FROM fx_deliveries WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
          [options.userId, cursor, options.limit + 1],
        )
      : await this.pool.query<DeliveryRow>(
          'SELECT * FROM fx_deliveries WHERE id < $1 ORDER BY id DESC LIMIT $2',
          [cursor, options.limit + 1],
        );
    const deliveries = r.rows.slice(0, options.limit).map(delivery);
    return r.rows.length > options.limit
      ? { deliveries, nextCursor: deliveries[deliveries.length - 1]!.id }
      : { deliveries };
  }

  async deadLetters(): Promise<DeliveryRecord[]> {
    const r = await this.pool.query<DeliveryRow>(
      `SELECT * FROM fx_deliveries WHERE status = 'dead' ORDER BY id`,
    );
    return r.rows.map(delivery);
  }

  async requeueDeadLetters(ids: readonly string[], now = Date.now()): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(
      `UPDATE fx_deliveries SET status = 'queued', attempts = 0, next_attempt_at = $2,
         lease_until = 0, updated_at = $2
       WHERE id = ANY($1) AND status = 'dead' RETURNING id`,
      [ids, now],
    );
    if ((r.rowCount ?? 0) > 0) {
      await this.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNELS.deliveries, '']);
    }
    const done = new Set(r.rows.map((row) => row.id));
    return ids.filter((id) => done.has(id));
  }

  /** Stops listening; the pool stays open (its owner closes it). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.listener?.close();
    this.listener = undefined;
  }
}

interface DeviceRow {
  id: string;
  user_id: string;
  platform: MobilePlatform;
  token: string;
  created_at: string;
}

interface HookRow {
  id: string;
  user_id: string;
  url: string;
  secret: string;
  created_at: string;
}

function deviceRecord(r: DeviceRow): MobileDeviceRecord {
  return {
    id: r.id,
    userId: r.user_id,
    platform: r.platform,
    token: r.token,
    createdAt: iso(r.created_at),
  };
}

type TargetTable = 'fx_push_subscriptions' | 'fx_webhooks' | 'fx_mobile_devices';

/** The target ids of each user in one table, oldest first. */
async function targets(
  c: PgQueryable,
  table: TargetTable,
  users: readonly string[],
): Promise<Map<string, string[]>> {
  const r = await c.query<{ id: string; user_id: string }>(
    `SELECT id, user_id FROM ${table} WHERE user_id = ANY($1) ORDER BY id`,
    [users],
  );
  const out = new Map<string, string[]>();
  for (const row of r.rows) {
    const list = out.get(row.user_id);
    if (list) list.push(row.id);
    else out.set(row.user_id, [row.id]);
  }
  return out;
}

async function count(c: PgClient, table: TargetTable, userId: string): Promise<number> {
  const r = await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`,
    [userId],
  );
  return r.rows[0]!.n;
}

/** Serializes changes to one user's channel targets (the per-user limits hold across instances). */
async function lockUser(c: PgClient, userId: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('fx-notify-targets:' || $1))`, [userId]);
}
