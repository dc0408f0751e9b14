import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/core/util/prng.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const ENTITIES = ['clientes', 'proveedores', 'transacciones'] as const;

function env(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CORRIENTE_HOME: home,
    CORRIENTE_LOG_LEVEL: 'info',
    CORRIENTE_LOG_FORMAT: 'json',
  };
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await delay(25);
  }
  return check();
}

function startUp(home: string): {
  child: ChildProcess;
  logs: () => string;
  exit: Promise<unknown>;
} {
  const child = spawn(
    process.execPath,
    [CLI, 'up', '--no-demo', '--port', '0', '--poll-interval', '1'],
    { env: env(home), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise((resolve) => child.on('exit', resolve));
  return { child, logs: () => out, exit };
}

/** How many lake chains `up` reported finishing. */
function chainsIn(logs: string): number {
  return logs.split('lake chain:').length - 1;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('up recovers the chain after a crash', () => {
  const t = tempDir('corriente-up-crash-');
  afterAll(() => t.cleanup());

  it('SIGKILL at seeded random points after ingestion commits; a restart with no new file processes and loads every raw partition', async () => {
    const seed = Number(process.env.CORRIENTE_TEST_SEED ?? Date.now() % 1_000_000);
    // Logged so a failing run can be replayed with CORRIENTE_TEST_SEED.
    console.log(`up-chain-crash seed ${seed}`);
    const prng = new Prng(seed);
    const exports = path.join(t.dir, 'exports');
    const gen = spawnSync(
      process.execPath,
      [CLI, 'generate', '--date', '2026-03-09', '--out', exports, '--clientes', '30'],
      { env: env(path.join(t.dir, 'gen-home')), encoding: 'utf8' },
    );
    expect(gen.status, gen.stderr).toBe(0);
    const csvs = readdirSync(exports).filter((f) => f.endsWith('.csv'));
    expect(csvs).toHaveLength(3);

    let insideWork = 0;
    for (let i = 0; i < 3; i++) {
      const home = path.join(t.dir, `home-${i}`);
      const landing = path.join(home, 'source');
      mkdirSync(landing, { recursive: true, mode: 0o700 });
      for (const f of csvs) copyFileSync(path.join(exports, f), path.join(landing, f));

      const first = startUp(home);
      // Ingestion committed all three files (they leave landing only after their manifest).
      expect(await waitFor(() => files(landing).length === 0, 60_000), first.logs()).toBe(true);
      // `up` also runs the chain at start (nothing to do then): only a chain that finished after
      // the files were committed counts as done.
      const chainsBefore = chainsIn(first.logs());
      // Then a kill somewhere in the chain (or, in a widening window, after it).
      await delay(Math.floor(prng.next() * (300 + 700 * i)));
      const chainDone = chainsIn(first.logs()) > chainsBefore;
      first.child.kill('SIGKILL');
      await first.exit;
      if (!chainDone) insideWork++;

      // Restart with nothing new in landing: the chain must run for what the crash left.
      const second = startUp(home);
      expect(
        await waitFor(() => second.logs().includes('lake chain:'), 90_000),
        second.logs(),
      ).toBe(true);
      second.child.kill('SIGTERM');
      await second.exit;

      for (const entity of ENTITIES) {
        const processed = files(path.join(home, 'datalake', 'processed', entity));
        expect(
          processed.filter((f) => f.endsWith('data.parquet')),
          entity,
        ).toHaveLength(1);
      }
      const status = spawnSync(process.execPath, [CLI, 'warehouse', 'status', '--json'], {
        env: { ...env(home), CORRIENTE_LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      });
      expect(status.status, status.stderr).toBe(0);
      const wh = JSON.parse(status.stdout) as {
        partitions: { entity: string; loadDate: string }[];
        tables: { table: string; rows: number }[];
      };
      expect(new Set(wh.partitions.map((p) => p.entity))).toEqual(new Set(ENTITIES));
      expect(wh.tables.find((x) => x.table === 'fact_transaccion')?.rows).toBeGreaterThan(0);
    }
    // At least one kill landed between the ingestion's commit and the end of its chain.
    expect(insideWork, `seed ${seed}`).toBeGreaterThan(0);
  }, 600_000);
});
