/**
 * Speed half of `npm run bench:ml`: corriente's TypeScript GBDT beside XGBoost (the Debian
 * python3-xgboost, `nthread=1`, `tree_method=hist`) on the same synthetic data, same machine,
 * same run.
 *
 * - training: `trainGbdt` vs `xgb.train` (DMatrix built beforehand), 3 classes, 100 rounds of
 *   depth 6 (300 trees), on the first `trainRows` rows;
 * - inference: `GbdtModel.predict` vs `Booster.predict` (a fresh DMatrix per run built
 *   beforehand, since XGBoost caches predictions per DMatrix) of the same model files: a binary
 *   100-tree and a 3-class 300-tree model, depth 6, on `rows` rows;
 * - the orchestrator's tick: `ParallelPredictor` (worker threads + the calling thread) on the
 *   3-class model, wall time beside the single thread's. Env BENCH_ML_WORKERS (default
 *   `os.availableParallelism() - 1`, at least 1).
 *
 * Medians of `runs` runs, wall and CPU time (CPU time is the fairer figure when other
 * processes share the cores). Env: BENCH_ML_ROWS (100000), BENCH_ML_TRAIN_ROWS (20000),
 * BENCH_ML_FEATURES (30), BENCH_ML_RUNS (3). Runnable alone: `node dist/bench/ml-speed.js`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticClassification, trainGbdt, type GbdtModel } from '../src/ml/gbdt/index.js';
import { ParallelPredictor } from '../src/ml/gbdt/parallel/index.js';
import { median, row } from './stats.js';

const PYTHON = '/usr/bin/python3';
/** The Python helper is not compiled: resolved from the repository's bench/ (this file runs from build/bench/). */
const XGB_TOOL = fileURLToPath(new URL('../../bench/python/xgb_tool.py', import.meta.url));

interface Timing {
  wall: number;
  cpu: number;
}

/** One measured quantity, corriente beside XGBoost (undefined when XGBoost is absent). */
export interface SpeedFigure {
  corriente: Timing;
  xgboost: Timing | undefined;
}

/** What {@link benchGbdtSpeed} measured (seconds; rows/s follow from `rows`). */
export interface SpeedFigures {
  rows: number;
  trainRows: number;
  features: number;
  runs: number;
  xgboostVersion: string | undefined;
  /** Seconds to train 3 classes × 100 rounds, depth 6. */
  train: SpeedFigure;
  /** Seconds to predict `rows` rows with a binary 100-tree model. */
  predictBinary: SpeedFigure;
  /** Seconds to predict `rows` rows with a 3-class 300-tree model. */
  predictMulti: SpeedFigure;
  /** The same with the JavaScript `complete` kernel (the WebAssembly one's baseline). */
  predictMultiJs: Timing;
  /** The same with `ParallelPredictor` on `threads` threads (CPU time sums the threads). */
  predictMultiParallel: Timing & { threads: number };
}

function time(fn: () => void): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

function medianTiming(ts: Timing[]): Timing {
  return { wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) };
}

