import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { TableFormat } from '../catalog/catalog.js';
import { openDuckDb } from '../duckdb/duckdb.js';
import type { ObjectStore } from '../object-store/object-store.js';
import { inferCsvSchema } from './infer/csv-schema.js';
import type { FileSchema } from './infer/file-schema.js';
import { inferJsonLinesSchema } from './infer/json-schema.js';
import { inferParquetSchema } from './infer/parquet-schema.js';
import { localPathOf } from './locations.js';

/**
 * Reads file schemas out of the datalake store. Text formats stream through the ObjectStore;
 * Parquet footers are read by DuckDB from the local file, or from a temporary copy when the
 * store is not a local folder (DuckDB here cannot read `s3://`). DuckDB opens on first use.
 */
export class FileReaders {
  private duck: Promise<DuckDBInstance> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly tempDir: string = tmpdir(),
  ) {}

  async read(format: TableFormat, key: string): Promise<FileSchema> {
    switch (format) {
      case 'csv':
        return inferCsvSchema(() => this.store.getStream(key));
      case 'json':
        return inferJsonLinesSchema(await this.store.getStream(key));
      case 'parquet':
        return this.readParquet(key);
    }
  }

  private async readParquet(key: string): Promise<FileSchema> {
    this.duck ??= openDuckDb({ threads: 1 });
    const duck = await this.duck;
    const local = localPathOf(this.store, key);
    if (local !== undefined) return inferParquetSchema(duck, local);
    const dir = await mkdtemp(path.join(this.tempDir, 'corriente-crawl-'));
    try {
      const file = path.join(dir, 'file.parquet');
      await pipeline(await this.store.getStream(key), createWriteStream(file));
      return await inferParquetSchema(duck, file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    const duck = this.duck;
    this.duck = undefined;
    if (duck) (await duck).closeSync();
  }
}
