import { SqliteIngestClaims } from '../../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestOnce } from '../../../src/energy/ingest/ingest.js';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { lakeOpsRoutes } from '../../../src/energy/http/lake-ops-routes.js';
import { lakeRoutes } from '../../../src/core/query/http/lake-routes.js';
import { openQueryService } from '../../../src/deploy/open-query-service.js';
import type { QueryService } from '../../../src/core/query/query-service.js';
import { SqliteTransformState } from '../../../src/energy/transform/sqlite/sqlite-transform-state.js';
import {
  createQueryLake,
  TEST_GOVERNANCE,
  TOKENS,
  type QueryLake,
} from '../../core/query/lake-fixture.js';

/** A JSON answer, read loosely: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const PREFIX = '/api/lake/v1';
const ADMIN_TOKEN = 'adm_test-console-admin-token';

const GOOD = [
  'tipo_identificacion;identificacion;nombre;ciudad',
  'CC;1001;Ana Pérez;Bogotá',
  'CC;1002;Luis Díaz;Cali',
  'NIT;900123456-7;Energía SAS;Medellín',
  '',
].join('\n');
const MISSING_COLUMNS = ['tipo_identificacion;nombre', 'CC;Sin ciudad', ''].join('\n');

describe('lake operations routes over HTTP (catalog, ingestion, quarantine, jobs, status)', () => {
  let lake: QueryLake;
  let service: QueryService;
  let state: SqliteTransformState;
  let app: FastifyInstance;
  let base: string;
  let source: LocalFsObjectStore;
  let reingested = 0;

  beforeAll(async () => {
    lake = await createQueryLake();
    const datalake = new LocalFsObjectStore({ root: lake.datalake });
    mkdirSync(path.join(lake.home, 'source'), { recursive: true });
    source = new LocalFsObjectStore({ root: path.join(lake.home, 'source') });
    writeFileSync(path.join(lake.home, 'source', 'clientes_2026-11-27.csv'), GOOD);
    writeFileSync(path.join(lake.home, 'source', 'clientes_incompleto.csv'), MISSING_COLUMNS);
    const report = await ingestOnce(
      {
        source,
        datalake,
        claims: new SqliteIngestClaims({ path: path.join(lake.home, 'state', 'ingest-claims.db') }),
        log: silentLogger,
      },
      { loadDate: '2026-11-27' },
    );
    expect(report.files.map((f) => f.status).sort()).toEqual(['loaded', 'quarantined']);

    state = new SqliteTransformState({ path: path.join(lake.home, 'state', 'transform.db') });
    for (const entity of ['clientes', 'proveedores'] as const) {
      const runId = `run-${entity}`;
      state.startRun({ runId, entity, full: false, startedAt: '2026-11-27T10:00:00.000Z' });
      state.finishRun({
        runId,
        entity,
        status: 'succeeded',
        full: false,
        startedAt: '2026-11-27T10:00:00.000Z',
        finishedAt: '2026-11-27T10:00:02.000Z',
        durationMs: 2000,
        rowsIn: 3,
        rowsOut: 3,
        rejected: 0,
        duplicates: 0,
        partitions: [],
      });
    }
    service = openQueryService(lake.config(TEST_GOVERNANCE));
    app = await buildHttpServer({
      log: silentLogger,
      plugins: [
        { prefix: PREFIX, plugin: lakeRoutes({ service, adminToken: ADMIN_TOKEN }) },
        {
          prefix: PREFIX,
          plugin: lakeOpsRoutes({
            service,
            catalog: lake.catalog,
            datalake,
            source,
            transformState: state,
            freshnessHours: 24,
            adminToken: ADMIN_TOKEN,
            onReingest: () => reingested++,
          }),
        },
      ],
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await service?.close();
    state?.close();
    await lake?.cleanup();
  });

  const get = async (url: string, token?: string) => {
    const res = await fetch(`${base}${PREFIX}${url}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const post = async (url: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${PREFIX}${url}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('answers 401 without a token and accepts the admin token on the query API too', async () => {
    expect((await get('/catalog')).status).toBe(401);
    expect((await get('/catalog', 'wrong')).status).toBe(401);
    const q = await post('/query', { sql: 'SELECT 1 AS uno' }, ADMIN_TOKEN);
    expect(q.status).toBe(200);
    expect(q.body.rows).toEqual([{ uno: 1 }]);
  });

  it('lists the catalog a principal may read, with granted columns only', async () => {
    const all = await get('/catalog', ADMIN_TOKEN);
    expect(all.status).toBe(200);
    const processed = all.body.databases.find(
      (d: { name: string }) => d.name === 'energy_processed_db',
    );
    expect(processed.tables.map((t: { name: string }) => t.name).sort()).toEqual([
      'clientes',
      'proveedores',
      'transacciones',
    ]);
    const sam = await get('/catalog', TOKENS.sam);
    expect(
      sam.body.databases.flatMap((d: { tables: { name: string }[] }) =>
        d.tables.map((t) => t.name),
      ),
    ).toEqual(['proveedores']);
    expect(sam.body.databases[0].tables[0].columns).toBe(1);

    const ana = await get('/catalog/energy_processed_db/clientes', TOKENS.ana);
    expect(ana.status).toBe(200);
    const names = ana.body.table.columns.map((c: { name: string }) => c.name);
    expect(names).toContain('ciudad');
    expect(names).not.toContain('identificacion');
    expect(ana.body.partitions.length).toBe(2);
    expect(ana.body.schemaVersions[0].version).toBe(1);
    const admin = await get('/catalog/energy_processed_db/clientes', ADMIN_TOKEN);
    expect(admin.body.table.columns.map((c: { name: string }) => c.name)).toContain(
      'identificacion',
    );
    // A table the principal may not read is not there for it.
    expect((await get('/catalog/energy_processed_db/clientes', TOKENS.sam)).status).toBe(404);
  });

  it('reports ingestion per entity and load date from the manifests', async () => {
    const r = await get('/ingestion', ADMIN_TOKEN);
    const clientes = r.body.entities.find((e: { entity: string }) => e.entity === 'clientes');
    expect(clientes).toMatchObject({
      files: 1,
      rows: 3,
      lastFile: 'clientes_2026-11-27.csv',
      days: [{ date: '2026-11-27', files: 1, rows: 3 }],
    });
    const sam = await get('/ingestion', TOKENS.sam);
    expect(sam.body.entities.map((e: { entity: string }) => e.entity)).toEqual(['proveedores']);
  });

  it('lists quarantined files with both reasons, to those who may read the entity', async () => {
    const r = await get('/quarantine', TOKENS.ana);
    expect(r.status).toBe(200);
    expect(r.body.files).toHaveLength(1);
    const f = r.body.files[0];
    expect(f).toMatchObject({
      fileName: 'clientes_incompleto.csv',
      code: 'missing_columns',
      entity: 'clientes',
      date: '2026-11-27',
    });
    expect(f.mensaje).toBe('Faltan columnas obligatorias de clientes: identificacion, ciudad.');
    expect(f.message).toMatch(/identificacion/);
    expect((await get('/quarantine', TOKENS.sam)).body.files).toEqual([]);
  });

  it('lists transform runs and freshness of the entities the principal may read', async () => {
    const admin = await get('/jobs?limit=10', ADMIN_TOKEN);
    expect(admin.body.runs.map((r: { entity: string }) => r.entity).sort()).toEqual([
      'clientes',
      'proveedores',
    ]);
    const sam = await get('/jobs', TOKENS.sam);
    expect(sam.body.runs.map((r: { runId: string }) => r.runId)).toEqual(['run-proveedores']);
    expect((await get('/jobs?limit=0', ADMIN_TOKEN)).status).toBe(400);

    const status = await get('/status', ADMIN_TOKEN);
    const clientes = status.body.freshness.find((f: { entity: string }) => f.entity === 'clientes');
    expect(clientes.latestLoadDate).toBe('2026-11-27');
    expect(typeof clientes.overdue).toBe('boolean');
    expect(status.body.lastRuns).toHaveLength(3 - 1); // transacciones never ran
  });

  it('re-ingests a quarantined file (admin only): back to landing, out of quarantine', async () => {
    const { files } = (await get('/quarantine', ADMIN_TOKEN)).body;
    const key = files[0].key as string;
    expect((await post('/quarantine/reingest', { key }, TOKENS.ana)).status).toBe(403);
    const bad = await post('/quarantine/reingest', { key: 'raw/clientes/x.csv' }, ADMIN_TOKEN);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/quarantined file/);
    const missing = await post(
      '/quarantine/reingest',
      { key: 'quarantine/files/2026-11-27/nada.csv' },
      ADMIN_TOKEN,
    );
    expect(missing.status).toBe(404);

    const ok = await post('/quarantine/reingest', { key }, ADMIN_TOKEN);
    expect(ok.status).toBe(202);
    expect(ok.body.sourceKey).toBe('clientes_incompleto.csv');
    expect((await source.get('clientes_incompleto.csv')).toString('utf8')).toBe(MISSING_COLUMNS);
    expect(existsSync(path.join(lake.datalake, key))).toBe(false);
    expect(existsSync(path.join(lake.datalake, `${key}.error.json`))).toBe(false);
    expect((await get('/quarantine', ADMIN_TOKEN)).body.files).toEqual([]);
    expect(reingested).toBe(1);
  });

  it('is rate-limited per principal (issue 13, item 7)', async () => {
    const limited = await buildHttpServer({
      log: silentLogger,
      plugins: [
        {
          prefix: PREFIX,
          plugin: lakeOpsRoutes({
            service,
            catalog: lake.catalog,
            datalake: new LocalFsObjectStore({ root: lake.datalake }),
            source,
            transformState: state,
            freshnessHours: 24,
            adminToken: ADMIN_TOKEN,
            rateLimitPerMinute: 3,
          }),
        },
      ],
    });
    try {
      const status = (token: string) =>
        limited
          .inject({ url: `${PREFIX}/status`, headers: { authorization: `Bearer ${token}` } })
          .then((r) => r.statusCode);
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push(await status(ADMIN_TOKEN));
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      // Another principal has its own budget.
      expect(await status(TOKENS.ana)).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
