import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb, quoteLiteral, withConnection } from '../../../src/core/duckdb/duckdb.js';
import { applyAliases } from '../../../src/energy/contracts/compile.js';
import { inferContract } from '../../../src/energy/contracts/infer.js';
import {
  ContractError,
  loadContracts,
  sourcesOf,
} from '../../../src/energy/contracts/load-contracts.js';
import { entityFromColumns, entityFromName } from '../../../src/energy/ingest/ingest.js';
import { jobFor } from '../../../src/energy/transform/definitions.js';
import { duckDbDialect, sparkDialect } from '../../../src/energy/transform/dialect.js';
import { renderJob } from '../../../src/energy/transform/render.js';
import { renderSparkSql } from '../../../src/energy/transform/spark/glue-script.js';
import {
  functionsUsed,
  SPARK_FUNCTIONS,
} from '../../../src/energy/transform/spark/spark-functions.js';
import { tempDir } from '../../util/tmp.js';

const t = tempDir('corriente-contracts-');
afterAll(() => t.cleanup());

function file(name: string, text: string): string {
  const p = path.join(t.dir, name);
  writeFileSync(p, text);
  return p;
}

const LECTURAS = `version: 1
entities:
  - name: lecturas
    description: Lecturas
    columns:
      - { name: id_medidor, type: text, required: true }
      - { name: fecha, type: date, formats: [YYYY-MM-DD, DD/MM/YYYY, YYYYMMDD] }
      - { name: kwh, type: decimal, precision: 10, scale: 2, formats: [coma_decimal] }
      - { name: estado, type: code, values: { ACTIVO: [ACTIVO, A], INACTIVO: [INACTIVO, I] } }
      - { name: titular, type: text, normalize: [collapse_spaces, trim] }
    key: { columns: [id_medidor] }
`;

function loadError(text: string): string {
  try {
    loadContracts([file('bad.yaml', text)]);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    return (err as Error).message;
  }
  return expect.fail('the contract was accepted');
}

describe('contract validation names the file, the entity and the key', () => {
  const bad = path.join(t.dir, 'bad.yaml');
  it.each([
    ['a wrong version', LECTURAS.replace('version: 1', 'version: 2'), `${bad}: version: must be 1`],
    [
      'an unknown type',
      LECTURAS.replace('type: date,', 'type: fecha,'),
      `${bad}: entity "lecturas": columns[1].type:`,
    ],
    [
      'an unknown key',
      LECTURAS.replace('key: {', 'llave: 1\n    key: {'),
      `${bad}: entity "lecturas": (top level): Unrecognized key: "llave"`,
    ],
    [
      'a key column not declared',
      LECTURAS.replace('columns: [id_medidor]', 'columns: [id]'),
      `${bad}: entity "lecturas": key.columns[0]: no column "id" is declared`,
    ],
    [
      'a relationship to an unknown entity',
      LECTURAS.replace(
        '    key:',
        '    tests: [{ type: relationships, column: id_medidor, to: { entity: medidores, column: id } }]\n    key:',
      ),
      `${bad}: entity "lecturas": tests[0].to: no entity "medidores" is declared`,
    ],
    [
      'an entity declared twice',
      LECTURAS.replace('name: lecturas', 'name: clientes'),
      `entity "clientes": name: already declared in`,
    ],
    [
      'an alias for an unknown column',
      `version: 1\naliases: { transacciones: { cantidad: [qty] } }\n`,
      `${bad}: aliases.transacciones.cantidad: entity "transacciones" has no column "cantidad"`,
    ],
    ['not YAML', 'version: [1', `${bad}: not valid YAML`],
  ])('%s', (_what, text, message) => {
    expect(loadError(text)).toContain(message);
  });
});

