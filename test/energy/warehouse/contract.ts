import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWarehouse, type WarehouseLoadOptions } from '../../../src/energy/warehouse/load.js';
import {
  WAREHOUSE_TABLES,
  type Warehouse,
  type WarehouseTable,
} from '../../../src/energy/warehouse/warehouse.js';
import {
  buildTemplateLake,
  DAY1,
  DAY2,
  rewritePartition,
  silentLogger,
  testLake,
  type TestLake,
} from './fixtures.js';

export interface WarehouseUnderTest {
  warehouse: Warehouse;
  cleanup(): Promise<void>;
}

type Rows = Record<string, string | null>[];

async function snapshot(wh: Warehouse): Promise<Record<WarehouseTable, Rows>> {
  const out = {} as Record<WarehouseTable, Rows>;
  for (const t of WAREHOUSE_TABLES) out[t] = await wh.tableRows(t);
  return out;
}

/** Every fact key exists in its dimension. */
async function expectIntegrity(wh: Warehouse): Promise<void> {
  const keys = async (t: WarehouseTable, k: string): Promise<Set<string | null>> =>
    new Set((await wh.tableRows(t)).map((r) => r[k] ?? null));
  const clientes = await keys('dim_cliente', 'cliente_key');
  const proveedores = await keys('dim_proveedor', 'proveedor_key');
  const tipos = await keys('dim_tipo_energia', 'tipo_energia_key');
  const fechas = await keys('dim_fecha', 'fecha_key');
  for (const f of await wh.tableRows('fact_transaccion')) {
    expect(clientes.has(f.cliente_key ?? null), `cliente_key of ${f.id_transaccion}`).toBe(true);
    expect(proveedores.has(f.proveedor_key ?? null), `proveedor_key of ${f.id_transaccion}`).toBe(
      true,
    );
    expect(tipos.has(f.tipo_energia_key ?? null), `tipo_energia_key of ${f.id_transaccion}`).toBe(
      true,
    );
    expect(fechas.has(f.fecha_key ?? null), `fecha_key of ${f.id_transaccion}`).toBe(true);
  }
}

/** Facts with their dimension keys replaced by the business identity of the version. */
function withoutKeys(snap: Record<WarehouseTable, Rows>): unknown {
  const cliente = new Map(
    snap.dim_cliente.map((c) => [c.cliente_key, `${c.nombre}@${c.identificacion}#${c.version}`]),
  );
  const dropKey = (rows: Rows, key: string): Rows =>
    rows
      .map(({ [key]: _k, ...rest }) => rest)
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    dim_cliente: dropKey(snap.dim_cliente, 'cliente_key'),
    dim_proveedor: dropKey(snap.dim_proveedor, 'proveedor_key'),
    dim_fecha: snap.dim_fecha,
    fact_transaccion: snap.fact_transaccion.map((f) => ({
      ...f,
      cliente_key: cliente.get(f.cliente_key ?? null),
    })),
  };
}

function counts(snap: Record<WarehouseTable, Rows>): Record<string, number> {
  return Object.fromEntries(Object.entries(snap).map(([t, rows]) => [t, rows.length]));
}

/**
 * The Warehouse contract: every adapter passes it. `make` opens an empty warehouse; the processed
 * lake is built once by the real transform.
 */
