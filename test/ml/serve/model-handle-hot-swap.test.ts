import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteModelRegistry } from '../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { inferenceRoutes, ModelHandle, parseCsvRows } from '../../../src/ml/serve/index.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';
import { expected, registration } from '../registry/fixtures.js';
import { csvOf, listen, matchesXgboost, parseCsvAnswer } from './serve-util.js';

const G = 'fx-recomendaciones';
const until = (cond: () => boolean) => eventually(cond, { timeoutMs: 5000, intervalMs: 10 });

describe('ModelHandle following the registry', () => {
  let tmp: ReturnType<typeof tempDir>;
  let registry: SqliteModelRegistry;
  let app: FastifyInstance | undefined;
  const open = () =>
    new SqliteModelRegistry({
      path: path.join(tmp.dir, 'registry.db'),
      store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
      pollIntervalMs: 20,
    });
  beforeEach(async () => {
    tmp = tempDir('corriente-handle-');
    registry = open();
    await registry.createGroup(G);
    await registry.registerVersion(registration(G, 'multi-a')); // v1
    await registry.registerVersion(registration(G, 'multi-b')); // v2
    await registry.setStatus(G, 1, 'Approved', { actor: 'ana' });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await registry.close();
    tmp.cleanup();
  });

  it('swaps to a newly approved version under load: no request fails, each answer is one whole model', async () => {
    const handle = await ModelHandle.fromRegistry(registry, G);
    expect(handle.current()?.version).toBe(1);
    const s = await listen([{ prefix: '', plugin: inferenceRoutes({ handle }) }]);
    app = s.app;
    const body = csvOf(expected('multi-a').rows); // the same rows in both fixtures
    const answers: { status: number; model: string | null; rows: number[][] }[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const res = await fetch(`${s.url}/invocations`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/csv' },
        });
        answers.push({
          status: res.status,
          model: res.headers.get('x-corriente-model'),
          rows: parseCsvAnswer(await res.text()),
        });
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await until(() => answers.length >= 60);
    await registry.setStatus(G, 2, 'Approved', { actor: 'ana', reason: 'mejor AUC' });
    const at = answers.length;
    await until(() => answers.length >= at + 60);
    stop = true;
    await Promise.all(clients);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    for (const a of answers) {
      expect(a.model === `${G}@v1` || a.model === `${G}@v2`).toBe(true);
      expect(matchesXgboost(a.rows, a.model === `${G}@v1` ? 'multi-a' : 'multi-b')).toBe(true);
    }
    expect(answers.some((a) => a.model === `${G}@v1`)).toBe(true);
    expect(answers.some((a) => a.model === `${G}@v2`)).toBe(true);
    expect(answers.at(-1)!.model).toBe(`${G}@v2`);
    handle.close();
  });

  it('follows a rollback, a rejection of the last approved version, and changes made by another process', async () => {
    const handle = await ModelHandle.fromRegistry(registry, G);
    const swaps: (number | undefined)[] = [];
    handle.onSwap((now) => swaps.push(now?.version));
    const cli = open(); // as `corriente fx models approve` would, from another process
    await cli.setStatus(G, 2, 'Approved', { actor: 'cli' });
    await until(() => handle.current()?.version === 2);
    expect(handle.current()?.version).toBe(2);
    await cli.rollback(G, { actor: 'cli', reason: 'v2 recomienda de más' });
    await until(() => handle.current()?.version === 1);
    expect(handle.current()?.version).toBe(1);
    await registry.setStatus(G, 1, 'Rejected', { actor: 'ana' });
    await until(() => handle.current() === undefined);
    expect(handle.current()).toBeUndefined();
    expect(swaps).toEqual([2, 1, undefined]);
    await cli.close();
    handle.close();
  });

  it('keeps serving the current model when the newly approved artifact fails its sha256 check', async () => {
    const handle = await ModelHandle.fromRegistry(registry, G);
    const v2 = (await registry.getVersion(G, 2))!;
    const store = new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') });
    await store.put(
      v2.artifact.key,
      (await store.get(v2.artifact.key)).toString().replace('1', '2'),
    );
    await registry.setStatus(G, 2, 'Approved', { actor: 'ana' });
    await handle.refresh();
    expect(handle.current()?.version).toBe(1);
    handle.close();
  });

  it('serves a model file', async () => {
    const file = path.join(import.meta.dirname, '..', 'registry', 'fixtures', 'binary.json');
    const handle = await ModelHandle.fromFile(file);
    expect(handle.current()).toMatchObject({ file });
    const { rows } = expected('binary');
    const { x, nRows } = parseCsvRows(Buffer.from(csvOf(rows)), 5, 100);
    const p = handle.current()!.model.predict(x, nRows);
    expect(
      matchesXgboost(
        Array.from(p, (v) => [v]),
        'binary',
      ),
    ).toBe(true);
  });
});
