import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification time. */
  modifiedAt: Date;
  /** Opaque version tag (S3 ETag, or size+mtime for the local folder). */
  etag?: string;
}

/** One page of a listing. */
export interface ObjectPage {
  objects: ObjectInfo[];
  /** Pass back as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

export interface ListOptions {
  /** @default 1000 */
  pageSize?: number;
  cursor?: string;
}

export type Body = Buffer | Uint8Array | string | Readable;

/**
 * A flat key → bytes store (the S3 model). Keys use `/` as separator and never start with `/`.
 *
 * Every adapter guarantees:
 * - `put` is atomic: a reader sees the old object, the new one, or nothing — never a partial one;
 *   once `put` resolves, the object is durable.
 * - `list` returns keys in lexicographic (UTF-8 byte) order.
 *
 * @example
 * await store.put('raw/clientes/year=2026/month=01/day=02/c.csv', buffer);
 * for await (const info of listAll(store, 'raw/')) console.log(info.key);
 */
export interface ObjectStore {
  /** A human-readable location, e.g. `/home/me/corriente-data/datalake` or `s3://bucket/prefix`. */
  readonly url: string;
  put(key: string, body: Body, options?: { contentType?: string }): Promise<void>;
  /**
   * Writes `key` only if no object has that key: S3's `PutObject` with `If-None-Match: *` (and
   * `CompleteMultipartUpload` with it for streamed bodies), `link(2)` of a fsynced temp file on a
   * local folder. Same atomicity and durability as `put`; of several racing writers exactly one
   * wins, on stores that honour the condition.
   * @returns `true` when this call wrote the object, `false` when the key already existed (the
   *   existing object is left untouched)
   */
  putIfAbsent(key: string, body: Body, options?: { contentType?: string }): Promise<boolean>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /** Metadata, or `undefined` when the key does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ObjectPage>;
  copy(fromKey: string, toKey: string): Promise<void>;
  /**
   * `copy` that never replaces an existing `toKey` (S3 `CopyObject` with `If-None-Match: *`).
   * @returns `true` when copied, `false` when `toKey` already existed
   */
  copyIfAbsent(fromKey: string, toKey: string): Promise<boolean>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** The folder holding the objects, for stores kept in a local folder (e.g. to watch it). */
  readonly localFolder?: string;
  /**
   * Optional fast path of stores kept in a local folder: the absolute file path of `key`, so a
   * caller can hand the file to a kernel copy or to DuckDB without streaming it through JS.
   */
  localPath?(key: string): string;
  /**
   * Atomically puts the contents of a local file (a kernel copy on the local folder adapter, a
   * streamed upload on S3). Same guarantees as `put`.
   */
  putFile?(key: string, filePath: string): Promise<void>;
  /**
   * Optional, stores kept in a local folder: `putFile` (a kernel copy, no bytes through JS) that
   * also hands `read` the copy, open, to read (from the page cache) while the copy is made
   * durable; the object is put into place once both are done, and not at all if `read` fails.
   * What `read` sees is exactly what the object holds: nothing else writes the copy. `read` must
   * neither write nor close the handle.
   * @returns what `read` returns
   */
  putFileAndRead?<T>(
    key: string,
    filePath: string,
    read: (copy: FileHandle) => Promise<T>,
  ): Promise<T>;
  /**
   * Optional: renames `fromKey` to `toKey` atomically, without copying bytes, and refuses to
   * replace an existing `toKey` (`ObjectExistsError`). Only stores that can do this cheaply (a
   * local folder) have it.
   */
  rename?(fromKey: string, toKey: string): Promise<void>;
  /**
   * Optional, for stores that write through hidden temp files: deletes temp files older than
   * `olderThanMs` that a crash left behind; resolves to how many were removed.
   */
  sweepTempFiles?(olderThanMs: number): Promise<number>;
  /**
   * Optional, stores kept in a local folder: entries `list` never shows because they are not
   * regular files (symbolic links, FIFOs, sockets, devices, and empty folders named like a file,
   * e.g. `clientes.csv/`). Nothing is followed or opened.
   */
  listIrregular?(): Promise<IrregularEntry[]>;
}

/** An entry of a folder-backed store that is not a regular file. */
export interface IrregularEntry {
  key: string;
  kind: 'symlink' | 'fifo' | 'socket' | 'device' | 'folder';
}

/**
 * Copies `fromKey` of one store to `toKey` of another, as fast as the two adapters allow:
 * a kernel file copy between local folders, else a stream.
 */
export async function copyBetween(
  from: ObjectStore,
  fromKey: string,
  to: ObjectStore,
  toKey: string,
): Promise<void> {
  if (from.localPath && to.putFile) return to.putFile(toKey, from.localPath(fromKey));
  return to.put(toKey, await from.getStream(fromKey));
}

/** Thrown by `get`/`getStream`/`copy` when the key does not exist. */
export class ObjectNotFoundError extends Error {
  constructor(
    readonly key: string,
    readonly storeUrl: string,
  ) {
    super(`object not found: ${key} (in ${storeUrl})`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Thrown by `rename` when the target key exists (it is never replaced). */
export class ObjectExistsError extends Error {
  constructor(
    readonly key: string,
    readonly storeUrl: string,
  ) {
    super(`object exists: ${key} (in ${storeUrl})`);
    this.name = 'ObjectExistsError';
  }
}

/** Thrown for keys that are empty, absolute, or contain `.`/`..` segments. */
export class InvalidKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

export function assertValidKey(key: string): void {
  if (key.length === 0) throw new InvalidKeyError(key, 'it is empty');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'it starts with "/"');
  if (key.endsWith('/')) throw new InvalidKeyError(key, 'it ends with "/"');
  if (key.includes('\0')) throw new InvalidKeyError(key, 'it contains a NUL byte');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(key, 'it has an empty, "." or ".." segment');
    }
  }
}

/** Iterates every object under `prefix`, page by page. */
export async function* listAll(
  store: ObjectStore,
  prefix: string,
  pageSize = 1000,
): AsyncGenerator<ObjectInfo> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { pageSize, ...(cursor ? { cursor } : {}) });
    yield* page.objects;
    cursor = page.nextCursor;
  } while (cursor);
}
