/**
 * Mobile push through End User Messaging, end to end but for AWS: devices registered over
 * real HTTP on loopback, notifications queued and delivered by the real dispatcher, and the
 * Pinpoint client answered by an SDK mock (no emulator of End User Messaging exists).
 */
import { PinpointClient, SendMessagesCommand } from '@aws-sdk/client-pinpoint';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EndUserMessagingPush } from '../../../../src/fx/decisions/notify/end-user-messaging/end-user-messaging-push.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { DEFAULT_PREFERENCES } from '../../../../src/fx/decisions/notify/preferences.js';
import { tempDir } from '../../../util/tmp.js';
import { openNotifyHarness, rec, testConfig, type NotifyHarness } from './harness.js';
import { eventually } from '../../../util/eventually.js';

const pinpoint = mockClient(PinpointClient);
let h: NotifyHarness | undefined;
afterEach(async () => {
  pinpoint.reset();
  await h?.close();
  h = undefined;
});

const FCM = `fcm_${'a'.repeat(60)}:APA91b`;
const FCM_NEW = `fcm_${'b'.repeat(60)}:APA91b`;
const APNS = 'ab'.repeat(32);

const endUserMessaging = () =>
  new EndUserMessagingPush(new PinpointClient({ region: 'us-east-1' }), 'app-1', 600);

/** Answers each token of a SendMessages call with `status(token, call)`. */
function answer(status: (token: string, call: number) => Record<string, unknown>): void {
  let call = 0;
  pinpoint.on(SendMessagesCommand).callsFake((input: { MessageRequest: { Addresses: object } }) => {
    call++;
    const tokens = Object.keys(input.MessageRequest.Addresses);
    return {
      MessageResponse: {
        ApplicationId: 'app-1',
        Result: Object.fromEntries(tokens.map((t) => [t, status(t, call)])),
      },
    };
  });
}

