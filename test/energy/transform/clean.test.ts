import { describe, expect, it } from 'vitest';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import { addRaw, CLIENTES_HEADER, newLake } from './fixtures.js';
import { readParquet } from '../../util/lake.js';

describe('clientes job', () => {
  it('cleans a Latin-1 CRLF file: accents, case, spaces, id types, NIT check digit', async () => {
    const lake = newLake();
    await addRaw(
      lake,
      'clientes',
      '2026-01-02',
      'clientes.csv',
      [
        CLIENTES_HEADER,
        'C.C.;1.234.567;  josé   pérez ;BOGOTÁ;Cundinamarca;residencial;3;2025-01-01',
        'Nit;900.123.456-8;Acme S.A.S.;Medellín;Antioquia;industrial;;2025-02-01',
        'Cédula;98765;María  Núñez;bogota;;comercial;2;',
        'cc;555;Ana;Cali;;;;',
        'NIT;900123456-7;Mal Digito;Cali;;;;',
        'XX;1;Tipo Raro;Cali;;;;',
        'C.E.;abc;Sin Digitos;Cali;;;;',
      ].join('\n') + '\n',
      { encoding: 'latin-1', crlf: true },
    );
    const report = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(report.status).toBe('succeeded');
    const rows = await readParquet(
      lake.datalake.pathOf('processed/clientes/year=2026/month=01/day=02/data.parquet'),
      'SELECT * FROM t ORDER BY identificacion',
    );
    expect(
      rows.map((r) => [
        r.tipo_identificacion,
        r.identificacion,
        r.digito_verificacion,
        r.nombre,
        r.ciudad,
      ]),
    ).toEqual([
      ['CC', '1234567', null, 'JOSE PEREZ', 'BOGOTA'],
      ['CC', '555', null, 'ANA', 'CALI'],
      ['NIT', '900123456', 8, 'ACME S.A.S.', 'MEDELLIN'],
      ['CC', '98765', null, 'MARIA NUNEZ', 'BOGOTA'],
    ]);
    const first = rows.find((r) => r.identificacion === '1234567')!;
    expect(first.estrato).toBe(3);
    expect(first._archivo_origen).toBe('raw/clientes/year=2026/month=01/day=02/clientes.csv');
    expect(first._fecha_carga).toBe('2026-01-02');
    expect(String(first._ingestado_en)).toContain('2026-01-02');
    const rejected = await readParquet(
      lake.datalake.pathOf('quarantine/rows/clientes/year=2026/month=01/day=02/data.parquet'),
      'SELECT identificacion, tipo_identificacion, motivo_rechazo FROM t ORDER BY motivo_rechazo',
    );
    expect(rejected).toEqual([
      {
        identificacion: '900123456-7',
        tipo_identificacion: 'NIT',
        motivo_rechazo:
          'dígito de verificación incorrecto en identificacion: "900123456-7" (esperado 8)',
      },
      {
        identificacion: 'abc',
        tipo_identificacion: 'C.E.',
        motivo_rechazo: 'identificacion no válida: "abc"',
      },
      {
        identificacion: '1',
        tipo_identificacion: 'XX',
        motivo_rechazo: 'tipo_identificacion desconocido: "XX"',
      },
    ]);
    const run = report.runs[0]!;
    expect(run).toMatchObject({ rowsIn: 7, rowsOut: 4, rejected: 3, duplicates: 0 });
  });
});
