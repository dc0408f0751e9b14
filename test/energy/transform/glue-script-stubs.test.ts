import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../../../src/energy/ingest/manifest.js';
import { jobReferences, type JobDefinition } from '../../../src/energy/transform/definitions.js';
import { builtinJobs } from '../../../src/energy/contracts/load-contracts.js';
import { fileColumns } from '../../../src/energy/transform/duckdb/duckdb-transform-engine.js';
import { renderGlueScript } from '../../../src/energy/transform/spark/glue-script.js';
import { HEADER_CASES } from './edge-cases.js';

const JOBS = builtinJobs();

/**
 * The generated Glue scripts run with /usr/bin/python3 against stubs of the awsglue, pyspark and
 * boto3 names they use (test/energy/transform/glue-stubs): each stub class has only the methods,
 * parameters, options and values the Spark 3.5 / Glue 5 / boto3 documentation lists, so an
 * undocumented call fails. Scenarios drive every path; together they must run every line.
 */
const PYTHON = '/usr/bin/python3';
const HAS_PYTHON = existsSync(PYTHON);
if (!HAS_PYTHON) console.warn(`${PYTHON} is missing: the Glue stub runs are skipped`);
const HARNESS = path.resolve(import.meta.dirname, 'glue-stubs/run_glue_script.py');

