import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, type PgPool } from '../../src/core/state/postgres/index.js';
import { SecretBox } from '../../src/fx/decisions/notify/channels/secret-box.js';
import { PostgresNotificationStore } from '../../src/fx/decisions/notify/postgres/index.js';
import { DEFAULT_PREFERENCES } from '../../src/fx/decisions/notify/preferences.js';
import { eventually } from '../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../util/postgres.js';
import { tempDir } from '../util/tmp.js';

/**
 * Two API instances as separate processes (own homes, no shared files) on one PostgreSQL state
 * store: stream tickets and SSE work across instances, and a notification committed by another
 * process (here the test, as the orchestrator would) reaches a stream open on either.
 */
const ENTRY = path.resolve('dist/deploy/local/fx-api-instance.js');
const ADMIN = 'adm_prueba_notificaciones';
const SECRETS_KEY = randomBytes(32).toString('base64url');

describe.skipIf(postgresSkip !== undefined)('notifications across API instances', () => {
  const db = usePostgresDatabase('notify_instances');
  const t = tempDir('corriente-notify-instances-');
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let pool: PgPool;
  let store: PostgresNotificationStore;

  beforeAll(async () => {
    const config = path.join(t.dir, 'corriente.config.json');
    writeFileSync(config, JSON.stringify({ http: { port: 0 } }));
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { runFxApiInstance } from ${JSON.stringify(ENTRY)}; await runFxApiInstance();`,
        ],
        {
          env: {
            ...process.env,
            CORRIENTE_HOME: path.join(t.dir, `home-${i}`),
            CORRIENTE_CONFIG: config,
            CORRIENTE_DATABASE_URL: db.url,
            CORRIENTE_LOG_LEVEL: 'warn',
            CORRIENTE_ADMIN_TOKEN: ADMIN,
            CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
            CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
            CORRIENTE_WEBHOOK_SECRETS_KEY: SECRETS_KEY,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      // One at a time: the first applies the migrations.
      urls.push(
        await eventually(() => /listening on (\S+)/.exec(out)?.[1], {
          timeoutMs: 60_000,
          message: () => `instance ${i}: ${err}`,
        }),
      );
    }
    pool = createPgPool({ url: db.url, poolSize: 4 });
    store = await PostgresNotificationStore.open({
      pool,
      secrets: new SecretBox(Buffer.from(SECRETS_KEY, 'base64url')),
    });
  }, 150_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
      ),
    );
    await store?.close();
    await pool?.end();
    t.cleanup();
  });

  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const createUser = async (url: string, name: string) => {
    const r = await fetch(`${url}/api/fx/v1/admin/users`, {
      method: 'POST',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify({ name, cop: 0, usd: 0 }),
    });
    expect(r.status).toBe(201);
    return (await r.json()) as { id: string; token: string };
  };
  const ticketFrom = async (url: string, token: string) => {
    const r = await fetch(`${url}/api/fx/v1/notifications/stream-ticket`, {
      method: 'POST',
      headers: auth(token),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as { ticket: string }).ticket;
  };

  /** An open SSE response: the text received so far. */
  async function openStream(url: string, ticket: string) {
    const abort = new AbortController();
    const res = await fetch(`${url}/api/fx/v1/notifications/stream?ticket=${ticket}`, {
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = { text: '', close: () => abort.abort() };
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          stream.text += decoder.decode(value, { stream: true });
        }
      } catch {
        // aborted
      }
    })();
    return stream;
  }

  const notification = (userId: string, id: string) => ({
    id,
    userId,
    kind: 'recomendacion' as const,
    title: 'Venda dólares',
    body: 'El precio subió',
    data: { n: id },
    createdAt: new Date().toISOString(),
  });

  it('a ticket issued by instance 1 opens the stream on instance 2, once', async () => {
    const u = await createUser(urls[0]!, 'Ana');
    const ticket = await ticketFrom(urls[0]!, u.token);
    const s = await openStream(urls[1]!, ticket);
    try {
      await eventually(() => s.text.includes(': conectado'));
      // Single use across instances: the row is gone wherever it is presented next.
      const again = await fetch(`${urls[0]}/api/fx/v1/notifications/stream?ticket=${ticket}`);
      expect(again.status).toBe(401);
      expect(((await again.json()) as { type: string }).type).toMatch(/invalid-ticket$/);
    } finally {
      s.close();
    }
  });

  it('an SSE client on instance 2 receives what another process enqueued', async () => {
    const u = await createUser(urls[0]!, 'Beto');
    // Preferences set through instance 1 are what the enqueuing process reads.
    const put = await fetch(`${urls[0]}/api/fx/v1/notifications/preferences`, {
      method: 'PUT',
      headers: { ...auth(u.token), 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'en' }),
    });
    expect(put.status).toBe(200);
    expect((await store.preferences(u.id))?.language).toBe('en');

    const s2 = await openStream(urls[1]!, await ticketFrom(urls[0]!, u.token));
    const s1 = await openStream(urls[0]!, await ticketFrom(urls[1]!, u.token));
    try {
      await eventually(() => s2.text.includes(': conectado') && s1.text.includes(': conectado'));
      await store.enqueue([notification(u.id, 'rec-uno')], DEFAULT_PREFERENCES);
      await store.enqueue([notification(u.id, 'rec-dos')], DEFAULT_PREFERENCES);
      // Both instances' streams get both, in order: nothing but NOTIFY wakes them (no poll).
      for (const s of [s2, s1]) {
        await eventually(() => s.text.includes('rec-dos'), { timeoutMs: 10_000 });
        const ids = [...s.text.matchAll(/"id":"(rec-[a-z]+)"/g)].map((m) => m[1]);
        expect(ids).toEqual(['rec-uno', 'rec-dos']);
      }
      // The inbox read through instance 2 is the same.
      const inbox = await fetch(`${urls[1]}/api/fx/v1/notifications/`, { headers: auth(u.token) });
      const body = (await inbox.json()) as { notifications: { id: string }[] };
      expect(body.notifications.map((n) => n.id)).toEqual(['rec-dos', 'rec-uno']);
    } finally {
      s1.close();
      s2.close();
    }
  });
});
