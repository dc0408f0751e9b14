import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../util/eventually.js';
import { openNotifyHarness, rec, sseClient, type NotifyHarness, PREFIX } from './harness.js';
import { defaultOrchestratorConfig } from '../../../../src/fx/decisions/orchestrator/orchestrator-config.js';
import { decide } from '../../../../src/fx/decisions/orchestrator/policy.js';
import { QuietHoursClock } from '../../../../src/fx/decisions/orchestrator/quiet-hours.js';
import { EmbeddedNotifier } from '../../../../src/fx/decisions/notify/embedded-notifier.js';
import type { Preferences } from '../../../../src/fx/decisions/notify/preferences.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import * as path from 'node:path';

let h: NotifyHarness;
beforeEach(async () => {
  h = await openNotifyHarness();
});
afterEach(async () => {
  await h.close();
});

describe('notification routes: authentication and preferences', () => {
  it('refuses every route without a valid token, as problem+json', async () => {
    for (const [method, url] of [
      ['GET', '/preferences'],
      ['GET', '/'],
      ['GET', '/deliveries'],
      ['GET', '/webhooks'],
      ['POST', '/stream-ticket'],
      ['GET', '/stream'],
    ] as const) {
      const r = await h.api('not-a-token', method, url);
      expect(r.status, `${method} ${url}`).toBe(401);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.type).toBe('urn:corriente:problem:unauthenticated');
    }
  });

  it('reads defaults, merges updates, validates them and feeds the PreferenceLookup', async () => {
    const a = h.user();
    const d = await h.api(a.token, 'GET', '/preferences');
    expect(d.body).toEqual({
      channels: { inApp: true, webPush: true, webhook: true, mobilePush: true },
      quietHours: null,
      recommendations: null,
      scheduledReminders: false,
      timezone: 'America/Bogota',
      language: 'es',
      isDefault: true,
    });
    expect(h.n.notifier.quietHours(a.id)).toBeUndefined();

    const put = await h.api(a.token, 'PUT', '/preferences', {
      channels: { webhook: false },
      quietHours: { start: '22:00', end: '07:00' },
      language: 'en',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      channels: { inApp: true, webPush: true, webhook: false },
      quietHours: { start: '22:00', end: '07:00', timezone: 'America/Bogota' },
      language: 'en',
      isDefault: false,
    });
    expect(h.n.notifier.quietHours(a.id)).toEqual({
      start: '22:00',
      end: '07:00',
      timezone: 'America/Bogota',
    });
    expect(h.n.notifier.language(a.id)).toBe('en');

    const bad = await h.api(a.token, 'PUT', '/preferences', {
      timezone: 'Mars/Olympus',
      quietHours: { start: '25:00', end: '07:00' },
      language: 'fr',
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.detail).toMatch(/timezone: is not a known IANA time zone/);
    expect(bad.body.detail).toMatch(/quietHours\.start: must be HH:MM/);
    expect(bad.body.detail).toMatch(/language/);
    // Nothing of the bad update was applied.
    expect((await h.api(a.token, 'GET', '/preferences')).body.language).toBe('en');

    const unknownKey = await h.api(a.token, 'PUT', '/preferences', { sms: true });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.detail).toMatch(/sms/);

    await h.api(a.token, 'PUT', '/preferences', { quietHours: null });
    expect(h.n.notifier.quietHours(a.id)).toBeNull();
    expect((await h.api(a.token, 'GET', '/preferences')).body.quietHours).toBe('none');
    await h.api(a.token, 'PUT', '/preferences', { quietHours: 'default' });
    expect(h.n.notifier.quietHours(a.id)).toBeUndefined();
    await h.api(a.token, 'PUT', '/preferences', { quietHours: 'none' });
    expect(h.n.notifier.quietHours(a.id)).toBeNull();
  });

  it('a PUT that changes something else keeps the default quiet hours: no 03:00 suggestion', async () => {
    const a = h.user();
    const put = await h.api(a.token, 'PUT', '/preferences', { channels: { webhook: false } });
    expect(put.status).toBe(200);
    expect(put.body.quietHours).toBeNull();
    // Not set: the policy's default window (21:00–07:00 Bogotá) applies.
    expect(h.n.notifier.quietHours(a.id)).toBeUndefined();
    const config = defaultOrchestratorConfig().policy;
    const input = (atIso: string) => ({
      pBuy: 0.9,
      pSell: 0.01,
      copCents: 400_000_000,
      usdCents: 0,
      typicalTicketUsdCents: 10_000,
      bidCopCents: 400_000,
      askCopCents: 401_000,
      atMs: Date.parse(atIso),
      last: undefined,
      quietHours: h.n.notifier.quietHours(a.id),
    });
    // 03:00 in Bogotá (UTC−5) is 08:00 UTC.
    expect(decide(input('2026-03-10T08:00:00Z'), config, new QuietHoursClock())).toMatchObject({
      action: 'skip',
      why: 'quiet-hours',
    });
    expect(decide(input('2026-03-10T15:00:00Z'), config, new QuietHoursClock()).action).toBe(
      'suggest',
    );
    // Turning recommendations off and back on does not touch the window either.
    await h.api(a.token, 'PUT', '/preferences', { recommendations: 'off', language: 'en' });
    expect(h.n.notifier.quietHours(a.id)).toBeUndefined();
    expect(h.n.notifier.recommendations(a.id)).toBe('off');
    expect(h.n.notifier.scheduledReminders(a.id)).toBe(false);
    await h.api(a.token, 'PUT', '/preferences', { scheduledReminders: true });
    expect(h.n.notifier.scheduledReminders(a.id)).toBe(true);
    expect(h.n.notifier.quietHours(a.id)).toBeUndefined();
  });

  it('reads a row stored before "none" and consent existed: null quiet hours are not set', () => {
    const file = path.join(h.dir, 'legacy-notifications.db');
    const old = new SqliteNotificationStore({ path: file });
    // What an earlier version stored for any PUT: quietHours null, no recommendations field.
    old.setPreferences('legado', {
      channels: { inApp: true, webPush: true, webhook: false, mobilePush: true },
      quietHours: null,
      timezone: 'America/Bogota',
      language: 'es',
    } as unknown as Preferences);
    old.close();
    const store = new SqliteNotificationStore({ path: file });
    try {
      expect(store.preferences('legado')).toMatchObject({
        quietHours: null,
        recommendations: null,
        scheduledReminders: false,
      });
      expect(
        new EmbeddedNotifier(store, undefined, undefined).quietHours('legado'),
      ).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('a disabled channel gets no delivery; the inbox lists newest first with a cursor', async () => {
    const a = h.user();
    await h.api(a.token, 'PUT', '/preferences', { channels: { inApp: false } });
    await h.n.notifier.notify(rec(a.id, 'uno'));
    const list = await h.api(a.token, 'GET', '/');
    expect((list.body.notifications as unknown[]).length).toBe(1);
    const deliveries = await h.api(a.token, 'GET', '/deliveries');
    expect(deliveries.body.deliveries).toEqual([]);

    await h.api(a.token, 'PUT', '/preferences', { channels: { inApp: true } });
    for (const t of ['dos', 'tres', 'cuatro']) await h.n.notifier.notify(rec(a.id, t));
    const p1 = await h.api(a.token, 'GET', '/?limit=2');
    expect((p1.body.notifications as { title: string }[]).map((n) => n.title)).toEqual([
      'cuatro',
      'tres',
    ]);
    const p2 = await h.api(a.token, 'GET', `/?limit=2&cursor=${String(p1.body.nextCursor)}`);
    expect((p2.body.notifications as { title: string }[]).map((n) => n.title)).toEqual([
      'dos',
      'uno',
    ]);
    expect(p2.body.nextCursor).toBeUndefined();
    const d = await h.api(a.token, 'GET', '/deliveries');
    expect(d.body.deliveries).toHaveLength(3);
    expect((d.body.deliveries as { channel: string; status: string }[])[0]).toMatchObject({
      channel: 'inApp',
      status: 'sent',
      attempts: 0,
    });
    expect((await h.api(a.token, 'GET', '/?limit=0')).status).toBe(400);
  });

  it('notify is idempotent by id', async () => {
    const a = h.user();
    const r = rec(a.id);
    await Promise.all([h.n.notifier.notify(r), h.n.notifier.notify(r)]);
    await h.n.notifier.notify(r);
    expect((await h.api(a.token, 'GET', '/')).body.notifications).toHaveLength(1);
    expect((await h.api(a.token, 'GET', '/deliveries')).body.deliveries).toHaveLength(1);
  });
});

describe('notification routes: isolation between users', () => {
  it("user B can neither see nor change A's webhooks, deliveries, inbox or stream", async () => {
    const a = h.user('Ana');
    const b = h.user('Beto');
    const hook = await h.api(a.token, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook' });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toMatch(/^whsec_/);
    await h.api(a.token, 'PUT', '/preferences', { channels: { webhook: false } });
    await h.n.notifier.notify(rec(a.id, 'solo para Ana'));

    expect((await h.api(b.token, 'GET', '/webhooks')).body.webhooks).toEqual([]);
    const del = await h.api(b.token, 'DELETE', `/webhooks/${String(hook.body.id)}`);
    expect(del.status).toBe(404);
    expect((await h.api(a.token, 'GET', '/webhooks')).body.webhooks).toEqual([
      { id: hook.body.id, url: 'http://127.0.0.1:9/hook', createdAt: hook.body.createdAt },
    ]);
    expect((await h.api(b.token, 'GET', '/deliveries')).body.deliveries).toEqual([]);
    expect((await h.api(b.token, 'GET', '/')).body.notifications).toEqual([]);
    expect((await h.api(b.token, 'GET', '/preferences')).body.isDefault).toBe(true);

    // B's stream (ticket or bearer) never carries A's messages, even when resuming from 0.
    const ticket = await h.api(b.token, 'POST', '/stream-ticket');
    expect(ticket.status).toBe(201);
    const sb = sseClient(`${h.base}${PREFIX}/stream?ticket=${String(ticket.body.ticket)}`, {
      'last-event-id': '0',
    });
    expect(await sb.opened).toBe(200);
    const sa = sseClient(`${h.base}${PREFIX}/stream`, {
      authorization: `Bearer ${a.token}`,
      'last-event-id': '0',
    });
    await h.n.notifier.notify(rec(b.id, 'solo para Beto'));
    await sa.waitFor(1);
    await sb.waitFor(1);
    // A last message to each: a stream is in order, so anything misrouted came before it.
    await h.n.notifier.notify(rec(a.id, 'fin'));
    await h.n.notifier.notify(rec(b.id, 'fin'));
    await sa.waitFor(2);
    await sb.waitFor(2);
    expect(sa.events.map((e) => e.data.title)).toEqual(['solo para Ana', 'fin']);
    expect(sb.events.map((e) => e.data.title)).toEqual(['solo para Beto', 'fin']);
    sa.close();
    sb.close();

    // A ticket is single use.
    const reuse = sseClient(`${h.base}${PREFIX}/stream?ticket=${String(ticket.body.ticket)}`);
    expect(await reuse.opened).toBe(401);
    reuse.close();
    await eventually(() => h.n.hub.count() === 0);
  });

  it('refuses bad bodies with the field named', async () => {
    const a = h.user();
    const r = await h.api(a.token, 'POST', '/webhooks', { url: 'ftp://example.com/x' });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/^url: /);
    const s = await h.api(a.token, 'POST', '/webpush/subscriptions', {
      endpoint: 'https://push.example.com/x',
      keys: { p256dh: 'abc', auth: 'def' },
    });
    expect(s.status).toBe(400);
    expect(s.body.detail).toMatch(/keys\.p256dh: must be an uncompressed P-256 public key/);
    expect(s.body.detail).toMatch(/keys\.auth: must be 16 bytes/);
    const notJson = await h.api(a.token, 'POST', '/webhooks', '{oops');
    expect(notJson.status).toBe(400);
    expect(notJson.type).toContain('application/problem+json');
  });
});
