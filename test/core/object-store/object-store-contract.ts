import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidKeyError,
  listAll,
  ObjectNotFoundError,
  type ObjectStore,
} from '../../../src/core/object-store/object-store.js';

export interface ObjectStoreContractOptions {
  /**
   * Size of the "large" bodies; make it exceed the adapter's multipart part size so streaming
   * uploads go through more than one part.
   * @default 12 MiB
   */
  largeBodyBytes?: number;
  /**
   * Known deviations of an emulator from S3's semantics. Each value names the limitation and
   * relaxes exactly one assertion; real adapters must leave this empty.
   */
  limitations?: {
    /** Listing order (and thus cursor pagination) is not UTF-8 byte order for some keys. */
    listOrder?: string;
    /** The emulator writes a finished upload into place non-atomically. */
    atomicCommit?: string;
    /**
     * The emulator ignores `If-None-Match: *` on writes, so `putIfAbsent`/`copyIfAbsent`
     * overwrite. The suite checks that this is still so (and fails when the emulator starts
     * honouring the condition, so the note never outlives the limitation).
     */
    conditionalWrite?: string;
  };
}

export type MakeStore = () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>;

const MiB = 1024 * 1024;

/**
 * The ObjectStore contract: every adapter runs this suite. `makeStore` must return an empty
 * store, isolated from the stores of other tests.
 */