interface Call {
  on: string;
  call: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface Run {
  calls: Call[];
  executed: number[];
  executable: number[];
  error: { type: string; message: string } | null;
}

interface Scenario {
  counts?: number[];
  test_failures?: number;
  bookmark?: [string, string][] | null;
  refs_missing?: boolean;
  staging_files?: number;
}

const FILES = [
  {
    key: 'raw/x/year=2026/month=11/day=27/a.csv',
    tag: 'a'.repeat(64),
    encoding: 'latin-1',
    delimiter: '|',
    columns: ['notas', '', '_id'],
    rows: 6,
    loaded_at: '2026-11-27T12:00:00.000Z',
  },
  {
    key: 'raw/x/year=2026/month=11/day=27/b.csv',
    tag: 'b'.repeat(64),
    encoding: 'utf-8-bom',
    delimiter: ';',
    columns: [],
    rows: 5,
    loaded_at: '2026-11-27T13:00:00+01:00',
  },
];
const BOOKMARK = FILES.map((f) => [f.key, f.tag] as [string, string]).sort();

function runScript(
  job: JobDefinition,
  script: string,
  scenario: Scenario,
  extraArgs: string[] = [],
): Run {
  // File a: the declared columns plus an extra, a blank and a `_` header; file b: declared only.
  const declared = job.columns.map((c) => c.name);
  const files = FILES.map((f) => ({ ...f, columns: [...declared, ...f.columns] }));
  const out = execFileSync(
    PYTHON,
    [
      HARNESS,
      script,
      '--JOB_NAME',
      'corriente-test',
      '--datalake_bucket',
      'lake',
      '--load_date',
      '2026-11-27',
      '--files',
      JSON.stringify(files),
      ...extraArgs,
    ],
    { env: { ...process.env, STUB_SCENARIO: JSON.stringify(scenario) } },
  );
  return JSON.parse(out.toString()) as Run;
}

describe.skipIf(!HAS_PYTHON)(
  'Glue scripts against the documented awsglue/pyspark/boto3 API (stubs)',
  () => {
    for (const job of JOBS) {
      it(`${job.entity}: every path runs; each call is documented; the job caches, tests, counts, bookmarks`, () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'glue-stub-'));
        const script = path.join(dir, `${job.entity}.py`);
        writeFileSync(script, renderGlueScript(job));

        // 1. A new partition with rejected rows: published, quarantine first, then bookmark.
        const ok = runScript(job, script, { counts: [10, 8, 1, 7, 3], bookmark: null });
        expect(ok.error).toBeNull();
        const seq = ok.calls.map((c) => `${c.on}:${c.call}`);
        // The CSV parse is cached before anything derives from it (Spark refuses a query of only
        // the corrupt-record column of an uncached scan).
        const csvReads = ok.calls.filter((c) => c.call === 'csv');
        expect(csvReads).toHaveLength(2);
        for (const r of csvReads) {
          expect(r.kwargs.options).toMatchObject({
            multiline: 'true',
            mode: 'PERMISSIVE',
            columnnameofcorruptrecord: '_linea_original',
          });
          expect(seq).toContain(`csv:${r.args[0] as string}:cache`);
        }
        expect(csvReads[0]!.kwargs.options).toMatchObject({ sep: '|', encoding: 'ISO-8859-1' });
        expect(ok.calls).toContainEqual(
          expect.objectContaining({
            on: 'RuntimeConfig',
            call: 'set',
            args: ['spark.sql.parquet.outputTimestampType', 'TIMESTAMP_MICROS'],
          }),
        );
        // Data tests ran (one query per SQL test) before anything was copied into place.
        const testQueries = ok.calls.filter((c) => c.call === 'collect').length;
        expect(testQueries).toBe(job.tests.filter((t) => t.type !== 'row_count').length);
        const firstCopy = seq.indexOf('s3:copy');
        expect(seq.lastIndexOf('sql:collect')).toBeLessThan(firstCopy);
        const copies = ok.calls.filter((c) => c.call === 'copy').map((c) => c.args[2]);
        expect(copies).toEqual([
          `quarantine/rows/${job.entity}/year=2026/month=11/day=27/data.parquet`,
          `processed/${job.entity}/year=2026/month=11/day=27/data.parquet`,
        ]);
        expect(ok.calls.filter((c) => c.call === 'repartition').map((c) => c.args[0])).toEqual([
          1, 1,
        ]);
        expect(
          ok.calls
            .filter((c) => c.call === 'write.parquet')
            .every((c) => c.kwargs.compression === 'zstd'),
        ).toBe(true);
        const puts = ok.calls.filter((c) => c.call === 'put_object');
        expect(puts.map((p) => p.kwargs.Key)).toEqual([
          `_glue/bookmarks/${job.entity}/year=2026/month=11/day=27.json`,
          expect.stringMatching(
            new RegExp(`^_glue/runs/${job.entity}/year=2026/month=11/day=27/[0-9a-f]{32}\\.json$`),
          ),
        ]);
        expect(puts[0]!.kwargs.Body).toMatchObject({ files: BOOKMARK });
        expect(puts[1]!.kwargs.Body).toMatchObject({
          status: 'committed',
          rowsIn: 11,
          rowsOut: 7,
          rejected: 3,
          broken: 1,
          duplicates: 1,
          manifestRows: 11,
        });
        const report = puts[1]!.kwargs.Body as { tests: { name: string; status: string }[] };
        expect(report.tests.map((t) => t.status)).toEqual(job.tests.map(() => 'pass'));
        expect(seq.at(-1)).toBe('Job:commit');
        // Every SQL text ran, the extras placeholders were filled in.
        const sql = ok.calls.filter((c) => c.call === 'sql').map((c) => c.args[0] as string);
        const extras = fileColumns({
          columns: [...job.columns.map((c) => c.name), ...FILES[0]!.columns],
        } as ManifestEntry).slice(job.columns.length);
        expect(extras).toEqual(['notas', `columna_${job.columns.length + 2}`, 'col_id']);
        const procesadoSql = sql.find((q) => q.startsWith('WITH unico'))!;
        for (const x of extras) expect(procesadoSql).toContain(`AS \`${x}\``);

        // 2. The same files again: the bookmark matches, nothing is read or written but the report.
        const skipped = runScript(job, script, { bookmark: BOOKMARK });
        expect(skipped.error).toBeNull();
        expect(skipped.calls.some((c) => c.call === 'csv')).toBe(false);
        expect(
          skipped.calls
            .filter((c) => c.call === 'put_object')
            .map((c) => (c.kwargs.Body as { status: string }).status),
        ).toEqual(['skipped']);

        // 3. --full, no processed references yet, nothing rejected: no quarantine file (the old one
        // is deleted), the bookmark is not even read.
        const full = runScript(
          job,
          script,
          { counts: [11, 11, 0, 11], refs_missing: true, bookmark: BOOKMARK },
          ['--full', 'true'],
        );
        expect(full.error).toBeNull();
        expect(full.calls.some((c) => c.call === 'get_object')).toBe(false);
        expect(full.calls.filter((c) => c.call === 'copy').map((c) => c.args[2])).toEqual([
          `processed/${job.entity}/year=2026/month=11/day=27/data.parquet`,
        ]);
        expect(full.calls).toContainEqual(
          expect.objectContaining({
            call: 'delete_object',
            kwargs: {
              Bucket: 'lake',
              Key: `quarantine/rows/${job.entity}/year=2026/month=11/day=27/data.parquet`,
            },
          }),
        );

        // 4. A failing error test keeps the old partition: nothing copied, the report says why.
        const failing = runScript(job, script, {
          counts: [10, 8, 1, 7, 3],
          test_failures: 2,
          bookmark: null,
        });
        expect(failing.error).toMatchObject({
          type: 'RuntimeError',
          message: expect.stringMatching(/^pruebas de datos fallidas: /),
        });
        expect(failing.calls.some((c) => c.call === 'copy')).toBe(false);
        expect(
          failing.calls
            .filter((c) => c.call === 'put_object')
            .map((c) => (c.kwargs.Body as { status: string }).status),
        ).toEqual(['failed']);

        // 5. A staging folder with two Parquet files is refused rather than half-published.
        const twoFiles = runScript(job, script, {
          counts: [10, 8, 1, 7, 3],
          bookmark: null,
          staging_files: 2,
        });
        expect(twoFiles.error).toMatchObject({
          type: 'RuntimeError',
          message: expect.stringContaining('expected one Parquet file'),
        });

        // Together the scenarios ran every line, except reading references for a job that has none.
        const executed = new Set([ok, skipped, full, failing, twoFiles].flatMap((r) => r.executed));
        const missed = ok.executable.filter((l) => !executed.has(l));
        const source = renderGlueScript(job).split('\n');
        const missedText = missed.map((l) => source[l - 1]!.trim());
        if (jobReferences(job).length) expect(missedText).toEqual([]);
        else {
          // Only the body of read_references() (a job without references skips its loops).
          const start = source.indexOf('def read_references(spark, bucket):') + 1;
          const end = source.findIndex((l, k) => k >= start && l.startsWith('def '));
          expect(missed.length).toBeGreaterThan(0);
          for (const l of missed) {
            expect(l > start && l <= end, `line ${l}: ${source[l - 1]}`).toBe(true);
          }
        }
      });
    }

    it.skipIf(!HAS_PYTHON)('the stubs refuse what the documentation does not list', () => {
      const job = JOBS[2]!;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'glue-neg-'));
      const mutations: [string, string, RegExp][] = [
        ['df.repartition(1)', 'df.coalesce(1)', /AttributeError.*coalesce/],
        [
          '.option("multiLine", "true")',
          '.option("multiLines", "true")',
          /undocumented CSV option/,
        ],
        ['"TIMESTAMP_MICROS"', '"TIMESTAMP_NANOS"', /not documented/],
        ['.cast("timestamp_ntz")', '.cast("timestamp_tz")', /undocumented type/],
        [
          's3.copy({"Bucket": bucket, "Key": parquet[0]}, bucket, target)',
          's3.copy_object(Bucket=bucket, Key=target)',
          /AttributeError.*copy_object/,
        ],
      ];
      for (const [from, to, error] of mutations) {
        const source = renderGlueScript(job);
        expect(source).toContain(from);
        const file = path.join(dir, 'mutated.py');
        writeFileSync(file, source.replace(from, to));
        const run = runScript(job, file, { counts: [10, 8, 1, 7, 3], bookmark: null });
        expect(`${run.error?.type}: ${run.error?.message}`, to).toMatch(error);
      }
    });

    it.skipIf(!HAS_PYTHON)(
      'file_columns() in the script renames headers as fileColumns() does',
      () => {
        const script = renderGlueScript(JOBS[0]!);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'glue-cols-'));
        const file = path.join(dir, 'job.py');
        writeFileSync(file, script);
        for (const h of HEADER_CASES) {
          const out = execFileSync(PYTHON, [
            '-c',
            'import json,sys,runpy; sys.path.insert(0, sys.argv[3]); ns = runpy.run_path(sys.argv[1]); print(json.dumps(ns["file_columns"](json.loads(sys.argv[2]))))',
            file,
            JSON.stringify(h.header),
            path.dirname(HARNESS),
          ]);
          expect(JSON.parse(out.toString()), h.why).toEqual(
            fileColumns({ columns: h.header } as ManifestEntry),
          );
        }
      },
    );
  },
);
