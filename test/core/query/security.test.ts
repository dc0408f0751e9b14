import { existsSync } from 'node:fs';
import type { DuckDBInstance } from '@duckdb/node-api';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbQueryEngine } from '../../../src/core/query/duckdb/duckdb-query-engine.js';
import { QueryError } from '../../../src/core/query/query-engine.js';
import { createQueryLake, type QueryLake } from './lake-fixture.js';

const DB = 'energy_processed_db';

async function failure(p: Promise<unknown>): Promise<QueryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the query should have been refused').toBeInstanceOf(QueryError);
  return err as QueryError;
}

describe('the DuckDB engine runs read-only queries over the lake only', () => {
  let lake: QueryLake;
  let engine: DuckDbQueryEngine;

  beforeAll(async () => {
    lake = await createQueryLake();
    engine = new DuckDbQueryEngine({ catalog: lake.catalog, threads: 2 });
    await engine.query('SELECT 1'); // build the instance once
  });
  afterAll(async () => {
    await engine.close();
    await lake.cleanup();
  });

  const statements: [string, RegExp][] = [
    [`INSERT INTO ${DB}.clientes VALUES (1)`, /INSERT statements are not allowed/],
    ['CREATE TABLE x AS SELECT 1', /CREATE statements are not allowed/],
    [`CREATE OR REPLACE VIEW ${DB}.clientes AS SELECT 1`, /CREATE statements are not allowed/],
    [`DROP VIEW ${DB}.clientes`, /DROP statements are not allowed/],
    [`UPDATE ${DB}.clientes SET nombre = 'x'`, /UPDATE statements are not allowed/],
    [`DELETE FROM ${DB}.clientes`, /DELETE statements are not allowed/],
    [`COPY (SELECT 1) TO 'LAKE/processed/evil.csv'`, /COPY statements are not allowed/],
    [`COPY ${DB}.clientes FROM '/etc/passwd'`, /COPY statements are not allowed/],
    [`EXPORT DATABASE '/tmp/corriente-evil'`, /EXPORT statements are not allowed/],
    [`ATTACH '/tmp/corriente-evil.duckdb' AS evil`, /ATTACH statements are not allowed/],
    ['DETACH memory', /DETACH statements are not allowed/],
    ['SET enable_external_access = true', /SET statements are not allowed/],
    ['RESET allowed_directories', /RESET statements are not allowed/],
    ["SET allowed_directories = ['/']", /SET statements are not allowed/],
    ['PRAGMA version', /PRAGMA statements are not allowed/],
    ['PRAGMA enable_profiling', /PRAGMA statements are not allowed/],
    ['INSTALL httpfs', /INSTALL statements are not allowed/],
    ['LOAD httpfs', /LOAD statements are not allowed/],
    ['CALL pragma_version()', /CALL statements are not allowed/],
    ['USE memory', /USE statements are not allowed/],
    ['CHECKPOINT', /CHECKPOINT statements are not allowed/],
    ['BEGIN TRANSACTION', /BEGIN statements are not allowed/],
    ['CREATE MACRO m(a) AS a', /CREATE statements are not allowed/],
    ["EXPLAIN COPY (SELECT 1) TO '/tmp/x'", /COPY statements are not allowed/],
    ['EXPLAIN ANALYZE INSERT INTO t VALUES (1)', /INSERT statements are not allowed/],
    ['SELECT 1; SELECT 2', /one statement per query: found 2/],
    [`SELECT 1; COPY (SELECT 1) TO '/tmp/x'`, /one statement per query: found 2/],
    ['/* hi */ SET threads = 1', /SET statements are not allowed/],
  ];
  for (const [sql, message] of statements) {
    it(`refuses ${sql}`, async () => {
      const err = await failure(engine.query(sql.replace('LAKE', lake.datalake)));
      expect(err.code).toBe('forbidden-statement');
      expect(err.message).toMatch(message);
    });
  }

  it('a refused COPY wrote nothing', () => {
    expect(existsSync(path.join(lake.datalake, 'processed', 'evil.csv'))).toBe(false);
  });

  const readers: [string, RegExp][] = [
    [
      `SELECT * FROM read_csv('/etc/passwd', sep = ':')`,
      /table function read_csv\(\) is not allowed/,
    ],
    [`SELECT * FROM read_text('/etc/hostname')`, /table function read_text\(\) is not allowed/],
    [`SELECT * FROM read_blob('/etc/hostname')`, /table function read_blob\(\) is not allowed/],
    [`SELECT * FROM glob('/*')`, /table function glob\(\) is not allowed/],
    [
      `SELECT * FROM read_parquet('../../etc/passwd')`,
      /table function read_parquet\(\) is not allowed/,
    ],
    [
      `SELECT * FROM read_json_auto('/etc/passwd')`,
      /table function read_json_auto\(\) is not allowed/,
    ],
    [`SELECT * FROM query('SELECT 42')`, /table function query\(\) is not allowed/],
    [
      `SELECT * FROM query_table('${DB}.clientes')`,
      /table function query_table\(\) is not allowed/,
    ],
    [`SELECT * FROM duckdb_settings()`, /table function duckdb_settings\(\) is not allowed/],
    [
      `SELECT (SELECT count(*) FROM read_text('/etc/hostname')) AS n`,
      /read_text\(\) is not allowed/,
    ],
    [
      `WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x`,
      /read_csv\(\) is not allowed/,
    ],
    [`DESCRIBE SELECT * FROM read_csv('/etc/passwd')`, /read_csv\(\) is not allowed/],
    [`EXPLAIN SELECT * FROM read_text('/etc/passwd')`, /read_text\(\) is not allowed/],
  ];
  for (const [sql, message] of readers) {
    it(`refuses a file or SQL reader: ${sql}`, async () => {
      const err = await failure(engine.query(sql));
      expect(err.code).toBe('forbidden-statement');
      expect(err.message).toMatch(message);
    });
  }

  it('refuses files named as tables (replacement scans), even inside the lake', async () => {
    const file = path.join(
      lake.datalake,
      'processed/clientes/year=2026/month=11/day=26/part-0.parquet',
    );
    for (const sql of [`SELECT * FROM '/etc/passwd'`, `SELECT * FROM '${file}'`]) {
      const err = await failure(engine.query(sql));
      expect(err.code).toBe('unknown-table');
    }
  });

  it('refuses system catalogs outside the lake tables', async () => {
    for (const sql of ['SELECT * FROM information_schema.tables', 'SELECT * FROM duckdb_tables']) {
      const err = await failure(engine.query(sql));
      expect(err.code).toBe('unknown-table');
    }
  });

  it('DuckDB itself also refuses files outside the lake and settings changes (second layer)', async () => {
    // Reach the instance the engine built, past the statement check, to test the locked config.
    const pi = (
      engine as unknown as {
        instances: Map<string, { instance: DuckDBInstance }>;
      }
    ).instances.get('admin')!;
    const conn = await pi.instance.connect();
    try {
      await expect(conn.run(`SELECT * FROM read_csv('/etc/passwd')`)).rejects.toThrow(
        /Permission Error: Cannot access file "\/etc\/passwd"/,
      );
      await expect(conn.run(`SELECT * FROM read_text('${lake.home}/catalog.db')`)).rejects.toThrow(
        /Permission Error/,
      );
      await expect(conn.run('SET enable_external_access = true')).rejects.toThrow(
        /the configuration has been locked/,
      );
      await expect(conn.run("SET allowed_directories = ['/']")).rejects.toThrow(/locked/);
      await expect(conn.run('LOAD httpfs')).rejects.toThrow(/disabled/);
    } finally {
      conn.closeSync();
    }
  });

  it('cancels a query that runs past the timeout with a clear error', async () => {
    const started = Date.now();
    const err = await failure(
      engine.query(
        'SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = 7',
        {
          timeoutMs: 300,
        },
      ),
    );
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/ran longer than 300 ms and was cancelled/);
    expect(Date.now() - started).toBeLessThan(20_000);
    // The engine is still usable afterwards.
    expect((await engine.query('SELECT 42 AS x')).rows).toEqual([{ x: 42 }]);
  });

  it('allows generators and read-only statements', async () => {
    expect((await engine.query('SELECT sum(range) AS s FROM range(10)')).rows).toEqual([{ s: 45 }]);
    expect((await engine.query('VALUES (1), (2)')).rows).toHaveLength(2);
    expect((await engine.query(`FROM ${DB}.proveedores LIMIT 1`)).rows).toHaveLength(1);
    expect(
      (await engine.query(`-- comment\nEXPLAIN SELECT * FROM ${DB}.clientes`)).columns.map(
        (c) => c.name,
      ),
    ).toEqual(['explain_key', 'explain_value']);
  });
});
