import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgPool, migratePostgres } from '../../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../../src/deploy/state.js';
import { SecretBox } from '../../src/fx/decisions/notify/channels/secret-box.js';
import { PostgresNotificationStore } from '../../src/fx/decisions/notify/postgres/index.js';
import { DEFAULT_PREFERENCES } from '../../src/fx/decisions/notify/preferences.js';
import { eventually } from '../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../util/postgres.js';
import { seededRandom } from '../util/random.js';
import { tempDir } from '../util/tmp.js';
import { startWebhookReceiver } from '../util/webhook-receiver.js';

/**
 * Two `corriente up --roles dispatcher` processes (own homes) on one PostgreSQL delivery queue,
 * and a local webhook receiver counting delivery ids. One dispatcher is SIGKILLed at a seeded
 * random moment; the other takes over its expired leases. Every notification is delivered on the
 * webhook channel under exactly one delivery id; the only repeats are deliveries the killed
 * process had in flight (at most its concurrency), which receivers drop by delivery id.
 */
const CLI = path.resolve('dist/cli/main.js');
const SECRETS_KEY = randomBytes(32).toString('base64url');
const CONCURRENCY = 4;
const USERS = 20;
const BURSTS = 10;

describe.skipIf(postgresSkip !== undefined)('dispatchers on one PostgreSQL queue', () => {
  const db = usePostgresDatabase('dispatchers_kill');
  const t = tempDir('corriente-dispatchers-');
  const children: ChildProcess[] = [];
  let closeReceiver: (() => void) | undefined;

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null ? undefined : once(c, 'exit'),
      ),
    );
    closeReceiver?.();
    t.cleanup();
  });

  it('SIGKILL of one dispatcher: every notification delivered once per channel', async () => {
    const rnd = seededRandom('dispatchers-kill');
    const secrets = new Map<string, string>(); // user → webhook secret
    // A short, varying answer time: deliveries are in flight when the kill lands.
    const hooks = await startWebhookReceiver(secrets, () => 5 + Math.floor(rnd.next() * 40));
    closeReceiver = hooks.close;
    const { received, port } = hooks;

    const pool = createPgPool({ url: db.url, poolSize: 4 });
    await migratePostgres(pool, STATE_MIGRATIONS);
    const store = await PostgresNotificationStore.open({
      pool,
      secrets: new SecretBox(Buffer.from(SECRETS_KEY, 'base64url')),
    });
    try {
      const config = path.join(t.dir, 'corriente.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          fx: {
            notifications: {
              webhooks: { allowPrivateTargets: ['127.0.0.1'] },
              dispatcher: { pollMs: 50, concurrency: CONCURRENCY, leaseMs: 1000 },
              retry: { attempts: 30, baseMs: 50, capMs: 500 },
            },
          },
        }),
      );
      const start = (i: number): Promise<void> => {
        const child = spawn(
          process.execPath,
          [CLI, 'up', '--no-demo', '--config', config, '--roles', 'dispatcher'],
          {
            env: {
              ...process.env,
              CORRIENTE_HOME: path.join(t.dir, `dispatcher-${i}`),
              CORRIENTE_DATABASE_URL: db.url,
              CORRIENTE_LOG_LEVEL: 'warn',
              CORRIENTE_ADMIN_TOKEN: 'adm_dispatchers',
              CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
              CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
              CORRIENTE_WEBHOOK_SECRETS_KEY: SECRETS_KEY,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        children.push(child);
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        return eventually(() => out.includes('corriente is up'), {
          timeoutMs: 120_000,
          message: () => `dispatcher ${i}: ${out}`,
        }).then(() => undefined);
      };
      await Promise.all([start(0), start(1)]);

      // Users with a webhook each (sealed with the key the dispatchers share).
      const users = Array.from({ length: USERS }, (_, i) => `u-${i}`);
      for (const u of users) {
        const secret = `whsec_${randomBytes(16).toString('hex')}`;
        secrets.set(u, secret);
        await store.addWebhook(u, `http://127.0.0.1:${port}/hook?u=${u}`, secret, 5);
      }
      const total = USERS * BURSTS;
      const killAt = rnd.int(10, total / 2);
      let killed = false;
      const victim = children[0]!;
      const watch = (async () => {
        await eventually(() => new Set(received.map((r) => r.id)).size >= killAt, {
          timeoutMs: 120_000,
        });
        victim.kill('SIGKILL');
        await once(victim, 'exit');
        killed = true;
      })();
      // The orchestrator's part: bursts of recommendations.
      for (let b = 0; b < BURSTS; b++) {
        await store.enqueue(
          users.map((u) => ({
            id: `rec-${b}-${u}`,
            userId: u,
            kind: 'recomendacion' as const,
            title: 'Compre dólares',
            body: 'El precio bajó',
            data: { b },
            createdAt: new Date().toISOString(),
          })),
          DEFAULT_PREFERENCES,
        );
        await delay(100);
      }
      await watch;
      expect(killed).toBe(true);

      const rows = async () =>
        (
          await pool.query<{
            id: string;
            notification_id: string;
            channel: string;
            status: string;
            attempts: number;
          }>('SELECT id, notification_id, channel, status, attempts FROM fx_deliveries')
        ).rows;
      await eventually(
        async () => {
          const r = await rows();
          const hooks = r.filter((d) => d.channel === 'webhook');
          const got = new Set(received.map((x) => x.id));
          return (
            hooks.length === total &&
            hooks.every((d) => d.status === 'sent') &&
            hooks.every((d) => got.has(d.id))
          );
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
      const all = await rows();
      const hooks = all.filter((d) => d.channel === 'webhook');
      // One delivery id per notification and channel target…
      for (const channel of ['webhook', 'inApp']) {
        const per = new Map<string, number>();
        for (const d of all.filter((x) => x.channel === channel)) {
          per.set(d.notification_id, (per.get(d.notification_id) ?? 0) + 1);
        }
        expect(per.size).toBe(total);
        expect([...per.values()].every((c) => c === 1)).toBe(true);
      }
      // …and the receiver got exactly those ids, each signed with its user's secret.
      expect(new Set(received.map((r) => r.id))).toEqual(new Set(hooks.map((d) => d.id)));
      expect(received.every((r) => r.signed)).toBe(true);
      // Repeats only of what the killed dispatcher had in flight, sent again after its lease expired.
      const seen = new Map<string, number>();
      for (const r of received) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
      const repeated = [...seen].filter(([, c]) => c > 1).map(([id]) => id);
      expect(repeated.length).toBeLessThanOrEqual(CONCURRENCY);
      const attempts = new Map(hooks.map((d) => [d.id, d.attempts]));
      for (const id of repeated) expect(attempts.get(id)).toBeGreaterThanOrEqual(2);
      expect([...seen.values()].every((c) => c <= 2)).toBe(true);
      // The survivor kept delivering after the kill.
      expect(received.length).toBeGreaterThan(killAt);
    } finally {
      await store.close();
      await pool.end();
    }
  }, 400_000);
});