describe('mobile push devices (routes)', () => {
  it('answers 503 while End User Messaging is not configured', async () => {
    h = await openNotifyHarness();
    const a = h.user();
    const r = await h.api(a.token, 'POST', '/mobile/devices', { platform: 'fcm', token: FCM });
    expect(r.status).toBe(503);
    expect(r.body.type).toContain('mobile-push-unavailable');
  });

  it('registers, refreshes, lists without tokens, limits and deletes only its own', async () => {
    h = await openNotifyHarness({
      config: testConfig({ mobilePush: { maxDevicesPerUser: 2 } }),
      mobilePush: endUserMessaging(),
    });
    const a = h.user('Ana');
    const b = h.user('Beto');
    const fcm = await h.api(a.token, 'POST', '/mobile/devices', { platform: 'fcm', token: FCM });
    expect(fcm.status).toBe(201);
    expect(fcm.body).toMatchObject({ platform: 'fcm' });
    expect(fcm.body.token).toBeUndefined();
    const again = await h.api(a.token, 'POST', '/mobile/devices', { platform: 'fcm', token: FCM });
    expect(again.body.id).toBe(fcm.body.id); // the same token: the same device
    const apns = await h.api(a.token, 'POST', '/mobile/devices', {
      platform: 'apns',
      token: APNS,
    });
    expect(apns.status).toBe(201);
    const third = await h.api(a.token, 'POST', '/mobile/devices', {
      platform: 'apns-sandbox',
      token: 'cd'.repeat(32),
    });
    expect(third.status).toBe(409);
    expect(third.body.type).toContain('limit-reached');
    const bad = await h.api(a.token, 'POST', '/mobile/devices', {
      platform: 'apns',
      token: 'no-hex',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('token');
    const wrong = await h.api(a.token, 'POST', '/mobile/devices', { platform: 'sms', token: FCM });
    expect(wrong.status).toBe(400);
    const list = await h.api(a.token, 'GET', '/mobile/devices');
    expect(list.body.devices).toEqual([
      { id: fcm.body.id, platform: 'fcm', createdAt: fcm.body.createdAt },
      { id: apns.body.id, platform: 'apns', createdAt: apns.body.createdAt },
    ]);
    expect((await h.api(b.token, 'GET', '/mobile/devices')).body.devices).toEqual([]);
    expect((await h.api(b.token, 'DELETE', `/mobile/devices/${String(fcm.body.id)}`)).status).toBe(
      404,
    );
    expect((await h.api(a.token, 'DELETE', `/mobile/devices/${String(fcm.body.id)}`)).status).toBe(
      204,
    );
    expect((await h.api(a.token, 'GET', '/mobile/devices')).body.devices).toHaveLength(1);
    expect((await h.api(undefined, 'GET', '/mobile/devices')).status).toBe(401);
  });
});

describe('mobile push deliveries (End User Messaging, SDK mock)', () => {
  it('sends to each device; a gone token is forgotten, a replaced one stored', async () => {
    answer((token) =>
      token === FCM
        ? { DeliveryStatus: 'SUCCESSFUL', StatusCode: 200, UpdatedToken: FCM_NEW }
        : { DeliveryStatus: 'PERMANENT_FAILURE', StatusCode: 410, StatusMessage: 'Unregistered' },
    );
    h = await openNotifyHarness({ mobilePush: endUserMessaging() });
    const a = h.user();
    const fcm = await h.api(a.token, 'POST', '/mobile/devices', { platform: 'fcm', token: FCM });
    const apns = await h.api(a.token, 'POST', '/mobile/devices', {
      platform: 'apns',
      token: APNS,
    });
    const n = rec(a.id);
    await h.n.notifier.notify(n);
    const mobile = () =>
      h!.n.store.deliveries({ limit: 20 }).deliveries.filter((d) => d.channel === 'mobilePush');
    await eventually(() => mobile().every((d) => d.status !== 'queued') && mobile().length === 2);
    const byTarget = new Map(mobile().map((d) => [d.targetId, d]));
    expect(byTarget.get(String(fcm.body.id))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(byTarget.get(String(apns.body.id))).toMatchObject({
      status: 'failed',
      lastError: 'PERMANENT_FAILURE: Unregistered',
    });
    // The gone device is forgotten; the other now has the token the push service issued.
    expect(h.n.store.mobileDevicesOf(a.id).map((d) => [d.id, d.token])).toEqual([
      [fcm.body.id, FCM_NEW],
    ]);
    const calls = pinpoint.commandCalls(SendMessagesCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    for (const input of calls) {
      expect(input.ApplicationId).toBe('app-1');
      expect(input.MessageRequest!.TraceId).toBe(n.id);
      expect(input.MessageRequest!.MessageConfiguration!.GCMMessage!.Title).toBe(n.title);
    }
    const addresses = calls.map((c) => JSON.stringify(c.MessageRequest!.Addresses)).sort();
    expect(addresses).toEqual(
      [{ [APNS]: { ChannelType: 'APNS' } }, { [FCM]: { ChannelType: 'GCM' } }]
        .map((x) => JSON.stringify(x))
        .sort(),
    );
  });

  it('retries throttling and failed calls with backoff; a disabled channel gets no delivery', async () => {
    let calls = 0;
    pinpoint
      .on(SendMessagesCommand)
      .callsFake((input: { MessageRequest: { Addresses: object } }) => {
        calls++;
        if (calls === 1) throw new Error('socket hang up');
        const status = calls === 2 ? 'THROTTLED' : 'SUCCESSFUL';
        const [token] = Object.keys(input.MessageRequest.Addresses);
        return { MessageResponse: { Result: { [token!]: { DeliveryStatus: status } } } };
      });
    h = await openNotifyHarness({
      config: testConfig({ retry: { attempts: 5, baseMs: 5, capMs: 20 } }),
      mobilePush: endUserMessaging(),
    });
    const a = h.user();
    await h.api(a.token, 'POST', '/mobile/devices', { platform: 'fcm', token: FCM });
    await h.n.notifier.notify(rec(a.id));
    const d = await eventually(() =>
      h!.n.store
        .deliveries({ limit: 10 })
        .deliveries.find((x) => x.channel === 'mobilePush' && x.status === 'sent'),
    );
    expect(d.attempts).toBe(3);
    // Switched off by the user: the next notification queues nothing on the channel.
    const put = await h.api(a.token, 'PUT', '/preferences', { channels: { mobilePush: false } });
    expect(put.body.channels).toMatchObject({ mobilePush: false, inApp: true });
    await h.n.notifier.notify(rec(a.id));
    const mobile = h.n.store
      .deliveries({ limit: 10 })
      .deliveries.filter((x) => x.channel === 'mobilePush');
    expect(mobile).toHaveLength(1);
  });
});

describe('preferences stored before mobile push', () => {
  it('take the new channel at its default (on)', () => {
    const t = tempDir('corriente-prefs-');
    try {
      const file = `${t.dir}/n.db`;
      const old = new SqliteNotificationStore({ path: file });
      const { mobilePush: _, ...channels } = { ...DEFAULT_PREFERENCES.channels, webhook: false };
      old.setPreferences('u1', { ...DEFAULT_PREFERENCES, channels } as typeof DEFAULT_PREFERENCES);
      old.close();
      const store = new SqliteNotificationStore({ path: file });
      expect(store.preferences('u1')?.channels).toEqual({
        inApp: true,
        webPush: true,
        webhook: false,
        mobilePush: true,
      });
      store.close();
    } finally {
      t.cleanup();
    }
  });
});
