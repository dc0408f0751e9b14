import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { encodeTime } from 'ulid';
import type { Channel, NotificationRequest } from '../notifier.js';
import { DEFAULT_PREFERENCES, type Preferences } from '../preferences.js';
import {
  iso,
  notificationFromRow,
  type DeliveryRecord,
  type MobileDeviceRecord,
  type MobilePlatform,
  type NotificationRow,
  type PushSubscriptionRecord,
  type StoredNotification,
  type WebhookRecord,
} from './records.js';
import { createNotificationSchema } from './schema.js';
import { SqliteDeliveryLog } from './delivery-log.js';
import { MobileDeviceTable } from './mobile-devices.js';
import { SecretBox } from '../channels/secret-box.js';
import { LimitReachedError, type NotificationStore } from '../notification-store.js';

export type {
  DeliveryRecord,
  MobileDeviceRecord,
  PushSubscriptionRecord,
  StoredNotification,
  WebhookRecord,
};

/** Tells apart ids made by two processes in the same millisecond. */
const PROCESS_TAG = randomBytes(4).toString('hex');

interface PushRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
}

interface WebhookRow {
  id: string;
  user_id: string;
  url: string;
  secret: string;
  created_at: number;
}

function openDatabase(file: string): BetterSqlite3.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  // NORMAL survives a killed process (the WAL is in the OS cache); not a power cut.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  createNotificationSchema(db);
  return db;
}

export { LimitReachedError };

/**
 * The notifications database (`<home>/fx/notifications.db`): preferences, browser push
 * subscriptions, webhooks, the per-user inbox and the durable delivery queue/log.
 *
 * Preferences and the channel targets of every user are also held in memory, so enqueueing a
 * burst of thousands of notifications is one transaction of inserts with no lookups. Only one
 * process should write targets and preferences (the server); other processes (the CLI) may
 * read, and may requeue and deliver dead letters (claims are leased rows, so two workers never
 * attempt the same delivery at once).
 */
export class SqliteNotificationStore extends SqliteDeliveryLog implements NotificationStore {
  private readonly prefs = new Map<string, Preferences>();
  private readonly pushTargets = new Map<string, string[]>();
  private readonly hookTargets = new Map<string, string[]>();
  /** Mobile devices registered for push (End User Messaging). */
  private readonly devices: MobileDeviceTable;
  private idTime = -1;
  private idPrefix = '';
  private idCounter = 0;
  private readonly s;

  private readonly secrets: SecretBox | undefined;

