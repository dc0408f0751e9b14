import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { openEmbeddedNotifications } from '../../../../src/deploy/local/notifications.js';
import {
  defaultSecretsKeyPath,
  loadOrCreateSecretsKey,
  SecretBox,
} from '../../../../src/fx/decisions/notify/channels/secret-box.js';
import { silentLogger } from '../../../../src/core/log/logger.js';
import { tempDir } from '../../../util/tmp.js';
import { testConfig } from './harness.js';
import { startReceiver } from './receiver.js';
import { eventually } from '../../../util/eventually.js';

const dist = (p: string) => pathToFileURL(path.resolve('dist', p)).href;

// Runs in a child process (the compiled code): queues `count` notifications, prints `queued`
// once notify() resolved for all, then keeps delivering until killed.
const CHILD = `
const { openEmbeddedNotifications } = await import(${JSON.stringify(dist('deploy/local/notifications.js'))});
const { silentLogger } = await import(${JSON.stringify(dist('core/log/logger.js'))});
const [home, config, userId, count] = JSON.parse(process.argv[1]);
const n = openEmbeddedNotifications({ home, config, log: silentLogger, env: {} });
n.start();
const all = [];
for (let i = 0; i < count; i++) {
  all.push(n.notifier.notify({ id: 'rec-' + String(i).padStart(4, '0'), userId, kind: 'recomendacion',
    title: 'n' + i, body: 'b', data: { i }, createdAt: new Date().toISOString() }));
}
await Promise.all(all);
process.stdout.write('queued\\n');
setInterval(() => {}, 1000);
`;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('durable delivery queue', () => {
  it('a process killed with SIGKILL mid-delivery: everything is delivered after restart, each at least once', async () => {
    const tmp = tempDir('corriente-notify-kill-');
    cleanup.push(() => tmp.cleanup());
    // The receiver never answers until the restart: deliveries are in flight at the kill.
    const r = await startReceiver([], 200);
    cleanup.push(() => r.close());
    const config = testConfig({
      dispatcher: { pollMs: 10, concurrency: 8, leaseMs: 1000 },
      webhooks: { allowPrivateTargets: ['127.0.0.1'], timeoutMs: 60_000 },
    });
    const userId = 'u_01JTESTUSER0000000000000000';
    // The key the child's notifications will load from the same home.
    const secrets = new SecretBox(loadOrCreateSecretsKey(defaultSecretsKeyPath(tmp.dir), {}));
    const seed = new SqliteNotificationStore({
      path: path.join(tmp.dir, config.databasePath),
      ...{ secrets },
    });
    seed.addWebhook(userId, r.url, 'whsec_test', 5);
    seed.close();
    const count = 200;
    r.fallback = 'hang';

    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', CHILD, JSON.stringify([tmp.dir, config, userId, count])],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => out.includes('queued'), 30_000);
    await eventually(() => r.received.length >= 8, 30_000);
    const exited = new Promise((res) => child.on('exit', res));
    child.kill('SIGKILL');
    await exited;
    const inFlightAtKill = r.received.length;
    expect(inFlightAtKill).toBe(8); // the configured concurrency

    r.fallback = 200;
    const n = openEmbeddedNotifications({ home: tmp.dir, config, log: silentLogger, env: {} });
    cleanup.push(() => n.close());
    n.start();
    const store = n.store;
    await eventually(
      () =>
        store
          .deliveries({ limit: 1000 })
          .deliveries.filter((d) => d.channel === 'webhook' && d.status === 'sent').length ===
        count,
      30_000,
    );
    const byDelivery = new Map<string, number>();
    for (const q of r.received) {
      const id = String(q.headers['x-corriente-delivery']);
      byDelivery.set(id, (byDelivery.get(id) ?? 0) + 1);
    }
    const titles = new Set(r.received.map((q) => JSON.parse(q.body).notification.title));
    expect(titles.size).toBe(count);
    expect(byDelivery.size).toBe(count);
    // Only the attempts in flight at the kill were repeated (at-least-once, same delivery id).
    const repeated = [...byDelivery.values()].filter((v) => v > 1).length;
    expect(repeated).toBe(inFlightAtKill);
    expect(r.received.length).toBe(count + repeated);
  });
});