function writeF32(file: string, a: Float32Array): void {
  writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/**
 * Measures training time and inference rows/s of `trainGbdt` / `GbdtModel.predict` beside
 * XGBoost's, prints a table through `log`, and returns the figures.
 * @param opts.rows rows predicted @default 100000 (env BENCH_ML_ROWS)
 * @param opts.trainRows rows trained on @default 20000 (env BENCH_ML_TRAIN_ROWS)
 * @param opts.features @default 30 (env BENCH_ML_FEATURES)
 */
export async function benchGbdtSpeed(opts: {
  rows?: number;
  trainRows?: number;
  features?: number;
  runs?: number;
  log: (line: string) => void;
}): Promise<SpeedFigures> {
  const env = process.env;
  const rows = opts.rows ?? Number(env.BENCH_ML_ROWS ?? 100_000);
  const features = opts.features ?? Number(env.BENCH_ML_FEATURES ?? 30);
  const trainRows = Math.min(rows, opts.trainRows ?? Number(env.BENCH_ML_TRAIN_ROWS ?? 20_000));
  const runs = opts.runs ?? Number(env.BENCH_ML_RUNS ?? 3);
  const log = opts.log;
  const data = syntheticClassification({ nRows: rows, nFeatures: features, numClass: 3, seed: 1 });
  const yBinary = data.y.map((v) => (v === 0 ? 1 : 0));
  const common = {
    x: data.x,
    nRows: trainRows,
    nFeatures: features,
    maxDepth: 6,
    nEstimators: 100,
  };
  log(
    `GBDT speed: ${rows} rows predicted, ${trainRows} trained, ${features} features, ${runs} runs, 1 thread`,
  );

  let multi: GbdtModel | undefined;
  const trainTimes: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    trainTimes.push(
      time(() => {
        multi = trainGbdt({ ...common, y: data.y, objective: 'multi:softprob', numClass: 3 }).model;
      }),
    );
    log(`  corriente train run ${i + 1}: ${trainTimes[i]!.wall.toFixed(2)} s`);
  }
  const binary = trainGbdt({ ...common, y: yBinary, objective: 'binary:logistic' }).model;
  const predictTimes = (m: GbdtModel): Timing[] => {
    const out = new Float64Array(rows * m.outputsPerRow);
    m.predict(data.x, Math.min(rows, 2000), out); // warm-up: lets V8 optimize the kernel
    return Array.from({ length: runs }, () => time(() => m.predict(data.x, rows, out)));
  };
  const ours = {
    train: medianTiming(trainTimes),
    predictBinary: medianTiming(predictTimes(binary)),
    predictMulti: medianTiming(predictTimes(multi!)),
    predictMultiJs: medianTiming(predictTimes(multi!.withPredictor('complete'))),
    predictMultiParallel: await parallelTiming(multi!, data.x, rows, runs),
  };

  const theirs = runXgboost(
    { data, yBinary, trainRows, features, rows, runs, binary, multi: multi! },
    log,
  );
  const figures: SpeedFigures = {
    rows,
    trainRows,
    features,
    runs,
    xgboostVersion: theirs?.version,
    train: { corriente: ours.train, xgboost: theirs?.train },
    predictBinary: { corriente: ours.predictBinary, xgboost: theirs?.predictBinary },
    predictMulti: { corriente: ours.predictMulti, xgboost: theirs?.predictMulti },
    predictMultiJs: ours.predictMultiJs,
    predictMultiParallel: ours.predictMultiParallel,
  };
  printTable(figures, log);
  return figures;
}

/** Medians of `runs` parallel predictions of `rows` rows (input already in shared memory). */
async function parallelTiming(
  model: GbdtModel,
  x: Float32Array,
  rows: number,
  runs: number,
): Promise<Timing & { threads: number }> {
  const workers = process.env.BENCH_ML_WORKERS ? Number(process.env.BENCH_ML_WORKERS) : undefined;
  const pp = await ParallelPredictor.start(model, { workers });
  try {
    const shared = new Float32Array(new SharedArrayBuffer(rows * model.numFeature * 4));
    shared.set(x.subarray(0, shared.length));
    await pp.predict(shared, Math.min(rows, 20_000)); // warm-up in every thread
    const ts: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pp.predict(shared, rows);
      const c = process.cpuUsage(c0);
      ts.push({ wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 });
    }
    return { ...medianTiming(ts), threads: pp.threads };
  } finally {
    await pp.close();
  }
}

