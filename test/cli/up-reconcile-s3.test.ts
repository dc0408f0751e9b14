import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../util/eventually.js';
import { startS3rver, type S3rverProcess } from '../util/s3rver-process.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const ADMIN = 'adm_reconcile_s3_test_token';
const t = tempDir('corriente-up-reconcile-s3-');
let s3: S3rverProcess;
beforeAll(async () => {
  s3 = await startS3rver(['lago-fx']);
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  t.cleanup();
});

/**
 * `up`'s scheduled reconciliation (the lake role) on a lake kept in S3 with the DuckDB engine,
 * which reads local files only: the job copies the raw FX tables to a temporary folder and
 * compares them there, as `corriente fx reconcile` does.
 */
it('the reconcile job of up compares a lake in S3 (s3rver) with the portfolios', async () => {
  const home = path.join(t.dir, 'home');
  const config = path.join(t.dir, 'corriente.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      http: { port: 0 },
      stores: {
        datalake: {
          type: 's3',
          bucket: 'lago-fx',
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
        },
      },
      fx: {
        prices: { schedule: '* * * * * *' },
        processor: { batchMaxDelayMs: 200 },
        reconcileSchedule: '*/2 * * * * *',
      },
    }),
  );
  const child = spawn(
    process.execPath,
    [CLI, 'up', '--no-demo', '--config', config, '--roles', 'api,collector,processor,lake'],
    {
      env: {
        ...process.env,
        CORRIENTE_HOME: home,
        CORRIENTE_LOG_LEVEL: 'warn',
        CORRIENTE_ADMIN_TOKEN: ADMIN,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  try {
    const base = await eventually(() => /HTTP\s+(http:\/\/\S+)/.exec(out)?.[1], {
      timeoutMs: 60_000,
      message: () => out,
    });
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/fx/v1/admin/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Conciliación', cop: 1_000_000, usd: 0 }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    await eventually(
      async () =>
        (
          await fetch(`${base}/api/fx/v1/prices/latest`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status === 200,
      { timeoutMs: 30_000, intervalMs: 200, message: () => out },
    );
    const order = await fetch(`${base}/api/fx/v1/transactions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': 'conciliar-1',
      },
      body: JSON.stringify({ side: 'BUY', amountUsd: 10 }),
    });
    expect(order.status).toBe(201);
    // A run after the order reached the lake compares one user and finds nothing.
    const report = await eventually(
      async () => {
        const r = await fetch(`${base}/api/fx/v1/ops/overview`, { headers: admin });
        const o = (await r.json()) as {
          reconcile: { ok: boolean; usersCompared: number; differences: number } | null;
          reconcileError: string | null;
        };
        if (o.reconcileError) throw new Error(`reconcile failed: ${o.reconcileError}`);
        return o.reconcile && o.reconcile.usersCompared >= 1 && o.reconcile.ok
          ? o.reconcile
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, message: () => out },
    );
    expect(report.differences).toBe(0);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}, 120_000);
