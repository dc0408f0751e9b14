import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import { addRaw, CLIENTES_HEADER, newLake, TRANSACCIONES_HEADER } from './fixtures.js';
import { readParquet } from '../../util/lake.js';
import { seededRandom } from '../../util/random.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03'];

/** A child process running the compiled transform (dist) on `home`. */
function childScript(home: string): string {
  const dist = (p: string): string => JSON.stringify(path.join(ROOT, 'dist', p));
  return `
import * as path from 'node:path';
import { runTransforms } from ${dist('energy/transform/runner.js')};
import { SqliteTransformState } from ${dist('energy/transform/sqlite/sqlite-transform-state.js')};
import { LocalFsObjectStore } from ${dist('core/object-store/local-fs/local-fs-object-store.js')};
import { silentLogger } from ${dist('core/log/logger.js')};
const home = ${JSON.stringify(home)};
const state = new SqliteTransformState({ path: path.join(home, 'state', 'transform.db') });
await runTransforms({ datalake: new LocalFsObjectStore({ root: path.join(home, 'datalake') }), state, log: silentLogger, home,
  duckdb: { threads: 2, memoryLimit: '512MB' } }, { full: true });
state.close();
process.stdout.write('finished');
`;
}

describe('crash safety', () => {
  beforeAll(() => {
    // The child runs the compiled code, which test/global-setup.ts builds once per test run.
    expect(existsSync(path.join(ROOT, 'dist', 'energy', 'transform', 'runner.js'))).toBe(true);
  }, 180_000);

  it('SIGKILL at random moments, then a re-run: processed zone complete, no duplicates, no partial partition', async () => {
    const lake = newLake();
    const perDay = 20_000;
    for (const [d, day] of DAYS.entries()) {
      const rows = Array.from(
        { length: perDay },
        (_, i) =>
          `T${d}-${i};${day};${i % 2 ? 'COMPRA' : 'Venta'};Cliente ${i % 50};${1 + (i % 7)},5;${100 + (i % 13)};${i % 3 ? 'Solar' : 'HIDRO'}`,
      );
      await addRaw(
        lake,
        'transacciones',
        day,
        't.csv',
        `${TRANSACCIONES_HEADER}\n${rows.join('\n')}\n`,
      );
      await addRaw(
        lake,
        'clientes',
        day,
        'c.csv',
        `${CLIENTES_HEADER}\nCC;${d};Cliente ${d};Cali;;;;\n`,
      );
    }
    const script = path.join(lake.home, 'child.mjs');
    writeFileSync(script, childScript(lake.home));
    const random = seededRandom('transform crash');
    let killed = 0;
    for (let i = 0; i < 5; i++) {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      // Random moments in widening windows: the first kills come early, so a fast machine that
      // finishes all the work in one run still gets killed at least once before it does.
      const delay = 150 + 400 * i + random.int(0, 399);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await new Promise<number | null>((resolve) =>
        child.on('exit', (c) => resolve(c)),
      );
      clearTimeout(timer);
      if (code === null) killed++;
      else expect(out).toBe('finished');
      // Whatever the moment, every partition visible is one whole file.
      for (const entity of ['clientes', 'transacciones']) {
        const base = lake.datalake.pathOf(`processed/${entity}`);
        if (!existsSync(base)) continue;
        for (const day of DAYS) {
          const dir = path.join(base, `year=2026`, 'month=02', `day=${day.slice(8)}`);
          if (!existsSync(dir)) continue;
          // A kill between creating the folder and renaming the file into it leaves an empty
          // folder: no partition yet. Never two files, never a partial one.
          const files = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
          if (files.length === 0) continue;
          expect(files).toEqual(['data.parquet']);
          const [r] = await readParquet(
            path.join(dir, 'data.parquet'),
            'SELECT count(*)::INTEGER AS n FROM t',
          );
          expect(r!.n).toBe(entity === 'clientes' ? 1 : perDay);
        }
      }
    }
    expect(killed).toBeGreaterThan(0);

    const report = await runTransforms(lake.deps);
    expect(report.status).toBe('succeeded');
    const files = DAYS.map((day) =>
      lake.datalake.pathOf(
        `processed/transacciones/year=2026/month=02/day=${day.slice(8)}/data.parquet`,
      ),
    );
    const [totals] = await readParquet(
      files,
      'SELECT count(*)::INTEGER AS n, count(DISTINCT id_transaccion)::INTEGER AS ids, count(DISTINCT _fecha_carga)::INTEGER AS days FROM t',
    );
    expect(totals).toEqual({
      n: DAYS.length * perDay,
      ids: DAYS.length * perDay,
      days: DAYS.length,
    });
    // No temp or stray files anywhere in the processed zone.
    const keys = (await lake.datalake.list('processed/')).objects.map((o) => o.key);
    expect(keys.every((k) => k.endsWith('/data.parquet'))).toBe(true);
    expect(keys).toHaveLength(DAYS.length * 2);
    // Killed runs are recorded as failed, not left running.
    const runs = lake.deps.state.listRuns({ limit: 100 });
    expect(runs.some((r) => r.status === 'running')).toBe(false);
    expect(existsSync(path.join(lake.home, 'tmp', 'transform'))).toBe(false);
  }, 180_000);
});
