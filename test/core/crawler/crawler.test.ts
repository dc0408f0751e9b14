import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../src/core/object-store/object-store.js';
import { crawl, formatCrawlReport } from '../../../src/core/crawler/index.js';
import { createTestLake, latin1, type TestLake } from '../../util/lake.js';

const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad;estrato;fecha_registro\n' +
  'CC;1020304050;Ana Pérez;Medellín;3;2025-12-01\n' +
  'NIT;900123456;Solar S.A.S.;Cali;;2025-12-02\n';

describe('crawler', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await createTestLake('corriente-crawl-');
  });
  afterEach(async () => {
    await lake.cleanup();
  });

  it('infers layout and types of UTF-8, BOM + CRLF, Latin-1 and comma-delimited CSV files', async () => {
    await lake.putRaw('clientes', '2026-01-02', 'clientes.csv', CLIENTES);
    await lake.putRaw(
      'proveedores',
      '2026-01-02',
      'proveedores.csv',
      '\uFEFFnombre_proveedor;tipo_energia;capacidad_mw\r\nHidroSur;Hidroeléctrica;120\r\nSol;SOLAR;12.5\r\n',
    );
    await lake.putRaw(
      'transacciones',
      '2026-01-02',
      'trx.csv',
      latin1(
        'tipo_transaccion;nombre_cliente_proveedor;cantidad_comprada_kwh;precio_kwh_cop;ciudad\n' +
          'VENTA;Ana;100;1.234,5;BOGOTÁ\n' +
          'COMPRA;HidroSur;2500;850;CALI\n',
      ),
    );
    await lake.putRaw(
      'transacciones',
      '2026-01-03',
      'trx-comma.csv',
      'tipo_transaccion,nombre_cliente_proveedor,cantidad_comprada_kwh,precio_kwh_cop,ciudad\n' +
        'VENTA,"Pérez, Ana",10.5,900,BOGOTÁ\n',
    );

    const report = await crawl(lake.deps, { zone: 'raw' });
    expect(report.tablesCreated).toEqual([
      'energy_raw_db.clientes',
      'energy_raw_db.proveedores',
      'energy_raw_db.transacciones',
    ]);
    expect(report.partitionsAdded).toBe(4);
    expect(report.filesRead).toBe(4);

    const clientes = (await lake.catalog.getTable('energy_raw_db', 'clientes'))!;
    expect(clientes.columns).toEqual([
      { name: 'tipo_identificacion', type: 'string' },
      { name: 'identificacion', type: 'bigint' },
      { name: 'nombre', type: 'string' },
      { name: 'ciudad', type: 'string' },
      { name: 'estrato', type: 'bigint' },
      { name: 'fecha_registro', type: 'date' },
    ]);
    expect(clientes.partitionKeys.map((k) => `${k.name}:${k.type}`)).toEqual([
      'year:string',
      'month:string',
      'day:string',
    ]);
    expect(clientes.format).toBe('csv');
    expect(clientes.formatParameters).toEqual({
      delimiter: ';',
      header: true,
      encoding: 'utf-8',
      quoted: false,
    });
    expect(clientes.location).toBe(lake.store.pathOf('raw/clientes'));

    const proveedores = (await lake.catalog.getTable('energy_raw_db', 'proveedores'))!;
    expect(proveedores.formatParameters.encoding).toBe('utf-8-bom');
    expect(proveedores.columns.map((c) => c.name)).toEqual([
      'nombre_proveedor',
      'tipo_energia',
      'capacidad_mw',
    ]);
    expect(proveedores.columns[2]!.type).toBe('double');

    // Integer in one file, decimals in another → double for the table; a decimal comma → string.
    const trx = (await lake.catalog.getTable('energy_raw_db', 'transacciones'))!;
    expect(Object.fromEntries(trx.columns.map((c) => [c.name, c.type]))).toEqual({
      tipo_transaccion: 'string',
      nombre_cliente_proveedor: 'string',
      cantidad_comprada_kwh: 'double',
      precio_kwh_cop: 'string',
      ciudad: 'string',
    });
    const parts = await lake.catalog.listPartitions('energy_raw_db', 'transacciones');
    expect(parts.map((p) => p.values)).toEqual([
      ['2026', '01', '02'],
      ['2026', '01', '03'],
    ]);
    expect(parts[0]!.formatParameters).toMatchObject({ delimiter: ';', encoding: 'latin-1' });
    expect(parts[0]!.columns.find((c) => c.name === 'cantidad_comprada_kwh')!.type).toBe('bigint');
    expect(parts[1]!.formatParameters).toEqual({
      delimiter: ',',
      header: true,
      encoding: 'utf-8',
      quoted: true,
    });
    expect(parts[1]!.location).toBe(
      lake.store.pathOf('raw/transacciones/year=2026/month=01/day=03'),
    );
    expect(parts[1]!.files).toEqual([
      expect.objectContaining({ name: 'trx-comma.csv', size: expect.any(Number) }),
    ]);
  });

  it('re-crawls incrementally: only files not seen before are read', async () => {
    await lake.putRaw('clientes', '2026-01-01', 'a.csv', CLIENTES);
    await lake.putRaw('clientes', '2026-01-02', 'b.csv', CLIENTES);
    const first = await crawl(lake.deps);
    expect([first.filesListed, first.filesRead, first.partitionsAdded]).toEqual([2, 2, 2]);

    const again = await crawl(lake.deps);
    expect([again.filesListed, again.filesRead, again.partitionsAdded]).toEqual([2, 0, 0]);
    expect(again.tablesCreated).toEqual([]);
    expect(again.tablesUpdated).toEqual([]);
    expect(again.tables[0]!.status).toBe('unchanged');

    await lake.putRaw('clientes', '2026-01-03', 'c.csv', CLIENTES);
    const third = await crawl(lake.deps);
    expect([third.filesListed, third.filesRead, third.partitionsAdded]).toEqual([3, 1, 1]);
    expect(third.tablesUpdated).toEqual(['energy_raw_db.clientes']);

    // A second file landing the same day is read alone and its partition updated.
    await lake.putRaw('clientes', '2026-01-03', 'c2.csv', CLIENTES);
    const fourth = await crawl(lake.deps);
    expect([fourth.filesRead, fourth.partitionsAdded, fourth.partitionsUpdated]).toEqual([1, 0, 1]);
    const parts = await lake.catalog.listPartitions('energy_raw_db', 'clientes');
    expect(parts.at(-1)!.files.map((f) => f.name)).toEqual(['c.csv', 'c2.csv']);
    expect((await lake.catalog.getTable('energy_raw_db', 'clientes'))!.schemaVersion).toBe(1);
  });

  it('adds a column as a new schema version; older partitions read it as NULL', async () => {
    await lake.putRaw(
      'proveedores',
      '2026-01-01',
      'p.csv',
      'nombre_proveedor;tipo_energia\nA;SOLAR\n',
    );
    await crawl(lake.deps);
    await lake.putRaw(
      'proveedores',
      '2026-01-02',
      'p.csv',
      'nombre_proveedor;tipo_energia;capacidad_mw\nA;SOLAR;10\n',
    );
    const report = await crawl(lake.deps);
    expect(report.tables[0]).toMatchObject({
      table: 'energy_raw_db.proveedores',
      status: 'updated',
      schemaVersion: 2,
      newSchemaVersion: true,
      columnsAdded: ['capacidad_mw'],
    });
    expect(report.warnings).toEqual([]);

    const versions = await lake.catalog.listSchemaVersions('energy_raw_db', 'proveedores');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]!.changes).toEqual(['added column capacidad_mw bigint']);
    const [old, recent] = await lake.catalog.listPartitions('energy_raw_db', 'proveedores');
    // The old partition keeps its own columns: capacidad_mw is absent there (NULL when read).
    expect(old!.columns.map((c) => c.name)).toEqual(['nombre_proveedor', 'tipo_energia']);
    expect(old!.schemaVersion).toBe(1);
    expect(recent!.columns.map((c) => c.name)).toContain('capacidad_mw');
    expect(recent!.schemaVersion).toBe(2);
  });

  it('warns on a changed type and on a removed column, and keeps the removed column', async () => {
    await lake.putRaw(
      'clientes',
      '2026-01-01',
      'c.csv',
      'identificacion;nombre;segmento\n1020;Ana;RESIDENCIAL\n',
    );
    await crawl(lake.deps);
    await lake.putRaw('clientes', '2026-01-02', 'c.csv', 'identificacion;nombre\n1020-3;Ana\n');
    const report = await crawl(lake.deps);

    expect(report.warnings.map((w) => [w.kind, w.column])).toEqual([
      ['type-changed', 'identificacion'],
      ['column-removed', 'segmento'],
    ]);
    expect(report.warnings[0]!.message).toContain('bigint → string');
    const table = (await lake.catalog.getTable('energy_raw_db', 'clientes'))!;
    expect(table.schemaVersion).toBe(2);
    expect(table.columns).toEqual([
      { name: 'identificacion', type: 'string' },
      { name: 'nombre', type: 'string' },
      { name: 'segmento', type: 'string', removed: true },
    ]);
    const versions = await lake.catalog.listSchemaVersions('energy_raw_db', 'clientes');
    expect(versions[1]!.changes).toEqual([
      'column identificacion changed type bigint → string (files now have string)',
      'column segmento removed',
    ]);

    // The column comes back: flagged no more, one more version.
    await lake.putRaw(
      'clientes',
      '2026-01-03',
      'c.csv',
      'identificacion;nombre;segmento\nX;Ana;COMERCIAL\n',
    );
    const back = await crawl(lake.deps);
    expect(back.warnings.map((w) => w.kind)).toEqual(['column-restored']);
    const restored = (await lake.catalog.getTable('energy_raw_db', 'clientes'))!;
    expect(restored.columns.at(-1)).toEqual({ name: 'segmento', type: 'string' });
    expect(restored.schemaVersion).toBe(3);
  });

  it('reads Parquet schemas from the footers into energy_processed_db', async () => {
    await lake.putParquet(
      'transacciones',
      '2026-01-02',
      'part-0.parquet',
      `SELECT 'T1' AS id_transaccion, DATE '2026-01-02' AS fecha_transaccion,
              1500::BIGINT AS cantidad_comprada_kwh, 850.25::DECIMAL(18,2) AS precio_kwh_cop,
              TIMESTAMP '2026-01-02 10:00:00' AS procesado_en, true AS es_venta`,
    );
    const report = await crawl(lake.deps, { zone: 'processed' });
    expect(report.tablesCreated).toEqual(['energy_processed_db.transacciones']);
    const table = (await lake.catalog.getTable('energy_processed_db', 'transacciones'))!;
    expect(table.format).toBe('parquet');
    expect(table.formatParameters).toEqual({ compression: 'zstd' });
    expect(table.columns).toEqual([
      { name: 'id_transaccion', type: 'string' },
      { name: 'fecha_transaccion', type: 'date' },
      { name: 'cantidad_comprada_kwh', type: 'bigint' },
      { name: 'precio_kwh_cop', type: 'decimal(18,2)' },
      { name: 'procesado_en', type: 'timestamp' },
      { name: 'es_venta', type: 'boolean' },
    ]);
    expect(table.location).toBe(lake.store.pathOf('processed/transacciones'));
  });

  it('downloads Parquet through the ObjectStore when the store is not a local folder', async () => {
    await lake.putParquet('clientes', '2026-01-02', 'p.parquet', 'SELECT 1::INTEGER AS n');
    const local = lake.store;
    // The same objects, seen through a store without `pathOf` and with an S3 URL.
    const remote: ObjectStore = {
      url: 's3://bucket/lake/',
      put: (k, b) => local.put(k, b),
      get: (k) => local.get(k),
      getStream: (k) => local.getStream(k),
      head: (k) => local.head(k),
      list: (p, o) => local.list(p, o),
      copy: (a, b) => local.copy(a, b),
      putIfAbsent: (k, b) => local.putIfAbsent(k, b),
      copyIfAbsent: (a, b) => local.copyIfAbsent(a, b),
      delete: (k) => local.delete(k),
    };
    await crawl({ ...lake.deps, datalake: remote, tempDir: lake.dir });
    const table = (await lake.catalog.getTable('energy_processed_db', 'clientes'))!;
    expect(table.columns).toEqual([{ name: 'n', type: 'int' }]);
    expect(table.location).toBe('s3://bucket/lake/processed/clientes/');
    const [p] = await lake.catalog.listPartitions('energy_processed_db', 'clientes');
    expect(p!.location).toBe('s3://bucket/lake/processed/clientes/year=2026/month=01/day=02/');
  });

  it('ignores bookkeeping and temp files, maps fx_* to fx_raw_db and warns on stray files', async () => {
    await lake.putRaw('clientes', '2026-01-02', 'c.csv', CLIENTES);
    await lake.store.put('_manifests/raw/raw/clientes/x.json', '{}');
    await lake.store.put('quarantine/files/2026-01-02/bad.csv', 'a;b\n');
    await lake.store.put('raw/clientes/year=2026/month=01/day=02/_SUCCESS', 'x');
    await lake.store.put('raw/clientes/year=2026/month=01/day=02/.c.csv.swp', 'x');
    await lake.store.put('raw/clientes/loose.csv', 'a;b\n1;2\n');
    await lake.putRaw(
      'fx_precios',
      '2026-01-02',
      'ticks-0001.jsonl',
      '{"event_id":"e1","mid":4012.5,"observed_at":"2026-01-02T10:00:00Z","seq":1}\n' +
        '{"event_id":"e2","mid":4013,"observed_at":"2026-01-02T10:01:00Z","seq":2,"source":"sim"}\n',
    );
    const report = await crawl(lake.deps);
    expect(report.filesListed).toBe(2);
    expect(report.tablesCreated).toEqual(['energy_raw_db.clientes', 'fx_raw_db.fx_precios']);
    expect(report.warnings).toEqual([
      expect.objectContaining({ kind: 'unpartitioned-file', file: 'raw/clientes/loose.csv' }),
    ]);
    const fx = (await lake.catalog.getTable('fx_raw_db', 'fx_precios'))!;
    expect(fx.format).toBe('json');
    expect(fx.columns).toEqual([
      { name: 'event_id', type: 'string' },
      { name: 'mid', type: 'double' },
      { name: 'observed_at', type: 'string' },
      { name: 'seq', type: 'bigint' },
      { name: 'source', type: 'string' },
    ]);
    expect((await lake.catalog.listDatabases()).map((d) => d.name)).toEqual([
      'energy_raw_db',
      'fx_raw_db',
    ]);
  });

  it('keeps every report in the catalog and prints it as text', async () => {
    await lake.putRaw('clientes', '2026-01-02', 'c.csv', CLIENTES);
    await lake.putRaw('clientes', '2026-01-03', 'broken.csv', Buffer.alloc(0));
    const first = await crawl(lake.deps, { zone: 'raw' });
    const second = await crawl(lake.deps, { zone: 'raw' });
    const kept = await lake.catalog.listCrawls();
    expect(kept.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(kept[1]).toEqual(first);
    expect(first).toMatchObject({
      zone: 'raw',
      tablesCreated: ['energy_raw_db.clientes'],
      partitionsAdded: 1,
      filesListed: 1,
      filesRead: 1,
    });
    const text = formatCrawlReport(first);
    expect(text).toContain('tables created: energy_raw_db.clientes');
    expect(text).toContain('files read: 1 of 1 listed');
  });

  it('reports an unreadable Parquet file and does not open it again', async () => {
    await lake.store.put('processed/clientes/year=2026/month=01/day=02/bad.parquet', 'not parquet');
    await lake.putParquet('clientes', '2026-01-02', 'good.parquet', "SELECT 'x' AS nombre");
    const report = await crawl(lake.deps, { zone: 'processed' });
    expect(report.warnings).toEqual([
      expect.objectContaining({
        kind: 'unreadable-file',
        file: 'processed/clientes/year=2026/month=01/day=02/bad.parquet',
      }),
    ]);
    expect((await lake.catalog.getTable('energy_processed_db', 'clientes'))!.columns).toEqual([
      { name: 'nombre', type: 'string' },
    ]);
    expect((await crawl(lake.deps, { zone: 'processed' })).filesRead).toBe(0);
  });
});
