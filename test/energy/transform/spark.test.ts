import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDb, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { nitCheckDigit } from '../../../src/energy/entities.js';
import { builtinJobs } from '../../../src/energy/contracts/load-contracts.js';
import { duckDbDialect } from '../../../src/energy/transform/dialect.js';
import { renderJob } from '../../../src/energy/transform/render.js';
import {
  renderGlueScript,
  renderSparkSql,
} from '../../../src/energy/transform/spark/glue-script.js';

const JOBS = builtinJobs();

const GOLDEN = path.resolve(import.meta.dirname, '../../golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * Compares with a golden file. A missing golden file fails: golden files are written only on
 * purpose, with `UPDATE_GOLDEN=1`, and reviewed in the diff.
 */
function golden(file: string, actual: string): void {
  const full = path.join(GOLDEN, file);
  if (UPDATE) writeFileSync(full, actual);
  if (!existsSync(full)) {
    expect.fail(`golden file test/golden/${file} is missing; run with UPDATE_GOLDEN=1 to write it`);
  }
  expect(actual).toBe(readFileSync(full, 'utf8'));
}

const PYTHON = '/usr/bin/python3';
const HAS_PYTHON = existsSync(PYTHON);
if (!HAS_PYTHON) console.warn(`${PYTHON} is missing: the Glue script checks are skipped`);

describe('Glue rendering of the same job definitions', () => {
  for (const job of JOBS) {
    it(`${job.entity}: Spark SQL, PySpark and DuckDB SQL match the golden files`, () => {
      golden(`${job.entity}.spark.sql`, renderSparkSql(job));
      golden(`${job.entity}.glue.py`, renderGlueScript(job));
      const duck = renderJob(job, duckDbDialect, [], 'validado_n');
      golden(
        `${job.entity}.duckdb.sql`,
        `${[...duck.views.map((v) => `CREATE VIEW ${v.name} AS\n${v.sql};`), `${duck.procesado};`, `${duck.cuarentena};`].join('\n\n')}\n`,
      );
    });

    it.skipIf(!HAS_PYTHON)(`${job.entity}: the Glue script is valid Python`, () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'glue-'));
      const file = path.join(dir, `${job.entity}.py`);
      writeFileSync(file, renderGlueScript(job));
      const out = execFileSync(PYTHON, [
        '-c',
        'import ast,sys; ast.parse(open(sys.argv[1]).read()); print("ok")',
        file,
      ]);
      expect(out.toString().trim()).toBe('ok');
    });
  }

  it.skipIf(UPDATE)('a missing golden file fails the comparison instead of being written', () => {
    const file = 'no-such-entity.spark.sql';
    expect(() => golden(file, 'SELECT 1;\n')).toThrow(/is missing; run with UPDATE_GOLDEN=1/);
    expect(existsSync(path.join(GOLDEN, file))).toBe(false);
  });

  it('the Spark script keeps no unfilled placeholders once extras are substituted', () => {
    const script = renderGlueScript(JOBS[2]!);
    for (const marker of ['/*EXTRAS*/', '/*EXTRAS_RAW*/', '/*EXTRAS_NULL*/']) {
      expect(script).toContain(`.replace(",\\n${marker}"`);
    }
    expect(renderSparkSql(JOBS[2]!)).toContain(
      'percentile(CAST(`_v_precio_kwh_cop` AS DOUBLE), 0.3333333333333333)',
    );
  });

  it('the NIT check digit in SQL equals nitCheckDigit() for many numbers', async () => {
    const nits = ['900123456', '800197268', '1', '0', '830114921', '860034313'];
    for (let i = 0; i < 200; i++) nits.push(String(Math.floor(Math.random() * 1e10)));
    const db = await openDuckDb();
    try {
      const got = await withConnection(db, async (conn) => {
        const values = nits.map((n) => `('${n}')`).join(', ');
        const reader = await conn.runAndReadAll(
          `SELECT n, ${duckDbDialect.nitCheckDigit('n')} AS dv FROM (VALUES ${values}) v(n)`,
        );
        return reader.getRows().map(([n, dv]) => [String(n), Number(dv)]);
      });
      expect(got).toEqual(nits.map((n) => [n, nitCheckDigit(n)]));
    } finally {
      db.closeSync();
    }
  });
});