describe('contracts compile to recognition and jobs', () => {
  it('recognises by pattern or header signature, with aliases applied', () => {
    const set = loadContracts([
      file('l.yaml', LECTURAS),
      file(
        'a.yaml',
        'version: 1\naliases: { transacciones: { cantidad_comprada_kwh: [Cantidad kWh] } }\n',
      ),
    ]);
    const sources = sourcesOf(set);
    expect(sources.map((s) => s.entity)).toEqual([
      'clientes',
      'proveedores',
      'transacciones',
      'lecturas',
    ]);
    expect(entityFromName('Lecturas_Enero.csv', sources)).toBe('lecturas');
    expect(entityFromName('export.csv', sources)).toBeUndefined();
    const tx = sources.find((s) => s.entity === 'transacciones')!;
    const header = ['tipo_transaccion', 'nombre_cliente_proveedor', 'cantidad_kwh'];
    expect(applyAliases(tx, header)).toEqual([
      'tipo_transaccion',
      'nombre_cliente_proveedor',
      'cantidad_comprada_kwh',
    ]);
    // The column itself wins over its alias: both are kept as they are.
    expect(applyAliases(tx, ['cantidad_kwh', 'cantidad_comprada_kwh'])).toEqual([
      'cantidad_kwh',
      'cantidad_comprada_kwh',
    ]);
    expect(
      entityFromColumns(
        [...header, 'precio_kwh_cop', 'tipo_energia'].filter((c) => c !== 'cantidad_kwh'),
        sources,
      ),
    ).toBeUndefined();
    expect(entityFromColumns([...header, 'precio_kwh_cop', 'tipo_energia'], sources)).toBe(
      'transacciones',
    );
  });

  it('date, decimal formats, codes and partial normalisation: DuckDB values and reasons, Spark functions documented', async () => {
    const job = jobFor(
      'lecturas',
      loadContracts([file('l.yaml', LECTURAS)]).entities.map((e) => e.job),
    );
    const cases: [string, string, string, string, string, string | null][] = [
      // id, fecha, kwh, estado, titular → expected reason (null: kept)
      ['1', '2026-01-31', '12,5', 'a', ' Ana   María ', null],
      ['2', '31/01/2026', '1.234,50', 'Inactivo', 'x', null],
      ['3', '20260131', '', '', '', null],
      ['4', '2026-02-30', '1', 'A', 'x', 'fecha no es una fecha válida: "2026-02-30"'],
      ['5', '2026-1-31', '1', 'A', 'x', 'fecha no es una fecha válida: "2026-1-31"'],
      ['6', '2026-01-31', '12.5', 'A', 'x', 'kwh no numérico: "12.5"'],
      ['7', '2026-01-31', '1', 'Z', 'x', 'estado desconocido: "Z"'],
    ];
    const cols = ['id_medidor', 'fecha', 'kwh', 'estado', 'titular'];
    const values = cases
      .map(
        (c, i) =>
          `(${c
            .slice(0, 5)
            .map((v) => quoteLiteral(v as string))
            .join(', ')}, ${i})`,
      )
      .join(', ');
    for (const mapped of [false, true]) {
      const r = renderJob(job, duckDbDialect, [], 'validado', { mapped });
      const db = await openDuckDb();
      try {
        const rows = await withConnection(db, async (conn) => {
          await conn.run(
            `CREATE VIEW src AS SELECT v.*, 'x' AS _archivo_origen, DATE '2026-01-31' AS _fecha_carga, TIMESTAMP '2026-01-31 00:00:00' AS _ingestado_en FROM (VALUES ${values}) v(${cols.join(', ')}, _fila)`,
          );
          for (const m of r.maps) await conn.run(`CREATE TABLE ${m.name} AS ${m.sql}`);
          for (const v of r.views) await conn.run(`CREATE VIEW ${v.name} AS ${v.sql}`);
          const reader = await conn.runAndReadAll(
            'SELECT motivo_rechazo, CAST(_v_fecha AS VARCHAR) AS f, CAST(_v_kwh AS VARCHAR) AS k, _v_estado AS e, _v_titular AS n FROM validado ORDER BY _fila',
          );
          return reader.getRowObjectsJson();
        });
        expect(rows.map((x) => x.motivo_rechazo)).toEqual(cases.map((c) => c[5]));
        expect(rows[0]).toMatchObject({ f: '2026-01-31', k: '12.50', e: 'ACTIVO', n: 'Ana María' });
        expect(rows[1]).toMatchObject({ f: '2026-01-31', k: '1234.50', e: 'INACTIVO' });
        expect(rows[2]).toMatchObject({ f: '2026-01-31', k: null, e: null, n: null });
      } finally {
        db.closeSync();
      }
    }
    const documented = new Set(SPARK_FUNCTIONS.map((f) => f.name));
    const used = functionsUsed(renderSparkSql(job));
    expect(used.filter((f) => !documented.has(f))).toEqual([]);
    expect(renderJob(job, sparkDialect).views[0]!.sql).toContain('try_cast(concat(substring(');
  });
});

describe('contracts infer', () => {
  it('drafts a valid contract: delimiter, encoding, types, required columns, candidate keys', async () => {
    const lines = ['ID Medidor;Cédula Cliente;Fecha Lectura;Lectura kWh;Estado;Nota'];
    for (let i = 0; i < 40; i++) {
      lines.push(
        `M${i};${1000 + (i % 7)};${String(1 + (i % 28)).padStart(2, '0')}/01/2026;${i},5;${i % 2 ? 'Activo' : 'INACTIVO'};${i % 3 ? '' : 'revisar'}`,
      );
    }
    const csv = file('Medidores_2026-01.csv', `${lines.join('\r\n')}\r\n`);
    const d = await inferContract(csv);
    expect(d).toMatchObject({ encoding: 'utf-8', delimiter: ';', sampledRows: 40 });
    expect(d.candidateKeys[0]).toEqual(['id_medidor']);
    const entity = (d.contract.entities as Record<string, unknown>[])[0]!;
    expect(entity.name).toBe('medidores');
    const byName = Object.fromEntries(
      (entity.columns as { name: string }[]).map((c) => [c.name, c]),
    );
    expect(byName.id_medidor).toMatchObject({ type: 'text', normalize: ['trim'], required: true });
    expect(byName.cedula_cliente).toMatchObject({ type: 'integer', required: true });
    expect(byName.fecha_lectura).toMatchObject({ type: 'date', formats: ['DD/MM/YYYY'] });
    expect(byName.lectura_kwh).toMatchObject({ type: 'decimal', formats: ['coma_decimal'] });
    expect(byName.estado).toMatchObject({
      type: 'code',
      values: { ACTIVO: ['ACTIVO'], INACTIVO: ['INACTIVO'] },
    });
    expect(byName.nota).not.toHaveProperty('required');
    const { stringify } = await import('yaml');
    const set = loadContracts([file('draft.yaml', stringify(d.contract))]);
    expect(set.entities.map((e) => e.contract.name)).toContain('medidores');
  });
});
