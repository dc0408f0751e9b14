/**
 * A fourth source entity declared only in YAML (no TypeScript touched): meter readings
 * (`medidores`) go through the whole chain with the real binary — ingestion (recognised by a
 * file pattern, quarantined when a required column is missing), the raw and processed catalog,
 * the DuckDB transform generated from the contract (typed, rejected rows with reasons), its data
 * tests (a relationships test to clientes), SQL, `status` and `jobs`. Then schema evolution: an
 * alias absorbs a renamed column, and a type change that breaks parsing is a drift warning in the
 * crawl report and rejected rows, not a failed job.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquet } from '../../util/lake.js';
import { tempDir } from '../../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');

const MEDIDORES_YAML = `version: 1
entities:
  - name: medidores
    description: Lecturas de los medidores de los clientes
    recognize:
      file_patterns: ['medidores*', 'lecturas*']
    columns:
      - { name: id_medidor, type: text, normalize: [trim, upper], required: true }
      - name: identificacion_cliente
        type: text
        normalize: [trim]
        required: true
        aliases: [cedula_cliente]
      - { name: fecha_lectura, type: date, formats: [YYYY-MM-DD, DD/MM/YYYY], required: true }
      - { name: lectura_kwh, type: decimal, precision: 14, scale: 3, positive: true, required: true }
    key: { columns: [id_medidor, fecha_lectura] }
    tests:
      - { type: unique, columns: [id_medidor, fecha_lectura] }
      - { type: not_null, columns: [id_medidor, identificacion_cliente, fecha_lectura, lectura_kwh] }
      - type: relationships
        column: identificacion_cliente
        to: { entity: clientes, column: identificacion }
        severity: warn
      - { type: row_count }
`;

const ALIASES_YAML = `version: 1
aliases:
  transacciones:
    cantidad_comprada_kwh: [cantidad_kwh]
    precio_kwh_cop: [precio_cop_kwh]
`;

interface Outcome {
  sourceKey: string;
  status: string;
  entity?: string;
  reason?: { code: string; missingColumns?: string[] };
}
interface PartitionRun {
  loadDate: string;
  status: string;
  rowsOut: number;
  rejected: number;
  tests: { name: string; status: string; failures: number }[];
}
interface RunReport {
  ingest: { files: Outcome[] };
  crawlRaw: { warnings: { table: string; kind: string; column?: string }[] };
  transform: {
    status: string;
    runs: { entity: string; status: string; partitions: PartitionRun[] }[];
  };
  crawlProcessed: { tablesCreated: string[] };
}

describe('a fourth entity from YAML alone: medidores', () => {
  const t = tempDir('corriente-medidores-');
  afterAll(() => t.cleanup());
  const home = path.join(t.dir, 'home');
  const landing = path.join(home, 'source');
  const configFile = path.join(t.dir, 'corriente.config.json');
  const setContracts = (files: string[]): void =>
    writeFileSync(configFile, JSON.stringify({ contracts: files }));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, '--config', configFile, '--home', home, ...args], {
      encoding: 'utf8',
      timeout: 240_000,
    });
  const runOnce = (loadDate: string): RunReport => {
    const r = cli(['run', '--once', '--json', '--load-date', loadDate]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    return JSON.parse(r.stdout) as RunReport;
  };
  const query = (sql: string): Record<string, unknown>[] => {
    const r = cli(['query', sql, '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  };
  const land = (name: string, text: string): void => {
    mkdirSync(landing, { recursive: true });
    writeFileSync(path.join(landing, name), text);
  };

  it('is ingested, quarantined when bad, cataloged, transformed, tested, queryable and in status', async () => {
    writeFileSync(path.join(t.dir, 'medidores.yaml'), MEDIDORES_YAML);
    setContracts(['medidores.yaml']); // relative to the config file's folder
    const list = cli(['contracts', 'list']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^medidores\s+4 columns\s+4 tests/m);

    land(
      'clientes.csv',
      'tipo_identificacion;identificacion;nombre;ciudad\nCC;123;Ana Gómez;Cali\nCC;124;Luis Pérez;Bogotá\n',
    );
    land('proveedores.csv', 'nombre_proveedor;tipo_energia\nHidro Andes;hidro\n');
    land(
      'lecturas_enero.csv',
      [
        'id_medidor;identificacion_cliente;fecha_lectura;lectura_kwh;observacion',
        'm-1;123;2026-01-02;12.5;ok',
        'm-2;124;03/01/2026;13.25;',
        'm-3;999;2026-01-04;7;cliente nuevo',
        'm-4;123;2026-02-30;8;fecha imposible',
        'm-5;124;2026-01-05;-1;lectura negativa',
        'm-1;123;2026-01-02;12.75;reenviada',
      ].join('\n') + '\n',
    );
    land('medidores_sin_fecha.csv', 'id_medidor;identificacion_cliente;lectura_kwh\nm-9;123;1\n');
    land(
      'transacciones_otro_sistema.csv',
      'tipo_transaccion;nombre_cliente_proveedor;cantidad_kwh;precio_cop_kwh;tipo_energia\nVenta;Ana Gómez;10,5;700;Solar\n',
    );

    const report = runOnce('2026-01-10');
    const byKey = new Map(report.ingest.files.map((f) => [f.sourceKey, f]));
    expect(byKey.get('lecturas_enero.csv')).toMatchObject({
      status: 'loaded',
      entity: 'medidores',
    });
    expect(byKey.get('medidores_sin_fecha.csv')).toMatchObject({
      status: 'quarantined',
      reason: { code: 'missing_columns', missingColumns: ['fecha_lectura'] },
    });
    // Without its aliases declared, the other system's header is missing two columns.
    expect(byKey.get('transacciones_otro_sistema.csv')).toMatchObject({
      status: 'quarantined',
      reason: {
        code: 'missing_columns',
        missingColumns: ['cantidad_comprada_kwh', 'precio_kwh_cop'],
      },
    });

    const medidores = report.transform.runs.find((r) => r.entity === 'medidores')!;
    expect(medidores.status).toBe('succeeded');
    const p = medidores.partitions[0]!;
    expect(p).toMatchObject({ status: 'committed', rowsOut: 3, rejected: 2 });
    const rel = p.tests.find((x) => x.name.startsWith('relationships'))!;
    expect(rel).toMatchObject({ status: 'warn', failures: 1 });
    expect(p.tests.filter((x) => x.status === 'pass').map((x) => x.name)).toEqual([
      'unique(id_medidor, fecha_lectura)',
      'not_null(id_medidor, identificacion_cliente, fecha_lectura, lectura_kwh)',
      'row_count(raw)',
    ]);
    expect(report.crawlProcessed.tablesCreated).toContain('energy_processed_db.medidores');

    const rows = query(
      'SELECT id_medidor, identificacion_cliente, CAST(fecha_lectura AS VARCHAR) AS fecha, ' +
        'CAST(lectura_kwh AS VARCHAR) AS kwh, observacion FROM energy_processed_db.medidores ORDER BY 1',
    );
    expect(rows).toEqual([
      // The latest row of a key wins; the new source column is carried along.
      {
        id_medidor: 'M-1',
        identificacion_cliente: '123',
        fecha: '2026-01-02',
        kwh: '12.750',
        observacion: 'reenviada',
      },
      {
        id_medidor: 'M-2',
        identificacion_cliente: '124',
        fecha: '2026-01-03',
        kwh: '13.250',
        observacion: null,
      },
      {
        id_medidor: 'M-3',
        identificacion_cliente: '999',
        fecha: '2026-01-04',
        kwh: '7.000',
        observacion: 'cliente nuevo',
      },
    ]);
    const quarantine = readdirSync(
      path.join(home, 'datalake/quarantine/rows/medidores/year=2026/month=01/day=10'),
    );
    expect(quarantine.length).toBe(1);
    const reasons = await readParquet(
      path.join(
        home,
        'datalake/quarantine/rows/medidores/year=2026/month=01/day=10',
        quarantine[0]!,
      ),
      'SELECT motivo_rechazo FROM t ORDER BY 1',
    );
    expect(reasons.map((r) => r.motivo_rechazo)).toEqual([
      'fecha_lectura no es una fecha válida: "2026-02-30"',
      'lectura_kwh debe ser mayor que cero: "-1"',
    ]);

    const status = cli(['status', '--json']);
    expect(status.status, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as {
      freshness: { entity: string; latestLoadDate?: string }[];
      lastRuns: { entity: string; status: string }[];
    };
    expect(s.freshness.find((f) => f.entity === 'medidores')?.latestLoadDate).toBe('2026-01-10');
    expect(s.lastRuns.find((r) => r.entity === 'medidores')?.status).toBe('succeeded');
    const jobs = cli(['jobs', '--entity', 'medidores', '--json']);
    expect(jobs.status, jobs.stderr).toBe(0);
    expect((JSON.parse(jobs.stdout) as unknown[]).length).toBe(1);
  }, 600_000);

  it('an alias absorbs a rename: the other system’s transacciones load once aliases are declared', () => {
    writeFileSync(path.join(t.dir, 'alias.yaml'), ALIASES_YAML);
    setContracts(['medidores.yaml', 'alias.yaml']);
    land(
      'transacciones_otro_sistema.csv',
      'tipo_transaccion;nombre_cliente_proveedor;cantidad_kwh;precio_cop_kwh;tipo_energia\nVenta;Ana Gómez;10,5;700;Solar\n',
    );
    // A renamed column of medidores, absorbed by its declared alias.
    land(
      'medidores_febrero.csv',
      'id_medidor;cedula_cliente;fecha_lectura;lectura_kwh\nm-7;124;2026-02-01;3.5\n',
    );
    const report = runOnce('2026-02-01');
    const byKey = new Map(report.ingest.files.map((f) => [f.sourceKey, f]));
    expect(byKey.get('transacciones_otro_sistema.csv')).toMatchObject({ status: 'loaded' });
    expect(byKey.get('medidores_febrero.csv')).toMatchObject({ status: 'loaded' });
    const tx = query(
      "SELECT CAST(cantidad_comprada_kwh AS VARCHAR) AS q, CAST(precio_kwh_cop AS VARCHAR) AS p FROM energy_processed_db.transacciones WHERE _fecha_carga = DATE '2026-02-01'",
    );
    expect(tx).toEqual([{ q: '10.500', p: '700.0000' }]);
    const m = query(
      "SELECT identificacion_cliente FROM energy_processed_db.medidores WHERE id_medidor = 'M-7'",
    );
    expect(m).toEqual([{ identificacion_cliente: '124' }]);
  }, 600_000);

  it('a type change that breaks parsing: a drift warning in the crawl report, rows rejected with a reason, the job succeeds', async () => {
    land(
      'lecturas_marzo.csv',
      'id_medidor;identificacion_cliente;fecha_lectura;lectura_kwh\nm-1;123;2026-03-01;12 kWh\nm-2;124;2026-03-01;9.5\n',
    );
    const report = runOnce('2026-03-01');
    expect(report.crawlRaw.warnings).toContainEqual(
      expect.objectContaining({
        table: 'energy_raw_db.medidores',
        kind: 'type-changed',
        column: 'lectura_kwh',
      }),
    );
    const run = report.transform.runs.find((r) => r.entity === 'medidores')!;
    expect(run.status).toBe('succeeded');
    expect(run.partitions[0]).toMatchObject({ status: 'committed', rowsOut: 1, rejected: 1 });
    const dir = path.join(home, 'datalake/quarantine/rows/medidores/year=2026/month=03/day=01');
    expect(existsSync(dir)).toBe(true);
    const reasons = await readParquet(
      path.join(dir, readdirSync(dir)[0]!),
      'SELECT motivo_rechazo FROM t',
    );
    expect(reasons).toEqual([{ motivo_rechazo: 'lectura_kwh no numérico: "12 kWh"' }]);
  }, 600_000);

  it('a bad contract stops the program at start, naming the file, the entity and the key', () => {
    writeFileSync(
      path.join(t.dir, 'malo.yaml'),
      MEDIDORES_YAML.replace('type: date,', 'type: fecha,').replace(
        'name: medidores',
        'name: malo',
      ),
    );
    setContracts(['malo.yaml']);
    const r = cli(['status']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/malo\.yaml: entity "malo": columns\[2\]\.type/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const check = cli(['contracts', 'check']);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/malo\.yaml: entity "malo": columns\[2\]\.type/);
  }, 120_000);
});
