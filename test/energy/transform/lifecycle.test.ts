import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRuns } from '../../../src/cli/commands/jobs.js';
import { jobFor, type JobDefinition } from '../../../src/energy/transform/definitions.js';
import { builtinJobs } from '../../../src/energy/contracts/load-contracts.js';
import { runTransforms } from '../../../src/energy/transform/runner.js';
import { freshnessReport } from '../../../src/energy/transform/freshness.js';
import { addRaw, CLIENTES_HEADER, newLake } from './fixtures.js';
import { readParquet } from '../../util/lake.js';

const JOBS = builtinJobs();
const clientesJob = jobFor('clientes', JOBS);

const P1 = 'processed/clientes/year=2026/month=01/day=01/data.parquet';
const P2 = 'processed/clientes/year=2026/month=01/day=02/data.parquet';

describe('transform runs', () => {
  it('is incremental like job bookmarks: a second run does nothing, a new partition is processed alone, --full redoes all', async () => {
    const lake = newLake();
    await addRaw(
      lake,
      'clientes',
      '2026-01-01',
      'a.csv',
      `${CLIENTES_HEADER}\nCC;1;Ana;Cali;;;;\n`,
    );
    const first = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(first.runs[0]!.partitions.map((p) => p.loadDate)).toEqual(['2026-01-01']);
    const second = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(second.runs[0]!.partitions).toEqual([]);
    expect(second.runs[0]!.status).toBe('succeeded');
    await addRaw(
      lake,
      'clientes',
      '2026-01-02',
      'b.csv',
      `${CLIENTES_HEADER}\nCC;2;Luis;Cali;;;;\n`,
    );
    const third = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(third.runs[0]!.partitions.map((p) => p.loadDate)).toEqual(['2026-01-02']);
    // A new file in an old partition makes that partition changed.
    await addRaw(
      lake,
      'clientes',
      '2026-01-01',
      'c.csv',
      `${CLIENTES_HEADER}\nCC;3;Eva;Cali;;;;\n`,
    );
    const fourth = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(fourth.runs[0]!.partitions.map((p) => [p.loadDate, p.rowsOut])).toEqual([
      ['2026-01-01', 2],
    ]);
    const full = await runTransforms(lake.deps, { entities: ['clientes'], full: true });
    expect(full.runs[0]!.partitions.map((p) => p.loadDate)).toEqual(['2026-01-01', '2026-01-02']);
    const runs = lake.deps.state.listRuns({ entity: 'clientes' });
    expect(runs).toHaveLength(5);
    expect(runs[0]!.full).toBe(true);
  });

  it('a failing severe data test marks the run failed and leaves the previous partition in place', async () => {
    const lake = newLake();
    await addRaw(
      lake,
      'clientes',
      '2026-01-01',
      'a.csv',
      `${CLIENTES_HEADER}\nCC;1;Ana;Cali;;;;\n`,
    );
    await runTransforms(lake.deps, { entities: ['clientes'] });
    const strict: JobDefinition = {
      ...clientesJob,
      tests: [
        ...clientesJob.tests,
        { type: 'accepted_values', column: 'ciudad', values: ['CALI'], severity: 'error' },
      ],
    };
    const jobs = JOBS.map((j) => (j.entity === 'clientes' ? strict : j));
    await addRaw(
      lake,
      'clientes',
      '2026-01-01',
      'b.csv',
      `${CLIENTES_HEADER}\nCC;2;Luis;Pasto;;;;\n`,
    );
    const report = await runTransforms({ ...lake.deps, jobs }, { entities: ['clientes'] });
    expect(report.status).toBe('failed');
    const run = report.runs[0]!;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('accepted_values(ciudad)');
    const failed = run.partitions[0]!.tests.find((t) => t.name === 'accepted_values(ciudad)')!;
    expect(failed).toMatchObject({ status: 'fail', failures: 1 });
    const rows = await readParquet(lake.datalake.pathOf(P1), 'SELECT nombre FROM t');
    expect(rows).toEqual([{ nombre: 'ANA' }]);
    const stored = lake.deps.state.listRuns({ entity: 'clientes', limit: 1 })[0]!;
    expect(stored.status).toBe('failed');
    expect(stored.partitions[0]!.tests.some((t) => t.status === 'fail')).toBe(true);
    const shown = formatRuns([stored]);
    expect(shown).toMatch(/clientes\s+failed/);
    expect(shown).toContain('FAIL 2026-01-01 accepted_values(ciudad): 1 filas fuera de {CALI}');
    // The bookmark was not advanced: the default job retries the partition and commits it.
    const retry = await runTransforms(lake.deps, { entities: ['clientes'] });
    expect(retry.runs[0]!.partitions.map((p) => p.status)).toEqual(['committed']);
    expect(await readParquet(lake.datalake.pathOf(P1), 'SELECT nombre FROM t ORDER BY 1')).toEqual([
      { nombre: 'ANA' },
      { nombre: 'LUIS' },
    ]);
  });

  it('replaces a partition by one atomic file: readers polling during re-runs never see a mix or a partial file', async () => {
    const lake = newLake();
    const rows = Array.from({ length: 3000 }, (_, i) => `CC;${i + 1};Persona ${i};Cali;;;;`);
    await addRaw(
      lake,
      'clientes',
      '2026-01-02',
      'a.csv',
      `${CLIENTES_HEADER}\n${rows.join('\n')}\n`,
    );
    await runTransforms(lake.deps, { entities: ['clientes'] });
    const dir = path.dirname(lake.datalake.pathOf(P2));
    let stop = false;
    const seen: number[] = [];
    const reader = (async () => {
      while (!stop) {
        const files = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
        expect(files).toEqual(['data.parquet']);
        const [r] = await readParquet(
          path.join(dir, 'data.parquet'),
          'SELECT count(*)::INTEGER AS n FROM t',
        );
        seen.push(r!.n as number);
      }
    })();
    for (let i = 0; i < 3; i++)
      await runTransforms(lake.deps, { entities: ['clientes'], full: true });
    stop = true;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([3000]));
    const listed = (await lake.datalake.list('processed/clientes/')).objects.map((o) => o.key);
    expect(listed).toEqual([P2]);
  });

  it('reports entities whose latest load is overdue', async () => {
    const lake = newLake();
    await addRaw(
      lake,
      'clientes',
      '2026-01-01',
      'a.csv',
      `${CLIENTES_HEADER}\nCC;1;Ana;Cali;;;;\n`,
      {
        loadedAt: '2026-01-01T12:00:00.000Z',
      },
    );
    await addRaw(
      lake,
      'proveedores',
      '2026-01-03',
      'p.csv',
      'nombre_proveedor;tipo_energia\nX;SOLAR\n',
      {
        loadedAt: '2026-01-03T06:00:00.000Z',
      },
    );
    const report = await freshnessReport(lake.datalake, { now: new Date('2026-01-03T12:00:00Z') });
    expect(report.map((e) => [e.entity, e.latestLoadDate ?? null, e.overdue])).toEqual([
      ['clientes', '2026-01-01', true],
      ['proveedores', '2026-01-03', false],
      ['transacciones', null, true],
    ]);
    expect(report[0]!.ageHours).toBe(48);
  });
});
