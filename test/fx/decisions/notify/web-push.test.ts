import { statSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateVapidKeys } from '../../../../src/fx/decisions/notify/channels/vapid-keys.js';
import { openNotifyHarness, rec, type NotifyHarness } from './harness.js';
import {
  browserKeys,
  decryptAes128gcm,
  startFakePushService,
  verifyVapid,
} from './fake-push-service.js';
import { tempDir } from '../../../util/tmp.js';
import { eventually } from '../../../util/eventually.js';

let h: NotifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Web Push with VAPID against a loopback push service', () => {
  it('sends a VAPID-signed aes128gcm message the browser keys decrypt; 410 deletes the subscription', async () => {
    const push = await startFakePushService((p) => (p.startsWith('/gone') ? 410 : 201));
    try {
      h = await openNotifyHarness();
      const a = h.user();
      const key = await h.api(a.token, 'GET', '/webpush/public-key');
      expect(key.body.publicKey).toBe(h.n.vapid.publicKey);
      const browser = browserKeys();
      const sub = await h.api(a.token, 'POST', '/webpush/subscriptions', {
        endpoint: `${push.origin}/push/abc`,
        expirationTime: null,
        keys: browser.keys,
      });
      expect(sub.status).toBe(201);
      const n = rec(a.id);
      await h.n.notifier.notify(n);
      await eventually(() => push.received.length === 1);
      const got = push.received[0]!;
      expect(got.headers['content-encoding']).toBe('aes128gcm');
      expect(got.headers.ttl).toBe('3600');
      const claims = verifyVapid(
        got.headers.authorization,
        String(key.body.publicKey),
        push.origin,
      );
      expect(claims.sub).toBe('mailto:operaciones@corriente.invalid');
      expect(JSON.parse(decryptAes128gcm(got.body, browser))).toEqual({
        title: n.title,
        body: n.body,
        data: { ...n.data, id: n.id },
      });
      // Another browser's keys cannot read it.
      expect(() => decryptAes128gcm(got.body, browserKeys())).toThrow();
      await eventually(() =>
        h!.n.store
          .deliveries({ limit: 5 })
          .deliveries.some((d) => d.channel === 'webPush' && d.status === 'sent'),
      );

      // An expired subscription: the push service answers 410 and the subscription goes.
      const gone = await h.api(a.token, 'POST', '/webpush/subscriptions', {
        endpoint: `${push.origin}/gone/xyz`,
        keys: browserKeys().keys,
      });
      await h.n.notifier.notify(rec(a.id));
      const failed = await eventually(() =>
        h!.n.store
          .deliveries({ userId: a.id, limit: 10 })
          .deliveries.find((d) => d.targetId === gone.body.id && d.status === 'failed'),
      );
      expect(failed.lastError).toMatch(/HTTP 410/);
      expect(h.n.store.pushSubscription(String(gone.body.id))).toBeUndefined();
      expect(h.n.store.pushSubscription(String(sub.body.id))).toBeDefined();

      // Unsubscribing removes it; a second time is a 404.
      const del = await h.api(a.token, 'DELETE', '/webpush/subscriptions', {
        endpoint: `${push.origin}/push/abc`,
      });
      expect(del.status).toBe(204);
      const again = await h.api(a.token, 'DELETE', '/webpush/subscriptions', {
        endpoint: `${push.origin}/push/abc`,
      });
      expect(again.status).toBe(404);
    } finally {
      await push.close();
    }
  });

  it('generates VAPID keys once, mode 0600, outside the repository; env keys win', () => {
    const tmp = tempDir('corriente-vapid-');
    try {
      const file = path.join(tmp.dir, 'secrets', 'vapid.json');
      const k1 = loadOrCreateVapidKeys(file, {});
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateVapidKeys(file, {})).toEqual(k1);
      const env = {
        CORRIENTE_VAPID_PUBLIC_KEY: k1.publicKey,
        CORRIENTE_VAPID_PRIVATE_KEY: k1.privateKey,
      };
      expect(loadOrCreateVapidKeys(path.join(tmp.dir, 'other.json'), env)).toEqual(k1);
      expect(() =>
        loadOrCreateVapidKeys(file, { CORRIENTE_VAPID_PUBLIC_KEY: k1.publicKey }),
      ).toThrow(/CORRIENTE_VAPID_PRIVATE_KEY.*privateKey/);
    } finally {
      tmp.cleanup();
    }
  });
});
