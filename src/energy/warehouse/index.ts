export * from './warehouse.js';
export {
  loadWarehouse,
  type WarehouseDeps,
  type WarehouseLoadOptions,
  type WarehouseLoadReport,
} from './load.js';
export { openWarehouse, warehouseDuckDbPath } from '../../deploy/warehouse.js';
export { DuckDbWarehouse, type DuckDbWarehouseOptions } from './duckdb/duckdb-warehouse.js';
export {
  PostgresWarehouse,
  redactUrl,
  type PostgresWarehouseOptions,
} from './postgres/postgres-warehouse.js';
