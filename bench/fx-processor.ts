/**
 * Stream processor throughput: `node dist/bench/fx-processor.js [events] [users] [runs]`.
 *
 * Fills a disk event log with a deterministic mix (seeded, ids included) of price ticks and
 * transactions over `users` users (default 300,000 events, 1,000 users), then, `runs` times
 * (default 3), measures in turn:
 * - baseline: a bare read of the whole log plus `JSON.parse` of every record;
 * - processor: `processAvailable` from the start (validation, raw lake files on the local folder
 *   store, SQLite portfolios, checkpoints) with the default batch size of 50,000, each run into
 *   fresh stores under its own consumer name.
 * Prints the medians of both (events per wall-clock second, and per CPU second of this process,
 * which other load on the machine disturbs less), their ratio, and every run.
 * Target: ≥ 50,000 events/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiskEventLog } from '../src/core/event-log/disk/disk-event-log.js';
import { jsonRecord } from '../src/core/event-log/event-log.js';
import { monotonicFactory } from 'ulid';
import { totalCopCents, type FxEvent } from '../src/fx/events.js';
import { SqlitePortfolioStore } from '../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import { processAvailable } from '../src/fx/processor/stream-processor.js';
import { LocalFsObjectStore } from '../src/core/object-store/local-fs/local-fs-object-store.js';
import { SeededRandom } from '../src/fx/prices/simulated/random.js';
import { median } from './stats.js';

const total = Number(process.argv[2] ?? 300_000);
const users = Number(process.argv[3] ?? 1000);
const runs = Number(process.argv[4] ?? 3);

function* events(): Generator<FxEvent> {
  const rng = new SeededRandom(3);
  // Ids from the same seeded generator: the log is identical on every run of the benchmark.
  const newEventId = monotonicFactory(() => rng.uniform());
  let t = Date.parse('2026-03-02T13:00:00Z');
  let mid = 400_000;
  for (let u = 0; u < users; u++) {
    const at = new Date(++t).toISOString();
    yield {
      type: 'AccountOpened',
      version: 1,
      id: newEventId(t),
      userId: `user-${u}`,
      copCents: 50_000_000_00,
      usdCents: 1_000_000,
      openedAt: at,
      ingestedAt: at,
    };
  }
  for (let i = users; i < total; i++) {
    t += 5;
    const at = new Date(t).toISOString();
    if (rng.uniform() < 0.3) {
      mid += Math.round((rng.uniform() - 0.5) * 200);
      yield {
        type: 'PriceTick',
        version: 1,
        id: newEventId(t),
        source: 'bench',
        bidCopCents: mid - 400,
        askCopCents: mid + 400,
        midCopCents: mid,
        observedAt: at,
        ingestedAt: at,
      };
    } else {
      const side = rng.uniform() < 0.5 ? 'BUY' : 'SELL';
      const price = side === 'BUY' ? mid + 400 : mid - 400;
      const amount = 100 + Math.floor(rng.uniform() * 20_000);
      yield {
        type: 'TransactionExecuted',
        version: 1,
        id: newEventId(t),
        userId: `user-${Math.floor(rng.uniform() * users)}`,
        side,
        amountUsdCents: amount,
        priceCopCents: price,
        totalCopCents: totalCopCents(amount, price),
        idempotencyKey: `k-${i}`,
        executedAt: at,
        ingestedAt: at,
      };
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-fxproc-'));
  try {
    const log = await DiskEventLog.open({ dir: path.join(dir, 'eventlog'), stream: 'fx-events' });
    let chunk: FxEvent[] = [];
    for (const e of events()) {
      chunk.push(e);
      if (chunk.length === 10_000) {
        await log.appendBatch(chunk.map((x) => jsonRecord('k', x)));
        chunk = [];
      }
    }
    if (chunk.length) await log.appendBatch(chunk.map((x) => jsonRecord('k', x)));

    const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);
    const baselines: number[] = [];
    const processors: number[] = [];
    // Events per second of CPU time (all threads of this process): on a shared machine the
    // wall-clock rates move with other load, this much less.
    const cpuRate = (count: number, since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return Math.round((count / (used.user + used.system)) * 1e6);
    };
    const baselineCpu: number[] = [];
    const processorCpu: number[] = [];
    let stats: Awaited<ReturnType<typeof processAvailable>> | undefined;
    for (let run = 0; run < runs; run++) {
      // Baseline: read everything and parse the JSON, nothing else.
      let started = performance.now();
      let cpu = process.cpuUsage();
      let cursor: string | undefined;
      let n = 0;
      for (;;) {
        const page = await log.read(cursor, { max: 50_000 });
        if (page.records.length === 0) break;
        cursor = page.next;
        for (const r of page.records) {
          JSON.parse(r.data.toString('utf8'));
          n++;
        }
      }
      baselines.push(rate(n, performance.now() - started));
      baselineCpu.push(cpuRate(n, cpu));

      const runDir = path.join(dir, `run-${run}`);
      const datalake = new LocalFsObjectStore({ root: path.join(runDir, 'datalake') });
      const portfolios = new SqlitePortfolioStore({ path: path.join(runDir, 'portfolios.db') });
      started = performance.now();
      cpu = process.cpuUsage();
      stats = await processAvailable({
        log,
        datalake,
        portfolios,
        batchMaxEvents: 50_000,
        consumer: `bench-run-${run}`,
      });
      processors.push(rate(stats.records, performance.now() - started));
      processorCpu.push(cpuRate(stats.records, cpu));
      await portfolios.close();
      process.stderr.write(
        `run ${run + 1}: baseline ${baselines[run]}/s (${baselineCpu[run]}/CPU-s), ` +
          `processor ${processors[run]}/s (${processorCpu[run]}/CPU-s)\n`,
      );
    }
    await log.close();

    const baseline = median(baselines);
    const processor = median(processors);
    const out = {
      events: stats!.records,
      users,
      runs,
      batches: stats!.batches,
      transactions: stats!.transactions,
      ticks: stats!.ticks,
      refused: stats!.rejected,
      baselineEventsPerSecond: baseline,
      processorEventsPerSecond: processor,
      processorVsBaseline: Number((processor / baseline).toFixed(3)),
      baselineEventsPerCpuSecond: median(baselineCpu),
      processorEventsPerCpuSecond: median(processorCpu),
      baselineRuns: baselines,
      processorRuns: processors,
      target: 50_000,
      meetsTarget: processor >= 50_000,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
