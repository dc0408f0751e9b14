import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import * as path from 'node:path';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { quoteIdent, quoteLiteral, withConnection } from '../../../core/duckdb/duckdb.js';
import type { EnergyEntity } from '../../entities.js';
import type { ManifestEntry } from '../../ingest/manifest.js';
import { runDataTests, type DataTestResult } from '../data-tests.js';
import { jobReferences, type JobDefinition } from '../definitions.js';
import { duckDbDialect } from '../dialect.js';
import { LINEAGE_COLUMNS, renderJob } from '../render.js';

/** One raw file of the partition, readable on the local disk. */
export interface RawFileInput {
  rawKey: string;
  /** Local path of the file's bytes. */
  path: string;
  manifest: ManifestEntry;
}

export interface PartitionInput {
  job: JobDefinition;
  loadDate: string;
  files: readonly RawFileInput[];
  /** Local parquet files of the processed tables the job refers to, by entity. */
  refs: Partial<Record<EnergyEntity, readonly string[]>>;
  /** Folder for the outputs (created by the caller). */
  workDir: string;
  /**
   * `mapped`: the raw rows are loaded once, each distinct value of a per-value column is cleaned
   * once (mapping tables), the joined rows are kept once (cleaned values; raw values of rejected
   * rows only) and both outputs are written from them.
   * `previous`: the query before source contracts (every value cleaned on every row, the
   * validated rows materialised), kept so tests and `bench:transform` compare the two.
   * @default 'mapped'
   */
  query?: 'mapped' | 'previous';
}

/** Row counts of one partition: `rowsIn = rowsOut + rejected + duplicates`. */
export interface PartitionCounts {
  rowsIn: number;
  rowsOut: number;
  /** Rejected rows, broken CSV rows included. */
  rejected: number;
  /** Broken CSV rows (wrong field count, bad quoting). */
  broken: number;
  /** Exact duplicates and older versions of a business key. */
  duplicates: number;
  /** Rows ingestion counted in the manifests. */
  manifestRows: number;
}

export interface PartitionResult {
  processedFile: string;
  /** Absent when nothing was rejected. */
  quarantineFile?: string;
  counts: PartitionCounts;
  tests: DataTestResult[];
}

const ENCODING: Record<ManifestEntry['encoding'], string> = {
  'utf-8': 'utf-8',
  'utf-8-bom': 'utf-8',
  'latin-1': 'latin-1',
};

/** Why a record counted at ingestion is missing from what the CSV reader returned. */
const UNREAD_REASON =
  'fila ilegible: el lector CSV no pudo leerla (p. ej. una línea más larga que su máximo); ' +
  'revise el archivo original';
const BROKEN_REASON = `CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'fila mal formada: más campos que el encabezado' WHEN 'MISSING COLUMNS' THEN 'fila mal formada: menos campos que el encabezado' ELSE concat('fila mal formada: ', error_message) END`;

/** Column names of a file: the manifest's normalised header, blanks and repeats renamed. */
export function fileColumns(manifest: ManifestEntry): string[] {
  const seen = new Set<string>();
  return manifest.columns.map((c, i) => {
    let name = c === '' || seen.has(c) ? `columna_${i + 1}` : c;
    if (name.startsWith('_') || name === 'motivo_rechazo') name = `col${name}`;
    seen.add(name);
    return name;
  });
}

/**
 * Runs a job over one partition's raw files with DuckDB: reads every file once into the validated
 * table (cleaned values, reason for rejection), then writes the processed and quarantine Parquet
 * files and runs the job's data tests on the new processed file.
 */