export function objectStoreContract(
  name: string,
  makeStore: MakeStore,
  options: ObjectStoreContractOptions = {},
): void {
  const largeBytes = options.largeBodyBytes ?? 12 * MiB;
  const limitations = options.limitations ?? {};

  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function keysUnder(prefix: string, pageSize?: number): Promise<string[]> {
      const keys: string[] = [];
      for await (const info of listAll(store, prefix, pageSize)) keys.push(info.key);
      return keys;
    }

    describe('put and get', () => {
      it('roundtrips a Buffer', async () => {
        const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
        await store.put('raw/a.bin', body);
        expect((await store.get('raw/a.bin')).equals(body)).toBe(true);
        expect((await store.head('raw/a.bin'))?.size).toBe(body.length);
      });

      it('roundtrips a string as UTF-8', async () => {
        const text = 'tipo_identificacion;nombre;ciudad\r\nCC;José Núñez;Bogotá\r\n';
        await store.put('raw/c.csv', text, { contentType: 'text/csv' });
        expect((await store.get('raw/c.csv')).toString('utf8')).toBe(text);
        expect((await store.head('raw/c.csv'))?.size).toBe(Buffer.byteLength(text));
      });

      it('roundtrips a Uint8Array', async () => {
        const body = new Uint8Array([5, 4, 3, 2, 1]);
        await store.put('raw/u8.bin', body);
        expect([...(await store.get('raw/u8.bin'))]).toEqual([5, 4, 3, 2, 1]);
      });

      it('roundtrips a small Readable of Buffers and strings', async () => {
        await store.put('raw/r.txt', Readable.from([Buffer.from('uno;'), 'dos;', 'tres']));
        expect((await store.get('raw/r.txt')).toString()).toBe('uno;dos;tres');
      });

      it('roundtrips empty objects', async () => {
        await store.put('raw/empty-buffer', Buffer.alloc(0));
        await store.put('raw/empty-stream', Readable.from([]));
        for (const key of ['raw/empty-buffer', 'raw/empty-stream']) {
          expect((await store.get(key)).length).toBe(0);
          expect((await store.head(key))?.size).toBe(0);
        }
      });

      it(`streams a ${largeBytes / MiB} MiB Readable in and out (multipart)`, async () => {
        const body = randomBytes(largeBytes);
        await store.put('raw/big.bin', chunked(body, MiB));
        expect((await store.head('raw/big.bin'))?.size).toBe(largeBytes);
        expect(sha256(await store.get('raw/big.bin'))).toBe(sha256(body));
        let received = 0;
        const hash = createHash('sha256');
        for await (const chunk of await store.getStream('raw/big.bin')) {
          received += (chunk as Buffer).length;
          hash.update(chunk as Buffer);
        }
        expect(received).toBe(largeBytes);
        expect(hash.digest('hex')).toBe(sha256(body));
      });

      it('overwrites: the new body replaces the old one entirely', async () => {
        await store.put('raw/o.txt', 'a much longer first version');
        await store.put('raw/o.txt', 'short');
        expect((await store.get('raw/o.txt')).toString()).toBe('short');
        expect((await store.head('raw/o.txt'))?.size).toBe(5);
        await store.put('raw/o.txt', Readable.from(['stream ', 'version']));
        expect((await store.get('raw/o.txt')).toString()).toBe('stream version');
      });
    });

    describe('getStream', () => {
      it('streams the object', async () => {
        await store.put('raw/s.txt', 'hola mundo');
        const chunks: Buffer[] = [];
        for await (const chunk of await store.getStream('raw/s.txt')) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).toString()).toBe('hola mundo');
      });
    });

    describe('head', () => {
      it('returns size and modification time', async () => {
        const before = Date.now();
        await store.put('raw/h.txt', '12345');
        const info = await store.head('raw/h.txt');
        expect(info?.key).toBe('raw/h.txt');
        expect(info?.size).toBe(5);
        expect(info?.modifiedAt).toBeInstanceOf(Date);
        // S3 keeps whole seconds; allow clock skew between the test and the server.
        expect(Math.abs((info?.modifiedAt.getTime() ?? 0) - before)).toBeLessThan(60_000);
      });

      it('returns undefined for a missing key', async () => {
        expect(await store.head('raw/missing.txt')).toBeUndefined();
      });

      it('a "folder" of other keys is not an object', async () => {
        await store.put('raw/dir/x.txt', 'x');
        expect(await store.head('raw/dir')).toBeUndefined();
        await expect(store.get('raw/dir')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.getStream('raw/dir')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await store.delete('raw/dir');
        expect((await store.get('raw/dir/x.txt')).toString()).toBe('x');
      });

      it('a key below an object is not an object', async () => {
        await store.put('raw/file.txt', 'x');
        expect(await store.head('raw/file.txt/below')).toBeUndefined();
        await expect(store.get('raw/file.txt/below')).rejects.toBeInstanceOf(ObjectNotFoundError);
        await store.delete('raw/file.txt/below');
      });
    });

    describe('list', () => {
      const keys = [
        'raw/proveedores/year=2026/month=01/day=02/p.csv',
        'raw/clientes/year=2026/month=01/day=02/c1.csv',
        'raw/clientes/year=2026/month=01/day=01/c0.csv',
        'raw/clima.csv',
        'processed/clientes/part-0.parquet',
        'rawer/x.csv',
      ];

      it('lists keys under a prefix in byte order, with sizes', async () => {
        await Promise.all(keys.map((key) => store.put(key, key)));
        const page = await store.list('raw/');
        expect(page.objects.map((o) => o.key)).toEqual([
          'raw/clientes/year=2026/month=01/day=01/c0.csv',
          'raw/clientes/year=2026/month=01/day=02/c1.csv',
          'raw/clima.csv',
          'raw/proveedores/year=2026/month=01/day=02/p.csv',
        ]);
        expect(page.nextCursor).toBeUndefined();
        for (const o of page.objects) {
          expect(o.size).toBe(Buffer.byteLength(o.key));
          expect(o.modifiedAt).toBeInstanceOf(Date);
        }
        expect(await keysUnder('')).toEqual([...keys].sort(byBytes));
      });

      it('matches prefixes that are not folder boundaries', async () => {
        await Promise.all(keys.map((key) => store.put(key, key)));
        expect(await keysUnder('raw/cli')).toEqual([
          'raw/clientes/year=2026/month=01/day=01/c0.csv',
          'raw/clientes/year=2026/month=01/day=02/c1.csv',
          'raw/clima.csv',
        ]);
        expect(await keysUnder('raw')).toEqual(
          keys.filter((k) => k.startsWith('raw')).sort(byBytes),
        );
        expect(await keysUnder('raw/clima.csv')).toEqual(['raw/clima.csv']);
      });

      it('returns an empty page for a prefix with no keys', async () => {
        await store.put('raw/a.txt', 'a');
        expect(await store.list('nothing/')).toEqual({ objects: [] });
        expect(await store.list('raw/a.txt/')).toEqual({ objects: [] });
      });

      it('paginates with a cursor: 25 keys, pages of 10, no duplicates or gaps', async () => {
        const many = Array.from({ length: 25 }, (_, i) => {
          const n = String(i).padStart(2, '0');
          // Nested, flat and "-" siblings mixed, none continuing a folder name.
          return i % 3 === 0 ? `p/${n}/x.csv` : i % 3 === 1 ? `p/${n}.csv` : `p/q-${n}`;
        });
        await Promise.all(shuffled(many).map((key) => store.put(key, 'x')));
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list('p/', { pageSize: 10, ...(cursor ? { cursor } : {}) });
          pages.push(page.objects.map((o) => o.key));
          cursor = page.nextCursor;
        } while (cursor);
        expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
        expect(pages.flat()).toEqual([...many].sort(byBytes));
      });

      it('orders by UTF-8 bytes across folder boundaries and non-ASCII keys', async () => {
        const tricky = [
          'o/a/b/c', // "/" (0x2f) sorts after "-" (0x2d) and "." (0x2e)
          'o/a/b-c/x',
          'o/a/b.txt',
          'o/a-c',
          'o/a.d',
          'o/a0',
          'o/u/z',
          'o/u/é',
          'o/u/\u{ff61}', // U+FF61 is EF BD A1 in UTF-8, before the emoji's F0 ...
          'o/u/\u{1f600}', // ... though its UTF-16 surrogates sort before U+FF61
        ];
        await Promise.all(shuffled(tricky).map((key) => store.put(key, 'x')));
        const expected = [...tricky].sort(byBytes);
        const full = await keysUnder('o/');
        if (limitations.listOrder) {
          // Limitation named by the adapter's test file: only the set of keys is checked.
          expect([...full].sort(byBytes)).toEqual(expected);
          return;
        }
        expect(full).toEqual(expected);
        for (const pageSize of [1, 3]) expect(await keysUnder('o/', pageSize)).toEqual(expected);
      });
    });

    describe('copy', () => {
      it('copies an object and leaves the source', async () => {
        await store.put('raw/src.txt', 'contenido');
        await store.copy('raw/src.txt', 'curated/dst.txt');
        expect((await store.get('curated/dst.txt')).toString()).toBe('contenido');
        expect((await store.get('raw/src.txt')).toString()).toBe('contenido');
        expect((await store.head('curated/dst.txt'))?.size).toBe(9);
      });

      it('replaces an existing target', async () => {
        await store.put('a.txt', 'new');
        await store.put('b.txt', 'old and longer');
        await store.copy('a.txt', 'b.txt');
        expect((await store.get('b.txt')).toString()).toBe('new');
      });

      it('copying an object onto itself keeps it', async () => {
        await store.put('a.txt', 'same');
        await store.copy('a.txt', 'a.txt');
        expect((await store.get('a.txt')).toString()).toBe('same');
      });

      it(`copies a ${largeBytes / MiB} MiB object`, async () => {
        const body = randomBytes(largeBytes);
        await store.put('big/src.bin', chunked(body, MiB));
        await store.copy('big/src.bin', 'big/dst.bin');
        expect(sha256(await store.get('big/dst.bin'))).toBe(sha256(body));
      });
    });

    describe('delete', () => {
      it('deletes an object', async () => {
        await store.put('raw/d.txt', 'x');
        await store.put('raw/keep.txt', 'y');
        await store.delete('raw/d.txt');
        expect(await store.head('raw/d.txt')).toBeUndefined();
        expect(await keysUnder('raw/')).toEqual(['raw/keep.txt']);
        await expect(store.get('raw/d.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('deleting a missing key is not an error', async () => {
        await expect(store.delete('raw/never.txt')).resolves.toBeUndefined();
        await expect(store.delete('never/existed/at/all.txt')).resolves.toBeUndefined();
      });

      it('a deleted key can be written again', async () => {
        await store.put('raw/d/x.txt', 'x');
        await store.delete('raw/d/x.txt');
        await store.put('raw/d/x.txt', 'again');
        expect((await store.get('raw/d/x.txt')).toString()).toBe('again');
      });
    });

    describe('errors', () => {
      it('get, getStream and copy of a missing key throw ObjectNotFoundError', async () => {
        const key = 'raw/missing.csv';
        for (const attempt of [
          () => store.get(key),
          () => store.getStream(key),
          () => store.copy(key, 'raw/target.csv'),
        ]) {
          const err: unknown = await attempt().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(ObjectNotFoundError);
          expect((err as ObjectNotFoundError).key).toBe(key);
          expect((err as ObjectNotFoundError).message).toContain(store.url);
        }
        expect(await store.head('raw/target.csv')).toBeUndefined();
      });

      it.each(['../x', '/abs', 'a//b', '', 'a/./b', 'a/../b', 'dir/', '.', 'a/\0'])(
        'rejects the invalid key %j in every operation',
        async (bad) => {
          await store.put('ok.txt', 'ok');
          const attempts = [
            () => store.put(bad, 'x'),
            () => store.put(bad, Readable.from(['x'])),
            () => store.get(bad),
            () => store.getStream(bad),
            () => store.head(bad),
            () => store.copy('ok.txt', bad),
            () => store.copy(bad, 'ok2.txt'),
            () => store.delete(bad),
          ];
          for (const attempt of attempts)
            await expect(attempt()).rejects.toBeInstanceOf(InvalidKeyError);
          expect(await keysUnder('')).toEqual(['ok.txt']);
        },
      );
    });

    describe('keys with spaces, accents and "="', () => {
      const special = 'raw/clientes/year=2026/month=01/day=02/Clientes Bogotá.csv';
      const others = [
        'raw/proveedores/year=2026/month=01/day=02/Proveedores (copia), Ñuñoa & Cía; v2.csv',
        'raw/transacciones/year=2026/month=01/day=02/ventas+compras 100%.csv',
      ];

      it('put, head, get, list, copy and delete them', async () => {
        await store.put(special, 'identificacion;nombre\n1;Ana\n');
        for (const key of others) await store.put(key, key);
        expect((await store.get(special)).toString()).toBe('identificacion;nombre\n1;Ana\n');
        expect((await store.head(special))?.size).toBe(28);
        expect(await keysUnder('raw/')).toEqual([special, ...others].sort(byBytes));
        expect(await keysUnder('raw/clientes/year=2026/month=01/day=02/Clientes Bog')).toEqual([
          special,
        ]);

        const copied = 'curated/year=2026/month=01/Copia de Clientes Bogotá (1).csv';
        await store.copy(special, copied);
        expect((await store.get(copied)).toString()).toBe('identificacion;nombre\n1;Ana\n');
        await store.copy(others[0]!, 'curated/Ñuñoa & Cía; v2.csv');
        expect((await store.get('curated/Ñuñoa & Cía; v2.csv')).toString()).toBe(others[0]);

        await store.delete(special);
        expect(await store.head(special)).toBeUndefined();
        expect(await store.head(copied)).toBeDefined();
      });
    });

    describe('put-if-absent', () => {
      /**
       * Runs `write` on a key that exists. A store that honours the condition returns `false`
       * and keeps the object; one named as ignoring it must (still) have overwritten it.
       */
      async function expectRefused(
        write: () => Promise<boolean>,
        key: string,
        original: Buffer,
      ): Promise<void> {
        const wrote = await write();
        const now = await store.get(key);
        if (limitations.conditionalWrite) {
          // Detected, not assumed: the emulator really did ignore the condition.
          expect(wrote).toBe(true);
          expect(now.equals(original)).toBe(false);
          console.warn(
            `ObjectStore contract (${name}): put-if-absent is not enforced: ${limitations.conditionalWrite}`,
          );
          return;
        }
        expect(wrote).toBe(false);
        expect(now.equals(original)).toBe(true);
      }

      it('putIfAbsent writes a missing key, then refuses to replace it (Buffer and stream)', async () => {
        const first = Buffer.from('primera versión');
        expect(await store.putIfAbsent('raw/once.csv', first)).toBe(true);
        expect((await store.get('raw/once.csv')).equals(first)).toBe(true);
        await expectRefused(
          () => store.putIfAbsent('raw/once.csv', 'segunda versión'),
          'raw/once.csv',
          first,
        );
        await store.put('raw/once-stream.csv', first);
        await expectRefused(
          () => store.putIfAbsent('raw/once-stream.csv', Readable.from([Buffer.from('otra')])),
          'raw/once-stream.csv',
          first,
        );
      });

      it(`putIfAbsent of a ${largeBytes / MiB} MiB stream (multipart) is conditional too`, async () => {
        const body = randomBytes(largeBytes);
        expect(await store.putIfAbsent('raw/big-once.bin', chunked(body, MiB))).toBe(true);
        expect(sha256(await store.get('raw/big-once.bin'))).toBe(sha256(body));
        await expectRefused(
          () => store.putIfAbsent('raw/big-once.bin', chunked(randomBytes(largeBytes), MiB)),
          'raw/big-once.bin',
          body,
        );
      });

      it('copyIfAbsent copies to a missing key and never replaces an existing one', async () => {
        await store.put('raw/from.csv', 'origen');
        expect(await store.copyIfAbsent('raw/from.csv', 'raw/to.csv')).toBe(true);
        expect((await store.get('raw/to.csv')).toString()).toBe('origen');
        await store.put('raw/other.csv', 'otro origen');
        await expectRefused(
          () => store.copyIfAbsent('raw/other.csv', 'raw/to.csv'),
          'raw/to.csv',
          Buffer.from('origen'),
        );
        await expect(store.copyIfAbsent('raw/missing.csv', 'raw/x.csv')).rejects.toBeInstanceOf(
          ObjectNotFoundError,
        );
      });

      it('of 6 racing putIfAbsent calls on one key exactly one wins, and its body stays', async () => {
        const bodies = Array.from({ length: 6 }, () => randomBytes(64 * 1024));
        const results = await Promise.all(
          bodies.map((b, i) =>
            store.putIfAbsent('raw/race-once.bin', i % 2 ? b : chunked(b, 8192)),
          ),
        );
        const got = sha256(await store.get('raw/race-once.bin'));
        if (limitations.conditionalWrite) {
          console.warn(
            `ObjectStore contract (${name}): racing put-if-absent not checked: ${limitations.conditionalWrite}`,
          );
          return;
        }
        expect(results.filter(Boolean).length).toBe(1);
        expect(got).toBe(sha256(bodies[results.indexOf(true)]!));
      });
    });

    describe('atomic put', () => {
      /**
       * Streams `body` slowly into `key` while readers poll head/get/list until the put resolves.
       * An observation is `early` when it started and finished while the body was still streaming.
       */
      async function observeSlowPut(key: string, body: Buffer): Promise<Observation[]> {
        let producing = true;
        const chunkBytes = 512 * 1024;
        const slow = Readable.from(
          (async function* () {
            for (let at = 0; at < body.length; at += chunkBytes) {
              if (at + chunkBytes >= body.length) producing = false;
              yield body.subarray(at, at + chunkBytes);
              await delay(8);
            }
          })(),
        );
        const observations: Observation[] = [];
        let putDone = false;
        const put = store.put(key, slow).finally(() => {
          putDone = true;
        });
        const dir = key.slice(0, key.lastIndexOf('/') + 1);
        const poll = async (kind: Observation['kind'], look: () => Promise<string>) => {
          while (!putDone) {
            const early = producing;
            let seen: string;
            try {
              seen = await look();
            } catch (err) {
              seen = err instanceof ObjectNotFoundError ? 'absent' : `error: ${String(err)}`;
            }
            observations.push({ kind, seen, early: early && producing });
            await delay(3);
          }
        };
        await Promise.all([
          put,
          poll('head', async () => {
            const info = await store.head(key);
            return info ? `size ${info.size}` : 'absent';
          }),
          poll('get', async () => `sha ${sha256(await store.get(key))}`),
          poll('list', async () => {
            const page = await store.list(dir);
            const info = page.objects.find((o) => o.key === key);
            return info ? `size ${info.size}` : 'absent';
          }),
        ]);
        expect(observations.filter((o) => o.early).length).toBeGreaterThan(0);
        return observations;
      }

      function check(observations: Observation[], allowed: Set<string>): void {
        const checked = limitations.atomicCommit
          ? // Limitation named by the adapter's test file: only observations made while the
            // body was still streaming are checked; the final write itself is not atomic.
            observations.filter((o) => o.early)
          : observations;
        const bad = checked.filter((o) => !allowed.has(o.seen));
        expect(bad).toEqual([]);
      }

      it('readers see the object absent or whole while a large put streams', async () => {
        const body = randomBytes(largeBytes);
        const observations = await observeSlowPut('raw/slow/atomic.bin', body);
        check(observations, new Set(['absent', `size ${body.length}`, `sha ${sha256(body)}`]));
        expect(sha256(await store.get('raw/slow/atomic.bin'))).toBe(sha256(body));
      });

      it('readers see the old or the new version while a put replaces an object', async () => {
        const old = Buffer.from('old version\n');
        await store.put('raw/slow/replace.bin', old);
        const body = randomBytes(largeBytes);
        const observations = await observeSlowPut('raw/slow/replace.bin', body);
        check(
          observations,
          new Set([
            `size ${old.length}`,
            `sha ${sha256(old)}`,
            `size ${body.length}`,
            `sha ${sha256(body)}`,
          ]),
        );
        expect(sha256(await store.get('raw/slow/replace.bin'))).toBe(sha256(body));
      });

      it('a put whose body stream fails leaves nothing (or the previous version)', async () => {
        const failing = (bytes: number) =>
          Readable.from(
            (async function* () {
              for (let at = 0; at < bytes; at += MiB) yield randomBytes(MiB);
              throw new Error('source export broke');
            })(),
          );
        await expect(store.put('raw/fail/new.bin', failing(largeBytes / 2 + MiB))).rejects.toThrow(
          'source export broke',
        );
        expect(await store.head('raw/fail/new.bin')).toBeUndefined();
        await expect(store.get('raw/fail/new.bin')).rejects.toBeInstanceOf(ObjectNotFoundError);

        await store.put('raw/fail/old.bin', 'previous');
        await expect(store.put('raw/fail/old.bin', failing(MiB))).rejects.toThrow(
          'source export broke',
        );
        expect((await store.get('raw/fail/old.bin')).toString()).toBe('previous');
        expect(await keysUnder('raw/fail/')).toEqual(['raw/fail/old.bin']);
      });

      it('concurrent puts of one key leave exactly one of the bodies', async () => {
        const bodies = Array.from({ length: 4 }, () => randomBytes(256 * 1024));
        await Promise.all(
          bodies.map((b, i) => store.put('raw/race.bin', i % 2 ? b : chunked(b, 64 * 1024))),
        );
        const got = sha256(await store.get('raw/race.bin'));
        if (limitations.atomicCommit) {
          // Limitation named by the adapter's test file: concurrent in-place writes may mix.
          expect((await store.head('raw/race.bin'))?.size).toBe(256 * 1024);
          return;
        }
        expect(bodies.map(sha256)).toContain(got);
      });
    });
  });
}

interface Observation {
  kind: 'head' | 'get' | 'list';
  seen: string;
  early: boolean;
}

/** Compares keys as S3 does: by UTF-8 bytes. */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A Readable yielding `body` in chunks of `size` bytes. */
function chunked(body: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size));
  return Readable.from(chunks);
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
