import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../util/eventually.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const t = tempDir('corriente-up-roles-');
afterAll(() => t.cleanup());

it('a bad --roles is a usage error: one line naming the role, exit 2, nothing written', () => {
  const home = path.join(t.dir, 'bad');
  for (const [flag, expected] of [
    ['api,bogus', /--roles(\.\d+)?: unknown role "bogus"; the roles are api, collector, processor/],
    ['api,api', /--roles: names a role twice/],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'up', '--roles', flag], {
      env: { ...process.env, CORRIENTE_HOME: home },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(expected);
  }
  expect(existsSync(path.join(home, 'fx'))).toBe(false);
});

it('up --roles collector,processor starts those roles alone: prices reach the lake, no HTTP, no lake chain', async () => {
  const home = path.join(t.dir, 'roles');
  const config = path.join(t.dir, 'roles.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      fx: {
        prices: { schedule: '* * * * * *' },
        processor: { batchMaxDelayMs: 200 },
        leaseSeconds: 2,
      },
    }),
  );
  const child = spawn(
    process.execPath,
    [CLI, 'up', '--config', config, '--roles', 'collector,processor', '--port', '1'],
    {
      env: { ...process.env, CORRIENTE_HOME: home, CORRIENTE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  await eventually(() => stdout.includes('with the roles collector, processor'), {
    timeoutMs: 30_000,
    message: () => stdout + stderr,
  });
  // Port 1 would be refused to a non-root HTTP server: none was started.
  expect(stdout).toContain('(no HTTP: neither the api nor the lake role runs here)');
  const precios = path.join(home, 'datalake', 'raw', 'fx_precios');
  await eventually(() => existsSync(precios), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: () => stdout + stderr,
  });
  // The processor shared its stream by lease (in the home's SQLite lease file).
  expect(existsSync(path.join(home, 'state', 'leases.db'))).toBe(true);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  // No demo day and no lake chain: nothing was generated into the landing store.
  expect(
    existsSync(path.join(home, 'source')) ? readdirSync(path.join(home, 'source')) : [],
  ).toEqual([]);
}, 90_000);