export async function transformPartitionDuckDb(
  instance: DuckDBInstance,
  input: PartitionInput,
): Promise<PartitionResult> {
  return withConnection(instance, async (conn) => {
    const run = async (sql: string): Promise<void> => {
      await conn.run(sql);
    };
    const scalar = async (sql: string): Promise<number> =>
      Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    const { job } = input;
    const declared = job.columns.map((c) => c.name);
    const extras: string[] = [];
    for (const f of input.files) {
      for (const c of fileColumns(f.manifest)) {
        if (!declared.includes(c) && !extras.includes(c)) extras.push(c);
      }
    }
    const allColumns = [...declared, ...extras];
    const mapped = (input.query ?? 'mapped') === 'mapped';
    const rendered = renderJob(job, duckDbDialect, extras, 'validado_n', { mapped });
    // Mapped: the raw rows of every file land in `src_t` (the file order kept in its rowid), then
    // the views run over it. Previous: each file's validated rows are materialised in `validado_t`.
    const rowsTable = mapped ? 'src_t' : 'validado_t';

    await run('DROP TABLE IF EXISTS validado_t');
    await run('DROP TABLE IF EXISTS src_t');
    await run('DROP TABLE IF EXISTS rotas');
    await run('DROP TABLE IF EXISTS archivos');
    await run(
      `CREATE TABLE archivos (_archivo INTEGER, _archivo_origen VARCHAR, _fecha_carga DATE, _ingestado_en TIMESTAMP)`,
    );
    await run(
      `CREATE TABLE rotas (motivo_rechazo VARCHAR, _linea_original VARCHAR, _archivo_origen VARCHAR, _fecha_carga DATE, _ingestado_en TIMESTAMP)`,
    );
    // Row order is the file order (rowid → `_fila`, "the latest row wins").
    await run('SET preserve_insertion_order = true');
    let first = true;
    let readSoFar = 0;
    for (const [i, f] of input.files.entries()) {
      const cols = fileColumns(f.manifest);
      const lineage = lineageLiterals(f);
      const columnsStruct = `{${cols.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ')}}`;
      const options = [
        `columns = ${columnsStruct}`,
        'header = true',
        'auto_detect = false',
        `delim = ${quoteLiteral(f.manifest.delimiter)}`,
        `quote = '"'`,
        `escape = '"'`,
        `encoding = ${quoteLiteral(ENCODING[f.manifest.encoding])}`,
        'store_rejects = true',
        `rejects_table = 'rechazos_${i}'`,
        `rejects_scan = 'escaneo_${i}'`,
      ];
      const select = allColumns.map((c) =>
        cols.includes(c) ? quoteIdent(c) : `CAST(NULL AS VARCHAR) AS ${quoteIdent(c)}`,
      );
      const readFile = async (file: string): Promise<void> => {
        // Mapped: the raw rows carry their file's index, the lineage is kept once per file.
        const tail = mapped ? `CAST(${i} AS INTEGER) AS _archivo` : lineage;
        const reader = `SELECT ${select.join(', ')}, ${tail} FROM read_csv(${quoteLiteral(file)}, ${options.join(', ')})`;
        if (mapped) {
          await run(first ? `CREATE TABLE src_t AS ${reader}` : `INSERT INTO src_t ${reader}`);
          first = false;
          return;
        }
        await run(`CREATE OR REPLACE VIEW src AS ${reader}`);
        if (first) {
          for (const v of rendered.views) await run(`CREATE OR REPLACE VIEW ${v.name} AS ${v.sql}`);
          await run('CREATE TABLE validado_t AS SELECT * FROM validado');
          first = false;
        } else {
          await run('INSERT INTO validado_t SELECT * FROM validado');
        }
      };
      if (mapped) await run(`INSERT INTO archivos SELECT ${i}, ${lineage}`);
      try {
        await readFile(f.path);
      } catch (err) {
        // DuckDB's strict CSV mode (kept: it is what catches rows with extra fields) refuses files
        // that mix LF and CRLF line ends, which concatenated exports do. Such a file is read from
        // a copy with CRLF turned into LF; the raw file itself is never changed.
        if (!/state machine reached an invalid state/i.test((err as Error).message)) throw err;
        await run(`DROP TABLE IF EXISTS rechazos_${i}`);
        await run(`DROP TABLE IF EXISTS escaneo_${i}`);
        const normalized = path.join(input.workDir, `lf_${i}.csv`);
        await crlfToLf(f.path, normalized);
        await readFile(normalized);
      }
      await run(
        `INSERT INTO rotas SELECT ${BROKEN_REASON}, trim(csv_line, chr(10) || chr(13)), ${lineage} ` +
          `FROM (SELECT DISTINCT ON (line) * FROM rechazos_${i} ORDER BY line)`,
      );
      await run(`DROP TABLE IF EXISTS rechazos_${i}`);
      await run(`DROP TABLE IF EXISTS escaneo_${i}`);
      // Records DuckDB's reader skipped without a reject (a line past its maximum size, 2 MB,
      // is dropped silently when very long): each becomes a rejected row, never a silent loss.
      const readNow =
        (await scalar(`SELECT count(*) FROM ${rowsTable}`)) +
        (await scalar('SELECT count(*) FROM rotas'));
      const unread = f.manifest.rows - (readNow - readSoFar);
      if (unread > 0) {
        await run(
          `INSERT INTO rotas SELECT ${quoteLiteral(UNREAD_REASON)}, NULL, ${lineage} FROM range(${unread})`,
        );
      }
      readSoFar = readNow + Math.max(0, unread);
    }
    if (first) throw new Error(`partition ${input.loadDate} of ${job.entity} has no files`);
    if (mapped) {
      await run('CREATE OR REPLACE VIEW src AS SELECT * FROM src_t');
      for (const m of rendered.maps) {
        await run(`CREATE OR REPLACE TABLE ${quoteIdent(m.name)} AS ${m.sql}`);
      }
      const withLineage = (rel: string): string =>
        `SELECT r.*, ${LINEAGE_COLUMNS.map((c) => `a.${c}`).join(', ')} FROM ${rel} r JOIN archivos a ON a._archivo = r._archivo`;
      await run(
        `CREATE OR REPLACE VIEW src AS ${withLineage('(SELECT *, rowid AS _fila FROM src_t)')}`,
      );
      for (const v of rendered.views) await run(`CREATE OR REPLACE VIEW ${v.name} AS ${v.sql}`);
      // The joins run once, in parallel (the file order travels in `_fila`), into the narrower
      // table both outputs read: cleaned values, and raw values only on rejected rows.
      await run('SET preserve_insertion_order = false');
      await run(`CREATE TABLE validado_t AS ${rendered.kept}`);
      await run('DROP VIEW validado');
      await run('DROP VIEW resuelto');
      await run('DROP VIEW limpio');
      await run('DROP VIEW src');
      await run('DROP TABLE src_t');
      await run(`CREATE OR REPLACE VIEW validado_n AS ${withLineage('validado_t')}`);
    } else {
      await run('CREATE OR REPLACE VIEW validado_n AS SELECT *, rowid AS _fila FROM validado_t');
    }

    for (const ref of jobReferences(job)) {
      const files = input.refs[ref.entity] ?? [];
      const name = refRelation(ref.entity, ref.column);
      await run(
        files.length
          ? `CREATE OR REPLACE TABLE ${name} AS SELECT DISTINCT ${quoteIdent(ref.column)} AS value FROM read_parquet([${files.map(quoteLiteral).join(', ')}]) WHERE ${quoteIdent(ref.column)} IS NOT NULL`
          : `CREATE OR REPLACE TABLE ${name} AS SELECT CAST(NULL AS VARCHAR) AS value WHERE false`,
      );
    }
    if (job.derived) {
      const parts = job.derived.counterparty.sources.map(
        (s) =>
          `SELECT ${quoteLiteral(s.type)} AS tipo_transaccion, value AS nombre FROM ${refRelation(s.entity, s.column)}`,
      );
      await run(
        `CREATE OR REPLACE TABLE contrapartes AS SELECT DISTINCT * FROM (${parts.join(' UNION ALL ')})`,
      );
    }

    // Output order does not matter from here on; not preserving it lets DuckDB stream in parallel.
    await run('SET preserve_insertion_order = false');
    const processedFile = path.join(input.workDir, 'procesado.parquet');
    const quarantineFile = path.join(input.workDir, 'cuarentena.parquet');
    await copyToParquet(conn, rendered.procesado, processedFile);
    const parsed = await scalar('SELECT count(*) FROM validado_t');
    const broken = await scalar('SELECT count(*) FROM rotas');
    let quarantined = 0;
    let valid: number;
    if (mapped) {
      // One pass writes the quarantine; its row count (Parquet metadata) gives the valid rows.
      await copyToParquet(conn, rendered.cuarentena, quarantineFile);
      quarantined = await scalar(
        `SELECT count(*) FROM read_parquet(${quoteLiteral(quarantineFile)})`,
      );
      valid = parsed - (quarantined - broken);
      if (quarantined === 0) await rm(quarantineFile, { force: true });
    } else {
      valid = await scalar('SELECT count(*) FROM validado_t WHERE motivo_rechazo IS NULL');
      if (parsed - valid + broken > 0) {
        await copyToParquet(conn, rendered.cuarentena, quarantineFile);
        quarantined = await scalar(
          `SELECT count(*) FROM read_parquet(${quoteLiteral(quarantineFile)})`,
        );
      }
    }
    const rowsOut = await scalar(
      `SELECT count(*) FROM read_parquet(${quoteLiteral(processedFile)})`,
    );
    const manifestRows = input.files.reduce((n, f) => n + f.manifest.rows, 0);
    const counts: PartitionCounts = {
      rowsIn: parsed + broken,
      rowsOut,
      rejected: quarantined,
      broken,
      duplicates: valid - rowsOut,
      manifestRows,
    };
    await run(
      `CREATE OR REPLACE VIEW nuevo AS SELECT * FROM read_parquet(${quoteLiteral(processedFile)})`,
    );
    const tests = await runDataTests(conn, job.tests, {
      relation: 'nuevo',
      refRelation,
      manifestRows,
      // What reached an output or was counted as a duplicate: checks nothing was lost on the way.
      readRows: counts.rowsOut + counts.rejected + counts.duplicates,
    });
    await run('DROP VIEW IF EXISTS nuevo');
    await run('DROP VIEW IF EXISTS validado_n');
    await run('DROP VIEW IF EXISTS validado');
    await run('DROP VIEW IF EXISTS resuelto');
    await run('DROP VIEW IF EXISTS limpio');
    await run('DROP VIEW IF EXISTS src');
    for (const m of rendered.maps) await run(`DROP TABLE IF EXISTS ${quoteIdent(m.name)}`);
    await run('DROP TABLE IF EXISTS validado_t');
    await run('DROP TABLE IF EXISTS src_t');
    await run('DROP TABLE IF EXISTS rotas');
    await run('DROP TABLE IF EXISTS archivos');
    return {
      processedFile,
      ...(quarantined > 0 ? { quarantineFile } : {}),
      counts,
      tests,
    };
  });
}

