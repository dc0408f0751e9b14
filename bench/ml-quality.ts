/**
 * FX model quality: `node dist/bench/ml-quality.js [users] [days] [seed]` (default 1,000 users ×
 * 90 days, seed 7; `ML_QUALITY_USERS` / `ML_QUALITY_DAYS` / `ML_QUALITY_SEED` work too). Run a
 * second seed before keeping a feature: a gain smaller than the seed-to-seed spread is noise.
 *
 * Simulates a history into a temp datalake, trains the model with `trainModel`, then prints, on
 * the same untouched test rows, ROC AUC and PR AUC per class (compra, venta) for: the model, the
 * baselines, and XGBoost trained on the same features with comparable settings (early stopping
 * on the same validation rows, calibrated on them the same way); then the product metrics of the
 * model and of XGBoost: precision at the threshold, lift at equal volume over the frequency
 * baseline, notifications per user per week, price outcome (`/usr/bin/python3`
 * with xgboost, `nthread=1`, `tree_method=hist`, same depth / eta / rounds / early stopping;
 * matrices exchanged as raw float32 files). Target of the issue: AUC ≥ 0.80 per class and within
 * 0.02 of XGBoost.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateHistory } from '../src/fx/simulate/index.js';
import { NUM_FEATURES } from '../src/fx/decisions/features/feature-names.js';
import { trainingConfigSchema } from '../src/fx/decisions/training/model-config.js';
import {
  evaluateOnTest,
  fitCalibration,
  trainModel,
  type Dataset,
  type ProductMetrics,
  type TestMarket,
} from '../src/fx/decisions/training/index.js';
import { calibrateInPlace } from '../src/ml/calibration.js';
import { LocalFsObjectStore } from '../src/core/object-store/local-fs/local-fs-object-store.js';

const PYTHON = '/usr/bin/python3';

export interface ModelQualityOptions {
  /** @default 1000 */
  users?: number;
  /** @default 90 */
  days?: number;
  /** @default 7 */
  seed?: number;
  log: (line: string) => void;
}

interface Row {
  name: string;
  compra: { rocAuc: number; prAuc: number };
  venta: { rocAuc: number; prAuc: number };
  /** For models with probabilities (not the baselines), on the test period, calibrated. */
  product?: ProductMetrics;
}

export interface ModelQualityResult {
  rows: Row[];
  /** `undefined` when XGBoost could not run (the reason is logged). */
  xgboost?: Row;
  samples: { train: number; validation: number; test: number };
  targetMet: boolean;
}

