import type { DuckDBInstance } from '@duckdb/node-api';
import { quoteLiteral, withConnection } from '../../duckdb/duckdb.js';
import type { Column } from '../../catalog/catalog.js';
import { duckDbTypeToGlue } from './glue-types.js';
import type { FileSchema } from './file-schema.js';

/**
 * Reads a Parquet file's schema from its footer with DuckDB (no data pages are read). Hive
 * partitioning is off so the `year=/month=/day=` folders do not turn into columns.
 *
 * @param file a local file path (DuckDB here cannot read `s3://`; callers download first).
 */
export async function inferParquetSchema(duck: DuckDBInstance, file: string): Promise<FileSchema> {
  return withConnection(duck, async (conn) => {
    const source = `read_parquet(${quoteLiteral(file)}, hive_partitioning = false)`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const columns: Column[] = described.getRowObjectsJS().map((r) => ({
      name: String(r.column_name).toLowerCase(),
      type: duckDbTypeToGlue(String(r.column_type)),
    }));
    const meta = await conn.runAndReadAll(
      `SELECT (SELECT compression FROM parquet_metadata(${quoteLiteral(file)}) LIMIT 1) AS compression,
              (SELECT sum(num_rows) FROM parquet_file_metadata(${quoteLiteral(file)})) AS row_count`,
    );
    const row = meta.getRowObjectsJS()[0] ?? {};
    const compression = row.compression ? String(row.compression).toLowerCase() : undefined;
    return {
      format: 'parquet',
      columns,
      formatParameters: compression && compression !== 'uncompressed' ? { compression } : {},
      rows: row.row_count === null || row.row_count === undefined ? 0 : Number(row.row_count),
      brokenRows: 0,
    };
  });
}
