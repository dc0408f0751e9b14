import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  InvalidKeyError,
  ObjectExistsError,
  ObjectNotFoundError,
  type Body,
  type IrregularEntry,
  type ListOptions,
  type ObjectInfo,
  type ObjectPage,
  type ObjectStore,
} from '../object-store.js';

/** A folder named like a data file (`clientes.csv/`) is an irregular entry when empty. */
const FILE_LIKE_NAME = /\.(csv|txt|tsv|json|parquet)$/i;

/** Temp files carry this marker; listings never show them. */
const TEMP_MARKER = '.corriente-tmp-';
const STREAM_CHUNK = 1 << 20;
/** Bytes of a streamed write after which the disk is asked to start writing them. */
const EARLY_FLUSH_BYTES = 32 << 20;

/**
 * ObjectStore on a local folder. `put` writes a temp file in the target folder, fsyncs it,
 * renames it over the key and fsyncs the folder, so an object is either whole or absent,
 * even after a crash.
 *
 * Unlike S3, a key cannot also be the folder of other keys (`a/b` and `a/b/c`): such a `put`
 * fails with the file system's error (ENOTDIR, EISDIR).
 */
export class LocalFsObjectStore implements ObjectStore {
  readonly url: string;
  readonly localFolder: string;

  readonly root: string;

  /** @param options.root the folder holding the objects (created on first write) */
  constructor(options: { root: string }) {
    this.root = path.resolve(options.root);
    this.url = this.root;
    this.localFolder = this.root;
  }

