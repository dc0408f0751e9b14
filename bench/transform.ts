/**
 * Benchmark of the transacciones job: N generated transactions (raw CSV with the usual dirt) run
 * through `runTransforms` with the engine's query, then with the previous query (every value
 * cleaned on every row), then the floor: a bare DuckDB `read_csv → COPY … TO parquet` of the same
 * file with no cleaning, all in the same run. Prints the three times, the ratios to the floor
 * and the peak RSS (after the job, and overall).
 *
 * Usage: npm run bench:transform -- [--rows 10000000] [--skip-previous] [--dir DIR] [--keep]
 * (`--rows` defaults to 10 M; `--skip-previous` leaves the previous query out, for big runs.)
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDuckDb, quoteLiteral, withConnection } from '../src/core/duckdb/duckdb.js';
import { GENERATED_COLUMNS } from '../src/energy/entities.js';
import {
  manifestKeyForRaw,
  manifestKeyForSha,
  partitionPath,
  type ManifestEntry,
} from '../src/energy/ingest/manifest.js';
import { silentLogger } from '../src/core/log/logger.js';
import { LocalFsObjectStore } from '../src/core/object-store/local-fs/local-fs-object-store.js';
import { runTransforms } from '../src/energy/transform/runner.js';
import type { JobRun } from '../src/energy/transform/transform-state.js';
import { SqliteTransformState } from '../src/energy/transform/sqlite/sqlite-transform-state.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const ROWS = Number(arg('rows', '10000000'));
const SKIP_PREVIOUS = process.argv.includes('--skip-previous');
if (!Number.isInteger(ROWS) || ROWS < 1) {
  process.stderr.write(`--rows must be a positive whole number, got ${arg('rows', '')}\n`);
  process.exit(2);
}
const DIR = arg('dir', path.join(os.tmpdir(), 'corriente-bench-transform'));
const LOAD_DATE = '2026-01-15';
const ENERGY = [
  'Hidroeléctrica',
  'HIDRO',
  'Solar',
  'solar ',
  'Eólica',
  'eolica',
  'Térmica',
  'Biomasa',
  'NUCLEAR',
];
const TIPO = ['Compra', 'Venta', 'compra', 'VENTA '];
const NAMES = ['Hidro Andes', 'Sol del Norte', 'Ana Gómez', 'Luis  Pérez', 'Empresa Ñandú S.A.S.'];

/** A fast deterministic generator (xorshift), not the realistic one: the point is volume. */
async function generate(file: string): Promise<{ sha256: string; bytes: number; rows: number }> {
  let s = 0x9e3779b9;
  const rnd = (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (chunk: string): Promise<void> => {
    const buf = Buffer.from(chunk, 'utf8');
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  await write(`${GENERATED_COLUMNS.transacciones.join(';')}\n`);
  let lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const qty = 1 + rnd(100000) / 10;
    const price = 100 + rnd(90000) / 100;
    const q = rnd(10) === 0 ? qty.toFixed(1).replace('.', ',') : String(qty);
    const p = rnd(10) === 0 ? price.toFixed(2).replace('.', ',') : price.toFixed(2);
    const id = rnd(200) === 0 ? `T${i - 1}` : `T${i}`; // some re-sent ids
    const day = String(1 + rnd(28)).padStart(2, '0');
    lines.push(
      `${id};2026-01-${day};${TIPO[rnd(TIPO.length)]};${NAMES[rnd(NAMES.length)]};${rnd(500) === 0 ? '-1' : q};${rnd(1000) === 0 ? 'N/A' : p};${ENERGY[rnd(ENERGY.length)]}`,
    );
    if (lines.length === 10000) {
      await write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) await write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { sha256: hash.digest('hex'), bytes, rows: ROWS };
}

async function main(): Promise<void> {
  await fs.rm(DIR, { recursive: true, force: true });
  const home = path.join(DIR, 'home');
  const datalake = new LocalFsObjectStore({ root: path.join(home, 'datalake') });
  const rawKey = `raw/transacciones/${partitionPath(LOAD_DATE)}/transacciones.csv`;
  const rawFile = datalake.pathOf(rawKey);
  await fs.mkdir(path.dirname(rawFile), { recursive: true });
  let t = performance.now();
  const gen = await generate(rawFile);
  process.stderr.write(
    `generated ${ROWS} rows, ${(gen.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)}s\n`,
  );
  const manifest: ManifestEntry = {
    version: 1,
    entity: 'transacciones',
    sourceKey: 'transacciones.csv',
    rawKey,
    sha256: gen.sha256,
    bytes: gen.bytes,
    rows: gen.rows,
    encoding: 'utf-8',
    delimiter: ';',
    lineEnding: 'lf',
    header: [...GENERATED_COLUMNS.transacciones],
    columns: [...GENERATED_COLUMNS.transacciones],
    loadDate: LOAD_DATE,
    loadedAt: new Date().toISOString(),
    runId: 'bench',
  };
  await datalake.put(manifestKeyForRaw(rawKey), JSON.stringify(manifest));
  await datalake.put(manifestKeyForSha(gen.sha256), JSON.stringify(manifest));
  const threads = os.availableParallelism();
  const duck = { memoryLimit: '1GB', tempDirectory: path.join(home, 'tmp', 'duckdb'), threads };
  await fs.mkdir(duck.tempDirectory, { recursive: true });

  const state = new SqliteTransformState({ path: path.join(home, 'state', 'transform.db') });
  const runJob = async (query: 'mapped' | 'previous'): Promise<{ ms: number; run: JobRun }> => {
    const started = performance.now();
    const report = await runTransforms(
      { datalake, state, log: silentLogger, home, duckdb: duck, query },
      { entities: ['transacciones'], full: true },
    );
    const ms = performance.now() - started;
    process.stderr.write(`${query} query: ${(ms / 1000).toFixed(1)}s\n`);
    return { ms, run: report.runs[0]! };
  };
  // The job first, so the peak RSS measured after it is the job's own.
  const job = await runJob('mapped');
  const rssAfterJob = process.resourceUsage().maxRSS;
  const previous = SKIP_PREVIOUS ? undefined : await runJob('previous');
  state.close();

  // The floor: a bare DuckDB read_csv → COPY … TO parquet of the same file, no cleaning at all.
  const db = await openDuckDb(duck);
  t = performance.now();
  await withConnection(db, async (conn) => {
    const cols = GENERATED_COLUMNS.transacciones.map((c) => `'${c}': 'VARCHAR'`).join(', ');
    await conn.run(`SET preserve_insertion_order = false`);
    await conn.run(
      `COPY (SELECT * FROM read_csv(${quoteLiteral(rawFile)}, columns = {${cols}}, header = true, auto_detect = false, delim = ';', quote = '"', escape = '"')) ` +
        `TO ${quoteLiteral(path.join(DIR, 'floor.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  });
  db.closeSync();
  const floorMs = performance.now() - t;

  const counts = (r: JobRun) => ({
    status: r.status,
    rowsIn: r.rowsIn,
    rowsOut: r.rowsOut,
    rejected: r.rejected,
    duplicates: r.duplicates,
  });
  const result = {
    rows: ROWS,
    csvMB: Math.round(gen.bytes / 1e6),
    threads,
    memoryLimit: duck.memoryLimit,
    jobSeconds: +(job.ms / 1000).toFixed(2),
    previousQuerySeconds: previous ? +(previous.ms / 1000).toFixed(2) : null,
    floorSeconds: +(floorMs / 1000).toFixed(2),
    jobOverFloor: +(job.ms / floorMs).toFixed(2),
    previousOverFloor: previous ? +(previous.ms / floorMs).toFixed(2) : null,
    jobPeakRssMB: Math.round(rssAfterJob / 1024),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    job: counts(job.run),
    previous: previous ? counts(previous.run) : null,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!process.argv.includes('--keep')) await fs.rm(DIR, { recursive: true, force: true });
}

await main();
