import * as path from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { tempDir } from '../util/tmp.js';
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