function runXgboost(
  a: {
    data: { x: Float32Array; y: Float32Array };
    yBinary: Float32Array;
    trainRows: number;
    features: number;
    rows: number;
    runs: number;
    binary: GbdtModel;
    multi: GbdtModel;
  },
  log: (line: string) => void,
): { version: string; train: Timing; predictBinary: Timing; predictMulti: Timing } | undefined {
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import xgboost']).status !== 0) {
    log('XGBoost not installed (apt-get install python3-xgboost); measuring corriente alone');
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-ml-'));
  try {
    const f = (n: string): string => path.join(dir, n);
    writeF32(f('x.f32'), a.data.x);
    writeF32(f('tx.f32'), a.data.x.subarray(0, a.trainRows * a.features));
    writeF32(f('ty.f32'), a.data.y.subarray(0, a.trainRows));
    writeFileSync(f('binary.json'), a.binary.toXgboostText());
    writeFileSync(f('multi.json'), a.multi.toXgboostText());
    const params = {
      objective: 'multi:softprob',
      num_class: 3,
      tree_method: 'hist',
      max_depth: 6,
      eta: 0.3,
      max_bin: 256,
    };
    log('  XGBoost: training and predicting (this takes a while)…');
    const r = spawnSync(
      PYTHON,
      [
        XGB_TOOL,
        'bench',
        ...['--x', f('tx.f32'), '--y', f('ty.f32'), '--rows', String(a.trainRows)],
        ...['--features', String(a.features), '--params', JSON.stringify(params)],
        ...['--rounds', '100', '--runs', String(a.runs)],
        ...['--models', `${f('binary.json')},${f('multi.json')}`],
        ...['--predict-x', f('x.f32'), '--predict-rows', String(a.rows)],
      ],
      { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    if (r.status !== 0) throw new Error(`xgb_tool bench failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as {
      version: string;
      train: Timing[];
      predict: Record<string, Timing[]>;
    };
    return {
      version: out.version,
      train: medianTiming(out.train),
      predictBinary: medianTiming(out.predict[f('binary.json')]!),
      predictMulti: medianTiming(out.predict[f('multi.json')]!),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(s: SpeedFigures, log: (line: string) => void): void {
  const w = [50, 14, 16, 8];
  const fmt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2));
  const line = (
    label: string,
    f: SpeedFigure,
    kind: 'seconds' | 'rows/s',
    clock: 'wall' | 'cpu',
  ): string => {
    const val = (t: Timing | undefined): number | undefined =>
      t === undefined ? undefined : kind === 'seconds' ? t[clock] : s.rows / t[clock];
    const a = val(f.corriente)!;
    const b = val(f.xgboost);
    // Ratio > 1 means corriente is better (faster).
    const ratio = b === undefined ? '—' : `${(kind === 'seconds' ? b / a : a / b).toFixed(2)}×`;
    return row([`${label} (${clock})`, fmt(a), b === undefined ? '—' : fmt(b), ratio], w);
  };
  log('');
  log(row(['', 'corriente', `XGBoost ${s.xgboostVersion ?? '(absent)'}`, 'ratio'], w));
  for (const clock of ['wall', 'cpu'] as const) {
    log(line(`train s, 3 classes × 100 rounds, ${s.trainRows} rows`, s.train, 'seconds', clock));
    log(line('predict rows/s, binary, 100 trees', s.predictBinary, 'rows/s', clock));
    log(line('predict rows/s, 3 classes, 300 trees', s.predictMulti, 'rows/s', clock));
  }
  const par = s.predictMultiParallel;
  const single = s.predictMulti.corriente;
  const js = s.predictMultiJs;
  log(
    row(
      [
        'same in JavaScript (complete kernel) rows/s (wall)',
        fmt(s.rows / js.wall),
        '—',
        `WebAssembly ${(js.wall / single.wall).toFixed(2)}× faster`,
      ],
      w,
    ),
  );
  log(
    row(
      [
        `parallel rows/s, 3 classes, ${par.threads} threads (wall)`,
        fmt(s.rows / par.wall),
        '—',
        `${(single.wall / par.wall).toFixed(2)}× 1 thread`,
      ],
      w,
    ),
  );
  log(
    `  ${s.rows} rows: ${(par.wall * 1000).toFixed(0)} ms on ${par.threads} threads ` +
      `(CPU ${(par.cpu * 1000).toFixed(0)} ms summed), ${(single.wall * 1000).toFixed(0)} ms on 1 thread`,
  );
  log('ratio > 1: corriente faster. Depth 6, single thread unless stated, medians.');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchGbdtSpeed({ log: (l) => process.stdout.write(`${l}\n`) });
}
