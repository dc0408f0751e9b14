import { afterEach, describe, expect, it } from 'vitest';
import {
  SsrfGuard,
  UnsafeTargetError,
} from '../../../../src/fx/decisions/notify/channels/ssrf-guard.js';
import { WebhookSender } from '../../../../src/fx/decisions/notify/channels/webhook-sender.js';
import type {
  DeliveryRecord,
  StoredNotification,
} from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { openNotifyHarness, testConfig, type NotifyHarness } from './harness.js';
import { startReceiver } from './receiver.js';

let h: NotifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('SSRF guard', () => {
  it('refuses internal targets at registration when not allow-listed', async () => {
    h = await openNotifyHarness({ config: testConfig({ webhooks: { allowPrivateTargets: [] } }) });
    const a = h.user();
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.1.2.3/hook',
      'http://192.168.1.10/hook',
      'http://172.20.0.5/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://[fd12::1]/hook',
      'http://[fe80::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/hook',
      'http://100.64.0.1/hook',
      'http://224.0.0.1/hook',
      'http://localhost:8080/hook',
    ]) {
      const r = await h.api(a.token, 'POST', '/webhooks', { url });
      expect(r.status, url).toBe(400);
      expect(r.body.type, url).toBe('urn:corriente:problem:unsafe-target');
      expect(r.body.detail, url).toMatch(/^url: refused target .*(private|loopback)/);
    }
    const file = await h.api(a.token, 'POST', '/webhooks', { url: 'file:///etc/passwd' });
    expect(file.status).toBe(400);
    expect(file.body.detail).toMatch(/url: must be an http\(s\) URL/);
    const push = await h.api(a.token, 'POST', '/webpush/subscriptions', {
      endpoint: 'http://169.254.169.254/push',
      keys: { p256dh: Buffer.alloc(65, 4).toString('base64url'), auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(push.status).toBe(400);
    expect(push.body.detail).toMatch(/^endpoint: refused target/);
    expect((await h.api(a.token, 'GET', '/webhooks')).body.webhooks).toEqual([]);
  });

  it('classifies addresses; the allow-list admits IPs and CIDRs', async () => {
    const g = new SsrfGuard(['127.0.0.1', '::1', '10.0.0.0/8']);
    expect(g.refusal('127.0.0.1')).toBeUndefined();
    expect(g.refusal('127.0.0.2')).toMatch(/private|loopback/);
    expect(g.refusal('10.200.1.1')).toBeUndefined();
    expect(g.refusal('::ffff:7f00:2')).toMatch(/loopback/);
    expect(g.refusal('8.8.8.8')).toBeUndefined();
    expect(g.refusal('2001:4860:4860::8888')).toBeUndefined();
    await expect(g.resolve('http://user:pw@8.8.8.8/')).rejects.toThrow(/credentials/);
    await expect(g.resolve('gopher://8.8.8.8/')).rejects.toThrow(UnsafeTargetError);
    await expect(new SsrfGuard([]).resolve('http://localhost/')).rejects.toThrow(
      /refused target localhost/,
    );
    // Allow-listed, a name resolving to loopback is admitted and pinned to the checked address.
    expect((await g.resolve('http://localhost:9/x')).address).toMatch(/^(127\.0\.0\.1|::1)$/);
    await expect(g.resolve('http://no-such-host.invalid/')).rejects.toThrow(/cannot be resolved/);
  });

  it('judges IPv6 forms that embed an IPv4 address by that address; refuses ::/96', async () => {
    const g = new SsrfGuard([]);
    for (const a of [
      '::127.0.0.1', // IPv4-compatible (deprecated): never reached
      '::7f00:1',
      '::8.8.8.8',
      '64:ff9b::127.0.0.1', // NAT64 to loopback
      '64:ff9b::a00:1', // NAT64 to 10.0.0.1
      '64:ff9b::169.254.169.254',
      '2002:7f00:1::', // 6to4 of 127.0.0.1
      '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
      '2002:c0a8:0101:1::1', // 6to4 of 192.168.1.1
      '0:0:0:0:0:ffff:7f00:1',
    ]) {
      expect(g.refusal(a), a).toBeDefined();
    }
    // Public IPv4 addresses behind NAT64 and 6to4 are fine.
    expect(g.refusal('64:ff9b::808:808')).toBeUndefined();
    expect(g.refusal('2002:808:808::1')).toBeUndefined();
    await expect(g.resolve('http://[::127.0.0.1]/hook')).rejects.toThrow(/::\/96/);
    await expect(g.resolve('http://[64:ff9b::7f00:1]/hook')).rejects.toThrow(/loopback/);
    await expect(g.resolve('http://[2002:7f00:1::]/hook')).rejects.toThrow(/loopback/);
  });

  it('checks again at delivery: a target allowed at registration but not now is not contacted', async () => {
    const r = await startReceiver();
    try {
      const sender = new WebhookSender({
        webhooks: {
          webhook: () => ({
            id: 'wh_1',
            userId: 'u_1',
            url: r.url,
            secret: 's',
            createdAt: new Date().toISOString(),
          }),
        },
        guard: new SsrfGuard([]),
        topic: 'recomendaciones',
        timeoutMs: 500,
        maxResponseBytes: 100,
      });
      const outcome = await sender.send(
        { id: 'd1', userId: 'u_1', targetId: 'wh_1', channel: 'webhook' } as DeliveryRecord,
        { id: 'n1', title: 't', body: 'b', data: {} } as unknown as StoredNotification,
      );
      expect(outcome).toEqual({
        ok: false,
        retry: true,
        error: expect.stringMatching(/refused target 127\.0\.0\.1/),
      });
      expect(r.received).toHaveLength(0);
    } finally {
      await r.close();
    }
  });
});