  /**
   * @param file path, or `:memory:`
   * @param options.secrets seals webhook secrets at rest; needed to add webhooks and to read
   *   sealed secrets. Given one, secrets stored in plaintext by an earlier version are sealed now.
   */
  constructor(options: { path: string; secrets?: SecretBox }) {
    super(openDatabase(options.path));
    this.secrets = options.secrets;
    const db = this.db;
    this.s = {
      putPrefs: db.prepare<[string, string, number]>(
        `INSERT INTO preferences (user_id, json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
      ),
      insertNotification: db.prepare(
        `INSERT OR IGNORE INTO notifications (id, user_id, kind, title, body, data, created_at, queued_at, in_app)
         VALUES (@id, @userId, @kind, @title, @body, @data, @createdAt, @now, @inApp)`,
      ),
      insertDelivery: db.prepare(
        `INSERT OR IGNORE INTO deliveries (id, notification_id, user_id, channel, target_id, status,
           attempts, next_attempt_at, created_at, updated_at, sent_at)
         VALUES (@id, @notificationId, @userId, @channel, @targetId, @status, 0, @now, @now, @now, @sentAt)`,
      ),
      page: db.prepare<[string, number, number], NotificationRow>(
        `SELECT seq, id, user_id, kind, title, body, data, created_at FROM notifications
         WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      after: db.prepare<[string, number, number], NotificationRow>(
        `SELECT seq, id, user_id, kind, title, body, data, created_at FROM notifications
         WHERE user_id = ? AND seq > ? AND in_app = 1 ORDER BY seq LIMIT ?`,
      ),
      latestSeq: db
        .prepare<[string], number | null>('SELECT max(seq) FROM notifications WHERE user_id = ?')
        .pluck(),
      byId: db.prepare<[string], NotificationRow>(
        'SELECT seq, id, user_id, kind, title, body, data, created_at FROM notifications WHERE id = ?',
      ),
      insertPush: db.prepare(
        `INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
         VALUES (@id, @userId, @endpoint, @p256dh, @auth, @now)
         ON CONFLICT (user_id, endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
         RETURNING id, created_at`,
      ),
      pushById: db.prepare<[string], PushRow>('SELECT * FROM push_subscriptions WHERE id = ?'),
      pushByEndpoint: db
        .prepare<[string, string], string>(
          'SELECT id FROM push_subscriptions WHERE user_id = ? AND endpoint = ?',
        )
        .pluck(),
      deletePush: db.prepare<[string]>('DELETE FROM push_subscriptions WHERE id = ?'),
      insertHook: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO webhooks (id, user_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      hookById: db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE id = ?'),
      hooksOf: db.prepare<[string], WebhookRow>(
        'SELECT * FROM webhooks WHERE user_id = ? ORDER BY id',
      ),
      deleteHook: db.prepare<[string, string]>('DELETE FROM webhooks WHERE id = ? AND user_id = ?'),
    };
    for (const r of db
      .prepare<[], { user_id: string; json: string }>('SELECT user_id, json FROM preferences')
      .iterate()) {
      const p = JSON.parse(r.json) as Preferences;
      // Channels added since the preferences were stored take their default.
      // A `null` quiet hours stored before 'none' existed reads as not set: the default window.
      this.prefs.set(r.user_id, {
        ...p,
        channels: { ...DEFAULT_PREFERENCES.channels, ...p.channels },
        recommendations: p.recommendations ?? null,
        scheduledReminders: p.scheduledReminders ?? false,
      });
    }
    for (const r of db
      .prepare<[], { id: string; user_id: string }>('SELECT id, user_id FROM push_subscriptions')
      .iterate()) {
      push(this.pushTargets, r.user_id, r.id);
    }
    for (const r of db
      .prepare<[], { id: string; user_id: string }>('SELECT id, user_id FROM webhooks ORDER BY id')
      .iterate()) {
      push(this.hookTargets, r.user_id, r.id);
    }
    this.devices = new MobileDeviceTable(db);
    if (this.secrets) this.sealPlaintextSecrets(this.secrets);
  }

  /**
   * A time-ordered unique id: the ULID time part, a per-process tag and a counter. Cheaper than
   * a full ULID (whose random part costs microseconds per id), which matters for bursts.
   */
  private newId(now: number): string {
    if (now !== this.idTime) {
      this.idTime = now;
      this.idPrefix = encodeTime(now, 10) + PROCESS_TAG;
    }
    return this.idPrefix + (this.idCounter++).toString(36).padStart(8, '0');
  }

  /** The stored preferences of a user (from memory), or `undefined` when never set. */
  preferences(userId: string): Preferences | undefined {
    return this.prefs.get(userId);
  }

  /** The same as {@link preferences}: this store's memory is exact. */
  cachedPreferences(userId: string): Preferences | undefined {
    return this.prefs.get(userId);
  }

  setPreferences(userId: string, prefs: Preferences, now = Date.now()): void {
    this.s.putPrefs.run(userId, JSON.stringify(prefs), now);
    this.prefs.set(userId, prefs);
  }

  /**
   * Stores a batch of notifications and their deliveries in one transaction, on each channel
   * the user has enabled (in-app is delivered by storing; Web Push and webhooks are queued).
   * A notification id seen before is skipped. Returns the users with a new in-app message.
   */
  enqueue(
    batch: readonly NotificationRequest[],
    defaults: Preferences,
    now = Date.now(),
  ): Set<string> {
    const inAppUsers = new Set<string>();
    this.db.transaction(() => {
      for (const n of batch) {
        const channels = (this.prefs.get(n.userId) ?? defaults).channels;
        const r = this.s.insertNotification.run({
          id: n.id,
          userId: n.userId,
          kind: n.kind,
          title: n.title,
          body: n.body,
          data: JSON.stringify(n.data),
          createdAt: n.createdAt,
          now,
          inApp: channels.inApp ? 1 : 0,
        });
        if (r.changes === 0) continue;
        const delivery = (channel: Channel, targetId: string, sent: boolean) =>
          this.s.insertDelivery.run({
            id: this.newId(now),
            notificationId: n.id,
            userId: n.userId,
            channel,
            targetId,
            status: sent ? 'sent' : 'queued',
            now,
            sentAt: sent ? now : null,
          });
        if (channels.inApp) {
          delivery('inApp', 'inbox', true);
          inAppUsers.add(n.userId);
        }
        if (channels.webPush) {
          for (const t of this.pushTargets.get(n.userId) ?? []) delivery('webPush', t, false);
        }
        if (channels.webhook) {
          for (const t of this.hookTargets.get(n.userId) ?? []) delivery('webhook', t, false);
        }
        if (channels.mobilePush) {
          for (const t of this.devices.targets(n.userId)) delivery('mobilePush', t, false);
        }
      }
    })();
    return inAppUsers;
  }

  /** A user's notifications, newest first; pass the last `seq` as `beforeSeq` for the next page. */
  notifications(userId: string, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER) {
    return this.s.page.all(userId, beforeSeq, limit).map(notificationFromRow);
  }

  /** In-app messages of a user after an SSE event id, oldest first. */
  inAppAfter(userId: string, afterSeq: number, limit: number): StoredNotification[] {
    return this.s.after.all(userId, afterSeq, limit).map(notificationFromRow);
  }

  latestSeq(userId: string): number {
    return this.s.latestSeq.get(userId) ?? 0;
  }

  notification(id: string): StoredNotification | undefined {
    const r = this.s.byId.get(id);
    return r ? notificationFromRow(r) : undefined;
  }

  /** Adds (or refreshes, same endpoint) a browser push subscription. */
  addPushSubscription(
    userId: string,
    sub: { endpoint: string; keys: { p256dh: string; auth: string } },
    max: number,
    now = Date.now(),
  ): PushSubscriptionRecord {
    const existing = this.s.pushByEndpoint.get(userId, sub.endpoint);
    if (!existing && (this.pushTargets.get(userId)?.length ?? 0) >= max) {
      throw new LimitReachedError(`at most ${max} push subscriptions per user`);
    }
    const row = this.s.insertPush.get({
      id: `ps_${this.newId(now)}`,
      userId,
      endpoint: sub.endpoint,
      p256dh: sub.keys.p256dh,
      auth: sub.keys.auth,
      now,
    }) as { id: string; created_at: number };
    if (!existing) push(this.pushTargets, userId, row.id);
    return {
      id: row.id,
      userId,
      endpoint: sub.endpoint,
      keys: sub.keys,
      createdAt: iso(row.created_at),
    };
  }

  pushSubscription(id: string): PushSubscriptionRecord | undefined {
    const r = this.s.pushById.get(id);
    return r
      ? {
          id: r.id,
          userId: r.user_id,
          endpoint: r.endpoint,
          keys: { p256dh: r.p256dh, auth: r.auth },
          createdAt: iso(r.created_at),
        }
      : undefined;
  }

  /** Removes a user's subscription by endpoint; `false` when the user has no such one. */
  deletePushSubscriptionByEndpoint(userId: string, endpoint: string): boolean {
    const id = this.s.pushByEndpoint.get(userId, endpoint);
    if (!id) return false;
    this.deletePushSubscription(userId, id);
    return true;
  }

  deletePushSubscription(userId: string, id: string): void {
    this.s.deletePush.run(id);
    remove(this.pushTargets, userId, id);
  }

  /**
   * Registers (or refreshes, same token) a mobile device of `userId` for push.
   * @throws LimitReachedError when the user already has `max` devices
   */
  addMobileDevice(
    userId: string,
    device: { platform: MobilePlatform; token: string },
    max: number,
    now = Date.now(),
  ): MobileDeviceRecord {
    const rec = this.devices.add(userId, device, max, `md_${this.newId(now)}`, now);
    if (!rec) throw new LimitReachedError(`at most ${max} mobile devices per user`);
    return rec;
  }

  mobileDevice(id: string): MobileDeviceRecord | undefined {
    return this.devices.get(id);
  }

  mobileDevicesOf(userId: string): MobileDeviceRecord[] {
    return this.devices.of(userId);
  }

  /** Removes a device of `userId`; `false` when the user has no such device. */
  deleteMobileDevice(userId: string, id: string): boolean {
    return this.devices.delete(userId, id);
  }

  /** The push service replaced the device's token. */
  replaceMobileToken(id: string, token: string): void {
    this.devices.replaceToken(id, token);
  }

  /** @throws Error when the store was opened without `secrets` (they are never stored in clear) */
  addWebhook(userId: string, url: string, secret: string, max: number, now = Date.now()) {
    if (!this.secrets) {
      throw new Error('webhook secrets are sealed at rest: open the store with a SecretBox');
    }
    if ((this.hookTargets.get(userId)?.length ?? 0) >= max) {
      throw new LimitReachedError(`at most ${max} webhooks per user`);
    }
    const id = `wh_${this.newId(now)}`;
    this.s.insertHook.run(id, userId, url, this.secrets.seal(secret), now);
    push(this.hookTargets, userId, id);
    return { id, userId, url, secret, createdAt: iso(now) };
  }

  webhook(id: string): WebhookRecord | undefined {
    const r = this.s.hookById.get(id);
    return r
      ? {
          id: r.id,
          userId: r.user_id,
          url: r.url,
          secret: this.openSecret(r.secret),
          createdAt: iso(r.created_at),
        }
      : undefined;
  }

  webhooksOf(userId: string): WebhookRecord[] {
    return this.s.hooksOf.all(userId).map((r) => ({
      id: r.id,
      userId: r.user_id,
      url: r.url,
      secret: this.openSecret(r.secret),
      createdAt: iso(r.created_at),
    }));
  }

  /** A stored secret in clear (one stored in plaintext by an earlier version is returned as is). */
  private openSecret(stored: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    if (!this.secrets) {
      throw new Error('webhook secrets are sealed at rest: open the store with a SecretBox');
    }
    return this.secrets.open(stored);
  }

  /** Seals the secrets an earlier version stored in plaintext. */
  private sealPlaintextSecrets(box: SecretBox): void {
    const rows = this.db
      .prepare<[], { id: string; secret: string }>('SELECT id, secret FROM webhooks')
      .all();
    const update = this.db.prepare<[string, string]>('UPDATE webhooks SET secret = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const r of rows) if (!SecretBox.isSealed(r.secret)) update.run(box.seal(r.secret), r.id);
    })();
  }

  /** Deletes a webhook of this user only; `false` when the user has no such webhook. */
  deleteWebhook(userId: string, id: string): boolean {
    const r = this.s.deleteHook.run(id, userId);
    if (r.changes > 0) remove(this.hookTargets, userId, id);
    return r.changes > 0;
  }

  /**
   * Bounded retention: keeps the newest `perUser` notifications per user and none older than
   * `maxAgeMs`, except those a queued or dead delivery still needs; prunes finished deliveries
   * of the same age. Returns the number of notifications removed.
   */
  prune(perUser: number, maxAgeMs: number, now = Date.now()): number {
    const cutoff = now - maxAgeMs;
    return this.db.transaction(() => {
      const removed = this.db
        .prepare(
          `DELETE FROM notifications WHERE seq IN (
             SELECT seq FROM (
               SELECT seq, id, queued_at,
                      row_number() OVER (PARTITION BY user_id ORDER BY seq DESC) AS rn
               FROM notifications) n
             WHERE (n.rn > ? OR n.queued_at < ?)
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id
                               AND d.status IN ('queued', 'dead')))`,
        )
        .run(perUser, cutoff).changes;
      this.db
        .prepare(`DELETE FROM deliveries WHERE status IN ('sent', 'failed') AND created_at < ?`)
        .run(cutoff);
      return removed;
    })();
  }

  close(): void {
    this.db.close();
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function remove(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
