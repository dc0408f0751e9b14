import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { lakeRoutes } from '../../../src/core/query/http/lake-routes.js';
import { openQueryService } from '../../../src/deploy/open-query-service.js';
import type { QueryService } from '../../../src/core/query/query-service.js';
import { createQueryLake, TEST_GOVERNANCE, TOKENS, type QueryLake } from './lake-fixture.js';

const DB = 'energy_processed_db';
const PREFIX = '/api/lake/v1';

describe('lake HTTP API', () => {
  let lake: QueryLake;
  let service: QueryService;
  let app: FastifyInstance;

  beforeAll(async () => {
    lake = await createQueryLake();
    service = openQueryService(lake.config(TEST_GOVERNANCE));
    app = await buildHttpServer({
      log: silentLogger,
      plugins: [{ prefix: PREFIX, plugin: lakeRoutes({ service }) }],
    });
  });
  afterAll(async () => {
    await app.close();
    await service.close();
    await lake.cleanup();
  });

  const post = (body: unknown, token?: string) =>
    app.inject({
      method: 'POST',
      url: `${PREFIX}/query`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload: body as Record<string, unknown>,
    });

  it('answers a query with columns, rows, truncated and elapsedMs', async () => {
    const res = await post(
      { sql: 'SELECT ciudad, count(*) AS n FROM clientes GROUP BY 1 ORDER BY 1', database: DB },
      TOKENS.ana,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.columns).toEqual([
      { name: 'ciudad', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
    ]);
    expect(body.rows.reduce((s: number, r: { n: number }) => s + r.n, 0)).toBe(
      lake.clientes.length,
    );
    expect(body.truncated).toBe(false);
    expect(typeof body.elapsedMs).toBe('number');
  });

  it('runs saved queries and lists them', async () => {
    const res = await post({ saved: 'clientes_por_ciudad' }, TOKENS.ana);
    expect(res.statusCode).toBe(200);
    expect(res.json().saved).toBe('clientes_por_ciudad');
    const list = await app.inject({
      url: `${PREFIX}/saved-queries`,
      headers: { authorization: `Bearer ${TOKENS.sam}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().savedQueries.map((q: { name: string }) => q.name)).toContain(
      'top_clientes_por_consumo',
    );
    const unknown = await post({ saved: 'nope' }, TOKENS.ana);
    expect(unknown.statusCode).toBe(404);
  });

  it('limits rows: default 1000, max 100000, truncated when cut', async () => {
    const cut = await post({ sql: `SELECT * FROM ${DB}.transacciones`, limit: 5 }, TOKENS.admin);
    expect(cut.json().rows).toHaveLength(5);
    expect(cut.json().truncated).toBe(true);
    const def = await post({ sql: 'SELECT * FROM range(1500)' }, TOKENS.admin);
    expect(def.json().rows).toHaveLength(1000);
    expect(def.json().truncated).toBe(true);
    const tooMany = await post({ sql: 'SELECT 1', limit: 100_001 }, TOKENS.admin);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(tooMany.json().detail).toMatch(/limit/);
  });

  it('validates the body with zod', async () => {
    for (const body of [
      {},
      { sql: 'SELECT 1', saved: 'x' },
      { sql: 1 },
      { sql: 'SELECT 1', extra: true },
    ]) {
      const res = await post(body, TOKENS.admin);
      expect(res.statusCode).toBe(400);
      expect(res.json().type).toBe('urn:corriente:problem:invalid-request');
    }
  });

  it('no token, no data: 401 without or with a wrong token, on every route', async () => {
    for (const token of [undefined, 'wrong', `${TOKENS.ana}x`]) {
      const q = await post({ sql: 'SELECT 1' }, token);
      expect(q.statusCode).toBe(401);
      expect(q.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(q.headers['content-type']).toMatch(/application\/problem\+json/);
      for (const url of ['/saved-queries', '/tables']) {
        const r = await app.inject({
          url: `${PREFIX}${url}`,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        expect(r.statusCode).toBe(401);
      }
    }
    const basic = await app.inject({
      method: 'POST',
      url: `${PREFIX}/query`,
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.ana}`).toString('base64')}` },
      payload: { sql: 'SELECT 1' },
    });
    expect(basic.statusCode).toBe(401);
  });

  it('403 for denied columns and tables, 400 for SQL errors and refused statements', async () => {
    const col = await post({ sql: `SELECT identificacion FROM ${DB}.clientes` }, TOKENS.ana);
    expect(col.statusCode).toBe(403);
    expect(col.json().detail).toBe(
      'access denied: principal "ana" (role analyst) may not read column energy_processed_db.clientes.identificacion',
    );
    const table = await post({ sql: `SELECT * FROM ${DB}.clientes` }, TOKENS.sam);
    expect(table.statusCode).toBe(403);
    const sqlError = await post({ sql: `SELECT nope FROM ${DB}.clientes` }, TOKENS.ana);
    expect(sqlError.statusCode).toBe(400);
    expect(sqlError.json().detail).toMatch(/Binder Error/);
    const unknown = await post({ sql: `SELECT * FROM ${DB}.facturas` }, TOKENS.sam);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().availableTables).toEqual([`${DB}.proveedores`]);
    const write = await post({ sql: `COPY (SELECT 1) TO '/tmp/x.csv'` }, TOKENS.admin);
    expect(write.statusCode).toBe(400);
    expect(write.json().type).toBe('urn:corriente:problem:forbidden-statement');
  });

  it('a query past the timeout is a 408 problem', async () => {
    const slow = openQueryService({
      ...lake.config(TEST_GOVERNANCE),
      query: { ...lake.config().query, timeoutMs: 200 },
    });
    const a = await buildHttpServer({
      log: silentLogger,
      plugins: [{ prefix: PREFIX, plugin: lakeRoutes({ service: slow }) }],
    });
    try {
      const res = await a.inject({
        method: 'POST',
        url: `${PREFIX}/query`,
        headers: { authorization: `Bearer ${TOKENS.admin}` },
        payload: {
          sql: 'SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = 3',
        },
      });
      expect(res.statusCode).toBe(408);
      expect(res.json().detail).toMatch(/ran longer than 200 ms and was cancelled/);
    } finally {
      await a.close();
      await slow.close();
    }
  });

  it('GET /tables lists what the principal may see', async () => {
    const res = await app.inject({
      url: `${PREFIX}/tables`,
      headers: { authorization: `Bearer ${TOKENS.sam}` },
    });
    expect(res.json().tables.map((t: { table: string }) => t.table)).toEqual(['proveedores']);
  });

  it('works over real HTTP on loopback', async () => {
    const server = await buildHttpServer({
      log: silentLogger,
      plugins: [{ prefix: PREFIX, plugin: lakeRoutes({ service }) }],
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = server.server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}${PREFIX}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ana}` },
        body: JSON.stringify({ saved: 'transacciones_por_tipo' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { rows: { transacciones: number }[] };
      expect(body.rows.reduce((s, r) => s + r.transacciones, 0)).toBe(lake.transacciones.length);
      const anon = await fetch(`http://127.0.0.1:${port}${PREFIX}/tables`);
      expect(anon.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
