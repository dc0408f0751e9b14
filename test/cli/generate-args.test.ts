import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerGenerate } from '../../src/cli/commands/generate.js';
import {
  GenerateArgsError,
  parseGenerateArgs,
  resolveGenerateOptions,
} from '../../src/energy/generate/index.js';

/** The problems a bad argument set is rejected with. */
function problems(raw: Record<string, unknown>): string[] {
  try {
    parseGenerateArgs(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(GenerateArgsError);
    return (err as GenerateArgsError).problems;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

describe('parseGenerateArgs', () => {
  it('applies the defaults', () => {
    expect(parseGenerateArgs({ date: '2026-11-27' })).toEqual({
      options: {
        date: '2026-11-27',
        seed: 42,
        clientes: 1000,
        proveedores: 40,
        transacciones: 20_000,
        dirty: false,
      },
      out: undefined,
      json: false,
    });
  });

  it('accepts every option, with digit-group underscores in counts', () => {
    const args = parseGenerateArgs({
      date: '2024-02-29',
      out: '/tmp/x',
      seed: '0',
      clientes: '5',
      proveedores: '1',
      transacciones: '10_000_000',
      dirty: true,
      json: true,
    });
    expect(args).toEqual({
      options: {
        date: '2024-02-29',
        seed: 0,
        clientes: 5,
        proveedores: 1,
        transacciones: 10_000_000,
        dirty: true,
      },
      out: '/tmp/x',
      json: true,
    });
  });

  it('allows no clientes or proveedores when there are no transacciones', () => {
    const { options } = parseGenerateArgs({
      date: '2026-01-01',
      clientes: '0',
      proveedores: '0',
      transacciones: '0',
    });
    expect([options.clientes, options.proveedores, options.transacciones]).toEqual([0, 0, 0]);
  });

  it('requires --date', () => {
    expect(problems({})).toEqual(['--date is required (a date YYYY-MM-DD)']);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-1-5', '27/11/2026', '2026-11-27T00:00', ''])(
    'rejects the date %j',
    (date) => {
      expect(problems({ date })).toEqual([
        `--date must be a real date YYYY-MM-DD (got ${JSON.stringify(date)})`,
      ]);
    },
  );

  it.each(['-1', '1.5', 'abc', '1e3', '', ' 7', '10_00'])('rejects the count %j', (n) => {
    expect(problems({ date: '2026-11-27', transacciones: n })).toEqual([
      `--transacciones must be a non-negative integer (got ${JSON.stringify(n)})`,
    ]);
  });

  it('rejects a bad seed and lists every problem at once', () => {
    expect(problems({ date: 'hoy', seed: 'x', clientes: '-3' })).toEqual([
      '--date must be a real date YYYY-MM-DD (got "hoy")',
      '--seed must be a non-negative integer (got "x")',
      '--clientes must be a non-negative integer (got "-3")',
    ]);
  });

  it('needs clientes and proveedores when there are transacciones', () => {
    expect(problems({ date: '2026-11-27', clientes: '0' })).toEqual([
      '--clientes must be at least 1 when --transacciones is more than 0 (got "0")',
    ]);
    expect(problems({ date: '2026-11-27', proveedores: '0', transacciones: '5' })).toEqual([
      '--proveedores must be at least 1 when --transacciones is more than 0 (got "0")',
    ]);
  });

  it('rejects counts past the limits', () => {
    expect(problems({ date: '2026-11-27', clientes: '5_000_001' })).toEqual([
      '--clientes must be at most 5000000 (got "5_000_001")',
    ]);
    expect(problems({ date: '2026-11-27', seed: '9007199254740993' })[0]).toMatch(/^--seed/);
  });

  it('validates options given to the library the same way', () => {
    expect(resolveGenerateOptions({ date: '2026-11-27', clientes: 3 }).clientes).toBe(3);
    expect(() => resolveGenerateOptions({ date: '2026-11-27', clientes: 2.5 })).toThrow(
      '--clientes must be a non-negative integer (got 2.5)',
    );
  });
});

describe('corriente generate', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'corriente-cli-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  /** Runs the command in-process as main.ts wires it; returns what went to stdout/stderr. */
  async function run(args: string[]) {
    const program = new Command()
      .name('corriente')
      .option('-c, --config <file>')
      .option('--home <dir>')
      .exitOverride();
    registerGenerate(program);
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      stdout += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      stderr += String(s);
      return true;
    });
    await program.parseAsync(['node', 'corriente', ...args]);
    const exitCode = process.exitCode;
    vi.restoreAllMocks();
    return { stdout, stderr, exitCode };
  }

  it('writes the three files into --out and prints one JSON line per file', async () => {
    const out = await tempDir();
    const r = await run([
      'generate',
      '--date',
      '2026-11-27',
      '--out',
      out,
      '--clientes',
      '50',
      '--proveedores',
      '5',
      '--transacciones',
      '300',
    ]);
    expect(r.exitCode ?? 0).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'clientes_2026-11-27.csv',
      'proveedores_2026-11-27.csv',
      'transacciones_2026-11-27.csv',
    ]);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.key, l.rows])).toEqual([
      ['clientes_2026-11-27.csv', 50],
      ['proveedores_2026-11-27.csv', 5],
      ['transacciones_2026-11-27.csv', 300],
    ]);
    const bytes = await readFile(path.join(out, 'transacciones_2026-11-27.csv'));
    expect(lines[2]!.bytes).toBe(bytes.length);
  });

  it('writes into the source store under --home, with --json', async () => {
    const home = await tempDir();
    const r = await run([
      '--home',
      home,
      'generate',
      '--date',
      '2026-11-27',
      '--transacciones',
      '100',
      '--dirty',
      '--json',
    ]);
    expect(r.exitCode ?? 0).toBe(0);
    const result = JSON.parse(r.stdout) as {
      store: string;
      files: { key: string; rows: number }[];
    };
    expect(result.store).toBe(path.join(home, 'source'));
    expect(result.files.map((f) => f.key)).toEqual([
      'clientes_2026-11-27.csv',
      'proveedores_2026-11-27.csv',
      'transacciones_2026-11-27.csv',
    ]);
    expect((await readdir(path.join(home, 'source'))).sort()).toEqual(
      result.files.map((f) => f.key).sort(),
    );
  });

  it('exits with code 2 and a clear message on invalid arguments, writing nothing', async () => {
    const out = await tempDir();
    const r = await run(['generate', '--date', '2026-02-30', '--clientes', 'mil', '--out', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--date must be a real date YYYY-MM-DD (got "2026-02-30")');
    expect(r.stderr).toContain('--clientes must be a non-negative integer (got "mil")');
    expect(await readdir(out)).toEqual([]);
  });
});
