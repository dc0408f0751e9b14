import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../util/eventually.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';

describe('corriente up', () => {
  const t = tempDir('corriente-up-');
  afterAll(() => t.cleanup());

  it('ingests a dropped file, runs the chain, serves HTTP, and stops cleanly on SIGTERM', async () => {
    const home = t.dir;
    mkdirSync(path.join(home, 'source'), { recursive: true });
    const child = spawn(
      process.execPath,
      [CLI, 'up', '--no-demo', '--port', '0', '--poll-interval', '1'],
      {
        env: {
          ...process.env,
          CORRIENTE_HOME: home,
          CORRIENTE_LOG_LEVEL: 'warn',
          CORRIENTE_LOG_FORMAT: 'json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );

    const base = await eventually(() => /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1], {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: () => stderr,
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const unauth = await fetch(`${base}/api/lake/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT 1' }),
    });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('content-type')).toContain('application/problem+json');

    const landing = path.join(home, 'source', 'clientes_2026-03-09.csv');
    writeFileSync(landing, CLIENTES);
    const processed = path.join(home, 'datalake', 'processed', 'clientes');
    await eventually(() => existsSync(processed), {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: () => stdout + stderr,
    });
    expect(existsSync(landing)).toBe(false);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('corriente stopped');
    // The lock is released and the raw copy is byte-for-byte.
    expect(existsSync(path.join(home, 'locks', 'up.lock'))).toBe(false);
    const raw = path.join(home, 'datalake', 'raw', 'clientes');
    const files = readdirSync(raw, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.csv'),
    );
    expect(files).toHaveLength(1);
    const day = readFileSync(path.join(raw, files[0]!), 'utf8');
    expect(day).toBe(CLIENTES);
  }, 90_000);
});
