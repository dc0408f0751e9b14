import { awsClientConfig } from '../../aws/client-config.js';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  ObjectNotFoundError,
  type Body,
  type ListOptions,
  type ObjectInfo,
  type ObjectPage,
  type ObjectStore,
} from '../object-store.js';
import { copySourceOf, multipartCopy, MAX_COPY_OBJECT_BYTES } from './s3-multipart-copy.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /**
   * Key prefix inside the bucket; every key of the store is relative to it. A missing trailing
   * `/` is added, so `landing` and `landing/` mean the same.
   * @default ''
   */
  prefix?: string;
  /** @default 'us-east-1' */
  region?: string;
  /** Custom endpoint (MinIO, s3rver, LocalStack), e.g. `http://127.0.0.1:4568`. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`); needed by most emulators. @default false */
  forcePathStyle?: boolean;
  /**
   * Streamed bodies are uploaded in parts of this size (at least 5 MiB), 4 parts in flight, so
   * memory stays near 4 × this size whatever the object size. A stream can be at most
   * 10 000 parts long (160 GB at the default).
   * @default 16 MiB
   */
  multipartThresholdBytes?: number;
  /** A ready client (tests, shared connection pools); the other connection options are then ignored. */
  client?: S3Client;
  /** Explicit credentials; by default the SDK's provider chain (environment, profile, role). */
  credentials?: S3ClientConfig['credentials'];
}

const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const UPLOAD_QUEUE_SIZE = 4;

