import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { crawl } from '../../../src/core/crawler/index.js';
import { simulateHistory } from '../../../src/fx/simulate/index.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { parseSimulateArgs } from '../../../src/cli/commands/fx-processor.js';
import { tempDir } from '../../util/tmp.js';
import { lakeHashes, openHarness } from './harness.js';
import { reconcileHarness } from './lake-query.js';

let t: { dir: string; cleanup: () => void };
beforeAll(() => {
  t = tempDir('corriente-fxsim-');
});
afterAll(() => t.cleanup());

const opts = { users: 60, days: 45, seed: 42, end: '2026-03-31' };

it('is deterministic for a seed, with visible behaviours, crawlable and queryable', async () => {
  const a = new LocalFsObjectStore({ root: path.join(t.dir, 'a') });
  const b = new LocalFsObjectStore({ root: path.join(t.dir, 'b') });
  const ra = await simulateHistory({ datalake: a, ...opts });
  const rb = await simulateHistory({ datalake: b, ...opts });
  expect(ra).toEqual(rb);
  expect(ra).toMatchObject({ from: '2026-02-15', to: '2026-03-31', users: 60, accounts: 60 });
  expect(ra.transactions).toBeGreaterThan(200);
  expect(await lakeHashes(a)).toEqual(await lakeHashes(b));
  const other = new LocalFsObjectStore({ root: path.join(t.dir, 'c') });
  await simulateHistory({ datalake: other, ...opts, seed: 43 });
  expect(await lakeHashes(other)).not.toEqual(await lakeHashes(a));

  const catalog = new SqliteCatalog({ path: path.join(t.dir, 'catalog.db') });
  const engine = new DuckDbQueryEngine({ catalog });
  try {
    const report = await crawl({ datalake: a, catalog, log: silentLogger }, { zone: 'raw' });
    expect(report.tables.map((x) => x.table).sort()).toEqual([
      'fx_raw_db.fx_cuentas',
      'fx_raw_db.fx_precios',
      'fx_raw_db.fx_sim_usuarios',
      'fx_raw_db.fx_transacciones',
    ]);
    const q = async (sql: string) => (await engine.query(sql)).rows;
    expect(await q('SELECT count(*) AS n FROM fx_raw_db.fx_transacciones')).toEqual([
      { n: ra.transactions },
    ]);
    // The market: around 4,000 COP/USD, bid < mid < ask, 1-minute ticks in the session.
    const [m] = await q(
      `SELECT min(medio_cop) AS lo, max(medio_cop) AS hi,
              count(*) FILTER (WHERE NOT (compra_cop < medio_cop AND medio_cop < venta_cop)) AS bad
         FROM fx_raw_db.fx_precios`,
    );
    expect(Number(m!.lo)).toBeGreaterThan(3400);
    expect(Number(m!.hi)).toBeLessThan(4700);
    expect(m!.bad).toBe(0);
    // Remittance users sell, and near the 1st / 15th (or the Monday after).
    const byBehaviour = await q(
      `SELECT u.comportamiento AS b,
              count(*) AS n,
              count(*) FILTER (WHERE t.lado = 'SELL') AS sells,
              count(*) FILTER (WHERE day(t.ejecutado_en - INTERVAL 5 HOUR) IN (1, 2, 3, 15, 16, 17)) AS near
         FROM fx_raw_db.fx_transacciones t JOIN fx_raw_db.fx_sim_usuarios u USING (usuario_id)
        GROUP BY 1 ORDER BY 1`,
    );
    const row = (name: string) => byBehaviour.find((r) => r.b === name)!;
    expect(row('remesas').sells).toBe(row('remesas').n);
    expect(row('remesas').near).toBe(row('remesas').n);
    expect(row('ahorro_quincenal').sells).toBe(0);
    expect(Number(row('aleatorio').near)).toBeLessThan(Number(row('aleatorio').n));
    expect(Number(row('compra_en_caidas').n)).toBeGreaterThan(0);
    expect(Number(row('momentum').n)).toBeGreaterThan(0);
  } finally {
    await engine.close();
    await catalog.close();
  }
});

it('simulated users are left out of reconciliation when the store does not hold them', async () => {
  const h = await openHarness(path.join(t.dir, 'rec'));
  try {
    await simulateHistory({ datalake: h.datalake, users: 10, days: 5, seed: 1, end: '2026-01-10' });
    const report = await reconcileHarness(h);
    expect(report.ok).toBe(true);
    expect(report.lake.simulatedUsersSkipped).toBe(10);
  } finally {
    await h.close();
  }
});

it('parses the simulate options', () => {
  expect(parseSimulateArgs({ users: '5', days: '3' })).toEqual({
    users: 5,
    days: 3,
    seed: 1,
    userPrefix: 'sim',
    live: false,
    respond: false,
    effectScale: 1,
    noise: true,
  });
  expect(() => parseSimulateArgs({ users: '5', days: '3', modelFile: 'm.json' })).toThrow(
    /--model-file: needs --respond/,
  );
  expect(() =>
    parseSimulateArgs({ users: '5', days: '3', respond: true, effectScale: '-1' }),
  ).toThrow(/--effect-scale/);
  expect(() => parseSimulateArgs({ users: '5' })).toThrow(/--days: is required/);
  expect(() => parseSimulateArgs({ users: '5', live: true })).toThrow(/--duration: is required/);
  expect(parseSimulateArgs({ users: '5', live: true, duration: '3' })).toMatchObject({
    live: true,
    duration: 3,
  });
  expect(() => parseSimulateArgs({ users: '0', days: '3' })).toThrow(/--users/);
  expect(() => parseSimulateArgs({ users: '2', days: '3', end: '2026-02-30' })).toThrow(/--end/);
});