export function warehouseContract(
  name: string,
  make: () => Promise<WarehouseUnderTest>,
  options: { skip?: string } = {},
): void {
  describe.skipIf(options.skip !== undefined)(
    options.skip ? `${name} (skipped: ${options.skip})` : name,
    () => {
      let template: string;
      const open: { lake: TestLake; wh: WarehouseUnderTest }[] = [];

      beforeAll(async () => {
        template = await buildTemplateLake();
      });
      afterAll(async () => {
        for (const o of open) {
          await o.wh.cleanup();
          o.lake.cleanup();
        }
      });

      async function setup(): Promise<{
        lake: TestLake;
        wh: Warehouse;
        load: (o?: WarehouseLoadOptions) => ReturnType<typeof loadWarehouse>;
      }> {
        const lake = testLake(template);
        const wh = await make();
        open.push({ lake, wh });
        return {
          lake,
          wh: wh.warehouse,
          load: (o) =>
            loadWarehouse(
              {
                datalake: lake.datalake,
                home: lake.config.home,
                log: silentLogger,
                warehouse: wh.warehouse,
              },
              o,
            ),
        };
      }

      it('first load builds every table with exact counts and keys that exist', async () => {
        const { lake, wh, load } = await setup();
        lake.addDay(DAY1);
        const report = await load();
        expect(report.status).toBe('loaded');
        expect(report.partitions).toHaveLength(3);
        const snap = await snapshot(wh);
        expect(counts(snap)).toEqual({
          dim_cliente: 2 + 2, // + unknown and not-applicable members
          dim_proveedor: 2 + 2,
          dim_tipo_energia: 6 + 1,
          dim_fecha: 1,
          fact_transaccion: 4,
          wh_carga_particion: 3,
        });
        expect(report.tables.fact_transaccion).toEqual({
          staged: 4,
          inserted: 4,
          updated: 0,
          deleted: 0,
        });
        expect(report.tables.dim_cliente.inserted).toBe(2);
        await expectIntegrity(wh);
        const byId = new Map(snap.fact_transaccion.map((f) => [f.id_transaccion, f]));
        const cliente = (k: string | null | undefined): string | null | undefined =>
          snap.dim_cliente.find((c) => c.cliente_key === k)?.nombre;
        const proveedor = (k: string | null | undefined): string | null | undefined =>
          snap.dim_proveedor.find((c) => c.proveedor_key === k)?.nombre_proveedor;
        expect(proveedor(byId.get('T1')?.proveedor_key)).toBe('HIDRO ANDES');
        // The NIT check digit is an INTEGER from the transform to the warehouse (not '8.0').
        expect(
          snap.dim_proveedor.find((p) => p.nombre_proveedor === 'HIDRO ANDES')?.digito_verificacion,
        ).toBe('8');
        expect(cliente(byId.get('T1')?.cliente_key)).toBe('NO APLICA');
        expect(cliente(byId.get('T2')?.cliente_key)).toBe('ANA GOMEZ');
        expect(cliente(byId.get('T4')?.cliente_key)).toBe('DESCONOCIDO');
        expect(byId.get('T1')).toMatchObject({
          fecha_key: '20260304',
          tipo_transaccion: 'COMPRA',
          cantidad_kwh: '1000.000',
          precio_kwh_cop: '250.5000',
          precio_total_cop: '250500.0000000',
          fecha_carga: DAY1,
        });
        expect(byId.get('T1')?.archivo_origen).toMatch(/^raw\/transacciones\/year=2026/);
        // A date sent as dd/mm/yyyy is parsed.
        expect(byId.get('T4')?.fecha_key).toBe('20260304');
        expect(snap.dim_fecha[0]).toMatchObject({
          fecha_key: '20260304',
          fecha: DAY1,
          anio: '2026',
          mes: '3',
          dia: '4',
          nombre_dia: 'miércoles',
          nombre_mes: 'marzo',
          es_fin_de_semana: 'false',
        });
      });

      it('re-loading the same partitions changes nothing, even with --full', async () => {
        const { lake, wh, load } = await setup();
        lake.addDay(DAY1);
        await load();
        const before = await snapshot(wh);
        const again = await load();
        expect(again.status).toBe('up-to-date');
        expect(await snapshot(wh)).toEqual(before);
        const full = await load({ full: true });
        expect(full.status).toBe('loaded');
        for (const t of WAREHOUSE_TABLES) {
          expect(full.tables[t].inserted + full.tables[t].updated + full.tables[t].deleted, t).toBe(
            0,
          );
        }
        expect(full.tables.fact_transaccion.staged).toBe(4);
        expect(await snapshot(wh)).toEqual(before);
      });

      it('a new day adds exactly its rows and opens a second SCD2 version on a city change', async () => {
        const { lake, wh, load } = await setup();
        lake.addDay(DAY1);
        await load();
        const before = await snapshot(wh);
        lake.addDay(DAY2);
        const report = await load();
        expect(report.partitions.map((p) => `${p.entity}/${p.loadDate}`).sort()).toEqual([
          `clientes/${DAY2}`,
          `transacciones/${DAY2}`,
        ]);
        expect(report.tables.fact_transaccion).toEqual({
          staged: 2,
          inserted: 2,
          updated: 0,
          deleted: 0,
        });
        expect(report.scd2).toEqual({ versionsOpened: 1, versionsClosed: 1 });
        const after = await snapshot(wh);
        expect(after.fact_transaccion).toHaveLength(6);
        // Day-1 facts are untouched.
        for (const f of before.fact_transaccion) {
          expect(after.fact_transaccion).toContainEqual(f);
        }
        const ana = after.dim_cliente
          .filter((c) => c.identificacion === '1')
          .sort((a, b) => Number(a.version) - Number(b.version));
        expect(ana).toHaveLength(2);
        expect(ana.map((a) => [a.ciudad, a.valid_from, a.valid_to, a.is_current])).toEqual([
          ['BOGOTA', DAY1, DAY2, 'false'],
          ['MEDELLIN', DAY2, '9999-12-31', 'true'],
        ]);
        const fact = (id: string): Record<string, string | null> | undefined =>
          after.fact_transaccion.find((f) => f.id_transaccion === id);
        expect(fact('T2')?.cliente_key).toBe(ana[0]?.cliente_key);
        expect(fact('T5')?.cliente_key).toBe(ana[1]?.cliente_key);
        expect(after.dim_fecha.map((d) => d.fecha)).toEqual([DAY1, DAY2]);
        expect(after.dim_cliente.filter((c) => c.is_current === 'true')).toHaveLength(2 + 2);
        await expectIntegrity(wh);
        // And loading both days at once into an empty warehouse gives the same result.
        const other = await setup();
        other.lake.addDay(DAY1);
        other.lake.addDay(DAY2);
        await other.load();
        // Surrogate keys depend on load order; compare what they point at.
        expect(withoutKeys(await snapshot(other.wh))).toEqual(withoutKeys(after));
      });

      it('a changed processed partition replaces exactly its facts', async () => {
        const { lake, wh, load } = await setup();
        lake.addDay(DAY1);
        lake.addDay(DAY2);
        await load();
        const before = await snapshot(wh);
        await rewritePartition(
          lake,
          'transacciones',
          DAY1,
          `SELECT * REPLACE (CASE WHEN id_transaccion = 'T1' THEN CAST(2000 AS DECIMAL(18,3)) ELSE cantidad_comprada_kwh END AS cantidad_comprada_kwh) FROM t WHERE id_transaccion <> 'T4'`,
        );
        const report = await load();
        expect(report.partitions.map((p) => `${p.entity}/${p.loadDate}`)).toEqual([
          `transacciones/${DAY1}`,
        ]);
        expect(report.tables.fact_transaccion).toEqual({
          staged: 3,
          inserted: 0,
          updated: 1,
          deleted: 1,
        });
        const after = await snapshot(wh);
        expect(after.fact_transaccion.map((f) => f.id_transaccion)).toEqual([
          'T1',
          'T2',
          'T3',
          'T5',
          'T6',
        ]);
        expect(after.fact_transaccion.find((f) => f.id_transaccion === 'T1')?.cantidad_kwh).toBe(
          '2000.000',
        );
        for (const f of before.fact_transaccion.filter(
          (x) => !['T1', 'T4'].includes(x.id_transaccion ?? ''),
        )) {
          expect(after.fact_transaccion).toContainEqual(f);
        }
        expect(after.dim_cliente).toEqual(before.dim_cliente);
        await expectIntegrity(wh);
      });

      it('a crash inside the load transaction leaves the previous state intact', async () => {
        const { lake, wh, load } = await setup();
        lake.addDay(DAY1);
        await load();
        const before = await snapshot(wh);
        lake.addDay(DAY2);
        await expect(
          load({
            hooks: {
              afterStep: (step) => {
                if (step === 'fact_transaccion') throw new Error('simulated crash');
              },
            },
          }),
        ).rejects.toThrow('simulated crash');
        expect(await snapshot(wh)).toEqual(before);
        const report = await load();
        expect(report.tables.fact_transaccion.inserted).toBe(2);
        expect((await snapshot(wh)).fact_transaccion).toHaveLength(6);
      });
    },
  );
}
