import { SqliteIngestClaims } from '../../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3IngestionHandler } from '../../../src/deploy/aws/s3-ingestion-handler.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { listAll } from '../../../src/core/object-store/object-store.js';
import { S3ObjectStore } from '../../../src/core/object-store/s3/s3-object-store.js';
import { startS3rver, type S3rverProcess } from '../../util/s3rver-process.js';

const SOURCE = 'energia-source';
const LAKE = 'energia-datalake';
const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';

/** A real-shaped S3 ObjectCreated notification (as Lambda receives it). */
function s3Event(bucket: string, key: string, size: number, eventName = 'ObjectCreated:Put') {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-03-10T02:30:00.000Z',
        eventName,
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'energy-data-ingestion',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          // S3 URL-encodes keys in notifications, spaces as '+'.
          object: {
            key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'),
            size,
            eTag: 'x',
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}

describe('energy-data-ingestion Lambda handler on s3rver', () => {
  let s3rver: S3rverProcess;
  let client: S3Client;
  let source: S3ObjectStore;
  let datalake: S3ObjectStore;

  beforeAll(async () => {
    s3rver = await startS3rver([SOURCE, LAKE]);
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3rver.endpoint,
      forcePathStyle: true,
      credentials: s3rver.credentials,
      requestHandler: new NodeHttpHandler(),
    });
    source = new S3ObjectStore({ bucket: SOURCE, prefix: 'landing/', client });
    datalake = new S3ObjectStore({ bucket: LAKE, client });
  });
  // One claim store for every invocation of this file's tests, as one shared state store.
  const claims = new SqliteIngestClaims({ path: ':memory:' });
  afterAll(async () => {
    client?.destroy();
    await s3rver?.stop();
  });

  const handler = () =>
    createS3IngestionHandler({
      stores: { source, datalake },
      claims,
      sourceBucket: SOURCE,
      sourcePrefix: 'landing/',
      timezone: 'America/Bogota',
      log: silentLogger,
      now: () => new Date('2026-03-10T02:30:00Z'),
    });

  it('loads the created object into raw by load date, then quarantines a bad one and skips a duplicate', async () => {
    await source.put('Clientes Bogotá 2026.csv', CLIENTES);
    const r = await handler()(s3Event(SOURCE, 'landing/Clientes Bogotá 2026.csv', CLIENTES.length));
    expect(r.files).toEqual([
      expect.objectContaining({
        status: 'loaded',
        entity: 'clientes',
        rows: 1,
        rawKey: 'raw/clientes/year=2026/month=03/day=09/Clientes Bogotá 2026.csv',
      }),
    ]);
    expect(
      (
        await datalake.get('raw/clientes/year=2026/month=03/day=09/Clientes Bogotá 2026.csv')
      ).toString(),
    ).toBe(CLIENTES);
    expect(await source.head('Clientes Bogotá 2026.csv')).toBeUndefined();

    await source.put('copia.csv', CLIENTES);
    const dup = await handler()(s3Event(SOURCE, 'landing/copia.csv', CLIENTES.length));
    expect(dup.files[0]?.status).toBe('duplicate');

    await source.put('otro.csv', 'a;b\n1;2\n');
    const bad = await handler()(s3Event(SOURCE, 'landing/otro.csv', 8));
    expect(bad.files[0]).toMatchObject({
      status: 'quarantined',
      reason: { code: 'unknown_entity' },
    });
    const keys: string[] = [];
    for await (const o of listAll(datalake, 'quarantine/')) keys.push(o.key);
    expect(keys).toEqual([
      'quarantine/files/2026-03-09/otro.csv',
      'quarantine/files/2026-03-09/otro.csv.error.json',
    ]);
  });

  it('ignores events for other buckets, other prefixes and non-create events', async () => {
    await source.put('clientes.csv', CLIENTES + 'CE;1;X;Y\n');
    const r1 = await handler()(s3Event('otro-bucket', 'landing/clientes.csv', 10));
    const r2 = await handler()(s3Event(SOURCE, 'fuera/clientes.csv', 10));
    const r3 = await handler()(s3Event(SOURCE, 'landing/clientes.csv', 10, 'ObjectRemoved:Delete'));
    expect([r1.files, r2.files, r3.files]).toEqual([[], [], []]);
    expect(await source.head('clientes.csv')).toBeDefined();
  });

  it('refuses an event that is not an S3 notification, naming the problem', async () => {
    await expect(handler()({ Records: [{ eventSource: 'aws:sqs' }] })).rejects.toThrow(
      /not an S3 event notification: Records\.0\.eventSource/,
    );
    await expect(handler()({})).rejects.toThrow(/Records/);
  });

  it('skips an event whose object is gone (a repeated delivery another invocation took)', async () => {
    const r = await handler()(s3Event(SOURCE, 'landing/transacciones_que_no_existe.csv', 10));
    expect(r.files).toEqual([]);
  });

  it('throws (so Lambda retries the event) when the file cannot be copied into the lake', async () => {
    await source.put('transacciones_sin_lago.csv', 'tipo_transaccion;x\nVenta;1\n');
    const broken = createS3IngestionHandler({
      stores: { source, datalake: new S3ObjectStore({ bucket: 'no-existe-este-lago', client }) },
      claims,
      sourceBucket: SOURCE,
      sourcePrefix: 'landing/',
      timezone: 'America/Bogota',
      log: silentLogger,
    });
    const r = broken(s3Event(SOURCE, 'landing/transacciones_sin_lago.csv', 10));
    await expect(r).rejects.toThrow(/ingestion failed for transacciones_sin_lago\.csv/);
    expect(await source.head('transacciones_sin_lago.csv')).toBeDefined();
  });
});
