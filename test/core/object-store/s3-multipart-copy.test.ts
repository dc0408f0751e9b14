import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copySourceOf } from '../../../src/core/object-store/s3/s3-multipart-copy.js';
import { S3ObjectStore } from '../../../src/core/object-store/s3/s3-object-store.js';

const GiB = 1024 * 1024 * 1024;

describe('copySourceOf', () => {
  it('encodes each segment, keeping "/" and the characters of Hive partitions', () => {
    expect(copySourceOf('b', 'raw/year=2026/month=01/Clientes Bogotá.csv')).toBe(
      'b/raw/year=2026/month=01/Clientes%20Bogot%C3%A1.csv',
    );
    expect(copySourceOf('b', 'a/x+y?z#w%.csv')).toBe('b/a/x%2By%3Fz%23w%25.csv');
    expect(copySourceOf('b', 'a/(1), Ñ & c; d:e@f$.csv')).toBe(
      'b/a/(1),%20%C3%91%20&%20c;%20d:e@f$.csv',
    );
  });
});

// s3rver answers UploadPartCopy with NotImplemented, so this path is checked on SDK calls only.
describe('S3ObjectStore.copy above 5 GiB (SDK mock: s3rver has no UploadPartCopy)', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const size = 6 * GiB + 1;
  let store: S3ObjectStore;

  beforeEach(() => {
    s3.reset();
    s3.on(HeadObjectCommand).resolves({
      ContentLength: size,
      ETag: '"src-etag"',
      ContentType: 'text/csv',
    });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"part-${input.PartNumber}"` },
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(AbortMultipartUploadCommand).resolves({});
    store = new S3ObjectStore({ bucket: 'lake', prefix: 'pre', client });
  });
  afterEach(() => {
    s3.reset();
  });

  it('copies contiguous 512 MiB ranges and completes the upload', async () => {
    await store.copy('raw/year=2026/big file.csv', 'curated/big.csv');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    const created = s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input;
    expect(created).toEqual({
      Bucket: 'lake',
      Key: 'pre/curated/big.csv',
      ContentType: 'text/csv',
    });

    const parts = s3
      .commandCalls(UploadPartCopyCommand)
      .map((c) => c.args[0].input)
      .sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    expect(parts).toHaveLength(Math.ceil(size / (512 * 1024 * 1024)));
    let next = 0;
    for (const [i, part] of parts.entries()) {
      expect(part).toMatchObject({
        Bucket: 'lake',
        Key: 'pre/curated/big.csv',
        UploadId: 'upload-1',
        PartNumber: i + 1,
        CopySource: 'lake/pre/raw/year=2026/big%20file.csv',
        CopySourceIfMatch: '"src-etag"',
      });
      const [start, end] = /^bytes=(\d+)-(\d+)$/
        .exec(part.CopySourceRange ?? '')!
        .slice(1)
        .map(Number);
      expect(start).toBe(next);
      next = end! + 1;
    }
    expect(next).toBe(size);

    const completed = s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(completed.MultipartUpload?.Parts).toEqual(
      parts.map((p) => ({ PartNumber: p.PartNumber, ETag: `"part-${p.PartNumber}"` })),
    );
  });

  it('aborts the upload when a part fails', async () => {
    s3.on(UploadPartCopyCommand, { PartNumber: 3 }).rejects(new Error('part 3 failed'));
    await expect(store.copy('raw/big.csv', 'curated/big.csv')).rejects.toThrow('part 3 failed');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toEqual({
      Bucket: 'lake',
      Key: 'pre/curated/big.csv',
      UploadId: 'upload-1',
    });
  });

  it('uses one CopyObject up to 5 GiB', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 5 * GiB, ETag: '"e"' });
    s3.on(CopyObjectCommand).resolves({});
    await store.copy('raw/a.csv', 'curated/a.csv');
    expect(s3.commandCalls(CopyObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'lake',
      Key: 'pre/curated/a.csv',
      CopySource: 'lake/pre/raw/a.csv',
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });
});
