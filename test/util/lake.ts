import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { SqliteCatalog } from '../../../src/core/catalog/index.js';
import type { CrawlDeps } from '../../../src/core/crawler/index.js';
import { openDuckDb, quoteLiteral, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';

/** A datalake in a temp folder, a SQLite catalog beside it, and crawl deps for both. */
export interface TestLake {
  dir: string;
  store: LocalFsObjectStore;
  catalog: SqliteCatalog;
  deps: CrawlDeps;
  /** Writes `raw/<entity>/year=/month=/day=/<name>` for a load date `YYYY-MM-DD`. */
  putRaw(entity: string, date: string, name: string, body: string | Buffer): Promise<string>;
  /** Writes a Parquet file of `select` with DuckDB (zstd) at `processed/<entity>/…/<name>`. */
  putParquet(entity: string, date: string, name: string, select: string): Promise<string>;
  cleanup(): Promise<void>;
}

export function partitionKey(zone: string, entity: string, date: string, name: string): string {
  const [y, m, d] = date.split('-');
  return `${zone}/${entity}/year=${y}/month=${m}/day=${d}/${name}`;
}

export async function createTestLake(): Promise<TestLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'corriente-crawl-'));
  const store = new LocalFsObjectStore(path.join(dir, 'datalake'));
  const catalog = new SqliteCatalog({ path: path.join(dir, 'catalog.db') });
  let duck: DuckDBInstance | undefined;
  return {
    dir,
    store,
    catalog,
    deps: { datalake: store, catalog, log: silentLogger },
    async putRaw(entity, date, name, body) {
      const key = partitionKey('raw', entity, date, name);
      await store.put(key, body);
      return key;
    },
    async putParquet(entity, date, name, select) {
      const key = partitionKey('processed', entity, date, name);
      const file = store.pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      duck ??= await openDuckDb({ threads: 1 });
      await withConnection(duck, (conn) =>
        conn.run(`COPY (${select}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`),
      );
      return key;
    },
    async cleanup() {
      duck?.closeSync();
      await catalog.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Encodes text as Latin-1 bytes (`Á` → 0xC1). */
export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
