import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareHome } from '../../src/deploy/home.js';
import { ConfigError } from '../../src/deploy/config.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');

/** Runs the binary under a permissive shell umask (022), as a login shell would. */
function corriente(home: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync('sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, CLI, ...args], {
    env: { ...process.env, CORRIENTE_HOME: home, CORRIENTE_LOG_FORMAT: 'json', ...env },
    encoding: 'utf8',
  });
}

/** Every entry under `root` (itself included) whose mode grants anything to group or others. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const visit = (p: string): void => {
    const st = lstatSync(p);
    if ((st.mode & 0o077) !== 0) found.push(`${p} 0${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
  };
  visit(root);
  return found;
}

describe('the data folder is owner-only', () => {
  const t = tempDir('corriente-home-modes-');
  afterAll(() => t.cleanup());

  it('creates the home, the lake, the databases and the event log 0700/0600 under umask 022', () => {
    const home = path.join(t.dir, 'fresh');
    const gen = corriente(home, [
      'generate',
      '--date',
      '2026-03-09',
      '--clientes',
      '20',
      '--proveedores',
      '5',
      '--transacciones',
      '50',
    ]);
    expect(gen.status, gen.stderr).toBe(0);
    const run = corriente(home, ['run', '--once', '--load-date', '2026-03-09']);
    expect(run.status, run.stderr).toBe(0);
    const user = corriente(home, ['fx', 'users', 'create', '--name', 'Ana', '--cop', '1000']);
    expect(user.status, user.stderr).toBe(0);
    // Raw CSVs (with identificacion), the catalog, the warehouse and the FX ledger exist …
    const all = readdirSync(home, { recursive: true, encoding: 'utf8' });
    expect(all.some((f) => f.startsWith(path.join('datalake', 'raw', 'clientes')))).toBe(true);
    expect(all).toContain('catalog.db');
    expect(all.some((f) => f.endsWith('.duckdb'))).toBe(true);
    expect(all.some((f) => f.startsWith('fx'))).toBe(true);
    // … and none of them is open to anyone but the owner.
    expect(openToOthers(home)).toEqual([]);
  }, 120_000);

  it('warns at start when an existing home is group/world-readable', () => {
    const home = path.join(t.dir, 'open');
    mkdirSync(home);
    chmodSync(home, 0o755);
    const r = corriente(home, ['status'], { CORRIENTE_LOG_LEVEL: 'warn' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/readable by other local users \(mode 0755\)/);
    const quiet = path.join(t.dir, 'private');
    mkdirSync(quiet, { mode: 0o700 });
    chmodSync(quiet, 0o700);
    const q = corriente(quiet, ['status'], { CORRIENTE_LOG_LEVEL: 'warn' });
    expect(q.status, q.stderr).toBe(0);
    expect(q.stderr).not.toMatch(/readable by other/);
  }, 60_000);

  it('refuses a home that cannot be created, with a ConfigError', () => {
    expect(() => prepareHome('/proc/nope')).toThrow(ConfigError);
    expect(() => prepareHome('/proc/nope')).toThrow(/data folder \/proc\/nope is not usable/);
  });
});
