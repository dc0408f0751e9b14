import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { createPgPool, migratePostgres } from '../../../../src/core/state/postgres/index.js';
import { SecretBox } from '../../../../src/fx/decisions/notify/channels/secret-box.js';
import { StreamTickets } from '../../../../src/fx/decisions/notify/http/stream-tickets.js';
import {
  LimitReachedError,
  type NotificationStore,
  type StreamTicketStore,
} from '../../../../src/fx/decisions/notify/notification-store.js';
import type { NotificationRequest } from '../../../../src/fx/decisions/notify/notifier.js';
import {
  FX_NOTIFY_MIGRATIONS,
  PostgresNotificationStore,
  PostgresStreamTickets,
} from '../../../../src/fx/decisions/notify/postgres/index.js';
import { DEFAULT_PREFERENCES } from '../../../../src/fx/decisions/notify/preferences.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { stateContract } from '../../../util/postgres.js';
import { tempDir } from '../../../util/tmp.js';

const T0 = Date.parse('2026-03-02T15:00:00Z');
const box = new SecretBox(randomBytes(32));
let n = 0;
const uid = () => `u-${process.pid}-${++n}-${randomBytes(3).toString('hex')}`;

function request(userId: string, id = `rec-${++n}-${randomBytes(3).toString('hex')}`) {
  return {
    id,
    userId,
    kind: 'recomendacion',
    title: 'Compre dólares',
    body: 'El precio bajó',
    data: { precio: 4000 },
    createdAt: new Date(T0).toISOString(),
  } satisfies NotificationRequest;
}

const NOTIFY_TABLES =
  'fx_notify_preferences, fx_notifications, fx_push_subscriptions, fx_webhooks, fx_mobile_devices, fx_deliveries, fx_stream_tickets';

