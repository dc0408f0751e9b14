/**
 * Each Lambda bundle (`npm run bundle`'s output) runs in a child Node 22 process — Lambda's
 * `nodejs22.x` — with only its own file and the environment a function gets, against s3rver,
 * kinesalite, dynalite and the machine's PostgreSQL; the test checks each handler's effect.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { KinesisEventLog } from '../../../src/core/event-log/kinesis/kinesis-event-log.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/sqlite-checkpoint-store.js';
import { listAll } from '../../../src/core/object-store/object-store.js';
import { S3ObjectStore } from '../../../src/core/object-store/s3/s3-object-store.js';
import { manifestKeyForRaw } from '../../../src/energy/ingest/manifest.js';
import {
  createPortfolioTable,
  DynamoDbPortfolioStore,
} from '../../../src/fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import {
  bundleLambdas,
  NativeModuleInBundleError,
  type LambdaBundle,
} from '../../../tools/bundle/lambda-bundles.js';
import { startKinesalite } from '../../core/event-log/kinesalite-server.js';
import { buy, opened } from '../../fx/portfolio/fixtures.js';
import { startDynalite, type DynaliteServer } from '../../fx/portfolio/dynalite-server.js';
import { node22Binary, runBundle } from '../../util/node22.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';
import { startS3rver, type S3rverProcess } from '../../util/s3rver-process.js';
import { tempDir } from '../../util/tmp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SOURCE = 'bundle-source';
const LAKE = 'bundle-datalake';
const ADMIN = 'admin-token-of-the-bundle-test-0123456789';
const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';

it('a handler whose imports reach better-sqlite3 or DuckDB fails the bundle build, naming the importer', async () => {
  const t = tempDir('corriente-bundle-native-');
  try {
    const attempt = bundleLambdas({
      root: ROOT,
      outDir: t.dir,
      handlers: { embedded: 'src/deploy/adapters.ts' },
    });
    await expect(attempt).rejects.toThrow(NativeModuleInBundleError);
    await expect(attempt).rejects.toThrow(
      /embedded Lambda bundle would load native modules: better-sqlite3 imported by .*sqlite/,
    );
  } finally {
    t.cleanup();
  }
}, 120_000);

describe.skipIf(postgresSkip !== undefined)(
  'Lambda bundles on Node 22 against the emulators',
  () => {
    const db = usePostgresDatabase('lambda_bundles');
    const t = tempDir('corriente-bundles-');
    let bundles: Map<string, LambdaBundle>;
    let node: string;
    let s3rver: S3rverProcess;
    let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
    let dynalite: DynaliteServer;
    let s3: S3Client;
    let kinesis: KinesisClient;
    let env: Record<string, string>;
    const streamName = `fx-${randomUUID().slice(0, 8)}`;
    const tableName = `portafolios-${randomUUID().slice(0, 8)}`;
    const cwd = path.join(t.dir, 'cwd');

    beforeAll(async () => {
      mkdirSync(cwd);
      bundles = new Map(
        (await bundleLambdas({ root: ROOT, outDir: path.join(t.dir, 'build') })).map((b) => [
          b.name,
          b,
        ]),
      );
      node = node22Binary();
      [s3rver, kinesalite, dynalite] = await Promise.all([
        startS3rver([SOURCE, LAKE]),
        startKinesalite(),
        startDynalite(),
      ]);
      s3 = new S3Client({
        region: 'us-east-1',
        endpoint: s3rver.endpoint,
        forcePathStyle: true,
        credentials: s3rver.credentials,
        requestHandler: new NodeHttpHandler(),
      });
      kinesis = new KinesisClient({
        region: 'us-east-1',
        endpoint: kinesalite.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: new NodeHttpHandler(),
      });
      await KinesisEventLog.ensureStream(kinesis, streamName, 1);
      const dynamo = dynalite.client();
      await createPortfolioTable(dynamo, tableName);
      dynamo.destroy();
      const s3Store = { type: 's3', endpoint: s3rver.endpoint, forcePathStyle: true };
      env = {
        CORRIENTE_CONFIG_JSON: JSON.stringify({
          log: { level: 'warn' },
          stores: {
            source: { ...s3Store, bucket: SOURCE, prefix: 'landing/' },
            datalake: { ...s3Store, bucket: LAKE },
          },
          fx: {
            eventLog: { type: 'kinesis', streamName, endpoint: kinesalite.endpoint },
            portfolioStore: { type: 'dynamodb', tableName, endpoint: dynalite.endpoint },
          },
        }),
        CORRIENTE_DATABASE_URL: db.url,
        CORRIENTE_HOME: path.join(t.dir, 'home'),
        // The emulators' credentials (s3rver checks signatures; the others accept any).
        AWS_ACCESS_KEY_ID: s3rver.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3rver.credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
        CORRIENTE_ADMIN_TOKEN: ADMIN,
        CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
        CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
        CORRIENTE_WEBHOOK_SECRETS_KEY: 'k'.repeat(43),
      };
    }, 600_000);

    afterAll(async () => {
      s3?.destroy();
      kinesis?.destroy();
      await Promise.all([s3rver?.stop(), kinesalite?.stop(), dynalite?.stop()]);
      t.cleanup();
    });

    const run = (name: string, event: unknown) =>
      runBundle(node, bundles.get(name)!.file, event, env, cwd);

    it('builds one ESM file per handler', () => {
      expect([...bundles.keys()].sort()).toEqual([
        'api',
        'kinesis-processor',
        'price-collector',
        's3-ingestion',
      ]);
      for (const b of bundles.values()) expect(path.basename(b.file)).toBe('index.mjs');
    });

    it('s3-ingestion: an ObjectCreated event writes the raw object and its manifest', async () => {
      const source = new S3ObjectStore({ bucket: SOURCE, prefix: 'landing/', client: s3 });
      const datalake = new S3ObjectStore({ bucket: LAKE, client: s3 });
      await source.put('clientes lambda.csv', CLIENTES);
      const { result } = await run('s3-ingestion', {
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: {
              s3SchemaVersion: '1.0',
              bucket: { name: SOURCE, arn: `arn:aws:s3:::${SOURCE}` },
              object: { key: 'landing/clientes+lambda.csv', size: CLIENTES.length, eTag: 'x' },
            },
          },
        ],
      });
      const files = (result as { files: { status: string; entity: string; rawKey: string }[] })
        .files;
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({ status: 'loaded', entity: 'clientes' });
      const rawKey = files[0]!.rawKey;
      expect(rawKey).toMatch(
        /^raw\/clientes\/year=\d{4}\/month=\d{2}\/day=\d{2}\/clientes lambda\.csv$/,
      );
      expect((await datalake.get(rawKey)).toString()).toBe(CLIENTES);
      expect(await datalake.head(manifestKeyForRaw(rawKey))).toBeDefined();
      expect(await source.head('clientes lambda.csv')).toBeUndefined();
      // The claim of the raw key is in the PostgreSQL state store, not in the container.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const r = await client.query<{ raw_key: string }>(
          'SELECT raw_key FROM corriente_ingest_raw_key_claims',
        );
        expect(r.rows.map((x) => x.raw_key)).toEqual([rawKey]);
      } finally {
        await client.end();
      }
    }, 300_000);

    it('api: an API Gateway v2 POST creates a user (201)', async () => {
      const { result } = await run('api', {
        version: '2.0',
        routeKey: '$default',
        rawPath: '/api/fx/v1/admin/users',
        rawQueryString: '',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        requestContext: {
          http: { method: 'POST', path: '/api/fx/v1/admin/users', sourceIp: '203.0.113.9' },
          requestId: 'req-1',
          stage: '$default',
        },
        body: JSON.stringify({ name: 'Lambda', cop: 1_000_000 }),
        isBase64Encoded: false,
      });
      const r = result as { statusCode: number; body: string };
      expect(r.statusCode, r.body).toBe(201);
      const user = JSON.parse(r.body) as { id: string; token: string };
      expect(user.id).toBeTruthy();
      expect(user.token).toBeTruthy();
    }, 300_000);

    it('price-collector: a scheduled event records a tick in the PostgreSQL price book and the stream', async () => {
      const { result } = await run('price-collector', {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/corriente-prices'],
        detail: {},
      });
      expect(result).toMatchObject({ status: 'appended' });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM fx_prices');
        expect(Number(r.rows[0]!.n)).toBeGreaterThanOrEqual(1);
      } finally {
        await client.end();
      }
      const log = new KinesisEventLog({
        streamName,
        client: kinesis,
        checkpoints: new SqliteCheckpointStore({ path: path.join(t.dir, 'reader.db') }),
      });
      try {
        const page = await log.read(undefined, { max: 100 });
        const types = page.records.map((r) => (parseJson(r) as { type: string }).type);
        expect(types).toContain('PriceTick');
      } finally {
        await log.close();
      }
    }, 300_000);

    it('kinesis-processor: a Kinesis batch updates the portfolios in dynalite and writes the raw lake', async () => {
      const userId = `u-${randomUUID().slice(0, 8)}`;
      const events = [opened(userId, 10_000_000_00), buy(userId, 100_00, 4000_00)];
      const { result } = await run('kinesis-processor', {
        Records: events.map((e, i) => ({
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: userId,
            sequenceNumber: `4959033827149025660855969253836157109592157598913658889${i}`,
            data: Buffer.from(JSON.stringify(e)).toString('base64'),
            approximateArrivalTimestamp: Date.now() / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `shardId-000000000000:4959033827149025660855969253836157109592157598913658889${i}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::123456789012:role/corriente-processor',
          awsRegion: 'us-east-1',
          eventSourceARN: `arn:aws:kinesis:us-east-1:123456789012:stream/${streamName}`,
        })),
      });
      expect(result).toEqual({ batchItemFailures: [] });
      const store = new DynamoDbPortfolioStore({
        tableName,
        endpoint: dynalite.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
      });
      try {
        const p = await store.get(userId);
        expect(p).toMatchObject({ userId, usdCents: 100_00, buyCount: 1 });
      } finally {
        await store.close();
      }
      const datalake = new S3ObjectStore({ bucket: LAKE, client: s3 });
      const raw: string[] = [];
      for await (const o of listAll(datalake, 'raw/')) raw.push(o.key);
      expect(
        raw.some(
          (k) => k.startsWith('raw/') && k.endsWith('.jsonl') && !k.startsWith('raw/clientes/'),
        ),
      ).toBe(true);
    }, 300_000);
  },
);
