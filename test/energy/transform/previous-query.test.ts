/**
 * The engine's query (mapping tables, one load of the raw rows) against the previous query
 * (every value cleaned on every row, validated rows materialised) on `generate --dirty` data of
 * 1 M transacciones: row for row the same processed and quarantined rows, the same reasons, the
 * same counts and data-test results.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb, quoteLiteral, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { listAll } from '../../../src/core/object-store/object-store.js';
import { builtinJobs } from '../../../src/energy/contracts/load-contracts.js';
import { generateExports } from '../../../src/energy/generate/generator.js';
import { ingestOnce } from '../../../src/energy/ingest/ingest.js';
import { SqliteIngestClaims } from '../../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { manifestEntrySchema, manifestKeyForRaw } from '../../../src/energy/ingest/manifest.js';
import {
  transformPartitionDuckDb,
  type PartitionResult,
} from '../../../src/energy/transform/duckdb/duckdb-transform-engine.js';
import { tempDir } from '../../util/tmp.js';

const ROWS = 1_000_000;
const LOAD_DATE = '2026-11-27';

describe('the engine query and the previous query agree', () => {
  const t = tempDir('corriente-previous-');
  afterAll(() => t.cleanup());

  it(`on generate --dirty data of ${ROWS} transacciones: same rows, same rejects with the same reasons`, async () => {
    const source = new LocalFsObjectStore({ root: path.join(t.dir, 'source') });
    const datalake = new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') });
    await generateExports(source, {
      date: LOAD_DATE,
      transacciones: ROWS,
      clientes: 20_000,
      proveedores: 60,
      dirty: true,
    });
    const ingest = await ingestOnce(
      {
        source,
        datalake,
        claims: new SqliteIngestClaims({ path: path.join(t.dir, 'claims.db') }),
        log: silentLogger,
      },
      { loadDate: LOAD_DATE },
    );
    expect(ingest.totals.loaded).toBe(3);

    const db = await openDuckDb({
      threads: 2,
      memoryLimit: '1GB',
      tempDirectory: path.join(t.dir, 'spill'),
    });
    try {
      const refs: Record<string, string[]> = {};
      for (const job of builtinJobs()) {
        const files = [];
        for await (const o of listAll(datalake, `raw/${job.entity}/`)) {
          const manifest = manifestEntrySchema.parse(
            JSON.parse(readFileSync(datalake.pathOf(manifestKeyForRaw(o.key)), 'utf8')),
          );
          files.push({ rawKey: o.key, path: datalake.pathOf(o.key), manifest });
        }
        const results: Partial<Record<'mapped' | 'previous', PartitionResult>> = {};
        for (const query of ['previous', 'mapped'] as const) {
          const workDir = path.join(t.dir, 'work', job.entity, query);
          mkdirSync(workDir, { recursive: true });
          results[query] = await transformPartitionDuckDb(db, {
            job,
            loadDate: LOAD_DATE,
            files,
            refs,
            workDir,
            query,
          });
        }
        const previous = results.previous!;
        const mapped = results.mapped!;
        expect(mapped.counts, job.entity).toEqual(previous.counts);
        expect(mapped.tests, job.entity).toEqual(previous.tests);
        expect(previous.counts.rowsOut).toBeGreaterThan(0);
        if (job.entity === 'transacciones') {
          expect(previous.counts.rowsIn).toBeGreaterThanOrEqual(ROWS);
          expect(previous.counts.rejected).toBeGreaterThan(0);
          expect(previous.counts.duplicates).toBeGreaterThan(0);
        }
        const differ = async (a: string, b: string): Promise<number> =>
          withConnection(db, async (conn) => {
            const r = await conn.runAndReadAll(
              `SELECT count(*) FROM (SELECT * FROM read_parquet(${quoteLiteral(a)}) EXCEPT ALL SELECT * FROM read_parquet(${quoteLiteral(b)}))`,
            );
            return Number(r.getRows()[0]![0]);
          });
        expect(await differ(previous.processedFile, mapped.processedFile), job.entity).toBe(0);
        expect(await differ(mapped.processedFile, previous.processedFile), job.entity).toBe(0);
        expect(Boolean(mapped.quarantineFile)).toBe(Boolean(previous.quarantineFile));
        if (previous.quarantineFile && mapped.quarantineFile) {
          expect(await differ(previous.quarantineFile, mapped.quarantineFile)).toBe(0);
          expect(await differ(mapped.quarantineFile, previous.quarantineFile)).toBe(0);
        }
        refs[job.entity] = [previous.processedFile];
      }
    } finally {
      db.closeSync();
    }
  }, 900_000);
});
