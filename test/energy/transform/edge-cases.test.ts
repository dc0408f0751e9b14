import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDb, quoteLiteral, withConnection } from '../../../src/core/duckdb/duckdb.js';
import type { EnergyEntity } from '../../../src/energy/entities.js';
import type { ManifestEntry } from '../../../src/energy/ingest/manifest.js';
import { renderDataTestSql } from '../../../src/energy/transform/data-tests.js';
import { jobFor as jobIn, type JobDefinition } from '../../../src/energy/transform/definitions.js';
import { builtinJobs } from '../../../src/energy/contracts/load-contracts.js';
import { duckDbDialect, sparkDialect } from '../../../src/energy/transform/dialect.js';
import {
  fileColumns,
  transformPartitionDuckDb,
} from '../../../src/energy/transform/duckdb/duckdb-transform-engine.js';
import { renderJob } from '../../../src/energy/transform/render.js';
import {
  renderGlueScript,
  renderSparkSql,
} from '../../../src/energy/transform/spark/glue-script.js';
import {
  functionsUsed,
  SPARK_FUNCTIONS,
} from '../../../src/energy/transform/spark/spark-functions.js';
import { DEFAULT_ROWS, HEADER_CASES, RULE_CASES, TERCILE_CASES } from './edge-cases.js';
import { readParquet } from '../../util/lake.js';

const JOBS = builtinJobs();
const jobFor = (entity: string): JobDefinition => jobIn(entity, JOBS);

const ENTITIES: EnergyEntity[] = ['clientes', 'proveedores', 'transacciones'];
const LINEAGE = `'raw/x.csv' AS _archivo_origen, DATE '2026-11-27' AS _fecha_carga, TIMESTAMP '2026-11-27 12:00:00' AS _ingestado_en`;

/** `src` as a VALUES list: one row per case, declared columns as text, lineage, `_fila`. */
function srcSql(job: JobDefinition, rows: Record<string, string | null>[]): string {
  const cols = job.columns.map((c) => c.name);
  const values = rows.map(
    (r, i) =>
      `(${cols.map((c) => (r[c] === null || r[c] === undefined ? 'CAST(NULL AS VARCHAR)' : quoteLiteral(r[c]!))).join(', ')}, ${i})`,
  );
  return `SELECT v.*, ${LINEAGE} FROM (VALUES ${values.join(', ')}) v(${cols.map((c) => duckDbDialect.ident(c)).join(', ')}, _fila)`;
}

