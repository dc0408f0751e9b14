/**
 * `npm run bench:fx -- --cluster N`: durable transactions/s and p50/p99 of
 * `POST /api/fx/v1/transactions` through N API instances (separate processes and homes) on the
 * machine's PostgreSQL state store, the events relayed to a Kinesis stream on kinesalite; beside
 * a bare PostgreSQL `BEGIN; INSERT; COMMIT` loop on as many connections as the instances' pools,
 * and a bare group-commit loop (the ledger batches orders into one transaction: this is the
 * floor for that design) at the HTTP concurrency, measured in the same run (the embedded
 * instance is measured first by `fx.ts`). Orders per database commit and the server's WAL
 * fsyncs/s (all databases: the machine is shared) are printed per run. Each instance gets
 * BENCH_FX_CONNECTIONS / N connections; p50 is the mean of the instances' p50s and p99 the
 * largest of their p99s. Peak RSS (VmHWM) of every instance is printed.
 * Env: BENCH_FX_USERS, BENCH_FX_CONNECTIONS, BENCH_FX_SECONDS, BENCH_FX_RUNS as in `fx.ts`;
 * BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * BENCH_FX_CPU_PROF=<dir> writes each instance's CPU profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import autocannon from 'autocannon';
import pg from 'pg';
import { KinesisEventLog } from '../src/core/event-log/kinesis/kinesis-event-log.js';
import { createPgPool, migratePostgres } from '../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../src/deploy/state.js';
import { newEventId } from '../src/fx/events.js';
import { PostgresPriceBook } from '../src/fx/prices/postgres/postgres-price-book.js';
import { median, row } from './stats.js';

const USERS = Number(process.env.BENCH_FX_USERS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_FX_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_FX_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_FX_RUNS ?? 3);
/** Connections each API instance keeps to PostgreSQL (the server allows 100 in all). */
const POOL_PER_INSTANCE = Number(process.env.BENCH_FX_PG_POOL ?? 16);
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENTRY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../src/deploy/local/fx-api-instance.js',
);

function vmHwmMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** kinesalite in its own process (its work must not slow the load generator down). */
async function startKinesalite(): Promise<{ endpoint: string; child: ChildProcess }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const bin = createRequire(import.meta.url).resolve('kinesalite/cli.js');
  const child = spawn(process.execPath, [bin, '--port', String(port), '--createStreamMs', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`kinesalite exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return exited;
    }),
  );
}

/** BEGIN; INSERT; COMMIT by `concurrency` clients for SECONDS: the state store's floor. */
async function bareInsertLoop(url: string, concurrency: number) {
  const pool = createPgPool({ url, poolSize: concurrency });
  await pool.query('CREATE TABLE bench_bare (id bigserial PRIMARY KEY, payload text NOT NULL)');
  const ms: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  const payload = 'x'.repeat(400);
  await Promise.allSettled(
    Array.from({ length: concurrency }, async () => {
      const c = await pool.connect();
      try {
        while (Date.now() < end) {
          const t = performance.now();
          await c.query('BEGIN');
          await c.query('INSERT INTO bench_bare (payload) VALUES ($1)', [payload]);
          await c.query('COMMIT');
          ms.push(performance.now() - t);
        }
      } finally {
        c.release();
      }
    }),
  );
  await pool.end();
  ms.sort((a, b) => a - b);
  return {
    rps: ms.length / SECONDS,
    p50: ms[Math.floor(ms.length * 0.5)]!,
    p99: ms[Math.floor(ms.length * 0.99)]!,
  };
}

/**
 * The same rows by group commit: `concurrency` clients each insert one row at a time, but
 * through `inFlight` transactions that each take every row waiting (one multi-row INSERT per
 * commit), as the ledger does: the state store's floor for a batching design.
 */
async function bareBatchedLoop(url: string, concurrency: number, inFlight: number) {
  const pool = createPgPool({ url, poolSize: inFlight });
  await pool.query(
    'CREATE TABLE bench_bare_batched (id bigserial PRIMARY KEY, payload text NOT NULL)',
  );
  const payload = 'x'.repeat(400);
  const waiting: (() => void)[] = [];
  let running = 0;
  let commits = 0;
  const pump = (): void => {
    while (running < inFlight && waiting.length > 0) {
      const batch = waiting.splice(0, 256);
      running++;
      void (async () => {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          await c.query({
            name: 'bare-batch',
            text: 'INSERT INTO bench_bare_batched (payload) SELECT unnest($1::text[])',
            values: [batch.map(() => payload)],
          });
          await c.query('COMMIT');
          commits++;
        } finally {
          c.release();
        }
        for (const done of batch) done();
        running--;
        pump();
      })();
    }
  };
  const ms: number[] = [];
  const end = Date.now() + SECONDS * 1000;
  await Promise.allSettled(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          pump();
        });
        ms.push(performance.now() - t);
      }
    }),
  );
  await pool.end();
  ms.sort((a, b) => a - b);
  return {
    rps: ms.length / SECONDS,
    p50: ms[Math.floor(ms.length * 0.5)]!,
    p99: ms[Math.floor(ms.length * 0.99)]!,
    perCommit: ms.length / commits,
  };
}

/** CPU time (user + kernel) a process has used so far, in ms; 0 once it is gone. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** CPU ms used so far by the API instances, the bench database's backends and kinesalite. */
async function cpuSoFar(
  pool: pg.Pool,
  apis: readonly ChildProcess[],
  kinesalite: ChildProcess,
): Promise<{ api: number; kinesalite: number; backends: Map<number, number> }> {
  const r = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  return {
    api: apis.reduce((a, c) => a + cpuMsOf(c.pid!), 0),
    kinesalite: cpuMsOf(kinesalite.pid!),
    backends: new Map(r.rows.map((row) => [row.pid, cpuMsOf(row.pid)])),
  };
}

/** CPU ms the backends used between two readings (a backend opened in between counts whole). */
function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/** Commits of the bench database so far, and WAL fsyncs of the whole server (other databases too). */
async function commitsSoFar(pool: pg.Pool): Promise<{ commits: number; walSyncs: number }> {
  const r = await pool.query<{ commits: string; wal_syncs: string }>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
            (SELECT wal_sync FROM pg_stat_wal) AS wal_syncs`,
  );
  return { commits: Number(r.rows[0]!.commits), walSyncs: Number(r.rows[0]!.wal_syncs) };
}