function refRelation(entity: EnergyEntity, column: string): string {
  return quoteIdent(`ref_${entity}_${column}`);
}

function lineageLiterals(f: RawFileInput): string {
  const loadedAt = new Date(f.manifest.loadedAt).toISOString().replace('T', ' ').replace('Z', '');
  const [archivo, fecha, ingestado] = LINEAGE_COLUMNS;
  return (
    `CAST(${quoteLiteral(f.rawKey)} AS VARCHAR) AS ${archivo}, ` +
    `CAST(${quoteLiteral(f.manifest.loadDate)} AS DATE) AS ${fecha}, ` +
    `CAST(${quoteLiteral(loadedAt)} AS TIMESTAMP) AS ${ingestado}`
  );
}

async function copyToParquet(conn: DuckDBConnection, query: string, file: string): Promise<void> {
  await conn.run(`COPY (${query}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`);
}

/** Copies `from` to `to` with every CRLF turned into LF (a CR split across chunks included). */
async function crlfToLf(from: string, to: string): Promise<void> {
  let pendingCr = false;
  const strip = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const parts: Buffer[] = [];
      let start = 0;
      if (pendingCr) {
        if (chunk[0] !== 0x0a) parts.push(Buffer.from([0x0d]));
        pendingCr = false;
      }
      let p = chunk.indexOf(0x0d, start);
      while (p !== -1) {
        if (p === chunk.length - 1) {
          parts.push(chunk.subarray(start, p));
          pendingCr = true;
          start = chunk.length;
          break;
        }
        if (chunk[p + 1] === 0x0a) {
          parts.push(chunk.subarray(start, p));
          start = p + 1;
        }
        p = chunk.indexOf(0x0d, p + 1);
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
      done(null, Buffer.concat(parts));
    },
    flush(done) {
      done(null, pendingCr ? Buffer.from([0x0d]) : Buffer.alloc(0));
    },
  });
  await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), strip, createWriteStream(to));
}