describe('edge-case table, DuckDB: every cleaning rule on its edge inputs', () => {
  for (const [entity, mapped] of ENTITIES.flatMap(
    (e) =>
      [
        [e, false],
        [e, true],
      ] as const,
  )) {
    const cases = RULE_CASES.filter((c) => c.entity === entity);
    it(`${entity}${mapped ? ' (mapping tables, the engine’s rendering)' : ' (inline, as Spark runs it)'}: ${cases.length} cases give the value or the reason the table expects`, async () => {
      const job = jobFor(entity);
      const rows = cases.map((c) => ({ ...DEFAULT_ROWS[entity], ...c.row, [c.column]: c.input }));
      const r = renderJob(job, duckDbDialect, [], 'validado', { mapped });
      expect(r.maps.length > 0).toBe(mapped);
      const outputs = [...new Set(cases.flatMap((c) => Object.keys(c.value ?? {})))];
      const db = await openDuckDb();
      try {
        const got = await withConnection(db, async (conn) => {
          await conn.run(`CREATE VIEW src AS ${srcSql(job, rows)}`);
          for (const m of r.maps) await conn.run(`CREATE TABLE ${m.name} AS ${m.sql}`);
          for (const v of r.views) await conn.run(`CREATE VIEW ${v.name} AS ${v.sql}`);
          const reader = await conn.runAndReadAll(
            `SELECT _fila, motivo_rechazo, ${outputs.map((o) => `CAST(${duckDbDialect.ident(`_v_${o}`)} AS VARCHAR) AS ${duckDbDialect.ident(o)}`).join(', ')} FROM validado ORDER BY _fila`,
          );
          return reader.getRowObjectsJson() as Record<string, string | null>[];
        });
        for (const [i, c] of cases.entries()) {
          const row = got[i]!;
          const label = `${c.rule} ${JSON.stringify(c.input)}: ${c.why}`;
          if (c.rejected !== undefined) {
            expect(row.motivo_rechazo, label).toBe(c.rejected);
          } else {
            expect(row.motivo_rechazo, label).toBeNull();
            for (const [col, want] of Object.entries(c.value ?? {})) {
              expect(row[col], `${label} (${col})`).toBe(want === null ? null : String(want));
            }
          }
        }
      } finally {
        db.closeSync();
      }
    });
  }

  it('terciles: categories per case, boundaries in DOUBLE, digito_verificacion an INTEGER', async () => {
    const job = jobFor('transacciones');
    const db = await openDuckDb();
    try {
      await withConnection(db, async (conn) => {
        for (const [n, t] of TERCILE_CASES.entries()) {
          const rows = t.prices.map((p, i) => ({
            ...DEFAULT_ROWS.transacciones,
            id_transaccion: `T${i}`,
            precio_kwh_cop: p,
          }));
          const r = renderJob(job, duckDbDialect);
          await conn.run(`CREATE OR REPLACE VIEW src AS ${srcSql(job, rows)}`);
          await conn.run(
            'CREATE OR REPLACE TABLE contrapartes AS SELECT CAST(NULL AS VARCHAR) AS tipo_transaccion, CAST(NULL AS VARCHAR) AS nombre WHERE false',
          );
          await conn.run(
            'CREATE OR REPLACE TABLE rotas AS SELECT CAST(NULL AS VARCHAR) AS motivo_rechazo, CAST(NULL AS VARCHAR) AS _linea_original, CAST(NULL AS VARCHAR) AS _archivo_origen, CAST(NULL AS DATE) AS _fecha_carga, CAST(NULL AS TIMESTAMP) AS _ingestado_en WHERE false',
          );
          for (const v of r.views) await conn.run(`CREATE OR REPLACE VIEW ${v.name} AS ${v.sql}`);
          const reader = await conn.runAndReadAll(
            `SELECT categoria_precio FROM (${r.procesado}) ORDER BY id_transaccion`,
          );
          expect(
            reader.getRows().map((x) => x[0]),
            `tercile case ${n}: ${t.why}`,
          ).toEqual(t.categories);
        }
        // Total (DECIMAL(38,7), exact) and the counterparty join on the cleaned name: a name
        // ending in NBSP still matches its cliente.
        const rows = [
          {
            ...DEFAULT_ROWS.transacciones,
            id_transaccion: 'A',
            nombre_cliente_proveedor: 'Ana\u00a0',
            cantidad_comprada_kwh: '1.234,567',
            precio_kwh_cop: '0,0001',
          },
          {
            ...DEFAULT_ROWS.transacciones,
            id_transaccion: 'B',
            nombre_cliente_proveedor: 'Beto',
            cantidad_comprada_kwh: '3',
            precio_kwh_cop: '1.000,5',
          },
        ];
        await conn.run(`CREATE OR REPLACE VIEW src AS ${srcSql(job, rows)}`);
        await conn.run(
          "CREATE OR REPLACE TABLE contrapartes AS SELECT 'VENTA' AS tipo_transaccion, 'ANA' AS nombre",
        );
        const r = renderJob(job, duckDbDialect);
        for (const v of r.views) await conn.run(`CREATE OR REPLACE VIEW ${v.name} AS ${v.sql}`);
        const derived = await conn.runAndReadAll(
          `SELECT id_transaccion, CAST(precio_total_cop AS VARCHAR), typeof(precio_total_cop), contraparte_conocida FROM (${r.procesado}) ORDER BY 1`,
        );
        expect(derived.getRows()).toEqual([
          ['A', '0.1234567', 'DECIMAL(38,7)', true],
          ['B', '3001.5000000', 'DECIMAL(38,7)', false],
        ]);
        // The NIT check digit is an INTEGER (Parquet INT32), not the HUGEINT list_sum gives.
        const dv = await conn.runAndReadAll(
          `SELECT typeof(${duckDbDialect.nitCheckDigit("'900123456'")})`,
        );
        expect(dv.getRows()[0]![0]).toBe('INTEGER');
      });
    } finally {
      db.closeSync();
    }
  });

  it('CSV edge cases: quoted line breaks, `|` delimiter, blank/duplicate/_ headers, empty numerics', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-csv-'));
    const header = ['nit', 'nombre_proveedor', 'tipo_energia', '', 'capacidad_mw', '_id', 'nit'];
    const text =
      `${header.join('|')}\n` +
      `900123456|"Hidro\nAndes"|Hidro|x|"1.234,5"|a|dup\n` +
      `800197268|Sol|Solar|y||b|dup2\n` +
      `1|Roto|Solar\n`;
    const file = path.join(dir, 'p.csv');
    writeFileSync(file, text);
    const manifest: ManifestEntry = {
      version: 1,
      entity: 'proveedores',
      sourceKey: 'p.csv',
      rawKey: 'raw/proveedores/year=2026/month=11/day=27/p.csv',
      sha256: '0'.repeat(64),
      bytes: text.length,
      rows: 3,
      encoding: 'utf-8',
      delimiter: '|',
      lineEnding: 'lf',
      header,
      columns: header,
      loadDate: '2026-11-27',
      loadedAt: '2026-11-27T12:00:00.000Z',
      runId: 'edge',
    };
    const db = await openDuckDb();
    try {
      const result = await transformPartitionDuckDb(db, {
        job: jobFor('proveedores'),
        loadDate: '2026-11-27',
        files: [{ rawKey: manifest.rawKey, path: file, manifest }],
        refs: {},
        workDir: dir,
      });
      expect(result.counts).toMatchObject({ rowsIn: 3, rowsOut: 2, broken: 1, rejected: 1 });
      const rows = await readParquet(
        result.processedFile,
        'SELECT nombre_proveedor, capacidad_mw, digito_verificacion, columna_4, col_id, columna_7, typeof(digito_verificacion) AS t FROM t ORDER BY nombre_proveedor',
      );
      expect(rows).toEqual([
        {
          nombre_proveedor: 'HIDRO ANDES',
          capacidad_mw: '1234.500',
          digito_verificacion: 8,
          columna_4: 'x',
          col_id: 'a',
          columna_7: 'dup',
          t: 'INTEGER',
        },
        {
          nombre_proveedor: 'SOL',
          capacidad_mw: null,
          digito_verificacion: 4,
          columna_4: 'y',
          col_id: 'b',
          columna_7: 'dup2',
          t: 'INTEGER',
        },
      ]);
      const broken = await readParquet(
        result.quarantineFile!,
        'SELECT motivo_rechazo, _linea_original FROM t',
      );
      expect(broken).toEqual([
        {
          motivo_rechazo: 'fila mal formada: menos campos que el encabezado',
          _linea_original: '1|Roto|Solar',
        },
      ]);
    } finally {
      db.closeSync();
    }
  });

  it('header renaming (fileColumns) follows the table', () => {
    for (const h of HEADER_CASES) {
      expect(fileColumns({ columns: h.header } as ManifestEntry), h.why).toEqual(h.columns);
    }
  });
});

