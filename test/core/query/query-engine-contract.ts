import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteCatalog } from '../../../src/core/catalog/sqlite/sqlite-catalog.js';
import { Governance } from '../../../src/core/governance/governance.js';
import { QueryError, type QueryEngine } from '../../../src/core/query/query-engine.js';
import { createQueryLake, TEST_GOVERNANCE, type QueryLake } from './lake-fixture.js';

/** An engine over the crawled query lake's catalog, and how to dispose of it. */
export type MakeQueryEngine = (
  catalog: SqliteCatalog,
) => Promise<{ engine: QueryEngine; cleanup: () => Promise<void> }>;

const DB = 'energy_processed_db';

async function queryError(p: Promise<unknown>): Promise<QueryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QueryError);
  return err as QueryError;
}

/**
 * The QueryEngine contract: every adapter runs this suite over the same crawled lake
 * (`createQueryLake`). What stays adapter-specific (DuckDB's statement guard and column grants
 * in SQL, Athena's Lake Formation, the engines' own type names) is tested beside each adapter.
 */
export function queryEngineContract(name: string, make: MakeQueryEngine): void {
  describe(`QueryEngine contract: ${name}`, () => {
    let lake: QueryLake;
    let engine: QueryEngine;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      lake = await createQueryLake();
      ({ engine, cleanup } = await make(lake.catalog));
    }, 60_000);
    afterAll(async () => {
      await cleanup?.();
      await lake?.cleanup();
    });

    it('answers an aggregate over an unqualified table in the default database', async () => {
      const r = await engine.query(
        'SELECT ciudad, count(*) AS n FROM clientes GROUP BY ciudad ORDER BY ciudad',
        { database: DB },
      );
      const expected = new Map<string, number>();
      for (const c of lake.clientes) expected.set(c.ciudad, (expected.get(c.ciudad) ?? 0) + 1);
      expect(r.rows).toEqual(
        [...expected.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([ciudad, n]) => ({ ciudad, n })),
      );
      expect(r.columns.map((c) => c.name)).toEqual(['ciudad', 'n']);
      expect(r.columns[1]!.type.toLowerCase()).toBe('bigint');
      expect(r.truncated).toBe(false);
      expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
    });

    it('reads <database>.<table> names without a default database', async () => {
      const r = await engine.query(`SELECT count(*) AS n FROM ${DB}.transacciones`);
      expect(r.rows).toEqual([{ n: lake.transacciones.length }]);
    });

    it('gives JSON-ready values: decimals as their exact text, NULL as null, booleans, ISO dates', async () => {
      const r = await engine.query(
        `SELECT id_transaccion, cantidad_comprada_kwh, precio_kwh_cop, contraparte_conocida,
                CAST(NULL AS VARCHAR) AS nada, CAST('2026-11-27' AS DATE) AS dia,
                CAST('2026-11-27 10:11:12' AS TIMESTAMP) AS ts
         FROM ${DB}.transacciones WHERE id_transaccion IN ('T00001', 'T00002') ORDER BY 1`,
      );
      expect(r.rows).toHaveLength(2);
      for (const [i, row] of r.rows.entries()) {
        const t = lake.transacciones[i + 1]!;
        expect(row).toMatchObject({
          id_transaccion: t.id_transaccion,
          // DECIMAL(18,3) and DECIMAL(18,4): exact text, as both engines return decimals.
          cantidad_comprada_kwh: (t.kwhTenths / 10).toFixed(3),
          precio_kwh_cop: t.precio.toFixed(4),
          contraparte_conocida: true,
          nada: null,
          dia: '2026-11-27',
        });
        expect(row.ts).toMatch(/^2026-11-27T10:11:12/);
      }
    });

    it('returns every row of a large result, and cuts at the limit saying so', async () => {
      // 300 transacciones × 9 proveedores: more rows than one Athena results page.
      const sql = `SELECT t.id_transaccion, p.nombre_proveedor FROM ${DB}.transacciones t, ${DB}.proveedores p`;
      const all = await engine.query(sql);
      expect(all.rows).toHaveLength(lake.transacciones.length * lake.proveedores.length);
      expect(new Set(all.rows.map((r) => `${r.id_transaccion}|${r.nombre_proveedor}`)).size).toBe(
        all.rows.length,
      );
      expect(all.truncated).toBe(false);

      const cut = await engine.query(sql, { limit: 1500 });
      expect(cut.rows).toHaveLength(1500);
      expect(cut.truncated).toBe(true);

      const exact = await engine.query(`SELECT * FROM ${DB}.proveedores`, {
        limit: lake.proveedores.length,
      });
      expect(exact.rows).toHaveLength(lake.proveedores.length);
      expect(exact.truncated).toBe(false);
    });

    it('refuses a table that is not in the catalog as unknown-table', async () => {
      const err = await queryError(engine.query(`SELECT * FROM ${DB}.no_existe`));
      expect(err.code).toBe('unknown-table');
      expect(err.message).toContain('no_existe');
    });

    it('refuses SQL the engine cannot run as sql-error, with its message', async () => {
      const err = await queryError(engine.query(`SELECT FROM WHERE ${DB}.clientes`));
      expect(err.code).toBe('sql-error');
      expect(err.message.length).toBeGreaterThan(0);
    });

    it('lists every cataloged table with its columns and partition keys', async () => {
      const tables = await engine.listTables();
      expect(tables.map((t) => `${t.database}.${t.table}`).sort()).toEqual([
        `${DB}.clientes`,
        `${DB}.proveedores`,
        `${DB}.transacciones`,
      ]);
      const clientes = tables.find((t) => t.table === 'clientes')!;
      expect(clientes.columns.map((c) => c.name)).toEqual([
        'tipo_identificacion',
        'identificacion',
        'digito_verificacion',
        'nombre',
        'ciudad',
        'segmento',
        'year',
        'month',
        'day',
      ]);
      expect(clientes.format).toBe('parquet');
      expect(clientes.location).toContain('processed/clientes');
    });

    it('lists only what a policy may read', async () => {
      const gov = Governance.fromConfig(TEST_GOVERNANCE);
      const ana = await engine.listTables(gov.policyFor('ana'));
      expect(ana.map((t) => t.table).sort()).toEqual(['clientes', 'proveedores', 'transacciones']);
      const cols = ana.find((t) => t.table === 'clientes')!.columns.map((c) => c.name);
      expect(cols).toContain('nombre');
      expect(cols).not.toContain('identificacion');

      const sam = await engine.listTables(gov.policyFor('sam'));
      expect(sam.map((t) => [t.table, t.columns.map((c) => c.name)])).toEqual([
        // Partition keys are readable on every granted table (so filters can prune).
        ['proveedores', ['nombre_proveedor', 'year', 'month', 'day']],
      ]);
    });
  });
}
