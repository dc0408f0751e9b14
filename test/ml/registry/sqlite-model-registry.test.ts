import { fork } from 'node:child_process';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoApprovePolicySchema } from '../../../src/ml/registry/index.js';
import { SqliteModelRegistry } from '../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../util/tmp.js';
import { registration } from './fixtures.js';
import { modelRegistryContract } from './model-registry-contract.js';

modelRegistryContract('SqliteModelRegistry (SQLite file + local folder store)', async (opts) => {
  const tmp = tempDir('corriente-registry-');
  const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
  const file = path.join(tmp.dir, 'ml', 'registry.db');
  const make = () =>
    new SqliteModelRegistry({
      path: file,
      store,
      pollIntervalMs: 20,
      ...(opts.autoApprove ? { autoApprove: autoApprovePolicySchema.parse(opts.autoApprove) } : {}),
    });
  return { registry: make(), store, reopen: make, cleanup: async () => tmp.cleanup() };
});

describe('SqliteModelRegistry', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('corriente-registry-');
  });
  afterEach(() => tmp.cleanup());

  it('uses WAL mode and keeps everything across reopening', async () => {
    const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
    const file = path.join(tmp.dir, 'ml', 'registry.db');
    const first = new SqliteModelRegistry({ path: file, store });
    await first.createGroup('g1');
    await first.registerVersion(registration('g1', 'binary'));
    await first.setStatus('g1', 1, 'Approved', { actor: 'ana' });
    await first.close();
    const raw = new BetterSqlite3(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
    const second = new SqliteModelRegistry({ path: file, store });
    expect(await second.latestApproved('g1')).toMatchObject({
      version: 1,
      model: { objective: 'binary:logistic' },
    });
    expect((await second.history('g1')).map((e) => e.reason)).toEqual(['registered', 'approved']);
    await second.close();
  });

  it('two processes registering into one file at once get distinct versions, nothing lost', async () => {
    const home = tmp.dir;
    const setup = new SqliteModelRegistry({
      path: path.join(home, 'registry.db'),
      store: new LocalFsObjectStore({ root: path.join(home, 'datalake') }),
    });
    await setup.createGroup('g1');
    await setup.close();
    const worker = path.join(import.meta.dirname, 'fixtures', 'register-worker.mjs');
    const modules = [
      path.resolve('dist/ml/registry/sqlite/sqlite-model-registry.js'),
      path.resolve('dist/core/object-store/local-fs/local-fs-object-store.js'),
    ];
    const run = (who: string) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(worker, [...modules, home, who, '6'], { stdio: 'inherit' });
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`${who} exited ${code}`)),
        );
      });
    await Promise.all([run('p1'), run('p2')]);
    const r = new SqliteModelRegistry({
      path: path.join(home, 'registry.db'),
      store: new LocalFsObjectStore({ root: path.join(home, 'datalake') }),
    });
    const versions = await r.listVersions('g1');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(versions.filter((v) => v.createdBy === 'p1')).toHaveLength(6);
    for (const v of versions) await r.loadModel('g1', v.version); // every artifact intact
    expect(await r.history('g1')).toHaveLength(12);
    await r.close();
  });
});
describe('auto-approve policy config', () => {
  it('names a bad metric expression', () => {
    const r = autoApprovePolicySchema.safeParse({ metric: 'min(compra.rocAuc', margin: 0.01 });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/expected "\)"/);
    expect(autoApprovePolicySchema.parse({ metric: 'venta.rocAuc' })).toEqual({
      metric: 'venta.rocAuc',
      margin: 0.01,
      higherIsBetter: true,
      approveFirst: false,
    });
  });
});