describe('edge-case table, Spark: the rendering uses only functions whose semantics are documented', () => {
  const documented = new Set(SPARK_FUNCTIONS.map((f) => f.name));

  it('every documented function cites a Spark 3.5 source and says what DuckDB does', () => {
    for (const f of SPARK_FUNCTIONS) {
      expect(f.source, f.name).toMatch(/spark\.apache\.org\/docs\/3\.5\.0|\.scala|\.java/);
      expect(f.spark.length, f.name).toBeGreaterThan(10);
      expect(f.duckdb.length, f.name).toBeGreaterThan(2);
    }
  });

  for (const job of JOBS) {
    it(`${job.entity}: Spark SQL of the job and its data tests`, () => {
      const sql = [
        renderSparkSql(job),
        ...job.tests.map((t) => renderDataTestSql(t, sparkDialect, 'nuevo') ?? ''),
      ].join('\n');
      const used = functionsUsed(sql);
      expect(used.filter((f) => !documented.has(f))).toEqual([]);
      // Functions the renderer must not emit for Spark (their semantics differ or do not exist).
      expect(sql).not.toMatch(/\btrim\((?!BOTH )/);
      expect(sql).not.toMatch(/strip_accents|try_strptime|QUALIFY|REPLACE \(|\\\\s/);
    });
  }

  it('the Glue script embeds that SQL unchanged and reads CSV with multiLine and an escaped delimiter', () => {
    const script = renderGlueScript(jobFor('transacciones'));
    expect(script).toContain('.option("multiLine", "true")');
    expect(script).toContain('re.escape(f["delimiter"])');
    // Every SQL text of the script is the rendering checked above, embedded as a JSON string.
    expect(script).toContain(
      JSON.stringify(renderJob(jobFor('transacciones'), sparkDialect, 'marker').procesado),
    );
  });
});
