import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/energy/warehouse/duckdb/duckdb-warehouse.js';
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
