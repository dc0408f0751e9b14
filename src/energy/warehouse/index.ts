export * from './warehouse.js';
export {
  loadWarehouse,
  type WarehouseDeps,
  type WarehouseLoadOptions,
  type WarehouseLoadReport,
} from './load.js';
export { DuckDbWarehouse, type DuckDbWarehouseOptions } from './duckdb/duckdb-warehouse.js';