/** Runs the cluster benchmark with `n` API instances; prints its table on stdout. */
export async function benchCluster(n: number): Promise<void> {
  const dbName = `corriente_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const url = dbUrl.toString();
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-cluster-'));
  const kinesis = await startKinesalite();
  const children: ChildProcess[] = [];
  const pool = createPgPool({ url, poolSize: 4 });
  try {
    const streamName = `fx-${randomUUID().slice(0, 8)}`;
    const client = new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesis.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    });
    await KinesisEventLog.ensureStream(client, streamName, 2);
    client.destroy();
    await migratePostgres(pool, STATE_MIGRATIONS);
    const book = await PostgresPriceBook.open({ pool });
    const keepFresh = (): Promise<void> => {
      const now = new Date().toISOString();
      return book.record({
        type: 'PriceTick',
        version: 1,
        id: newEventId(),
        source: 'bench',
        bidCopCents: 400_000,
        askCopCents: 401_000,
        midCopCents: 400_500,
        observedAt: now,
        ingestedAt: now,
      });
    };
    await keepFresh();
    const fresh = setInterval(() => void keepFresh(), 1000);
    const config = path.join(dir, 'corriente.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        http: { port: 0 },
        state: { type: 'postgres', url, poolSize: POOL_PER_INSTANCE },
        fx: { eventLog: { type: 'kinesis', streamName, endpoint: kinesis.endpoint } },
      }),
    );
    const adminToken = `adm_${randomBytes(12).toString('hex')}`;
    const urls: string[] = [];
    for (let i = 0; i < n; i++) {
      const child = spawn(
        process.execPath,
        [
          ...(process.env.BENCH_FX_CPU_PROF
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_FX_CPU_PROF}`]
            : []),
          '--input-type=module',
          '-e',
          `import { runFxApiInstance } from ${JSON.stringify(ENTRY)}; await runFxApiInstance();`,
        ],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_REGION: 'us-east-1',
            CORRIENTE_HOME: path.join(dir, `home-${i}`),
            CORRIENTE_CONFIG: config,
            CORRIENTE_LOG_LEVEL: 'warn',
            CORRIENTE_ADMIN_TOKEN: adminToken,
            CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
            CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
            CORRIENTE_WEBHOOK_SECRETS_KEY: 'k'.repeat(43),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      urls.push(
        await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /listening on (\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.once('exit', (code) => reject(new Error(`API instance ${i} exited with ${code}`)));
        }),
      );
    }
    // Users through the admin API, spread over the instances.
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, USERS - i) }, async (_, j) => {
          const r = await fetch(`${urls[(i + j) % n]}/api/fx/v1/admin/users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `bench-${i + j}`, cop: 1e12, usd: 0 }),
          });
          if (r.status !== 201) throw new Error(`creating a user: ${r.status} ${await r.text()}`);
          return ((await r.json()) as { token: string }).token;
        }),
      );
      tokens.push(...batch);
    }
    process.stderr.write(
      `cluster: ${n} API instances (${urls.join(', ')}), ${USERS} users, ${CONNECTIONS} connections, ${SECONDS} s × ${RUNS}\n`,
    );
    let counter = 0;
    const body = JSON.stringify({ side: 'BUY', amountUsd: 1.25 });
    const opts = (base: string, connections: number, duration: number): autocannon.Options => ({
      url: base,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          path: '/api/fx/v1/transactions',
          setupRequest: (req) => {
            const k = counter++;
            return {
              ...req,
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${tokens[k % tokens.length]}`,
                'idempotency-key': `bench-${process.pid}-${k}`,
              },
              body,
            };
          },
        },
      ],
    });
    const per = Math.max(1, Math.round(CONNECTIONS / n));
    await Promise.all(urls.map((u) => autocannon(opts(u, Math.max(1, per / 5), 2))));
    const runs: {
      rps: number;
      p50: number;
      p99: number;
      errors: number;
      perCommit: number;
      walSyncsPerSecond: number;
      cpu: { api: number; postgres: number; kinesalite: number; load: number };
    }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const commitsBefore = await commitsSoFar(pool);
      const cpuBefore = await cpuSoFar(pool, children, kinesis.child);
      const loadBefore = process.cpuUsage();
      const results = await Promise.all(urls.map((u) => autocannon(opts(u, per, SECONDS))));
      const ok = results.reduce((a, x) => a + x['2xx'], 0);
      const loadCpu = process.cpuUsage(loadBefore);
      const cpuAfter = await cpuSoFar(pool, children, kinesis.child);
      const cpu = {
        load: (loadCpu.user + loadCpu.system) / 1000 / Math.max(1, ok),
        api: (cpuAfter.api - cpuBefore.api) / Math.max(1, ok),
        postgres: backendCpuBetween(cpuBefore.backends, cpuAfter.backends) / Math.max(1, ok),
        kinesalite: (cpuAfter.kinesalite - cpuBefore.kinesalite) / Math.max(1, ok),
      };
      const run = {
        rps: ok / SECONDS,
        p50: results.reduce((a, x) => a + x.latency.p50, 0) / results.length,
        p99: Math.max(...results.map((x) => x.latency.p99)),
        errors: results.reduce((a, x) => a + x.non2xx + x.errors + x.timeouts, 0),
        ...(await commitsSoFar(pool).then((after) => ({
          // Every commit of the database in the run (orders, rate limits, relay, price ticks).
          perCommit: ok / Math.max(1, after.commits - commitsBefore.commits),
          walSyncsPerSecond: (after.walSyncs - commitsBefore.walSyncs) / SECONDS,
        }))),
        cpu,
      };
      runs.push(run);
      process.stderr.write(
        `cluster run ${r + 1}: ${run.rps.toFixed(0)} tx/s p50 ${run.p50.toFixed(1)} ms p99 ${run.p99} ms (errors ${run.errors}, ${run.perCommit.toFixed(1)} orders per commit, ${run.walSyncsPerSecond.toFixed(0)} WAL fsyncs/s server-wide; CPU ms per order: API ${run.cpu.api.toFixed(2)}, PostgreSQL backends ${run.cpu.postgres.toFixed(2)}, kinesalite ${run.cpu.kinesalite.toFixed(2)}, load generator ${run.cpu.load.toFixed(2)})\n`,
      );
    }
    clearInterval(fresh);
    await book.close();
    const peaks = children.map((c) => vmHwmMb(c.pid!));
    await stopChildren(children);
    // The same number of database connections the instances' pools had.
    const bare = await bareInsertLoop(url, POOL_PER_INSTANCE * n);
    const batched = await bareBatchedLoop(url, CONNECTIONS, 4 * n);
    const w = [44, 12, 10, 10];
    const lines = [
      row(['', 'tx/s (2xx)', 'p50 ms', 'p99 ms'], w),
      row(
        [
          `POST /transactions via ${n} API instances (PostgreSQL)`,
          median(runs.map((x) => x.rps)).toFixed(0),
          median(runs.map((x) => x.p50)).toFixed(1),
          median(runs.map((x) => x.p99)),
        ],
        w,
      ),
      row(
        [
          `bare PostgreSQL BEGIN/INSERT/COMMIT × ${POOL_PER_INSTANCE * n}`,
          bare.rps.toFixed(0),
          bare.p50.toFixed(1),
          bare.p99.toFixed(1),
        ],
        w,
      ),
      row(
        [
          `bare PostgreSQL group commit, ${CONNECTIONS} clients`,
          batched.rps.toFixed(0),
          batched.p50.toFixed(1),
          batched.p99.toFixed(1),
        ],
        w,
      ),
      `errors during cluster runs ${runs.reduce((a, x) => a + x.errors, 0)}; ` +
        `ratio cluster/bare ${(median(runs.map((x) => x.rps)) / bare.rps).toFixed(2)}, ` +
        `cluster/bare group commit ${(median(runs.map((x) => x.rps)) / batched.rps).toFixed(2)}; ` +
        `orders per database commit ${median(runs.map((x) => x.perCommit)).toFixed(1)} ` +
        `(bare group commit ${batched.perCommit.toFixed(1)} rows); ` +
        `WAL fsyncs/s server-wide ${median(runs.map((x) => x.walSyncsPerSecond)).toFixed(0)}`,
      `CPU ms per executed order (medians; the figure a loaded machine moves least): API instances ` +
        `${median(runs.map((x) => x.cpu.api)).toFixed(2)}, PostgreSQL backends ` +
        `${median(runs.map((x) => x.cpu.postgres)).toFixed(2)}, kinesalite ` +
        `${median(runs.map((x) => x.cpu.kinesalite)).toFixed(2)}, load generator (this process) ` +
        `${median(runs.map((x) => x.cpu.load)).toFixed(2)}`,
      `peak RSS (VmHWM) per instance: ${peaks.map((p) => `${p.toFixed(0)} MB`).join(', ')}   ` +
        `targets: ≥ 2500 tx/s, p99 ≤ 50 ms, no error; ${POOL_PER_INSTANCE} PostgreSQL connections per instance`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopChildren(children);
    await pool.end();
    await stopChildren([kinesis.child]);
    await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}
