import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../src/core/object-store/local-fs/local-fs-object-store.js';
import type { ObjectStore } from '../../src/core/object-store/object-store.js';
import { ingestOnce } from '../../src/energy/ingest/ingest.js';
import { SqliteIngestClaims } from '../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { tempDir } from '../util/tmp.js';

const WRITES = new Set(['put', 'putFile', 'copy', 'rename', 'delete']);

class Crash extends Error {}

/** The store, with the process "dying" (throwing, and nothing more) at its `at`-th write. */
function crashingAt(store: ObjectStore, counter: { n: number; at: number }): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (WRITES.has(String(prop)) && ++counter.n === counter.at) {
          throw new Crash(`crash before ${String(prop)}(${String(args[0])})`);
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const walk = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

let t: { dir: string; cleanup: () => void };
beforeEach(() => (t = tempDir('corriente-quarantine-crash-')));
afterEach(() => t.cleanup());

describe('quarantine is crash-safe at every write (deterministic crash points)', () => {
  // A file no entity matches: quarantined. Every write of the run is a crash point in turn.
  const BAD = Buffer.from('columna_a;columna_b\n1;2\n');

  it('after a crash at any write and a second run: one copy, one record naming it, landing empty', async () => {
    let crashed = 0;
    for (let at = 1; ; at++) {
      const root = path.join(t.dir, String(at));
      mkdirSync(path.join(root, 'source'), { recursive: true });
      writeFileSync(path.join(root, 'source', 'desconocido.csv'), BAD);
      const source = new LocalFsObjectStore({ root: path.join(root, 'source') });
      const datalake = new LocalFsObjectStore({ root: path.join(root, 'datalake') });
      const counter = { n: 0, at };
      const deps = (s: ObjectStore, d: ObjectStore) => ({
        source: s,
        datalake: d,
        claims: new SqliteIngestClaims({ path: path.join(root, 'state', 'ingest-claims.db') }),
        log: silentLogger,
        now: () => new Date('2026-03-10T15:00:00Z'),
      });
      let died: boolean;
      try {
        const r = await ingestOnce(
          deps(crashingAt(source, counter), crashingAt(datalake, counter)),
          { loadDate: '2026-03-10' },
        );
        died = r.files.some((f) => f.status === 'failed');
      } catch (err) {
        if (!(err instanceof Crash)) throw err;
        died = true;
      }
      if (counter.n < at) break; // the run finished before this write: every point was tried
      if (died) crashed++;
      await ingestOnce(deps(source, datalake), { loadDate: '2026-03-10' });

      expect(walk(path.join(root, 'source')), `crash at write ${at}`).toEqual([]);
      const lake = path.join(root, 'datalake');
      const files = walk(lake).filter(
        (k) => k.startsWith('quarantine/files/') && !k.includes('.corriente-tmp-'),
      );
      const copies = files.filter((k) => !k.endsWith('.error.json'));
      const records = files.filter((k) => k.endsWith('.error.json'));
      expect(copies, `crash at write ${at}`).toHaveLength(1);
      expect(records, `crash at write ${at}`).toEqual([`${copies[0]}.error.json`]);
      expect(sha(readFileSync(path.join(lake, copies[0]!)))).toBe(sha(BAD));
      const record = JSON.parse(readFileSync(path.join(lake, records[0]!), 'utf8')) as {
        quarantineKey: string;
        sha256: string;
      };
      expect(record.quarantineKey).toBe(copies[0]);
      expect(record.sha256).toBe(sha(BAD));
    }
    expect(crashed).toBeGreaterThanOrEqual(2);
  });
});
