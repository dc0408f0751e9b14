/**
 * `npm run bench:fx` (API part): durable transactions per second and p50/p99 latency of
 * `POST /api/fx/v1/transactions` on loopback with autocannon (many users, a unique
 * Idempotency-Key per request, balances large enough that every request succeeds; only 201s
 * count), beside a bare route of the same Fastify returning a constant, measured in the same
 * run; and the server's peak RSS (VmHWM) under that load. The server runs in a child process
 * (this file with `--serve`), so the load generator does not share its event loop.
 *
 * Targets (2 cores): ≥ 5,000 transactions/s, p99 ≤ 25 ms, peak RSS ≤ 400 MB.
 * Env: BENCH_FX_USERS (default 1000), BENCH_FX_CONNECTIONS (100), BENCH_FX_SECONDS (10),
 * BENCH_FX_RUNS (3); BENCH_FX_CPU_PROF=<dir> writes the server's CPU profile there.
 *
 * Also printed, as the durability floor: appends per fdatasync (group commit at work) and the
 * latency of a bare 4 KiB write + fdatasync on the same disk, measured in the same run: on a
 * shared or slow disk that, not the CPU, bounds latency.
 *
 * `--cluster N` then measures N API instances on PostgreSQL beside a bare PostgreSQL insert loop
 * (see `fx-cluster.ts`), in the same run.
 *
 * The stream processor's throughput belongs in this file too (see `benchProcessor` slot below).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, row } from './stats.js';

const USERS = Number(process.env.BENCH_FX_USERS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_FX_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_FX_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_FX_RUNS ?? 3);

interface Ready {
  url: string;
  tokens: string[];
  /** The durability floor on this disk, measured beside the log: 4 KiB write + fdatasync. */
  fsync: { p50: number; p99: number };
}

/** Latency of 200 rounds of a 4 KiB append + fdatasync in `dir` (what one group commit costs). */
async function fsyncBaseline(dir: string): Promise<{ p50: number; p99: number }> {
  const { open, rm } = await import('node:fs/promises');
  const file = path.join(dir, 'fsync-baseline.bin');
  const h = await open(file, 'w');
  const buf = Buffer.alloc(4096, 1);
  const ms: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await h.write(buf, 0, buf.length, i * buf.length);
    await h.datasync();
    ms.push(performance.now() - t);
  }
  await h.close();
  await rm(file);
  ms.sort((a, b) => a - b);
  return { p50: ms[100]!, p99: ms[198]! };
}

async function serve(): Promise<void> {
  const { DiskEventLog } = await import('../src/core/event-log/disk/disk-event-log.js');
  const { openFxDatabase } = await import('../src/fx/api/fx-database.js');
  const { FxLedger } = await import('../src/fx/api/ledger.js');
  const { FxUsers } = await import('../src/fx/api/users.js');
  const { createFxUser } = await import('../src/fx/api/create-user.js');
  const { SqlitePriceBook } = await import('../src/fx/prices/sqlite/sqlite-price-book.js');
  const { fxRoutes } = await import('../src/fx/api/fx-routes.js');
  const { buildHttpServer } = await import('../src/core/http/server.js');
  const { silentLogger } = await import('../src/core/log/logger.js');
  const { newEventId } = await import('../src/fx/events.js');
  const dir = process.env.BENCH_FX_DIR!;
  const log = await DiskEventLog.open({ dir: path.join(dir, 'eventlog'), stream: 'fx-events' });
  const db = openFxDatabase(path.join(dir, 'fx', 'ledger.db'));
  const priceBook = new SqlitePriceBook({ db: db });
  const ledger = await FxLedger.open({ db, eventLog: log });
  const users = new FxUsers(db);
  const tokens = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const c = await createFxUser(
        { ledger, users },
        { name: `bench-${i}`, copCents: 1e14, usdCents: 0 },
      );
      return c.token;
    }),
  );
  const keepFresh = (): void => {
    const now = new Date().toISOString();
    priceBook.record({
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
  keepFresh();
  setInterval(keepFresh, 1000).unref();
  const app = await buildHttpServer({
    log: silentLogger,
    plugins: [
      {
        prefix: '/api/fx/v1',
        plugin: fxRoutes({
          ledger,
          users,
          priceBook,
          staleAfterSeconds: 120,
          rateLimitPerMinute: 6000,
          bodyLimitBytes: 16_384,
        }),
      },
      {
        prefix: '/bare',
        plugin: async (a) => {
          a.post('/', async () => ({ ok: true }));
        },
      },
    ],
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ url, tokens, fsync: await fsyncBaseline(dir) } satisfies Ready);
  // Exit normally on SIGTERM, so `--cpu-prof` (BENCH_FX_CPU_PROF) can write its profile.
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', (m: string) => {
    if (m === 'stats') {
      process.send!({ log: log.stats() });
    }
  });
}

function vmHwmMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function load(
  url: string,
  opts: Partial<autocannon.Options>,
): Promise<{ rps: number; p50: number; p99: number; ok: number; non2xx: number }> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    ...opts,
  });
  const ok = result['2xx'];
  return {
    rps: ok / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    non2xx: result.non2xx,
  };
}

async function benchApi(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-fx-'));
  const profDir = process.env.BENCH_FX_CPU_PROF;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    env: { ...process.env, BENCH_FX_DIR: dir, CORRIENTE_LOG_LEVEL: 'silent' },
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Ready));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    process.stderr.write(
      `server ${ready.url} (pid ${child.pid}), ${USERS} users, ${CONNECTIONS} connections, ${SECONDS} s × ${RUNS}\n`,
    );
    let counter = 0;
    const body = JSON.stringify({ side: 'BUY', amountUsd: 1.25 });
    const txOpts: Partial<autocannon.Options> = {
      requests: [
        {
          method: 'POST',
          path: '/api/fx/v1/transactions',
          setupRequest: (req) => {
            const n = counter++;
            return {
              ...req,
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${ready.tokens[n % ready.tokens.length]}`,
                'idempotency-key': `bench-${process.pid}-${n}`,
              },
              body,
            };
          },
        },
      ],
    };
    const bareOpts: Partial<autocannon.Options> = {
      requests: [
        {
          method: 'POST',
          path: '/bare/',
          headers: { 'content-type': 'application/json' },
          body,
        },
      ],
    };
    // Warm-up.
    await autocannon({ url: ready.url, connections: 10, duration: 2, ...txOpts });
    const bare: Awaited<ReturnType<typeof load>>[] = [];
    const tx: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await load(ready.url, bareOpts));
      tx.push(await load(ready.url, txOpts));
      const last = tx[tx.length - 1]!;
      process.stderr.write(
        `run ${i + 1}: bare ${bare[i]!.rps.toFixed(0)}/s, tx ${last.rps.toFixed(0)}/s p50 ${last.p50} ms p99 ${last.p99} ms (non-2xx ${last.non2xx})\n`,
      );
    }
    const peak = vmHwmMb(child.pid!);
    const logStats = await new Promise<{ appended: number; fsyncs: number }>((resolve) => {
      child.once('message', (m) =>
        resolve((m as { log: { appended: number; fsyncs: number } }).log),
      );
      child.send('stats');
    });
    const w = [34, 14, 12, 12];
    const lines = [
      row(['', 'req/s (2xx)', 'p50 ms', 'p99 ms'], w),
      row(
        [
          'bare route (constant)',
          median(bare.map((r) => r.rps)).toFixed(0),
          median(bare.map((r) => r.p50)),
          median(bare.map((r) => r.p99)),
        ],
        w,
      ),
      row(
        [
          'POST /transactions (durable)',
          median(tx.map((r) => r.rps)).toFixed(0),
          median(tx.map((r) => r.p50)),
          median(tx.map((r) => r.p99)),
        ],
        w,
      ),
      `ratio tx/bare ${(median(tx.map((r) => r.rps)) / median(bare.map((r) => r.rps))).toFixed(2)}; ` +
        `non-2xx during tx runs ${tx.reduce((a, r) => a + r.non2xx, 0)}`,
      `durability: ${(logStats.appended / logStats.fsyncs).toFixed(1)} appends per fdatasync; ` +
        `bare 4 KiB write+fdatasync on this disk p50 ${ready.fsync.p50.toFixed(2)} ms, p99 ${ready.fsync.p99.toFixed(2)} ms`,
      `server peak RSS (VmHWM) ${peak.toFixed(0)} MB   targets: ≥ 5000 tx/s, p99 ≤ 25 ms, RSS ≤ 400 MB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  const cluster = process.argv.indexOf('--cluster');
  await benchApi();
  if (cluster !== -1) {
    const n = Number(process.argv[cluster + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error('--cluster takes a number of API instances');
    const { benchCluster } = await import('./fx-cluster.js');
    await benchCluster(n);
  }
  // benchProcessor(): the stream processor's part (another module) goes here.
}
