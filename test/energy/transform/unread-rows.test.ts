import { describe, expect, it } from 'vitest';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import { addRaw, CLIENTES_HEADER, newLake } from './fixtures.js';
import { readParquet } from '../../util/lake.js';

describe('rows the CSV reader cannot read', () => {
  it('become rejected rows with their reason, so the partition still publishes', async () => {
    const lake = newLake();
    // A 40 MB line (past DuckDB's maximum line size) between two good rows: DuckDB skips it
    // without a reject. Ingestion would quarantine such a file; raw written by other means
    // (older versions, a larger ingest.maxRecordBytes) must still not lose a row silently.
    await addRaw(
      lake,
      'clientes',
      '2026-01-02',
      'clientes.csv',
      [
        CLIENTES_HEADER,
        'CC;111;Ana;Cali;;;;',
        `CC;222;${'x'.repeat(40_000_000)};Cali;;;;`,
        'CC;333;Luis;Cali;;;;',
      ].join('\n') + '\n',
    );
    const report = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(report.status).toBe('succeeded');
    expect(report.runs[0]).toMatchObject({ rowsIn: 3, rowsOut: 2, rejected: 1 });
    const rejected = await readParquet(
      lake.datalake.pathOf('quarantine/rows/clientes/year=2026/month=01/day=02/data.parquet'),
      'SELECT motivo_rechazo, _archivo_origen FROM t',
    );
    expect(rejected).toEqual([
      {
        motivo_rechazo: expect.stringMatching(/^fila ilegible: el lector CSV no pudo leerla/),
        _archivo_origen: 'raw/clientes/year=2026/month=01/day=02/clientes.csv',
      },
    ]);
  }, 120_000);
});
