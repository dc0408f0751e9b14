import type { Readable } from 'node:stream';
import type { Body, ListOptions, ObjectInfo, ObjectPage, ObjectStore } from '../object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket. @default '' */
  prefix?: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** @default 16 MiB */
  multipartThresholdBytes?: number;
}

/** PLACEHOLDER — being written by a helper; replaced before any commit that uses it. */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  constructor(readonly options: S3ObjectStoreOptions) {
    this.url = `s3://${options.bucket}/${options.prefix ?? ''}`;
  }
  put(_key: string, _body: Body): Promise<void> {
    throw new Error('unavailable');
  }
  get(_key: string): Promise<Buffer> {
    throw new Error('unavailable');
  }
  getStream(_key: string): Promise<Readable> {
    throw new Error('unavailable');
  }
  head(_key: string): Promise<ObjectInfo | undefined> {
    throw new Error('unavailable');
  }
  list(_prefix: string, _options?: ListOptions): Promise<ObjectPage> {
    throw new Error('unavailable');
  }
  copy(_fromKey: string, _toKey: string): Promise<void> {
    throw new Error('unavailable');
  }
  delete(_key: string): Promise<void> {
    throw new Error('unavailable');
  }
}
