/**
 * `npm run bench:ingest`: ingestion throughput and memory on ~1 GB of generated exports,
 * beside `cp` and `cp` + `sync` of the same bytes measured in the same run (the baseline: a
 * durable copy, as ingestion makes one). Ingestion reads each landing file once: a kernel copy
 * into the lake's staging folder, inspected and hashed (on a second thread) from the page cache
 * while it is fsynced, before the landing file is deleted. The load average is printed beside the
 * figures: on a shared machine the ratio moves with it.
 *
 * Options (environment): BENCH_MB (default 1000), BENCH_REPS (default 3),
 * BENCH_DIR (default ./.bench/ingest).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateExports } from '../src/energy/generate/index.js';
import { LocalFsObjectStore } from '../src/core/object-store/local-fs/local-fs-object-store.js';
import { median } from './stats.js';

const targetMb = Number(process.env.BENCH_MB ?? 1000);
const reps = Number(process.env.BENCH_REPS ?? 3);
const root = path.resolve(process.env.BENCH_DIR ?? '.bench/ingest');
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-child.js');

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function prepare(): Promise<{ dir: string; bytes: number }> {
  const dir = path.join(root, `gen-${targetMb}mb`);
  const marker = path.join(dir, '.complete');
  const sample = await generateExports(
    new LocalFsObjectStore({ root: path.join(root, 'sample') }),
    {
      date: '2026-11-27',
      transacciones: 20_000,
      clientes: 20_000,
      proveedores: 200,
    },
  );
  const perRow = sample[2]!.bytes / sample[2]!.rows;
  const fixed = sample[0]!.bytes + sample[1]!.bytes;
  const transacciones = Math.max(1, Math.round((targetMb * 1e6 - fixed) / perRow));
  rmSync(path.join(root, 'sample'), { recursive: true, force: true });
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(
      `generating ~${targetMb} MB (${transacciones.toLocaleString()} transacciones)…\n`,
    );
    const t0 = now();
    await generateExports(new LocalFsObjectStore({ root: dir }), {
      date: '2026-11-27',
      transacciones,
      clientes: 20_000,
      proveedores: 200,
      seed: 7,
    });
    execFileSync('touch', [marker]);
    process.stderr.write(`generated in ${((now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const du = execFileSync('du', ['-sb', '--exclude=.complete', dir]).toString();
  return { dir, bytes: Number(du.split('\t')[0]) };
}

const { dir, bytes } = await prepare();
const loadStart = loadavg()[0]!;
const cpus = availableParallelism();
const cpRuns: number[] = [];
const cpSyncRuns: number[] = [];
const ingestRuns: number[] = [];
const processRuns: number[] = [];
const cpuRuns: number[] = [];
const rss: number[] = [];
for (let i = 0; i < reps; i++) {
  const home = path.join(root, 'home');
  rmSync(home, { recursive: true, force: true });
  const landing = path.join(home, 'source');
  mkdirSync(landing, { recursive: true });
  execFileSync('sync');
  // Baseline: plain cp of the same files (this also fills the landing folder).
  let t0 = now();
  execFileSync('cp', ['-r', `${dir}/.`, landing]);
  const cpMs = now() - t0;
  execFileSync('sync');
  const cpSyncMs = now() - t0;
  rmSync(path.join(landing, '.complete'), { force: true });
  // Ingestion (durable: fsync of every object), in a child so its peak RSS is its own.
  t0 = now();
  const r = spawnSync(process.execPath, [child], {
    env: { ...process.env, CORRIENTE_HOME: home, CORRIENTE_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  const processMs = now() - t0;
  if (r.status !== 0) throw new Error(`ingestion child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    totals: { loaded: number };
    durationMs: number;
    cpuMs: number;
    maxRssBytes: number;
  };
  // The ingestion itself, timed inside the child: Node's start-up and module loading (seconds
  // on a busy machine, whatever the data size) are reported apart.
  const ingestMs = out.durationMs;
  if (out.totals.loaded !== 3)
    throw new Error(`expected 3 loaded files, got ${JSON.stringify(out.totals)}`);
  cpRuns.push(cpMs);
  cpSyncRuns.push(cpSyncMs);
  ingestRuns.push(ingestMs);
  processRuns.push(processMs);
  cpuRuns.push(out.cpuMs);
  rss.push(out.maxRssBytes);
  process.stderr.write(
    `rep ${i + 1}/${reps}: cp ${cpMs.toFixed(0)} ms, cp+sync ${cpSyncMs.toFixed(0)} ms, ingest ${ingestMs.toFixed(0)} ms (CPU ${out.cpuMs.toFixed(0)} ms; process ${processMs.toFixed(0)} ms), peak RSS ${(out.maxRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
  );
}
rmSync(path.join(root, 'home'), { recursive: true, force: true });

const mbps = (ms: number): number => bytes / 1e6 / (ms / 1000);
const cp = median(cpRuns);
const cpSync = median(cpSyncRuns);
const ing = median(ingestRuns);
const proc = median(processRuns);
const peak = Math.max(...rss) / 2 ** 20;
const lines = [
  `bench:ingest — ${(bytes / 1e6).toFixed(0)} MB of generated exports (3 files), ${reps} reps, medians`,
  `  cp (baseline)          ${mbps(cp).toFixed(0).padStart(6)} MB/s   ${(cp / 1000).toFixed(2)} s`,
  `  cp + sync (baseline)   ${mbps(cpSync).toFixed(0).padStart(6)} MB/s   ${(cpSync / 1000).toFixed(2)} s`,
  `  corriente ingest       ${mbps(ing).toFixed(0).padStart(6)} MB/s   ${(ing / 1000).toFixed(2)} s   (one read: hash + inspect + durable copy)`,
  `    whole process        ${mbps(proc).toFixed(0).padStart(6)} MB/s   ${(proc / 1000).toFixed(2)} s   (with Node start-up and module loading)`,
  `    CPU time             ${(median(cpuRuns) / 1000).toFixed(2)} s   (all its threads, user + kernel: what a loaded machine must find)`,
  `  ratio ingest / cp+sync ${(mbps(ing) / mbps(cpSync)).toFixed(2)}   (target ≥ 0.50)`,
  `  ratio ingest / cp      ${(mbps(ing) / mbps(cp)).toFixed(2)}`,
  `  peak RSS of ingestion  ${peak.toFixed(0)} MiB   (target < 200 MiB)`,
  `  load average (1 min)   ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (${cpus} cores)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