  /**
   * Deletes temp files older than `olderThanMs` (by modification time) anywhere under the root:
   * what a process killed in the middle of a `put` or a `copyFrom` leaves. A write in progress
   * keeps touching its temp file, so a generous age (an hour) never removes one.
   * @returns how many files were deleted
   */
  async sweepTempFiles(olderThanMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await visit(full);
        else if (e.isFile() && e.name.startsWith(TEMP_MARKER)) {
          const st = await fs.stat(full).catch(() => undefined);
          if (st && now - st.mtimeMs > olderThanMs) {
            await fs.rm(full, { force: true });
            removed++;
          }
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  /** Absolute path of a key (the key is validated first). */
  pathOf(key: string): string {
    assertValidKey(key);
    if (key.split('/').some((s) => s.includes(TEMP_MARKER))) {
      throw new InvalidKeyError(key, `"${TEMP_MARKER}" is reserved for temp files`);
    }
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Body): Promise<void> {
    await this.writeVia(key, (tmp) => writeBody(tmp, body), false);
  }

  /** A fsynced temp file linked into place: `link(2)` refuses an existing target (EEXIST). */
  async putIfAbsent(key: string, body: Body): Promise<boolean> {
    return this.writeVia(key, (tmp) => writeBody(tmp, body), true);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      throw this.mapNotFound(err, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
    } catch (err) {
      throw this.mapNotFound(err, key);
    }
    // Opening a folder succeeds on Linux; a folder is not an object.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key, this.url);
    }
    // The stream owns the FileHandle (passing only `handle.fd` would let GC close it mid-read).
    return handle.createReadStream({ highWaterMark: STREAM_CHUNK, autoClose: true });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fs.stat(this.pathOf(key));
      if (!st.isFile()) return undefined;
      return { key, size: st.size, modifiedAt: st.mtime, etag: `${st.size}-${st.mtimeMs}` };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ObjectPage> {
    const pageSize = options.pageSize ?? 1000;
    const objects: ObjectInfo[] = [];
    for await (const info of this.walk('', prefix, options.cursor)) {
      if (objects.length === pageSize) {
        const last = objects[objects.length - 1];
        return { objects, ...(last ? { nextCursor: last.key } : {}) };
      }
      objects.push(info);
    }
    return { objects };
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    try {
      await this.putFile(toKey, this.pathOf(fromKey));
    } catch (err) {
      throw this.mapNotFound(err, fromKey);
    }
  }

  async copyIfAbsent(fromKey: string, toKey: string): Promise<boolean> {
    const from = this.pathOf(fromKey);
    try {
      return await this.writeVia(toKey, (tmp) => kernelCopy(from, tmp), true);
    } catch (err) {
      throw this.mapNotFound(err, fromKey);
    }
  }

  /** `link` then `unlink`: atomic, and it never replaces an existing `toKey` (EEXIST). */
  async rename(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const target = this.pathOf(toKey);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    try {
      await fs.link(from, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ObjectExistsError(toKey, this.url);
      }
      throw this.mapNotFound(err, fromKey);
    }
    await fsyncDir(dir);
    await fs.unlink(from);
    await fsyncDir(path.dirname(from));
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  async listIrregular(): Promise<IrregularEntry[]> {
    const found: IrregularEntry[] = [];
    const visit = async (dirKey: string): Promise<void> => {
      const dirPath = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dirPath, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.includes(TEMP_MARKER) || e.isFile()) continue;
        const key = dirKey + e.name;
        if (e.isDirectory()) {
          const inside = await fs.readdir(path.join(dirPath, e.name)).catch(() => ['?']);
          if (inside.length === 0 && FILE_LIKE_NAME.test(e.name)) {
            found.push({ key, kind: 'folder' });
          } else await visit(`${key}/`);
        } else if (e.isSymbolicLink()) found.push({ key, kind: 'symlink' });
        else if (e.isFIFO()) found.push({ key, kind: 'fifo' });
        else if (e.isSocket()) found.push({ key, kind: 'socket' });
        else found.push({ key, kind: 'device' });
      }
    };
    await visit('');
    return found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /** Kernel copy (copy_file_range / reflink where the file system has it) to a temp file, fsync, rename. */
  async putFile(key: string, filePath: string): Promise<void> {
    await this.writeVia(key, (tmp) => kernelCopy(filePath, tmp), false);
  }

  /**
   * Kernel copy of `filePath` to a temp file beside `key`; then `read` reads that copy (from the
   * page cache, through the open handle it is given) while it is fsynced, on another thread, at
   * the same time; then the copy is renamed into place and the folder fsynced. If `read` or the
   * copy fails, nothing is put. Only a regular file is copied (a symbolic link is refused, as
   * `getStream` refuses folders).
   */
  async putFileAndRead<T>(
    key: string,
    filePath: string,
    read: (copy: fs.FileHandle) => Promise<T>,
  ): Promise<T> {
    const st = await fs.lstat(filePath);
    if (!st.isFile()) throw new Error(`${filePath} is not a regular file`);
    let result!: T;
    await this.writeVia(
      key,
      async (tmp) => {
        await kernelCopy(filePath, tmp);
        // Read-write, as fsync wants on some systems; O_NOATIME: reading must not dirty the
        // inode again (an atime update), or the fsync would have to commit twice.
        const handle = await fs.open(tmp, fsConstants.O_RDWR | fsConstants.O_NOATIME);
        try {
          const [synced, readDone] = await Promise.allSettled([handle.sync(), read(handle)]);
          if (readDone.status === 'rejected') throw readDone.reason;
          if (synced.status === 'rejected') throw synced.reason;
          result = readDone.value;
        } finally {
          await handle.close();
        }
        return 'synced';
      },
      false,
    );
    return result;
  }

  /**
   * Writes a temp file beside `key` with `write`, fsyncs it (unless `write` resolves to
   * `'synced'`: it fsynced the file itself), then puts it into place and fsyncs
   * the folder: `rename(2)` (replacing), or with `ifAbsent` `link(2)` + `unlink(2)` (never
   * replacing).
   * @returns whether the object was written (always `true` without `ifAbsent`)
   */
  private async writeVia(
    key: string,
    write: (tmp: string) => Promise<void | 'synced'>,
    ifAbsent: boolean,
  ): Promise<boolean> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${TEMP_MARKER}${randomBytes(8).toString('hex')}`);
    let written = true;
    try {
      if ((await write(tmp)) !== 'synced') await fsyncPath(tmp);
      if (!ifAbsent) await fs.rename(tmp, target);
      else {
        try {
          await fs.link(tmp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          written = false;
        }
        await fs.unlink(tmp);
      }
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    if (written) await fsyncDir(dir);
    return written;
  }

  async delete(key: string): Promise<void> {
    const p = this.pathOf(key);
    try {
      await fs.unlink(p);
    } catch (err) {
      if (isNotFound(err)) return;
      // A folder of other keys is not an object (unlink says EISDIR on Linux, EPERM on macOS).
      if ((await fs.stat(p).catch(() => undefined))?.isDirectory()) return;
      throw err;
    }
    await fsyncDir(path.dirname(p));
  }

  /**
   * Yields objects under `prefix` in key order, skipping keys `<= after`. Folder entries are
   * ordered as `name/` so the walk order equals the byte order of whole keys.
   */
  private async *walk(dirKey: string, prefix: string, after?: string): AsyncGenerator<ObjectInfo> {
    // Compare bytes, not UTF-16 code units: they disagree for characters outside the BMP.
    const afterBytes = after === undefined ? undefined : Buffer.from(after);
    const dirPath = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dirPath, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const items = entries
      .filter((e) => !e.name.includes(TEMP_MARKER) && (e.isFile() || e.isDirectory()))
      .map((e) => ({ entry: e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
    for (const { entry, sortKey } of items) {
      const key = dirKey + sortKey;
      // Prune anything that cannot contain keys under the prefix.
      if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
      if (entry.isDirectory()) {
        // Skip whole folders that sort before the cursor.
        if (
          afterBytes &&
          Buffer.compare(Buffer.from(key), afterBytes) < 0 &&
          !after?.startsWith(key)
        ) {
          continue;
        }
        yield* this.walk(key, prefix, after);
      } else {
        if (!key.startsWith(prefix)) continue;
        if (afterBytes && Buffer.compare(Buffer.from(key), afterBytes) <= 0) continue;
        const st = await fs.stat(path.join(dirPath, entry.name)).catch(() => undefined);
        if (!st) continue; // deleted meanwhile
        yield { key, size: st.size, modifiedAt: st.mtime, etag: `${st.size}-${st.mtimeMs}` };
      }
    }
  }

  private mapNotFound(err: unknown, key: string): unknown {
    return isNotFound(err) ? new ObjectNotFoundError(key, this.url) : err;
  }
}

/**
 * No object at that path: nothing there (ENOENT), a file where a folder would be (ENOTDIR), or a
 * folder where the file would be (EISDIR, from reads).
 */
function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function writeBody(file: string, body: Body): Promise<void> {
  if (body instanceof Readable) await writeStream(file, body);
  else await fs.writeFile(file, body);
}

/**
 * Writes a stream to `file`, asking the disk to take what is written so far (`fdatasync`, one
 * at a time, not awaited) every `EARLY_FLUSH_BYTES`: the disk writes while the stream still
 * produces, so the fsync that makes the object durable finds little left to write (instead of a
 * whole file's worth of dirty pages, as after a plain copy).
 */
async function writeStream(file: string, body: Readable): Promise<void> {
  const handle = await fs.open(file, 'w');
  let flushing: Promise<void> | undefined;
  let flushError: unknown;
  let unflushed = 0;
  try {
    for await (const piece of body) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string | Uint8Array);
      for (let at = 0; at < chunk.length;) {
        at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
      }
      unflushed += chunk.length;
      if (unflushed >= EARLY_FLUSH_BYTES && !flushing) {
        unflushed = 0;
        flushing = handle
          .datasync()
          .catch((err: unknown) => {
            flushError ??= err;
          })
          .finally(() => {
            flushing = undefined;
          });
      }
      if (flushError) throw flushError;
    }
    await flushing;
    if (flushError) throw flushError;
  } finally {
    await flushing;
    await handle.close();
  }
}

/**
 * Kernel copy to a new file (`to` must not exist: temp files have fresh names). `COPYFILE_EXCL`
 * matters beyond safety: without it libuv truncates the new file to 0 bytes before copying, and
 * on ext4 (auto_da_alloc) the `close(2)` after a truncate to 0 starts writing the whole file out
 * (about half a second per GB) before the copy returns; with it the fsync that follows does that
 * work, at the same time as whatever reads the copy meanwhile.
 */
function kernelCopy(from: string, to: string): Promise<void> {
  return fs.copyFile(from, to, fsConstants.COPYFILE_FICLONE | fsConstants.COPYFILE_EXCL);
}

async function fsyncPath(p: string): Promise<void> {
  const h = await fs.open(p, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