/** Runs the quality benchmark and prints a table with `log`. */
export async function benchModelQuality(opts: ModelQualityOptions): Promise<ModelQualityResult> {
  const users = opts.users ?? 1000;
  const days = opts.days ?? 90;
  const seed = opts.seed ?? 7;
  const log = opts.log;
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-mlq-'));
  try {
    const lakeDir = path.join(dir, 'datalake');
    let t0 = performance.now();
    const sim = await simulateHistory({
      datalake: new LocalFsObjectStore({ root: lakeDir }),
      users,
      days,
      seed,
      end: '2026-03-31',
    });
    log(
      `simulated ${users} users × ${days} days (seed ${seed}): ${sim.transactions} transactions, ` +
        `${sim.ticks} ticks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    t0 = performance.now();
    const cfg = trainingConfigSchema.parse({});
    let lastIteration = 0;
    const trained = await trainModel({
      lakeDir,
      timezone: 'America/Bogota',
      keepDataset: true,
      onProgress: (p) => {
        if (p.phase === 'samples-built') {
          log(`samples: ${p.train} training, ${p.validation} validation, ${p.test} test`);
        }
        if (p.phase === 'boosting') lastIteration = p.iteration;
      },
    });
    const ds = trained.dataset!;
    const m = trained.metrics;
    log(
      `trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: best iteration ${m.bestIteration} ` +
        `of ${lastIteration + 1}; test balance ${JSON.stringify(m.classBalance.test)}`,
    );
    const rows: Row[] = [
      { name: 'corriente gbdt', compra: m.compra, venta: m.venta, product: m.product },
      ...Object.entries(m.baselines).map(([name, b]) => ({
        name: `baseline ${name}`,
        compra: b.compra,
        venta: b.venta,
      })),
    ];
    const xgb = runXgboost(dir, ds, trained.market!, cfg, log);
    if (xgb) rows.push(xgb);
    log('');
    log(
      `${'scorer'.padEnd(28)} ${'compra ROC'.padStart(10)} ${'compra PR'.padStart(10)} ` +
        `${'venta ROC'.padStart(10)} ${'venta PR'.padStart(10)}`,
    );
    for (const r of rows) {
      log(
        `${r.name.padEnd(28)} ${f(r.compra.rocAuc)} ${f(r.compra.prAuc)} ${f(r.venta.rocAuc)} ${f(r.venta.prAuc)}`,
      );
    }
    log(
      `prevalence: compra ${m.compra.prevalence.toFixed(4)}, venta ${m.venta.prevalence.toFixed(4)} ` +
        `(the PR AUC of a random score)`,
    );
    log('');
    log(
      `product metrics on the test period (calibrated on validation, threshold ${cfg.notificationThreshold}; ` +
        `lift = precision over the frequency baseline's at the same volume; price = executed vs next-24 h average mid):`,
    );
    log(
      `${'scorer'.padEnd(28)} ${'compra prec'.padStart(11)} ${'lift'.padStart(6)} ${'venta prec'.padStart(11)} ` +
        `${'lift'.padStart(6)} ${'notif/user/wk'.padStart(13)} ${'BUY price'.padStart(10)} ${'SELL price'.padStart(10)}`,
    );
    const pc = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
    const lx = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}×`);
    const adv = (v: number | null): string => (v === null ? '—' : `${v.toFixed(3)} %`);
    for (const r of rows) {
      const p = r.product;
      if (!p) continue;
      log(
        `${r.name.padEnd(28)} ${pc(p.compra.precision).padStart(11)} ${lx(p.compra.liftOverFrequency).padStart(6)} ` +
          `${pc(p.venta.precision).padStart(11)} ${lx(p.venta.liftOverFrequency).padStart(6)} ` +
          `${p.notificationsPerUserWeek.toFixed(2).padStart(13)} ${adv(p.price.BUY.meanAdvantagePct).padStart(10)} ` +
          `${adv(p.price.SELL.meanAdvantagePct).padStart(10)}`,
      );
    }
    const minAuc = Math.min(m.compra.rocAuc, m.venta.rocAuc);
    const gap = xgb
      ? Math.max(xgb.compra.rocAuc - m.compra.rocAuc, xgb.venta.rocAuc - m.venta.rocAuc)
      : NaN;
    const targetMet = minAuc >= 0.8 && (!xgb || gap <= 0.02);
    log(
      `target (ROC AUC ≥ 0.80 per class, within 0.02 of XGBoost): ${targetMet ? 'met' : 'NOT met'} ` +
        `(min AUC ${minAuc.toFixed(4)}${xgb ? `, largest gap to XGBoost ${gap.toFixed(4)}` : ''})`,
    );
    return { rows, ...(xgb ? { xgboost: xgb } : {}), samples: trained.samples, targetMet };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function f(v: number): string {
  return v.toFixed(4).padStart(10);
}

/** XGBoost on the same rows and settings; `undefined` (with a message) when it cannot run. */
function runXgboost(
  dir: string,
  ds: Dataset,
  market: TestMarket,
  cfg: ReturnType<typeof trainingConfigSchema.parse>,
  log: (line: string) => void,
): Row | undefined {
  const probe = existsSync(PYTHON)
    ? spawnSync(PYTHON, ['-c', 'import xgboost, numpy'], { encoding: 'utf8' })
    : undefined;
  if (!probe || probe.status !== 0) {
    log(
      `XGBoost column skipped: ${PYTHON} with xgboost and numpy is not installed (apt-get install python3-xgboost)`,
    );
    return undefined;
  }
  const file = (name: string, data: Float32Array): string => {
    const p = path.join(dir, name);
    writeFileSync(p, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return p;
  };
  const { train, validation: valid, test } = ds;
  const g = cfg.gbdt;
  const params = {
    objective: 'multi:softprob',
    num_class: 3,
    tree_method: 'hist',
    nthread: 1,
    max_depth: g.maxDepth,
    eta: g.learningRate,
    min_child_weight: g.minChildWeight,
    lambda: g.lambda,
    subsample: g.subsample,
    colsample_bytree: g.colsampleByTree,
    max_bin: 256,
    seed: cfg.seed,
    eval_metric: 'mlogloss',
  };
  const t0 = performance.now();
  const args = {
    trainX: file('train-x.f32', train.x.subarray(0, train.nRows * NUM_FEATURES)),
    trainY: file('train-y.f32', Float32Array.from(train.y.subarray(0, train.nRows))),
    trainRows: train.nRows,
    validX: file('valid-x.f32', valid.x.subarray(0, valid.nRows * NUM_FEATURES)),
    validY: file('valid-y.f32', Float32Array.from(valid.y.subarray(0, valid.nRows))),
    validRows: valid.nRows,
    testX: file('test-x.f32', test.x.subarray(0, test.nRows * NUM_FEATURES)),
    testRows: test.nRows,
    outTest: path.join(dir, 'xgb-pred-test.f32'),
    features: NUM_FEATURES,
    params,
    rounds: g.nEstimators,
    earlyStopping: g.earlyStoppingRounds,
    out: path.join(dir, 'xgb-pred.f32'),
  };
  const run = spawnSync(PYTHON, ['-c', XGB_SCRIPT, JSON.stringify(args)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) {
    log(`XGBoost column skipped: it failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return undefined;
  }
  const { best_iteration: best, version } = JSON.parse(run.stdout) as {
    best_iteration: number;
    version: string;
  };
  const read = (file: string): Float64Array => {
    const raw = readFileSync(file);
    return Float64Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
  };
  const validProbs = read(args.out);
  const rawTest = read(args.outTest);
  log(
    `XGBoost ${version}: ${((performance.now() - t0) / 1000).toFixed(1)} s, best iteration ${best}`,
  );
  // Calibrated the same way: isotonic on its own validation predictions, measured on the test.
  const cal = fitCalibration(validProbs, valid);
  const probs = Float64Array.from(rawTest);
  calibrateInPlace(cal, probs, test.nRows, 3, 0);
  const q = evaluateOnTest({
    probs,
    rawProbs: rawTest,
    dataset: ds,
    threshold: cfg.notificationThreshold,
    market,
  });
  return {
    name: `xgboost ${version} (hist)`,
    compra: q.compra,
    venta: q.venta,
    product: q.product,
  };
}

