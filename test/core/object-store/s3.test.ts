import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { startS3rver, type S3rverProcess } from '../../util/s3rver-process.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../src/core/object-store/s3/s3-object-store.js';
import { objectStoreContract } from './object-store-contract.js';

const BUCKET = 'corriente-test';
const PART_BYTES = 5 * 1024 * 1024;

let s3rver: S3rverProcess | undefined;
let endpoint: string;
let CREDENTIALS: S3rverProcess['credentials'];
let client: S3Client;

beforeAll(async () => {
  s3rver = await startS3rver([BUCKET]);
  ({ endpoint, credentials: CREDENTIALS } = s3rver);
  client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
});

afterAll(async () => {
  client?.destroy();
  await s3rver?.stop();
});

function storeWith(prefix: string, extra: { client?: S3Client } = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: BUCKET,
    prefix,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    multipartThresholdBytes: PART_BYTES,
    credentials: CREDENTIALS,
    client: extra.client ?? client,
  });
}

objectStoreContract(
  'S3ObjectStore on s3rver',
  async () => ({
    // A fresh prefix per test isolates the tests inside one bucket.
    store: storeWith(`contract-${randomUUID()}/`),
    cleanup: async () => {},
  }),
  {
    largeBodyBytes: 12 * 1024 * 1024,
    limitations: {
      listOrder:
        's3rver walks its folders depth-first in file-name order (a/b/c before a-c) and skips ' +
        'pages with a UTF-16 comparison, so its order is not S3 byte order',
      atomicCommit:
        's3rver writes a PutObject body, and a completed multipart upload, straight into the ' +
        'final file (FilesystemStore.putObject), so readers can see it partial',
      conditionalWrite:
        's3rver ignores If-None-Match on PutObject, CompleteMultipartUpload and CopyObject ' +
        '(it reads the header only on GetObject/HeadObject); ingestion gets its guarantee from ' +
        'the raw-key claims in the state store there',
    },
  },
);

describe('S3ObjectStore', () => {
  it('url names the bucket and the normalized prefix', () => {
    expect(storeWith('landing').url).toBe(`s3://${BUCKET}/landing/`);
    expect(storeWith('/landing/').url).toBe(`s3://${BUCKET}/landing/`);
    expect(storeWith('').url).toBe(`s3://${BUCKET}/`);
  });

  it('keeps keys under its prefix, and a sibling prefix does not leak in', async () => {
    const base = `prefix-${randomUUID()}`;
    const p1 = storeWith(`${base}/p1`);
    const p10 = storeWith(`${base}/p10`);
    await p1.put('raw/a.csv', 'a');
    await p10.put('raw/b.csv', 'b');
    const raw = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${base}/` }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual([
      `${base}/p1/raw/a.csv`,
      `${base}/p10/raw/b.csv`,
    ]);
    expect((await p1.list('')).objects.map((o) => o.key)).toEqual(['raw/a.csv']);
    expect((await p10.list('')).objects.map((o) => o.key)).toEqual(['raw/b.csv']);
  });

  it('skips folder markers made by other S3 tools', async () => {
    const prefix = `markers-${randomUUID()}/`;
    const store = storeWith(prefix);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}raw/`, Body: '' }));
    await store.put('raw/a.csv', 'a');
    expect((await store.list('')).objects.map((o) => o.key)).toEqual(['raw/a.csv']);
  });

  it('passes the content type', async () => {
    const prefix = `ct-${randomUUID()}/`;
    await storeWith(prefix).put('a.csv', 'x;y', { contentType: 'text/csv; charset=utf-8' });
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}a.csv` }),
    );
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
  });

  it('uploads a large stream in parts of multipartThresholdBytes, a small one in one PutObject', async () => {
    const commands: string[] = [];
    const recording = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    recording.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const store = storeWith(`parts-${randomUUID()}/`, { client: recording });
      const body = randomBytes(12 * 1024 * 1024);
      await store.put('big.bin', Readable.from([body.subarray(0, 7e6), body.subarray(7e6)]));
      expect(commands.sort()).toEqual([
        'CompleteMultipartUploadCommand',
        'CreateMultipartUploadCommand',
        'UploadPartCommand',
        'UploadPartCommand',
        'UploadPartCommand',
      ]);
      expect((await store.get('big.bin')).equals(body)).toBe(true);
      commands.length = 0;
      await store.put('small.bin', Readable.from([Buffer.from('small')]));
      expect(commands).toEqual(['PutObjectCommand']);
    } finally {
      recording.destroy();
    }
  });

  it('sends If-None-Match: * on PutObject, CompleteMultipartUpload and CopyObject of the *IfAbsent calls only', async () => {
    const seen: string[] = [];
    const recording = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    recording.middlewareStack.add(
      (next, context) => (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        seen.push(`${context.commandName ?? '?'} ${headers['if-none-match'] ?? '-'}`);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    try {
      const store = storeWith(`conditional-${randomUUID()}/`, { client: recording });
      await store.putIfAbsent('a.csv', 'uno');
      await store.putIfAbsent('big.bin', Readable.from([randomBytes(6e6), randomBytes(6e6)]));
      await store.copyIfAbsent('a.csv', 'b.csv');
      await store.put('c.csv', 'tres');
      await store.copy('a.csv', 'd.csv');
      const conditional = seen.filter((s) => !s.startsWith('HeadObject'));
      expect(conditional).toEqual([
        'PutObjectCommand *',
        'CreateMultipartUploadCommand -',
        'UploadPartCommand -', // 12 MB in 5 MiB parts: three parts
        'UploadPartCommand -',
        'UploadPartCommand -',
        'CompleteMultipartUploadCommand *',
        'CopyObjectCommand *',
        'PutObjectCommand -',
        'CopyObjectCommand -',
      ]);
    } finally {
      recording.destroy();
    }
  });

  it('builds its own client from endpoint and credentials', async () => {
    const store = new S3ObjectStore({
      bucket: BUCKET,
      prefix: `own-${randomUUID()}`,
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    try {
      await store.put('x.txt', 'hola');
      expect((await store.get('x.txt')).toString()).toBe('hola');
      const raw = await client.send(
        new GetObjectCommand({
          Bucket: BUCKET,
          Key: `${store.url.slice(`s3://${BUCKET}/`.length)}x.txt`,
        }),
      );
      expect(await raw.Body?.transformToString()).toBe('hola');
    } finally {
      store.destroy();
    }
  });

  it('rejects a multipart threshold below S3 minimum part size', () => {
    expect(() => new S3ObjectStore({ bucket: BUCKET, multipartThresholdBytes: 1024 })).toThrow(
      /multipartThresholdBytes/,
    );
  });

  it('a missing bucket is not reported as a missing object', async () => {
    const store = new S3ObjectStore({ bucket: 'no-such-bucket', client });
    await expect(store.get('x')).rejects.toThrow(/bucket/i);
    await expect(store.get('x')).rejects.not.toHaveProperty('name', 'ObjectNotFoundError');
  });
});
