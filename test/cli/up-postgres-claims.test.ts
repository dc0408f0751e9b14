import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../util/eventually.js';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../util/postgres.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const CLIENTES =
  'tipo_identificacion;identificacion;nombre;ciudad\nCC;1020304050;Juan Pérez;Bogotá\n';

const t = tempDir('corriente-up-pg-');
let db: TestDatabase | undefined;
afterAll(async () => {
  await db?.drop();
  t.cleanup();
});

it.skipIf(postgresSkip)(
  'up with state.type postgres keeps the ingestion claims in PostgreSQL, not in a SQLite file',
  async () => {
    db = await createTestDatabase('up_claims');
    const home = path.join(t.dir, 'home');
    mkdirSync(path.join(home, 'source'), { recursive: true });
    const config = path.join(t.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ state: { type: 'postgres', url: db.url } }));
    const child = spawn(
      process.execPath,
      [
        CLI,
        'up',
        '--config',
        config,
        '--roles',
        'lake',
        '--no-demo',
        '--port',
        '0',
        '--poll-interval',
        '1',
      ],
      {
        env: {
          ...process.env,
          CORRIENTE_HOME: home,
          CORRIENTE_LOG_LEVEL: 'warn',
          // With state on PostgreSQL every instance must share its secrets.
          CORRIENTE_ADMIN_TOKEN: 'adm_up_claims',
          CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
          CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
          CORRIENTE_WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64url'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await eventually(() => /HTTP\s+http:\/\//.test(stdout), {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: () => stdout + stderr,
    });
    writeFileSync(path.join(home, 'source', 'clientes_2026-03-09.csv'), CLIENTES);
    const raw = path.join(home, 'datalake', 'raw', 'clientes');
    const rawFiles = (): string[] =>
      existsSync(raw)
        ? readdirSync(raw, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.csv'))
        : [];
    await eventually(() => rawFiles().length === 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: () => stdout + stderr,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ raw_key: string; source_key: string }>(
        'SELECT raw_key, source_key FROM corriente_ingest_raw_key_claims',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.source_key).toContain('clientes_2026-03-09.csv');
      expect(rows[0]!.raw_key).toContain(path.basename(rawFiles()[0]!));
    } finally {
      await client.end();
    }
    // No SQLite claims file was opened beside the PostgreSQL state store.
    expect(existsSync(path.join(home, 'state', 'ingest-claims.db'))).toBe(false);
  },
  90_000,
);
