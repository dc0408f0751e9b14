/**
 * `npm run bench:query`: the first three saved queries over N processed transacciones
 * (default 10 million, `BENCH_QUERY_ROWS`), each through corriente's DuckDB query engine and
 * through bare DuckDB on the same Parquet files, in the same run; then the HTTP overhead per
 * query (`POST /api/lake/v1/query` on loopback vs the engine call).
 *
 * Targets: engine / bare ≤ 1.2; HTTP overhead ≤ 5 ms. The data is written once under
 * `.bench/query/` (`BENCH_DIR`) and reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { SqliteCatalog } from '../src/core/catalog/sqlite/sqlite-catalog.js';
import { crawl } from '../src/core/crawler/index.js';
import { openDuckDb, quoteIdent, quoteLiteral, withConnection } from '../src/core/duckdb/duckdb.js';
import { Governance, hashToken } from '../src/core/governance/governance.js';
import { buildHttpServer } from '../src/core/http/server.js';
import { silentLogger } from '../src/core/log/logger.js';
import { LocalFsObjectStore } from '../src/core/object-store/local-fs/local-fs-object-store.js';
import { DuckDbQueryEngine } from '../src/core/query/duckdb/duckdb-query-engine.js';
import { lakeRoutes } from '../src/core/query/http/lake-routes.js';
import { QueryService } from '../src/core/query/query-service.js';
import { SAVED_QUERIES } from '../src/deploy/saved-queries.js';
import { median, row } from './stats.js';

const ROWS = Number(process.env.BENCH_QUERY_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 7);
const HTTP_RUNS = Number(process.env.BENCH_QUERY_HTTP_RUNS ?? 50);
const DIR = path.resolve(process.env.BENCH_DIR ?? '.bench', 'query', String(ROWS));
const LAKE = path.join(DIR, 'datalake');
const ENTITIES = ['clientes', 'proveedores', 'transacciones'] as const;

function partition(entity: string): string {
  return path.join(LAKE, 'processed', entity, 'year=2026', 'month=11', 'day=27');
}

async function writeData(): Promise<void> {
  const marker = path.join(partition('transacciones'), 'part-0.parquet');
  if (existsSync(marker)) return;
  await rm(DIR, { recursive: true, force: true });
  for (const e of ENTITIES) await mkdir(partition(e), { recursive: true });
  const duck = await openDuckDb();
  const energias = `['HIDROELECTRICA', 'SOLAR', 'EOLICA', 'TERMICA', 'BIOMASA', 'GEOTERMICA']`;
  const selects: Record<(typeof ENTITIES)[number], string> = {
    clientes: `SELECT CASE WHEN range % 5 = 0 THEN 'NIT' ELSE 'CC' END AS tipo_identificacion,
        (10000000 + range * 7919)::VARCHAR AS identificacion, NULL::VARCHAR AS digito_verificacion,
        'CLIENTE ' || range AS nombre,
        (['BOGOTA', 'MEDELLIN', 'CALI', 'BARRANQUILLA', 'PASTO', 'BUCARAMANGA'])[1 + (hash(range) % 6)::INT] AS ciudad,
        (['RESIDENCIAL', 'COMERCIAL', 'INDUSTRIAL'])[1 + (hash(range * 3) % 3)::INT] AS segmento
      FROM range(10000)`,
    proveedores: `SELECT 'GENERADORA ' || range AS nombre_proveedor,
        (${energias})[1 + (range % 6)::INT] AS tipo_energia FROM range(200)`,
    transacciones: `SELECT 'T' || lpad(range::VARCHAR, 9, '0') AS id_transaccion,
        '2026-11-27 ' || lpad((range % 24)::VARCHAR, 2, '0') || ':00:00' AS fecha_transaccion,
        CASE WHEN hash(range) % 5 < 3 THEN 'VENTA' ELSE 'COMPRA' END AS tipo_transaccion,
        CASE WHEN hash(range) % 5 < 3 THEN 'CLIENTE ' || (hash(range * 7) % 10000)
             ELSE 'GENERADORA ' || (hash(range * 7) % 200) END AS nombre_cliente_proveedor,
        CAST((hash(range * 3) % 500000) / 10 + 0.1 AS DECIMAL(18,3)) AS cantidad_comprada_kwh,
        CAST(300 + hash(range * 5) % 600 AS DECIMAL(18,4)) AS precio_kwh_cop,
        (${energias})[1 + (hash(range * 11) % 6)::INT] AS tipo_energia,
        CAST(cantidad_comprada_kwh * precio_kwh_cop AS DECIMAL(38,4)) AS precio_total_cop,
        CASE WHEN precio_kwh_cop < 500 THEN 'ECONOMICO' WHEN precio_kwh_cop < 700 THEN 'PROMEDIO' ELSE 'COSTOSO' END AS categoria_precio,
        true AS contraparte_conocida
      FROM range(${ROWS})`,
  };
  await withConnection(duck, async (conn) => {
    for (const e of ENTITIES) {
      const file = path.join(partition(e), 'part-0.parquet');
      const t0 = performance.now();
      await conn.run(
        `COPY (${selects[e]}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      process.stderr.write(`wrote ${e} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  });
  duck.closeSync();
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  await fn(); // warm-up (instance build, OS cache)
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  process.stderr.write(
    `bench:query — ${ROWS.toLocaleString('en-US')} transacciones, ${RUNS} runs each\n`,
  );
  await writeData();
  const catalogPath = path.join(DIR, 'catalog.db');
  await rm(catalogPath, { force: true });
  await rm(`${catalogPath}-wal`, { force: true });
  await rm(`${catalogPath}-shm`, { force: true });
  const catalog = new SqliteCatalog({ path: catalogPath });
  await crawl(
    { datalake: new LocalFsObjectStore({ root: LAKE }), catalog, log: silentLogger },
    { zone: 'processed' },
  );

  const engine = new DuckDbQueryEngine({ catalog });
  const bare = await openDuckDb();
  const bareConn = await bare.connect();
  await bareConn.run('CREATE SCHEMA energy_processed_db');
  for (const e of ENTITIES) {
    const glob = path.join(LAKE, 'processed', e, '*/*/*/*.parquet');
    await bareConn.run(
      `CREATE VIEW energy_processed_db.${quoteIdent(e)} AS SELECT * FROM read_parquet(${quoteLiteral(glob)}, hive_partitioning = true)`,
    );
  }

  const widths = [30, 14, 14, 8];
  const lines = [row(['query', 'corriente ms', 'bare ms', 'ratio'], widths)];
  const ratios: number[] = [];
  for (const q of SAVED_QUERIES.slice(0, 3)) {
    const ours = median(await time(() => engine.query(q.sql, { limit: 1000 }), RUNS));
    const theirs = median(await time(() => bareConn.runAndReadAll(q.sql), RUNS));
    ratios.push(ours / theirs);
    lines.push(
      row([q.name, ours.toFixed(1), theirs.toFixed(1), (ours / theirs).toFixed(2)], widths),
    );
  }
  bareConn.closeSync();
  bare.closeSync();

  const token = 'bench-token';
  const service = new QueryService({
    engine,
    savedQueries: SAVED_QUERIES,
    governance: Governance.fromConfig({
      principals: [{ name: 'admin', kind: 'user', roles: [], tokenSha256: hashToken(token) }],
      roles: [],
      grants: [{ principal: 'admin', database: '*', table: '*' }],
    }),
  });
  const app = await buildHttpServer({
    log: silentLogger,
    plugins: [{ prefix: '/api/lake/v1', plugin: lakeRoutes({ service }) }],
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const saved = SAVED_QUERIES[0]!;
  const direct = median(await time(() => service.run('admin', { saved: saved.name }), HTTP_RUNS));
  const http = median(
    await time(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/lake/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ saved: saved.name }),
      });
      await res.json();
    }, HTTP_RUNS),
  );
  await app.close();
  await engine.close();
  await catalog.close();

  const maxRatio = Math.max(...ratios);
  lines.push('');
  lines.push(
    `max ratio corriente / bare DuckDB: ${maxRatio.toFixed(2)} (target ≤ 1.20) ${maxRatio <= 1.2 ? 'OK' : 'OVER'}`,
  );
  lines.push(
    `HTTP (${saved.name}): engine ${direct.toFixed(2)} ms, POST on loopback ${http.toFixed(2)} ms, ` +
      `overhead ${(http - direct).toFixed(2)} ms (target ≤ 5 ms) ${http - direct <= 5 ? 'OK' : 'OVER'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