/**
 * Trains with early stopping on the validation rows and predicts them and the test rows with the
 * best rounds only
 * (`iteration_range`), as `trainGbdt` keeps only the best rounds.
 */
const XGB_SCRIPT = `
import json, sys
import numpy as np
import xgboost as xgb
a = json.loads(sys.argv[1])
f = a["features"]
def m(x, y, n):
    return xgb.DMatrix(np.fromfile(x, dtype="<f4").reshape(n, f), label=np.fromfile(y, dtype="<f4"), missing=np.nan, nthread=1)
dt = m(a["trainX"], a["trainY"], a["trainRows"])
dv = m(a["validX"], a["validY"], a["validRows"])
b = xgb.train(a["params"], dt, num_boost_round=a["rounds"], evals=[(dt, "train"), (dv, "valid")],
              early_stopping_rounds=a["earlyStopping"], verbose_eval=False)
best = b.best_iteration
p = b.predict(dv, iteration_range=(0, best + 1))
np.ascontiguousarray(p, dtype="<f4").tofile(a["out"])
dx = xgb.DMatrix(np.fromfile(a["testX"], dtype="<f4").reshape(a["testRows"], f), missing=np.nan, nthread=1)
np.ascontiguousarray(b.predict(dx, iteration_range=(0, best + 1)), dtype="<f4").tofile(a["outTest"])
print(json.dumps({"best_iteration": best, "version": xgb.__version__}))
`;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const users = Number(process.argv[2] ?? process.env.ML_QUALITY_USERS ?? 1000);
  const days = Number(process.argv[3] ?? process.env.ML_QUALITY_DAYS ?? 90);
  const seed = Number(process.argv[4] ?? process.env.ML_QUALITY_SEED ?? 7);
  await benchModelQuality({ users, days, seed, log: (line) => process.stdout.write(`${line}\n`) });
}
