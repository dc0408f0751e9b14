import * as http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { openFxDatabase, type FxDatabase } from '../../../../src/fx/api/fx-database.js';
import { FxUsers } from '../../../../src/fx/api/users.js';
import {
  openEmbeddedNotifications,
  type EmbeddedNotifications,
} from '../../../../src/deploy/local/notifications.js';
import type { EndUserMessagingPush } from '../../../../src/fx/decisions/notify/end-user-messaging/end-user-messaging-push.js';
import { notifyConfigSchema } from '../../../../src/fx/decisions/notify/notify-config.js';
import type { NotificationRequest } from '../../../../src/fx/decisions/notify/notifier.js';
import { silentLogger } from '../../../../src/core/log/logger.js';
import { tempDir } from '../../../util/tmp.js';
import { ulid } from 'ulid';

export const PREFIX = '/api/fx/v1/notifications';

/** Test configuration: millisecond retries, loopback receivers allowed. */
export function testConfig(overrides: Record<string, unknown> = {}) {
  return notifyConfigSchema.parse({
    retry: { attempts: 3, baseMs: 5, capMs: 20 },
    dispatcher: { pollMs: 10, concurrency: 8, leaseMs: 1000 },
    webhooks: { allowPrivateTargets: ['127.0.0.1', '::1'], timeoutMs: 1000 },
    inApp: { heartbeatSeconds: 0.2 },
    ...overrides,
  });
}

export interface NotifyHarness {
  dir: string;
  db: FxDatabase;
  users: FxUsers;
  n: EmbeddedNotifications;
  app: FastifyInstance;
  base: string;
  user(name?: string): { id: string; token: string };
  api(
    token: string | undefined,
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; type: string }>;
  close(): Promise<void>;
}

export async function openNotifyHarness(
  options: {
    config?: ReturnType<typeof testConfig>;
    dir?: string;
    start?: boolean;
    /** Registers more routes (e.g. a test page) before the server listens. */
    extra?: (app: FastifyInstance) => void;
    /** Mobile push (End User Messaging over a mocked SDK client). */
    mobilePush?: EndUserMessagingPush;
  } = {},
): Promise<NotifyHarness> {
  const tmp = options.dir ? { dir: options.dir, cleanup: () => {} } : tempDir('corriente-notify-');
  const db = openFxDatabase(':memory:');
  const users = new FxUsers(db);
  const n = openEmbeddedNotifications({
    home: tmp.dir,
    config: options.config ?? testConfig(),
    log: silentLogger,
    env: {},
    ...(options.mobilePush ? { mobilePush: options.mobilePush } : {}),
  });
  if (options.start !== false) n.start();
  const app = Fastify();
  await app.register(n.routes(users), { prefix: PREFIX });
  options.extra?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${addr.port}`;
  return {
    dir: tmp.dir,
    db,
    users,
    n,
    app,
    base,
    user(name = 'Ana') {
      const ident = FxUsers.newIdentity();
      users.insert({ id: ident.id, name, createdAt: new Date().toISOString() }, ident.token);
      return ident;
    },
    async api(token, method, url, body) {
      const res = await fetch(`${base}${PREFIX}${url}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined
          ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
          : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    },
    async close() {
      await app.close();
      await n.close();
      db.close();
      tmp.cleanup();
    },
  };
}

/** A recommendation for a user. */
export function rec(
  userId: string,
  title = 'Buen momento para comprar dólares',
): NotificationRequest {
  return {
    id: ulid(),
    userId,
    kind: 'recomendacion',
    title,
    body: 'El dólar está por debajo de su promedio de 30 días.',
    data: { side: 'BUY', priceCop: 3950.5 },
    createdAt: new Date().toISOString(),
  };
}

export interface SseEvent {
  id: string;
  data: Record<string, unknown>;
}

/** A minimal SSE client over node:http (tests): collects events; `close()` drops the socket. */
export function sseClient(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  let status = 0;
  let buffer = '';
  const waiters: (() => void)[] = [];
  let req!: http.ClientRequest;
  let res: http.IncomingMessage | undefined;
  const opened = new Promise<number>((resolve, reject) => {
    req = http.get(url, { headers }, (r) => {
      res = r;
      status = r.statusCode ?? 0;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let id = '';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ id, data: JSON.parse(data.join('\n')) });
        }
        for (const w of waiters.splice(0)) w();
      });
      r.on('error', () => {});
      resolve(status);
    });
    req.on('error', reject);
  });
  return {
    events,
    opened,
    get status() {
      return status;
    },
    get response() {
      return res;
    },
    /** Resolves once `n` events arrived. */
    async waitFor(n: number, timeoutMs = 10_000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} of ${n} events arrived`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return events;
    },
    close() {
      req.destroy();
    },
  };
}
