import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerFx } from '../../../../src/cli/commands/fx.js';
import { registerFxNotifications } from '../../../../src/cli/commands/fx-notifications.js';
import { verifyWebhookSignature } from '../../../../src/fx/decisions/notify/channels/webhook-signature.js';
import { openNotifyHarness, rec, testConfig, type NotifyHarness } from './harness.js';
import { startReceiver } from './receiver.js';
import { eventually } from '../../../util/eventually.js';

let h: NotifyHarness | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of closers.splice(0)) await c();
  await h?.close();
  h = undefined;
});

async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  closers.push(() => r.close());
  return r;
}

async function subscribe(h: NotifyHarness, token: string, url: string) {
  const res = await h.api(token, 'POST', '/webhooks', { url });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
}

describe('webhooks to real loopback receivers', () => {
  it('delivers a signed POST the receiver can verify with the secret shown once', async () => {
    h = await openNotifyHarness();
    const r = await receiver();
    const a = h.user();
    const hook = await subscribe(h, a.token, r.url);
    const n = rec(a.id);
    await h.n.notifier.notify(n);
    await eventually(() => r.received.length === 1);
    const got = r.received[0]!;
    const sig = got.headers['x-corriente-signature'] as string;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(hook.secret, got.body, sig)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', got.body, sig)).toBe(false);
    expect(verifyWebhookSignature(hook.secret, `${got.body} `, sig)).toBe(false);
    expect(
      verifyWebhookSignature(hook.secret, got.body, sig, {
        nowSeconds: Math.floor(Date.now() / 1000) + 3600,
      }),
    ).toBe(false);
    const body = JSON.parse(got.body);
    expect(body).toEqual({
      deliveryId: got.headers['x-corriente-delivery'],
      topic: 'recomendaciones',
      notification: {
        id: n.id,
        kind: 'recomendacion',
        title: n.title,
        body: n.body,
        data: n.data,
        createdAt: n.createdAt,
      },
    });
    const log = await eventually(async () => {
      const d = (await h!.api(a.token, 'GET', '/deliveries')).body.deliveries as {
        channel: string;
        status: string;
      }[];
      return d.find((x) => x.channel === 'webhook' && x.status === 'sent') ? d : undefined;
    });
    expect(log.find((x) => x.channel === 'webhook')).toMatchObject({
      id: got.headers['x-corriente-delivery'],
      targetId: hook.id,
      attempts: 1,
      lastError: null,
    });
    // The secret is never shown again.
    expect(JSON.stringify((await h.api(a.token, 'GET', '/webhooks')).body)).not.toContain(
      hook.secret,
    );
  });

  it('retries 500s and timeouts with the same delivery id until the receiver accepts', async () => {
    h = await openNotifyHarness({
      config: testConfig({
        retry: { attempts: 5, baseMs: 5, capMs: 20 },
        webhooks: { allowPrivateTargets: ['127.0.0.1'], timeoutMs: 150 },
      }),
    });
    const r = await receiver([500, 'hang', 503]);
    const a = h.user();
    await subscribe(h, a.token, r.url);
    await h.n.notifier.notify(rec(a.id));
    await eventually(() => r.received.length === 4);
    const ids = new Set(r.received.map((x) => x.headers['x-corriente-delivery']));
    expect(ids.size).toBe(1);
    const d = await eventually(() =>
      h!.n.store
        .deliveries({ limit: 10 })
        .deliveries.find((x) => x.status === 'sent' && x.channel === 'webhook'),
    );
    expect(d.attempts).toBe(4);
    // A second notification, delivered at the first attempt: by then a stray retry of the sent
    // delivery would have gone out too.
    await h.n.notifier.notify(rec(a.id));
    await eventually(() => r.received.length >= 5);
    await eventually(
      () =>
        h!.n.store
          .deliveries({ limit: 10 })
          .deliveries.filter((x) => x.status === 'sent' && x.channel === 'webhook').length === 2,
    );
    expect(r.received).toHaveLength(5);
    expect(r.received.filter((x) => x.headers['x-corriente-delivery'] === d.id)).toHaveLength(4);
  });

  it('dead-letters after N attempts; the CLI lists and replays it', async () => {
    const config = testConfig({ retry: { attempts: 3, baseMs: 5, capMs: 10 } });
    h = await openNotifyHarness({ config });
    const r = await receiver([], 500);
    const a = h.user();
    await subscribe(h, a.token, r.url);
    const n = rec(a.id);
    await h.n.notifier.notify(n);
    const dead = await eventually(() => h!.n.store.deadLetters()[0]);
    expect(r.received).toHaveLength(3);
    expect(dead).toMatchObject({
      notificationId: n.id,
      userId: a.id,
      channel: 'webhook',
      status: 'dead',
      attempts: 3,
    });
    expect(dead.lastError).toMatch(/^HTTP 500: fallo \(after 3 attempts\)$/);
    await h.n.dispatcher.stop();

    // The CLI, on the same home, with the same operator allow-list.
    const cfg = path.join(h.dir, 'corriente.config.json');
    writeFileSync(cfg, JSON.stringify({ fx: { notifications: { ...config } } }));
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const cli = async (...args: string[]) => {
      out.length = 0;
      const program = new Command()
        .option('--home <dir>')
        .option('-c, --config <file>')
        .exitOverride();
      registerFxNotifications(registerFx(program));
      await program.parseAsync(['node', 'corriente', '--home', h!.dir, '-c', cfg, ...args]);
      return out.join('');
    };
    const listed = JSON.parse(await cli('fx', 'notifications', 'dead-letters', 'list', '--json'));
    expect(listed.map((d: { id: string }) => d.id)).toEqual([dead.id]);
    expect(await cli('fx', 'notifications', 'deliveries', '--user', a.id)).toContain(
      `${dead.id}  dead`,
    );
    await expect(
      cli('fx', 'notifications', 'dead-letters', 'replay', '--id', 'nope'),
    ).rejects.toThrow(/--id: not a dead letter: nope/);
    await expect(cli('fx', 'notifications', 'deliveries', '--user', 'bob')).rejects.toThrow(
      /--user: must be a user id/,
    );

    r.fallback = 200;
    const replayed = JSON.parse(
      await cli('fx', 'notifications', 'dead-letters', 'replay', '--id', dead.id, '--json'),
    );
    expect(replayed).toEqual([
      expect.objectContaining({ id: dead.id, status: 'sent', attempts: 1 }),
    ]);
    expect(r.received).toHaveLength(4);
    expect(r.received[3]!.headers['x-corriente-delivery']).toBe(dead.id);
    expect(await cli('fx', 'notifications', 'dead-letters', 'list')).toBe('no dead letters\n');
  });

  it('sends nothing to a user who switched webhooks off', async () => {
    h = await openNotifyHarness();
    const r = await receiver();
    const a = h.user();
    await subscribe(h, a.token, r.url);
    await h.api(a.token, 'PUT', '/preferences', { channels: { webhook: false } });
    const n = rec(a.id);
    await h.n.notifier.notify(n);
    // Queued (notify resolved) without any webhook delivery.
    const queued = h.n.store.deliveries({ userId: a.id, limit: 100 }).deliveries;
    expect(queued.filter((x) => x.channel === 'webhook')).toEqual([]);
    // Another user with webhooks on, on the same receiver: once theirs has arrived, the
    // dispatcher has run past the first notification.
    const b = h.user();
    await subscribe(h, b.token, r.url);
    await h.n.notifier.notify(rec(b.id));
    await eventually(() => r.received.length >= 1);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.body).not.toContain(n.id);
  });
});
