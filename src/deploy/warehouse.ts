import * as path from 'node:path';
import type { Config } from './config.js';
import { DuckDbWarehouse } from '../energy/warehouse/duckdb/duckdb-warehouse.js';
import { PostgresWarehouse } from '../energy/warehouse/postgres/postgres-warehouse.js';
import {
  WarehouseConfigError,
  type Warehouse,
  type WarehouseTarget,
} from '../energy/warehouse/warehouse.js';

/** Absolute path of the DuckDB warehouse file (`warehouse.duckdbPath` under home). */
export function warehouseDuckDbPath(config: Config): string {
  return path.resolve(config.home, config.warehouse.duckdbPath);
}

/**
 * Opens the warehouse the configuration names (the one place its adapters are chosen).
 * PostgreSQL / Redshift take their URL from `CORRIENTE_WAREHOUSE_URL` (or `warehouse.postgresUrl`),
 * never from source code.
 *
 * @throws WarehouseConfigError when the target is postgres and no URL is configured.
 */
export async function openWarehouse(
  config: Config,
  target: WarehouseTarget = config.warehouse.target,
): Promise<Warehouse> {
  if (target === 'duckdb') return DuckDbWarehouse.open({ path: warehouseDuckDbPath(config) });
  const url = config.warehouse.postgresUrl;
  if (!url) {
    throw new WarehouseConfigError(
      'the warehouse target is postgres but no PostgreSQL URL is set: export CORRIENTE_WAREHOUSE_URL ' +
        '(e.g. postgres://user@127.0.0.1:5432/corriente) or set warehouse.postgresUrl in the config file',
    );
  }
  return PostgresWarehouse.open({ url, schema: config.warehouse.postgresSchema });
}
