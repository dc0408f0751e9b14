import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/core/event-log/event-log.js';
import { KinesisEventLog } from '../../src/core/event-log/kinesis/kinesis-event-log.js';
import { SqliteCheckpointStore } from '../../src/core/event-log/sqlite/sqlite-checkpoint-store.js';
import { createPgPool, migratePostgres, type PgPool } from '../../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../../src/deploy/state.js';
import { newEventId } from '../../src/fx/events.js';
import { PostgresPriceBook } from '../../src/fx/prices/postgres/postgres-price-book.js';
import { startKinesalite } from '../core/event-log/kinesalite-server.js';
import { eventually } from '../util/eventually.js';
import { postgresSkip, usePostgresDatabase } from '../util/postgres.js';
import { tempDir } from '../util/tmp.js';

/**
 * Three API instances as separate processes, each with its own home (no shared files), sharing
 * the machine's PostgreSQL (state) and a Kinesis stream on kinesalite (events).
 */
const ENTRY = path.resolve('dist/deploy/local/fx-api-instance.js');
const ADMIN = 'adm_prueba_compartida';
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
};

describe.skipIf(postgresSkip !== undefined)('FX API on PostgreSQL: three instances', () => {
  const db = usePostgresDatabase('api_instances');
  const t = tempDir('corriente-api-instances-');
  let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
  let streamName: string;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let pool: PgPool;

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    streamName = `fx-${randomUUID().slice(0, 8)}`;
    const client = new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesalite.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    });
    await KinesisEventLog.ensureStream(client, streamName, 2);
    client.destroy();
    pool = createPgPool({ url: db.url, poolSize: 2 });
    const config = path.join(t.dir, 'corriente.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        http: { port: 0 },
        fx: {
          eventLog: { type: 'kinesis', streamName, endpoint: kinesalite.endpoint },
          api: { rateLimitPerMinute: 100_000 },
        },
      }),
    );
    for (let i = 0; i < 3; i++) {
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
            ...CREDENTIALS,
            CORRIENTE_HOME: path.join(t.dir, `home-${i}`),
            CORRIENTE_CONFIG: config,
            CORRIENTE_DATABASE_URL: db.url,
            CORRIENTE_LOG_LEVEL: 'warn',
            CORRIENTE_ADMIN_TOKEN: ADMIN,
            CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
            CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
            CORRIENTE_WEBHOOK_SECRETS_KEY: 'k'.repeat(43),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      urls.push(
        await eventually(() => /listening on (\S+)/.exec(out)?.[1], {
          timeoutMs: 30_000,
          message: () => `instance ${i}: ${err}`,
        }),
      );
    }
    // The collector's part: a fresh price in the state store, announced to every instance.
    await migratePostgres(pool, STATE_MIGRATIONS);
    const book = await PostgresPriceBook.open({ pool });
    const now = new Date().toISOString();
    await book.record({
      type: 'PriceTick',
      version: 1,
      id: newEventId(),
      source: 'test',
      bidCopCents: 4_000_00,
      askCopCents: 4_010_00,
      midCopCents: 4_005_00,
      observedAt: now,
      ingestedAt: now,
    });
    await book.close();
    for (const url of urls) {
      await eventually(
        async () => (await fetch(`${url}/api/fx/v1/prices/latest`, { headers: auth(ADMIN) })).ok,
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)),
      ),
    );
    await pool?.end();
    await kinesalite?.stop();
    t.cleanup();
  });

  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const post = (url: string, token: string, key: string, body: unknown) =>
    fetch(`${url}/api/fx/v1/transactions`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
  const createUser = async (url: string, name: string, cop: number, usd: number) => {
    const r = await fetch(`${url}/api/fx/v1/admin/users`, {
      method: 'POST',
      headers: { ...auth(ADMIN), 'content-type': 'application/json' },
      body: JSON.stringify({ name, cop, usd }),
    });
    expect(r.status).toBe(201);
    return (await r.json()) as { id: string; token: string };
  };
  const usdOn = async (url: string, token: string): Promise<number> => {
    const r = await fetch(`${url}/api/fx/v1/portfolio`, { headers: auth(token) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { usd: number }).usd;
  };

  it('a user created through the admin API of instance 1 trades on instances 2 and 3', async () => {
    const u = await createUser(urls[0]!, 'Lucía', 1_000_000, 0);
    const buy = await post(urls[1]!, u.token, 'compra-1', { side: 'BUY', amountUsd: 10 });
    expect(buy.status).toBe(201);
    const sell = await post(urls[2]!, u.token, 'venta-1', { side: 'SELL', amountUsd: 4 });
    expect(sell.status).toBe(201);
    for (const url of urls) expect(await usdOn(url, u.token)).toBe(6);
    const list = await fetch(`${urls[2]}/api/fx/v1/transactions`, { headers: auth(u.token) });
    expect(((await list.json()) as { transactions: unknown[] }).transactions).toHaveLength(2);
  });

  it('300 concurrent SELL 1 USD over 3 instances against 100 USD: exactly 100 succeed', async () => {
    const u = await createUser(urls[1]!, 'Mateo', 0, 100);
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const r = await post(urls[i % 3]!, u.token, `venta-${i}`, { side: 'SELL', amountUsd: 1 });
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 409)).toHaveLength(200);
    for (const url of urls) expect(await usdOn(url, u.token)).toBe(0);
    // The rate limit counts the user's requests to every instance in one PostgreSQL counter
    // (300 orders and 3 portfolio reads; hits far from the limit are sent within 50 ms).
    const limitRows = async () =>
      (
        await pool.query<{ key: string; hits: number }>(
          `SELECT key, hits FROM http_rate_limits WHERE key = $1`,
          [u.id],
        )
      ).rows;
    let seen: { key: string; hits: number }[] = [];
    await eventually(
      async () => {
        seen = await limitRows();
        return seen.length === 1 && seen[0]!.hits === 300 + 3;
      },
      { message: () => `http_rate_limits: ${JSON.stringify(seen)}` },
    );
    expect(seen.map((r) => r.hits)).toEqual([300 + 3]);

    // Every executed order reaches the stream once (no crash here, so no repeats either).
    const log = new KinesisEventLog({
      streamName,
      checkpoints: new SqliteCheckpointStore({ path: path.join(t.dir, 'reader.db') }),
      client: new KinesisClient({
        region: 'us-east-1',
        endpoint: kinesalite.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
      }),
    });
    try {
      const mine = await eventually(
        async () => {
          const ids: string[] = [];
          let cursor: string | undefined;
          for (;;) {
            const page = await log.read(cursor, { max: 1000 });
            for (const r of page.records) {
              const e = parseJson(r) as { type: string; userId?: string; id: string };
              if (e.userId === u.id && e.type === 'TransactionExecuted') ids.push(e.id);
            }
            if (page.records.length === 0) break;
            cursor = page.next;
          }
          return ids.length >= 100 ? ids : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(mine).toHaveLength(100);
      expect(new Set(mine).size).toBe(100);
    } finally {
      await log.close();
    }
  });

  it('one Idempotency-Key sent to two instances executes once and answers the same id', async () => {
    const u = await createUser(urls[2]!, 'Sofía', 1_000_000, 0);
    const [a, b] = await Promise.all([
      post(urls[0]!, u.token, 'una-sola-vez', { side: 'BUY', amountUsd: 7 }),
      post(urls[1]!, u.token, 'una-sola-vez', { side: 'BUY', amountUsd: 7 }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { id: string }[];
    expect(ja!.id).toBe(jb!.id);
    expect(
      [a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].sort(),
    ).toEqual(['true', null].sort());
    expect(await usdOn(urls[2]!, u.token)).toBe(7);
  });
});
