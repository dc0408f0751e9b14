import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { KinesisEventLog } from '../../../src/core/event-log/kinesis/kinesis-event-log.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/sqlite-checkpoint-store.js';
import { handler as apiHandler } from '../../../src/deploy/aws/api-gateway-handler.js';
import { handler as collectorHandler } from '../../../src/deploy/aws/price-collector-handler.js';
import { startKinesalite } from '../../core/event-log/kinesalite-server.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';

const ADMIN = 'adm_lambda';
const ENV = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  CORRIENTE_ADMIN_TOKEN: ADMIN,
  CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
  CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
  CORRIENTE_WEBHOOK_SECRETS_KEY: 'k'.repeat(43),
};

function httpEvent(method: string, rawPath: string, token: string, body?: unknown, extra = {}) {
  return {
    version: '2.0',
    rawPath,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...extra,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
    requestContext: { http: { method } },
  };
}

describe.skipIf(postgresSkip !== undefined)(
  'Lambda handlers api and collector on PostgreSQL',
  () => {
    const db = usePostgresDatabase('lambda_handlers');
    const t = tempDir('corriente-lambda-pg-');
    let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
    let client: KinesisClient;
    let streamName: string;
    const saved = { ...process.env };

    beforeAll(async () => {
      kinesalite = await startKinesalite();
      client = new KinesisClient({
        region: 'us-east-1',
        endpoint: kinesalite.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
      });
      streamName = `fx-${randomUUID().slice(0, 8)}`;
      await KinesisEventLog.ensureStream(client, streamName, 1);
      const config = path.join(t.dir, 'corriente.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          fx: { eventLog: { type: 'kinesis', streamName, endpoint: kinesalite.endpoint } },
        }),
      );
      Object.assign(process.env, ENV, {
        CORRIENTE_CONFIG: config,
        CORRIENTE_HOME: path.join(t.dir, 'tmp'),
        CORRIENTE_DATABASE_URL: db.url,
      });
    });

    afterAll(async () => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      client?.destroy();
      await kinesalite?.stop();
      t.cleanup();
    });

    it('a collected price is traded on through the api handler, and the trade reaches the stream', async () => {
      const collected = await collectorHandler({
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: new Date().toISOString(),
      });
      expect(collected.status).toBe('appended');
      const latest = await apiHandler(httpEvent('GET', '/api/fx/v1/prices/latest', ADMIN));
      expect(latest.statusCode).toBe(200);
      const created = await apiHandler(
        httpEvent('POST', '/api/fx/v1/admin/users', ADMIN, { name: 'Lambda', cop: 1_000_000 }),
      );
      expect(created.statusCode, created.body).toBe(201);
      const user = JSON.parse(created.body) as { id: string; token: string };
      const buy = await apiHandler(
        httpEvent(
          'POST',
          '/api/fx/v1/transactions',
          user.token,
          { side: 'BUY', amountUsd: 3 },
          {
            'idempotency-key': 'lambda-1',
          },
        ),
      );
      expect(buy.statusCode, buy.body).toBe(201);
      const txId = (JSON.parse(buy.body) as { id: string }).id;
      // The handler relayed the outbox before returning: the stream has the events now.
      const log = new KinesisEventLog({
        streamName,
        client,
        checkpoints: new SqliteCheckpointStore({ path: path.join(t.dir, 'reader.db') }),
      });
      const page = await log.read(undefined, { max: 100 });
      const events = page.records.map(
        (r) => parseJson(r) as { type: string; id: string; userId?: string },
      );
      expect(events.map((e) => e.type)).toEqual([
        'PriceTick',
        'AccountOpened',
        'TransactionExecuted',
      ]);
      expect(events[2]!.id).toBe(txId);
      await log.close();
    });
  },
);