/**
 * ObjectStore on an S3 bucket (or anything that speaks the S3 protocol). Atomicity comes from S3
 * itself: a PutObject, a completed multipart upload or a CopyObject becomes visible whole.
 *
 * @example
 * const store = new S3ObjectStore({ bucket: 'corriente-datalake', prefix: 'prod/' });
 * await store.put('raw/clientes/year=2026/month=01/day=02/c.csv', createReadStream(file));
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partBytes: number;
  private readonly ownsClient: boolean;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.partBytes = options.multipartThresholdBytes ?? DEFAULT_PART_BYTES;
    if (this.partBytes < MIN_PART_BYTES) {
      throw new Error(
        `multipartThresholdBytes must be at least ${MIN_PART_BYTES} (S3's minimum part size), got ${this.partBytes}`,
      );
    }
    this.url = `s3://${this.bucket}/${this.prefix}`;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new S3Client({
        ...awsClientConfig({
          region: options.region ?? 'us-east-1',
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(options.credentials ? { credentials: options.credentials } : {}),
        }),
        forcePathStyle: options.forcePathStyle ?? false,
      });
  }

  async put(key: string, body: Body, options: { contentType?: string } = {}): Promise<void> {
    await this.write(key, body, options.contentType, false);
  }

  /**
   * `PutObject` with `If-None-Match: *`; streamed bodies larger than a part send it on
   * `CompleteMultipartUpload`. S3 answers 412 when the key exists (→ `false`) and 409 when a
   * concurrent conditional write is in flight (retried, as S3 asks).
   */
  async putIfAbsent(
    key: string,
    body: Body,
    options: { contentType?: string } = {},
  ): Promise<boolean> {
    // A stream can be read once: a 409 on a streamed body cannot be retried here.
    const attempts = body instanceof Readable ? 1 : CONDITIONAL_ATTEMPTS;
    return conditional(attempts, () => this.write(key, body, options.contentType, true));
  }

  private async write(
    key: string,
    body: Body,
    contentTypeValue: string | undefined,
    ifAbsent: boolean,
  ): Promise<void> {
    const Key = this.fullKey(key);
    const contentType = contentTypeValue ? { ContentType: contentTypeValue } : {};
    const condition = ifAbsent ? { IfNoneMatch: '*' } : {};
    if (!(body instanceof Readable)) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body,
          ...contentType,
          ...condition,
        }),
      );
      return;
    }
    // lib-storage reads the stream part by part: one PutObject if it ends within the first
    // part, otherwise a multipart upload that S3 shows only once completed.
    const upload = new Upload({
      client: this.client,
      // lib-storage passes the params on to CompleteMultipartUpload too, condition included.
      params: { Bucket: this.bucket, Key, Body: body, ...contentType, ...condition },
      partSize: this.partBytes,
      queueSize: UPLOAD_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    let sourceError: unknown;
    const onSourceError = (err: unknown): void => {
      sourceError = err;
    };
    body.once('error', onSourceError);
    try {
      await upload.done();
    } catch (err) {
      // lib-storage stops reading on failure; release the source (file handles, sockets).
      if (!body.destroyed) body.destroy();
      // When the source broke and aborting the upload failed too, lib-storage reports only the
      // abort; the caller needs the source's error first.
      if (sourceError !== undefined && sourceError !== err) {
        throw new AggregateError(
          [sourceError, err],
          `${messageOf(sourceError)} (and aborting the upload of ${key} to ${this.url} failed: ${messageOf(err)})`,
          { cause: err },
        );
      }
      throw err;
    } finally {
      body.off('error', onSourceError);
    }
  }

  /** Streams a local file up (multipart above the threshold). */
  async putFile(key: string, filePath: string): Promise<void> {
    await this.put(key, createReadStream(filePath, { highWaterMark: 1 << 20 }));
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      if (!(out.Body instanceof Readable)) {
        throw new Error(`GetObject returned no readable body for ${key} (in ${this.url})`);
      }
      return out.Body;
    } catch (err) {
      throw this.mapNotFound(err, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      return {
        key,
        size: out.ContentLength ?? 0,
        modifiedAt: out.LastModified ?? new Date(0),
        ...(out.ETag ? { etag: out.ETag } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One ListObjectsV2 page; the cursor is S3's continuation token. */
  async list(prefix: string, options: ListOptions = {}): Promise<ObjectPage> {
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.prefix + prefix,
        MaxKeys: options.pageSize ?? 1000,
        ...(options.cursor ? { ContinuationToken: options.cursor } : {}),
      }),
    );
    const objects: ObjectInfo[] = [];
    for (const o of out.Contents ?? []) {
      if (o.Key === undefined || !o.Key.startsWith(this.prefix)) continue;
      const key = o.Key.slice(this.prefix.length);
      // "Folder" markers made by the S3 console (`a/b/`) are not objects of this store.
      if (key.endsWith('/')) continue;
      objects.push({
        key,
        size: o.Size ?? 0,
        modifiedAt: o.LastModified ?? new Date(0),
        ...(o.ETag ? { etag: o.ETag } : {}),
      });
    }
    return {
      objects,
      ...(out.IsTruncated && out.NextContinuationToken
        ? { nextCursor: out.NextContinuationToken }
        : {}),
    };
  }

  /**
   * Server-side copy. CopyObject handles sources up to 5 GiB; larger ones are copied as a
   * multipart upload of UploadPartCopy ranges, which S3 also shows only once complete.
   */
  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.copyObject(fromKey, toKey, false);
  }

  /** `CopyObject` (or the multipart copy's completion) with `If-None-Match: *`. */
  async copyIfAbsent(fromKey: string, toKey: string): Promise<boolean> {
    if (this.fullKey(fromKey) === this.fullKey(toKey)) return false;
    return conditional(CONDITIONAL_ATTEMPTS, () => this.copyObject(fromKey, toKey, true));
  }

  private async copyObject(fromKey: string, toKey: string, ifAbsent: boolean): Promise<void> {
    const source = this.fullKey(fromKey);
    const target = this.fullKey(toKey);
    const info = await this.head(fromKey);
    if (!info) throw new ObjectNotFoundError(fromKey, this.url);
    // S3 refuses to copy an object onto itself unchanged; the result would be the same anyway.
    if (source === target) return;
    try {
      if (info.size > MAX_COPY_OBJECT_BYTES) {
        await multipartCopy(this.client, this.bucket, source, target, info.size, { ifAbsent });
      } else {
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: target,
            CopySource: copySourceOf(this.bucket, source),
            ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        );
      }
    } catch (err) {
      throw this.mapNotFound(err, fromKey);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Closes the connections of the client this store created; an injected client is left open. */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix + key;
  }

  private mapNotFound(err: unknown, key: string): unknown {
    return isNotFound(err) ? new ObjectNotFoundError(key, this.url) : err;
  }
}

/** Tries of a conditional write S3 answered with 409 ConditionalRequestConflict. */
const CONDITIONAL_ATTEMPTS = 5;

/**
 * Runs a conditional write: `true` when it succeeded, `false` on 412 PreconditionFailed (the key
 * exists); 409 ConditionalRequestConflict (another conditional write in flight) is retried.
 */
async function conditional(attempts: number, write: () => Promise<void>): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return true;
    } catch (err) {
      const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
      if (status === 412 || (err as Error).name === 'PreconditionFailed') return false;
      if (status === 409 && attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        continue;
      }
      throw err;
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** A missing key: `NoSuchKey` from GetObject/CopyObject, a bare 404 from HeadObject. */
function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  if (err.name === 'NoSuchBucket') return false;
  return (
    err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404
  );
}
