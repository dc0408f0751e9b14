import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../../src/core/crawler/index.js';
import { openDuckDb, quoteLiteral, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { QueryError } from '../../../src/core/query/query-engine.js';
import { QueryService } from '../../../src/core/query/query-service.js';
import { Governance } from '../../../src/core/governance/governance.js';
import { createQueryLake, type QueryLake, type Transaccion } from './lake-fixture.js';
import { SAVED_QUERIES } from '../../../src/deploy/saved-queries.js';

const DB = 'energy_processed_db';

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe('DuckDbQueryEngine over a crawled lake', () => {
  let lake: QueryLake;
  let engine: DuckDbQueryEngine;
  let service: QueryService;

  beforeAll(async () => {
    lake = await createQueryLake();
    engine = new DuckDbQueryEngine({ catalog: lake.catalog, threads: 2 });
    service = new QueryService({
      engine,
      governance: Governance.fromConfig(undefined),
      savedQueries: SAVED_QUERIES,
    });
  });
  afterAll(async () => {
    await engine.close();
    await lake.cleanup();
  });

  it('exposes every cataloged table as <database>.<table> with typed values', async () => {
    const r = await engine.query(
      `SELECT * FROM ${DB}.transacciones WHERE id_transaccion = 'T00001'`,
    );
    const t = lake.transacciones[1]!;
    expect(r.rows).toEqual([
      {
        id_transaccion: 'T00001',
        fecha_transaccion: t.fecha_transaccion,
        tipo_transaccion: t.tipo_transaccion,
        nombre_cliente_proveedor: t.nombre_cliente_proveedor,
        cantidad_comprada_kwh: (t.kwhTenths / 10).toFixed(3),
        precio_kwh_cop: t.precio.toFixed(4),
        tipo_energia: t.tipo_energia,
        precio_total_cop: ((t.kwhTenths * t.precio) / 10).toFixed(4), // the fixture stores scale 4
        categoria_precio: 'PROMEDIO',
        contraparte_conocida: true,
        year: t.date.slice(0, 4),
        month: t.date.slice(5, 7),
        day: t.date.slice(8, 10),
      },
    ]);
    expect(r.columns.find((c) => c.name === 'cantidad_comprada_kwh')?.type).toBe('DECIMAL(18,3)');
    expect(r.truncated).toBe(false);
  });

  it('converts BIGINT/HUGEINT, DECIMAL and dates to JSON-ready values', async () => {
    const r = await engine.query(
      `SELECT count(*) AS n, 9007199254740993::HUGEINT AS big, 12.5::DECIMAL(10,2) AS d,
              DATE '2026-11-27' AS dia, TIMESTAMP '2026-11-27 10:11:12' AS ts,
              CAST('12345678901234567890123.4567891' AS DECIMAL(38,7)) AS exact`,
    );
    // DECIMALs as their exact text: a DECIMAL(38,7) sum does not fit a double.
    expect(r.rows).toEqual([
      {
        n: 1,
        big: '9007199254740993',
        d: '12.50',
        dia: '2026-11-27',
        ts: '2026-11-27T10:11:12.000Z',
        exact: '12345678901234567890123.4567891',
      },
    ]);
    expect(r.columns.map((c) => c.type)).toEqual([
      'BIGINT',
      'HUGEINT',
      'DECIMAL(10,2)',
      'DATE',
      'TIMESTAMP',
      'DECIMAL(38,7)',
    ]);
  });

  it('prunes partitions on year/month/day (EXPLAIN ANALYZE counts the files read)', async () => {
    const plan = await engine.query(
      `EXPLAIN ANALYZE SELECT count(*) FROM ${DB}.transacciones WHERE year = '2026' AND month = '11' AND day = '27'`,
    );
    const text = String(plan.rows[0]?.explain_value);
    expect(text).toMatch(/Scanning Files: 1\/3/);
    expect(text).toMatch(/Total Files Read: 1\b/);
    const all = await engine.query(`EXPLAIN ANALYZE SELECT count(*) FROM ${DB}.transacciones`);
    expect(String(all.rows[0]?.explain_value)).toMatch(/Total Files Read: 3\b/);
    const r = await engine.query(
      `SELECT count(*) AS n FROM ${DB}.transacciones WHERE year = '2026' AND month = '11'`,
    );
    expect(r.rows[0]?.n).toBe(
      lake.transacciones.filter((t) => t.date.startsWith('2026-11')).length,
    );
  });

  it('uses the default database for unqualified names (as Athena does)', async () => {
    const r = await engine.query('SELECT count(*) AS n FROM clientes', { database: DB });
    expect(r.rows[0]?.n).toBe(lake.clientes.length);
    await expect(engine.query('SELECT count(*) FROM clientes')).rejects.toThrow(
      /table clientes needs a database/,
    );
  });

  it('cuts results at the limit and says so', async () => {
    const r = await engine.query(`SELECT * FROM ${DB}.transacciones`, { limit: 10 });
    expect(r.rows).toHaveLength(10);
    expect(r.truncated).toBe(true);
    const exact = await engine.query(`SELECT * FROM ${DB}.proveedores`, { limit: 9 });
    expect(exact.truncated).toBe(false);
  });

  it('explains unknown tables by listing the available ones', async () => {
    const err = await engine.query(`SELECT * FROM ${DB}.facturas`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).code).toBe('unknown-table');
    expect((err as QueryError).message).toBe(
      `table ${DB}.facturas does not exist; tables you may read: ${DB}.clientes, ${DB}.proveedores, ${DB}.transacciones`,
    );
  });

  it("returns DuckDB's own message for SQL errors", async () => {
    const err = (await engine
      .query(`SELECT no_such_column FROM ${DB}.clientes`)
      .catch((e: unknown) => e)) as QueryError;
    expect(err.code).toBe('sql-error');
    expect(err.message).toMatch(/Binder Error: Referenced column "no_such_column" not found/);
    const syntax = (await engine.query('SELEC 1').catch((e: unknown) => e)) as QueryError;
    expect(syntax.code).toBe('sql-error');
    expect(syntax.message).toMatch(/syntax error/i);
  });

  it('DESCRIBE, SHOW TABLES and SUMMARIZE work', async () => {
    const d = await engine.query(`DESCRIBE ${DB}.proveedores`);
    expect(d.rows.map((r) => r.column_name)).toEqual([
      'nombre_proveedor',
      'tipo_energia',
      'year',
      'month',
      'day',
    ]);
    const s = await engine.query('SHOW TABLES', { database: DB });
    expect(s.rows.map((r) => r.name)).toEqual(['clientes', 'proveedores', 'transacciones']);
    const sum = await engine.query(`SUMMARIZE ${DB}.proveedores`);
    expect(sum.rows.length).toBeGreaterThan(0);
  });

  it('sees catalog changes: a newly crawled table and partition are queryable at once', async () => {
    const before = await engine.query(`SELECT count(*) AS n FROM ${DB}.proveedores`);
    const duck = await openDuckDb({ threads: 1 });
    for (const [entity, date] of [
      ['proveedores', ['2026', '11', '28']],
      ['tarifas', ['2026', '11', '28']],
    ] as const) {
      const dir = path.join(
        lake.datalake,
        'processed',
        entity,
        ...date.map((v, i) => `${['year', 'month', 'day'][i]}=${v}`),
      );
      await mkdir(dir, { recursive: true });
      const select =
        entity === 'proveedores'
          ? `SELECT 'GENERADORA NUEVA' AS nombre_proveedor, 'SOLAR' AS tipo_energia`
          : `SELECT 'SOLAR' AS tipo_energia, 123.5::DECIMAL(10,2) AS tarifa`;
      await withConnection(duck, (c) =>
        c.run(`COPY (${select}) TO ${quoteLiteral(path.join(dir, 'p.parquet'))} (FORMAT parquet)`),
      );
    }
    duck.closeSync();
    await crawl(
      {
        datalake: new LocalFsObjectStore({ root: lake.datalake }),
        catalog: lake.catalog,
        log: silentLogger,
      },
      { zone: 'processed' },
    );
    const after = await engine.query(`SELECT count(*) AS n FROM ${DB}.proveedores`);
    expect(after.rows[0]?.n).toBe(Number(before.rows[0]?.n) + 1);
    const tarifas = await engine.query(`SELECT tarifa FROM ${DB}.tarifas`);
    expect(tarifas.rows).toEqual([{ tarifa: '123.50' }]);
  });

  describe('saved queries match aggregates computed from the generated rows', () => {
    const tx = (): Transaccion[] => lake.transacciones;

    it('clientes_por_ciudad', async () => {
      const r = await service.run('admin', { saved: 'clientes_por_ciudad' });
      const expected = [...countBy(lake.clientes, (c) => c.ciudad)]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([ciudad, clientes]) => ({ ciudad, clientes }));
      expect(r.rows).toEqual(expected);
      expect(r.saved).toBe('clientes_por_ciudad');
    });

    it('proveedores_por_tipo_energia', async () => {
      const r = await service.run('admin', { saved: 'proveedores_por_tipo_energia' });
      // The catalog-change test above may have added one SOLAR supplier.
      const extra = Number(
        (await engine.query(`SELECT count(*) AS n FROM ${DB}.proveedores WHERE day = '28'`)).rows[0]
          ?.n,
      );
      const counts = countBy(lake.proveedores, (p) => p.tipo_energia);
      if (extra) counts.set('SOLAR', (counts.get('SOLAR') ?? 0) + extra);
      const expected = [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([tipo_energia, proveedores]) => ({ tipo_energia, proveedores }));
      expect(r.rows).toEqual(expected);
    });

    it('transacciones_por_tipo', async () => {
      const r = await service.run('admin', { saved: 'transacciones_por_tipo' });
      for (const tipo of ['COMPRA', 'VENTA'] as const) {
        const rows = tx().filter((t) => t.tipo_transaccion === tipo);
        const row = r.rows.find((x) => x.tipo_transaccion === tipo)!;
        expect(row.transacciones).toBe(rows.length);
        const kwh = rows.reduce((s, t) => s + t.kwhTenths, 0) / 10 / rows.length;
        const precio = rows.reduce((s, t) => s + t.precio, 0) / rows.length;
        // DECIMALs come back as their exact text, rounded to the column's scale.
        expect(row.kwh_promedio).toMatch(/^\d+\.\d{3}$/);
        expect(row.precio_kwh_promedio_cop).toMatch(/^\d+\.\d{4}$/);
        expect(Number(row.kwh_promedio)).toBeCloseTo(kwh, 3);
        expect(Number(row.precio_kwh_promedio_cop)).toBeCloseTo(precio, 4);
      }
    });

    it('kwh_compra_venta_por_dia', async () => {
      const r = await service.run('admin', { saved: 'kwh_compra_venta_por_dia' });
      const expected = new Map<string, { c: number; v: number }>();
      for (const t of tx()) {
        const k = `${t.date}|${t.tipo_energia}`;
        const e = expected.get(k) ?? { c: 0, v: 0 };
        if (t.tipo_transaccion === 'COMPRA') e.c += t.kwhTenths;
        else e.v += t.kwhTenths;
        expected.set(k, e);
      }
      expect(r.rows).toEqual(
        [...expected]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, e]) => ({
            dia: k.split('|')[0],
            tipo_energia: k.split('|')[1],
            kwh_comprados: (e.c / 10).toFixed(3),
            kwh_vendidos: (e.v / 10).toFixed(3),
          })),
      );
    });

    it('margen_bruto_por_tipo_energia', async () => {
      const r = await service.run('admin', { saved: 'margen_bruto_por_tipo_energia' });
      for (const row of r.rows) {
        const rows = tx().filter((t) => t.tipo_energia === row.tipo_energia);
        const total = (t: Transaccion) => t.kwhTenths * t.precio; // tenths of COP
        const ventas = rows
          .filter((t) => t.tipo_transaccion === 'VENTA')
          .reduce((s, t) => s + total(t), 0);
        const compras = rows
          .filter((t) => t.tipo_transaccion === 'COMPRA')
          .reduce((s, t) => s + total(t), 0);
        expect(Number(row.ingresos_ventas_cop)).toBeCloseTo(ventas / 10, 4);
        expect(Number(row.costo_compras_cop)).toBeCloseTo(compras / 10, 4);
        expect(Number(row.margen_bruto_cop)).toBeCloseTo((ventas - compras) / 10, 4);
        expect(row.margen_pct).toMatch(/^-?\d+\.\d{2}$/);
      }
      expect(r.rows).toHaveLength(new Set(tx().map((t) => t.tipo_energia)).size);
    });

    it('top_clientes_por_consumo', async () => {
      const r = await service.run('admin', { saved: 'top_clientes_por_consumo' });
      const by = new Map<string, number>();
      for (const t of tx().filter((x) => x.tipo_transaccion === 'VENTA')) {
        by.set(t.nombre_cliente_proveedor, (by.get(t.nombre_cliente_proveedor) ?? 0) + t.kwhTenths);
      }
      const expected = [...by]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 20)
        .map(([cliente, kwh]) => ({ cliente, kwh: (kwh / 10).toFixed(3) }));
      expect(r.rows.map((x) => ({ cliente: x.cliente, kwh: x.kwh_consumidos }))).toEqual(expected);
    });

    it('an unknown saved query names the saved ones', async () => {
      await expect(service.run('admin', { saved: 'nope' })).rejects.toThrow(
        /no saved query "nope"; saved queries: clientes_por_ciudad, /,
      );
    });
  });
});
