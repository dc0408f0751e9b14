import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerLake } from '../../../src/cli/commands/lake.js';
import { parseQueryArgs, registerQuery } from '../../../src/cli/commands/query.js';
import { UsageError } from '../../../src/cli/usage-error.js';
import { Governance } from '../../../src/core/governance/governance.js';
import { createQueryLake, TEST_GOVERNANCE, type QueryLake } from './lake-fixture.js';

const DB = 'energy_processed_db';

/** Runs the CLI in process (as src/cli/main.ts builds it) and captures stdout and stderr. */
async function run(lake: QueryLake, ...args: string[]) {
  const program = new Command()
    .name('corriente')
    .option('-c, --config <file>')
    .option('--home <dir>')
    .exitOverride();
  let stdout = '';
  let stderr = '';
  program.configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
  registerQuery(program);
  registerLake(program);
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c) => ((stderr += String(c)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync([
      'node',
      'corriente',
      '--home',
      lake.home,
      '--config',
      path.join(lake.home, 'corriente.config.json'),
      ...args,
    ]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}

describe('corriente query', () => {
  let lake: QueryLake;
  beforeAll(async () => {
    lake = await createQueryLake();
    await writeFile(
      path.join(lake.home, 'corriente.config.json'),
      JSON.stringify({ log: { level: 'silent' }, governance: TEST_GOVERNANCE }),
    );
  });
  afterAll(async () => lake.cleanup());
  afterEach(() => vi.restoreAllMocks());

  it('--format json prints exactly one JSON array of row objects on stdout', async () => {
    const { stdout, exitCode } = await run(
      lake,
      'query',
      `SELECT nombre_proveedor, tipo_energia FROM ${DB}.proveedores ORDER BY 1`,
      '--format',
      'json',
    );
    expect(exitCode).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(stdout) as unknown;
    expect(Array.isArray(parsed)).toBe(true);
    expect(parsed).toEqual(
      [...lake.proveedores]
        .sort((a, b) => a.nombre_proveedor.localeCompare(b.nombre_proveedor))
        .map((p) => ({ nombre_proveedor: p.nombre_proveedor, tipo_energia: p.tipo_energia })),
    );
  });

  it('json numbers: counts as numbers, decimals as their exact text', async () => {
    const { stdout } = await run(
      lake,
      'query',
      'SELECT count(*) AS n, sum(cantidad_comprada_kwh) AS kwh FROM transacciones',
      '-d',
      DB,
      '-f',
      'json',
    );
    const [row] = JSON.parse(stdout) as { n: number; kwh: string }[];
    expect(row!.n).toBe(lake.transacciones.length);
    const tenths = lake.transacciones.reduce((s, t) => s + t.kwhTenths, 0);
    expect(row!.kwh).toBe(`${Math.floor(tenths / 10)}.${tenths % 10}00`);
  });

  it('--database sets the default for unqualified names; table and csv formats', async () => {
    const table = await run(lake, 'query', 'SELECT count(*) AS n FROM clientes', '--database', DB);
    expect(table.stdout).toMatch(/^n\s*\n-+\n\s*40\n\(1 row, [\d.]+ ms\)\n$/);
    const csv = await run(
      lake,
      'query',
      'SELECT nombre, ciudad FROM clientes ORDER BY nombre LIMIT 2',
      '--database',
      DB,
      '--format',
      'csv',
    );
    expect(csv.stdout.split('\r\n')[0]).toBe('nombre,ciudad');
    expect(csv.stdout.split('\r\n')).toHaveLength(4);
  });

  it('--saved runs a saved query and --list lists them', async () => {
    const list = await run(lake, 'query', '--list');
    expect(list.stdout).toMatch(/^clientes_por_ciudad\n {4}Número de clientes por ciudad/);
    const listJson = JSON.parse(
      (await run(lake, 'query', '--list', '--format', 'json')).stdout,
    ) as { name: string }[];
    // Six over the energy lake, then the FX recommendations' conversion queries.
    expect(listJson.map((q) => q.name)).toHaveLength(11);
    expect(listJson.slice(6).map((q) => q.name)).toEqual([
      'fx_conversion_por_modelo',
      'fx_conversion_por_razon',
      'fx_lift_por_modelo',
      'fx_lift_por_razon',
      'fx_resultado_precio',
    ]);
    const saved = JSON.parse(
      (await run(lake, 'query', '--saved', 'proveedores_por_tipo_energia', '--format', 'json'))
        .stdout,
    ) as { proveedores: number }[];
    expect(saved.reduce((s, r) => s + r.proveedores, 0)).toBe(lake.proveedores.length);
  });

  it('--explain prints the plan; --file reads the query from a file', async () => {
    const plan = await run(
      lake,
      'query',
      `SELECT * FROM ${DB}.transacciones WHERE month = '11'`,
      '--explain',
    );
    expect(plan.stdout).toMatch(/READ_PARQUET/);
    const file = path.join(lake.home, 'q.sql');
    await writeFile(
      file,
      `-- clientes de Cali\nSELECT count(*) AS n FROM ${DB}.clientes WHERE ciudad = 'CALI';\n`,
    );
    const r = await run(lake, 'query', '--file', file, '--format', 'json');
    expect(JSON.parse(r.stdout)).toEqual([
      { n: lake.clientes.filter((c) => c.ciudad === 'CALI').length },
    ]);
  });

  it('--as applies grants; a denial prints the reason and exits 1 with nothing on stdout', async () => {
    const r = await run(
      lake,
      'query',
      `SELECT identificacion FROM ${DB}.clientes`,
      '--as',
      'ana',
      '--format',
      'json',
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'corriente: access denied: principal "ana" (role analyst) may not read column energy_processed_db.clientes.identificacion\n',
    );
    const refused = await run(lake, 'query', 'DROP VIEW x');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/DROP statements are not allowed/);
  });

  it('a timeout exits 1 with the message', async () => {
    const r = await run(
      lake,
      'query',
      'SELECT count(*) FROM range(1000000000) a, range(1000000) b WHERE a.range + b.range = 1',
      '--timeout',
      '200',
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ran longer than 200 ms and was cancelled/);
  });

  it('--limit cuts the output and says so on stderr', async () => {
    const r = await run(
      lake,
      'query',
      `SELECT * FROM ${DB}.transacciones`,
      '--limit',
      '3',
      '-f',
      'json',
    );
    expect(JSON.parse(r.stdout)).toHaveLength(3);
    expect(r.stderr).toMatch(/cut at 3 rows/);
  });
});

describe('corriente query argument parsing', () => {
  it('accepts one source of SQL', () => {
    expect(parseQueryArgs('SELECT 1', {})).toMatchObject({
      sql: 'SELECT 1',
      format: 'table',
      as: 'admin',
    });
    expect(parseQueryArgs(undefined, { saved: 'x', format: 'json' })).toMatchObject({
      saved: 'x',
      format: 'json',
    });
    expect(parseQueryArgs(undefined, { list: true }).list).toBe(true);
  });
  it('rejects bad input with the flag named', () => {
    expect(() => parseQueryArgs(undefined, {})).toThrow(UsageError);
    expect(() => parseQueryArgs('SELECT 1', { saved: 'x' })).toThrow(/exactly one of/);
    expect(() => parseQueryArgs('SELECT 1', { format: 'xml' })).toThrow(/--format/);
    expect(() => parseQueryArgs('SELECT 1', { limit: '0' })).toThrow(/--limit/);
  });
});

describe('corriente lake token', () => {
  let lake: QueryLake;
  beforeAll(async () => {
    lake = await createQueryLake();
    await writeFile(
      path.join(lake.home, 'corriente.config.json'),
      JSON.stringify({ log: { level: 'silent' } }),
    );
  });
  afterAll(async () => lake.cleanup());

  it('prints a new token and the hash that authenticates it', async () => {
    const { stdout, stderr } = await run(lake, 'lake', 'token', '--principal', 'ana', '--json');
    const { token, tokenSha256, principal } = JSON.parse(stdout) as Record<string, string>;
    expect(principal).toBe('ana');
    const gov = Governance.fromConfig({
      principals: [{ name: 'ana', kind: 'user', roles: [], tokenSha256: tokenSha256! }],
      roles: [],
      grants: [],
    });
    expect(gov.authenticate(token)?.name).toBe('ana');
    expect(stderr).toMatch(/not in the config yet/);
    const text = await run(lake, 'lake', 'token', '--principal', 'ana');
    expect(text.stdout).toMatch(/tokenSha256: [0-9a-f]{64}/);
  });
});
