import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { SqliteCatalog } from '../../src/core/catalog/sqlite/sqlite-catalog.js';
import type { CrawlDeps } from '../../src/core/crawler/index.js';
import { openDuckDb, quoteLiteral, withConnection } from '../../src/core/duckdb/duckdb.js';
import { silentLogger } from '../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from './tmp.js';

/**
 * The lake of the tests: a temp home with the datalake at `$home/datalake` (a real local-folder
 * object store) and the SQLite catalog at `$home/catalog.db`, where the configuration of a home
 * looks for them. Product fixtures (energy raw files with manifests, FX raw events, a crawled
 * query lake) build on it.
 */
export interface TestLake {
  /** The temp home. */
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

/** `<zone>/<entity>/year=YYYY/month=MM/day=DD/<name>` for a date `YYYY-MM-DD`. */
export function partitionKey(zone: string, entity: string, date: string, name: string): string {
  const [y, m, d] = date.split('-');
  return `${zone}/${entity}/year=${y}/month=${m}/day=${d}/${name}`;
}

export async function createTestLake(prefix = 'corriente-lake-'): Promise<TestLake> {
  const { dir, cleanup } = tempDir(prefix);
  const store = new LocalFsObjectStore({ root: path.join(dir, 'datalake') });
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
      duck ??= await openDuckDb({ threads: 1 });
      await writeParquet(store.pathOf(key), select, duck);
      return key;
    },
    async cleanup() {
      duck?.closeSync();
      await catalog.close();
      cleanup();
    },
  };
}

/**
 * Writes the rows of `select` to a Parquet file (zstd) with DuckDB, creating its folder. Opens a
 * one-thread DuckDB for the call unless `duck` is given.
 */
export async function writeParquet(
  file: string,
  select: string,
  duck?: DuckDBInstance,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const db = duck ?? (await openDuckDb({ threads: 1 }));
  try {
    await withConnection(db, (conn) =>
      conn.run(`COPY (${select}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`),
    );
  } finally {
    if (!duck) db.closeSync();
  }
}

/** Reads Parquet files with DuckDB (as the view `t`), as plain JSON-able rows. */
export async function readParquet(
  files: string | string[],
  query = 'SELECT * FROM t',
): Promise<Record<string, unknown>[]> {
  const db = await openDuckDb();
  try {
    return await withConnection(db, async (conn) => {
      const list = (Array.isArray(files) ? files : [files]).map(quoteLiteral);
      await conn.run(`CREATE VIEW t AS SELECT * FROM read_parquet([${list.join(', ')}])`);
      const reader = await conn.runAndReadAll(query);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    });
  } finally {
    db.closeSync();
  }
}

/** Encodes text as Latin-1 bytes (`Á` → 0xC1). */
export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
