import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { openDuckDb, quoteQualified, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { DuckDbWarehouse } from '../../../src/energy/warehouse/duckdb/duckdb-warehouse.js';
import { createTableSql, TABLES } from '../../../src/energy/warehouse/schema.js';
import { tempDir } from '../../util/tmp.js';
import { warehouseContract } from './contract.js';

warehouseContract('DuckDbWarehouse (temp file)', async () => {
  const tmp = tempDir('corriente-wh-duckdb-');
  const warehouse = await DuckDbWarehouse.open({
    path: path.join(tmp.dir, 'warehouse', 'warehouse.duckdb'),
  });
  return {
    warehouse,
    cleanup: async () => {
      await warehouse.close();
      tmp.cleanup();
    },
  };
});

it('keeps the warehouse in the configured file, with every table of the star schema', async () => {
  const tmp = tempDir('corriente-wh-file-');
  const file = path.join(tmp.dir, 'warehouse', 'warehouse.duckdb');
  const warehouse = await DuckDbWarehouse.open({ path: file });
  try {
    await warehouse.init();
    const counts = await warehouse.tableCounts();
    expect(counts.map((c) => c.table)).toEqual(
      expect.arrayContaining(['dim_cliente', 'dim_fecha', 'fact_transaccion']),
    );
    expect(counts.find((c) => c.table === 'fact_transaccion')?.rows).toBe(0);
  } finally {
    await warehouse.close();
  }
  expect(existsSync(file)).toBe(true);
  tmp.cleanup();
});

it('converts the text digito_verificacion of an older warehouse to INTEGER (8.0 → 8)', async () => {
  const tmp = tempDir('corriente-wh-upgrade-');
  const file = path.join(tmp.dir, 'warehouse.duckdb');
  const db = await openDuckDb({ path: file });
  try {
    await withConnection(db, async (c) => {
      for (const t of ['dim_cliente', 'dim_proveedor'] as const) {
        const old = {
          ...TABLES[t],
          columns: TABLES[t].columns.map(
            ([n, ty]) => [n, n === 'digito_verificacion' ? 'VARCHAR(8)' : ty] as const,
          ),
        };
        await c.run(createTableSql(old, quoteQualified('main', t), false));
      }
      await c.run(
        `INSERT INTO main.dim_proveedor (proveedor_key, nombre_proveedor, digito_verificacion) VALUES (5, 'HIDRO ANDES', '8.0'), (6, 'SOL', NULL)`,
      );
    });
  } finally {
    db.closeSync();
  }
  const warehouse = await DuckDbWarehouse.open({ path: file });
  try {
    await warehouse.init();
    const rows = await warehouse.tableRows('dim_proveedor');
    expect(
      rows.filter((r) => Number(r.proveedor_key) > 0).map((r) => r.digito_verificacion),
    ).toEqual(['8', null]);
    await warehouse.init(); // idempotent
  } finally {
    await warehouse.close();
    tmp.cleanup();
  }
});