stateContract<NotificationStore>(
  'NotificationStore',
  {
    async sqlite() {
      const t = tempDir('corriente-notify-contract-');
      const store = new SqliteNotificationStore({
        path: path.join(t.dir, 'notifications.db'),
        secrets: box,
      });
      return {
        adapter: store,
        async close() {
          store.close();
          t.cleanup();
        },
      };
    },
    async postgres(url) {
      const pool = createPgPool({ url, poolSize: 6 });
      await migratePostgres(pool, FX_NOTIFY_MIGRATIONS);
      // Tests of this file share the database: each starts on empty tables.
      await pool.query(`TRUNCATE ${NOTIFY_TABLES}`);
      const store = await PostgresNotificationStore.open({ pool, secrets: box });
      return {
        adapter: store,
        async close() {
          await store.close();
          await pool.end();
        },
      };
    },
  },
  (open) => {
    it('keeps preferences, and its synchronous view agrees once set', async () => {
      const { adapter: s, close } = await open();
      try {
        const u = uid();
        expect(await s.preferences(u)).toBeUndefined();
        const prefs = { ...DEFAULT_PREFERENCES, language: 'en' as const };
        await s.setPreferences(u, prefs, T0);
        expect(await s.preferences(u)).toMatchObject({ language: 'en' });
        expect(s.cachedPreferences(u)).toMatchObject({ language: 'en' });
      } finally {
        await close();
      }
    });

    it('enqueues once per id: inbox in order, one delivery per channel target', async () => {
      const { adapter: s, close } = await open();
      try {
        const a = uid();
        const b = uid();
        const hook = await s.addWebhook(a, 'https://example.com/h', 'whsec_x', 5, T0);
        await s.setPreferences(b, {
          ...DEFAULT_PREFERENCES,
          channels: { ...DEFAULT_PREFERENCES.channels, inApp: false },
        });
        const first = request(a);
        const users = await s.enqueue([first, request(a), request(b)], DEFAULT_PREFERENCES, T0);
        expect([...users]).toEqual([a]);
        // The same id again: nothing new.
        expect([...(await s.enqueue([first], DEFAULT_PREFERENCES, T0 + 1))]).toEqual([]);
        const inbox = await s.notifications(a, 10);
        expect(inbox).toHaveLength(2);
        expect(inbox[0]!.seq).toBeGreaterThan(inbox[1]!.seq);
        expect(inbox[1]).toMatchObject({
          id: first.id,
          data: { precio: 4000 },
          title: first.title,
        });
        expect(await s.latestSeq(a)).toBe(inbox[0]!.seq);
        expect((await s.inAppAfter(a, inbox[1]!.seq, 10)).map((x) => x.id)).toEqual([inbox[0]!.id]);
        // b switched in-app off: stored, not in the stream.
        expect(await s.inAppAfter(b, 0, 10)).toEqual([]);
        expect((await s.notification(first.id))?.userId).toBe(a);
        const log = (await s.deliveries({ userId: a, limit: 10 })).deliveries;
        expect(log.filter((d) => d.channel === 'webhook').map((d) => d.targetId)).toEqual([
          hook.id,
          hook.id,
        ]);
        expect(log.filter((d) => d.channel === 'inApp').every((d) => d.status === 'sent')).toBe(
          true,
        );
      } finally {
        await close();
      }
    });

    it('leases due deliveries: never to two claimers at once; again after the lease expires', async () => {
      const { adapter: s, close } = await open();
      try {
        const u = uid();
        await s.addWebhook(u, 'https://example.com/h', 'whsec_x', 5, T0);
        await s.enqueue(
          Array.from({ length: 12 }, () => request(u)),
          DEFAULT_PREFERENCES,
          T0,
        );
        const claims = await Promise.all(
          Array.from({ length: 6 }, () => Promise.resolve(s.claimDue(3, 1000, T0 + 10))),
        );
        const ids = claims.flat().map((d) => d.id);
        expect(ids).toHaveLength(12);
        expect(new Set(ids).size).toBe(12);
        expect(await s.claimDue(10, 1000, T0 + 20)).toEqual([]);
        // A worker died holding them: the lease expires, another attempt is counted.
        const again = await s.claimDue(20, 1000, T0 + 1011);
        expect(again).toHaveLength(12);
        expect(again.every((d) => d.attempts === 2)).toBe(true);
        const [d1, d2, d3] = again;
        await s.finish(d1!.id, { status: 'sent' }, T0 + 1100);
        await s.finish(
          d2!.id,
          { status: 'queued', error: 'HTTP 503', retryAt: T0 + 5000 },
          T0 + 1100,
        );
        await s.finish(d3!.id, { status: 'dead', error: 'HTTP 500 (after 2 attempts)' }, T0 + 1100);
        expect(await s.delivery(d1!.id)).toMatchObject({ status: 'sent', nextAttemptAt: null });
        expect(await s.delivery(d2!.id)).toMatchObject({
          status: 'queued',
          lastError: 'HTTP 503',
          nextAttemptAt: new Date(T0 + 5000).toISOString(),
        });
        // Finished ones are not claimed; the retry is due at its time.
        const later = await s.claimDue(20, 1000, T0 + 5000);
        expect(later.map((d) => d.id)).toContain(d2!.id);
        expect(later.map((d) => d.id)).not.toContain(d1!.id);
        expect((await s.deadLetters()).map((d) => d.id)).toEqual([d3!.id]);
        expect(await s.requeueDeadLetters([d3!.id, 'nada'], T0 + 6000)).toEqual([d3!.id]);
        expect(await s.claimNow(d3!.id, 1000, T0 + 6001)).toMatchObject({ attempts: 1 });
      } finally {
        await close();
      }
    });

    it('pages the delivery log newest first', async () => {
      const { adapter: s, close } = await open();
      try {
        const u = uid();
        await s.enqueue(
          Array.from({ length: 5 }, () => request(u)),
          DEFAULT_PREFERENCES,
          T0,
        );
        const p1 = await s.deliveries({ userId: u, limit: 3 });
        expect(p1.deliveries).toHaveLength(3);
        const p2 = await s.deliveries({ userId: u, limit: 3, cursor: p1.nextCursor! });
        expect(p2.deliveries).toHaveLength(2);
        expect(p2.nextCursor).toBeUndefined();
        const all = [...p1.deliveries, ...p2.deliveries].map((d) => d.id);
        expect(all).toEqual([...all].sort().reverse());
      } finally {
        await close();
      }
    });

    it('keeps webhooks sealed, per user, within the limit', async () => {
      const { adapter: s, close } = await open();
      try {
        const a = uid();
        const h = await s.addWebhook(a, 'https://example.com/a', 'whsec_secreto', 2, T0);
        await s.addWebhook(a, 'https://example.com/b', 'whsec_otro', 2, T0);
        await expect(
          Promise.resolve().then(() => s.addWebhook(a, 'https://example.com/c', 'x', 2, T0)),
        ).rejects.toBeInstanceOf(LimitReachedError);
        expect((await s.webhook(h.id))?.secret).toBe('whsec_secreto');
        expect((await s.webhooksOf(a)).map((w) => w.url)).toEqual([
          'https://example.com/a',
          'https://example.com/b',
        ]);
        expect(await s.deleteWebhook(uid(), h.id)).toBe(false);
        expect(await s.deleteWebhook(a, h.id)).toBe(true);
        expect(await s.webhook(h.id)).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('keeps push subscriptions and mobile devices per user', async () => {
      const { adapter: s, close } = await open();
      try {
        const a = uid();
        const keys = { p256dh: 'p', auth: 'a' };
        const sub = await s.addPushSubscription(a, { endpoint: 'https://push/1', keys }, 1, T0);
        // The same endpoint refreshes; a second one is over the limit.
        const same = await s.addPushSubscription(
          a,
          { endpoint: 'https://push/1', keys: { p256dh: 'p2', auth: 'a2' } },
          1,
          T0,
        );
        expect(same.id).toBe(sub.id);
        expect((await s.pushSubscription(sub.id))?.keys).toEqual({ p256dh: 'p2', auth: 'a2' });
        await expect(
          Promise.resolve().then(() =>
            s.addPushSubscription(a, { endpoint: 'https://push/2', keys }, 1, T0),
          ),
        ).rejects.toBeInstanceOf(LimitReachedError);
        expect(await s.deletePushSubscriptionByEndpoint(a, 'https://push/1')).toBe(true);
        expect(await s.pushSubscription(sub.id)).toBeUndefined();

        const d = await s.addMobileDevice(a, { platform: 'GCM', token: 'tok-1' }, 2, T0);
        await s.replaceMobileToken(d.id, 'tok-2');
        expect((await s.mobileDevice(d.id))?.token).toBe('tok-2');
        expect((await s.mobileDevicesOf(a)).map((x) => x.id)).toEqual([d.id]);
        // A queued mobile delivery per device.
        await s.enqueue([request(a)], DEFAULT_PREFERENCES, T0);
        const log = (await s.deliveries({ userId: a, limit: 10 })).deliveries;
        expect(log.filter((x) => x.channel === 'mobilePush').map((x) => x.targetId)).toEqual([
          d.id,
        ]);
        expect(await s.deleteMobileDevice(uid(), d.id)).toBe(false);
        expect(await s.deleteMobileDevice(a, d.id)).toBe(true);
        expect(await s.mobileDevicesOf(a)).toEqual([]);
      } finally {
        await close();
      }
    });

    it('prunes old inbox messages but keeps what a queued delivery needs', async () => {
      const { adapter: s, close } = await open();
      try {
        const a = uid();
        const b = uid();
        await s.addWebhook(b, 'https://example.com/b', 'x', 5, T0);
        await s.enqueue([request(a), request(a), request(a)], DEFAULT_PREFERENCES, T0);
        await s.enqueue([request(b)], DEFAULT_PREFERENCES, T0);
        // Keep 1 per user: a loses 2; b's only message is within the limit.
        expect(await s.prune(1, 86_400_000, T0 + 1000)).toBe(2);
        expect(await s.notifications(a, 10)).toHaveLength(1);
        // Everything is old now, but b's webhook delivery is still queued.
        await s.prune(1, 1000, T0 + 10_000_000);
        expect(await s.notifications(a, 10)).toEqual([]);
        expect(await s.notifications(b, 10)).toHaveLength(1);
      } finally {
        await close();
      }
    });
  },
);

stateContract<StreamTicketStore>(
  'StreamTicketStore',
  {
    async sqlite() {
      // The embedded mode keeps tickets in memory (one server).
      return { adapter: new StreamTickets(30_000), close: async () => undefined };
    },
    async postgres(url) {
      const pool = createPgPool({ url, poolSize: 2 });
      await migratePostgres(pool, FX_NOTIFY_MIGRATIONS);
      return { adapter: new PostgresStreamTickets(pool, 30_000), close: () => pool.end() };
    },
  },
  (open) => {
    it('redeems a ticket once, for its user; unknown tickets are refused', async () => {
      const { adapter: t, close } = await open();
      try {
        const { ticket, expiresAt } = await t.issue('ana');
        expect(ticket).toMatch(/^st_/);
        expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
        expect(await t.redeem(ticket)).toBe('ana');
        expect(await t.redeem(ticket)).toBeUndefined();
        expect(await t.redeem('st_nada')).toBeUndefined();
      } finally {
        await close();
      }
    });
  },
);
