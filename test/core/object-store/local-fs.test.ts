import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import {
  InvalidKeyError,
  ObjectNotFoundError,
} from '../../../src/core/object-store/object-store.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';
import { objectStoreContract } from './object-store-contract.js';

objectStoreContract('LocalFsObjectStore', async () => {
  const { dir: root, cleanup } = tempDir('corriente-local-store-');
  return {
    store: new LocalFsObjectStore({ root: root }),
    cleanup: async () => cleanup(),
  };
});

describe('LocalFsObjectStore', () => {
  let root: string;
  let cleanup: () => void;
  let store: LocalFsObjectStore;

  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir('corriente-local-store-'));
    store = new LocalFsObjectStore({ root: root });
  });
  afterEach(() => cleanup());

  it('url is the absolute root folder', () => {
    expect(store.url).toBe(path.resolve(root));
  });

  it('never lists temp files, even while a put is writing one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = Readable.from(
      (async function* () {
        yield Buffer.from('first half;');
        await gate;
        yield Buffer.from('second half');
      })(),
    );
    const put = store.put('raw/x/slow.csv', body);
    // Wait until the temp file exists on disk.
    const names = await eventually(
      async () => {
        const found = await fs.readdir(path.join(root, 'raw', 'x')).catch((): string[] => []);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 2000, intervalMs: 5 },
    );
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('.corriente-tmp-');
    expect((await store.list('')).objects).toEqual([]);
    expect(await store.head('raw/x/slow.csv')).toBeUndefined();
    release();
    await put;
    expect((await store.list('')).objects.map((o) => o.key)).toEqual(['raw/x/slow.csv']);
    expect(await fs.readdir(path.join(root, 'raw', 'x'))).toEqual(['slow.csv']);
  });

  it("a crashed put's leftover temp file is invisible and does not block later puts", async () => {
    // What a put killed between write and rename leaves behind.
    await fs.mkdir(path.join(root, 'raw', 'c'), { recursive: true });
    const leftover = path.join(
      root,
      'raw',
      'c',
      `.corriente-tmp-${randomBytes(8).toString('hex')}`,
    );
    await fs.writeFile(leftover, 'half of an expo');
    expect((await store.list('')).objects).toEqual([]);
    expect((await store.list('raw/c/')).objects).toEqual([]);
    expect(await store.head('raw/c/clientes.csv')).toBeUndefined();
    await expect(store.get('raw/c/clientes.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.put('raw/c/clientes.csv', 'whole file');
    expect((await store.list('raw/')).objects.map((o) => o.key)).toEqual(['raw/c/clientes.csv']);
    expect((await store.get('raw/c/clientes.csv')).toString()).toBe('whole file');
  });

  it('sweeps temp files older than the given age, and only those', async () => {
    await fs.mkdir(path.join(root, 'raw', 'c'), { recursive: true });
    const old = path.join(root, 'raw', 'c', '.corriente-tmp-0123456789abcdef');
    const fresh = path.join(root, '.corriente-tmp-fedcba9876543210');
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    await fs.writeFile(old, 'left by a killed put');
    await fs.utimes(old, hourAgo, hourAgo);
    await fs.writeFile(fresh, 'a put still writing');
    await store.put('raw/c/clientes.csv', 'whole file');
    const kept = path.join(root, 'raw', 'c', 'clientes.csv');
    await fs.utimes(kept, hourAgo, hourAgo);

    expect(await store.sweepTempFiles(3_600_000)).toBe(1);
    await expect(fs.stat(old)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await fs.stat(fresh)).isFile()).toBe(true);
    expect((await store.get('raw/c/clientes.csv')).toString()).toBe('whole file');
    expect(await store.sweepTempFiles(3_600_000)).toBe(0);
    expect(
      await new LocalFsObjectStore({ root: path.join(root, 'nowhere') }).sweepTempFiles(0),
    ).toBe(0);
  });

  it('a failed put removes its temp file', async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('partial');
        throw new Error('broken source');
      })(),
    );
    await expect(store.put('raw/f/x.csv', failing)).rejects.toThrow('broken source');
    expect(await fs.readdir(path.join(root, 'raw', 'f'))).toEqual([]);
  });

  it('rejects keys that use the temp-file marker', async () => {
    await expect(store.put('raw/.corriente-tmp-abc', 'x')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('stores each key as a file under the root, byte for byte', async () => {
    await store.put('raw/clientes/year=2026/Clientes Bogotá.csv', 'a;b\r\n');
    const onDisk = await fs.readFile(
      path.join(root, 'raw', 'clientes', 'year=2026', 'Clientes Bogotá.csv'),
    );
    expect(onDisk.toString()).toBe('a;b\r\n');
  });
  it('putFile copies a local file atomically; rename moves without replacing', async () => {
    const src = path.join(root, '..', `src-${randomBytes(4).toString('hex')}.csv`);
    await fs.writeFile(src, 'tipo;x\n1;2\n');
    await store.putFile('raw/a/one.csv', src);
    expect((await store.get('raw/a/one.csv')).toString()).toBe('tipo;x\n1;2\n');
    expect(store.localPath('raw/a/one.csv')).toBe(path.join(root, 'raw', 'a', 'one.csv'));
    await store.put('raw/a/two.csv', 'other');
    await expect(store.rename('raw/a/one.csv', 'raw/a/two.csv')).rejects.toThrow(
      /object exists: raw\/a\/two\.csv/,
    );
    expect((await store.get('raw/a/two.csv')).toString()).toBe('other');
    await store.rename('raw/a/one.csv', 'raw/b/one.csv');
    expect(await store.head('raw/a/one.csv')).toBeUndefined();
    expect((await store.get('raw/b/one.csv')).toString()).toBe('tipo;x\n1;2\n');
    await expect(store.rename('raw/zz/missing.csv', 'raw/b/x.csv')).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
    await fs.rm(src);
  });
  it('putFileAndRead hands read the copy, then puts it; nothing is put when read fails', async () => {
    const src = path.join(root, '..', `src-${randomBytes(4).toString('hex')}.csv`);
    const body = randomBytes(3 * (1 << 20) + 17); // several read chunks
    await fs.writeFile(src, body);
    const seen = await store.putFileAndRead('_staging/a', src, async (copy) => {
      const parts: Buffer[] = [];
      for await (const c of copy.createReadStream({ autoClose: false, start: 0 })) {
        parts.push(c as Buffer);
      }
      // Not in place before read is done.
      expect(await store.head('_staging/a')).toBeUndefined();
      return Buffer.concat(parts);
    });
    expect(seen.equals(body)).toBe(true);
    expect((await store.get('_staging/a')).equals(body)).toBe(true);

    await expect(
      store.putFileAndRead('_staging/b', src, () => Promise.reject(new Error('mala lectura'))),
    ).rejects.toThrow('mala lectura');
    expect(await store.head('_staging/b')).toBeUndefined();
    expect(await fs.readdir(path.join(root, '_staging'))).toEqual(['a']);

    const link = path.join(root, '..', `link-${randomBytes(4).toString('hex')}.csv`);
    await fs.symlink(src, link);
    await expect(store.putFileAndRead('_staging/c', link, async () => 1)).rejects.toThrow(
      'not a regular file',
    );
    await fs.rm(link);
    await fs.rm(src);
  });

  it('puts a stream larger than the early-flush step byte for byte', async () => {
    const chunk = randomBytes(1 << 20);
    const count = 40; // 40 MiB: one early fdatasync in flight while writing goes on
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < count; i++) yield chunk;
      })(),
    );
    await store.put('raw/big.bin', body);
    const onDisk = await store.get('raw/big.bin');
    expect(onDisk.length).toBe(count * chunk.length);
    for (let i = 0; i < count; i++) {
      expect(onDisk.subarray(i * chunk.length, (i + 1) * chunk.length).equals(chunk)).toBe(true);
    }
  });
});
