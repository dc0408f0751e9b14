/**
 * Cross-checks against the real XGBoost (and scikit-learn) through `/usr/bin/python3` (the
 * Debian interpreter, which has python3-xgboost and python3-sklearn; the `python3` first on
 * PATH may not). Data goes through raw float32 files in a temp dir, so values arrive exactly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

export const PYTHON = '/usr/bin/python3';
export const XGB_TOOL = fileURLToPath(new URL('../../bench/python/xgb_tool.py', import.meta.url));

const probes = new Map<string, boolean>();

function probe(modules: string, message: string): boolean {
  let ok = probes.get(modules);
  if (ok === undefined) {
    ok =
      existsSync(PYTHON) &&
      spawnSync(PYTHON, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0;
    probes.set(modules, ok);
    if (!ok) console.warn(message);
  }
  return ok;
}

/** Whether XGBoost can be run; prints why cross-checks are skipped when it cannot. */
export function xgboostAvailable(): boolean {
  return probe(
    'xgboost, numpy',
    'XGBoost not installed (apt-get install python3-xgboost); skipping cross-checks',
  );
}

/** Whether scikit-learn can be run; prints why its cross-checks are skipped when it cannot. */
export function sklearnAvailable(): boolean {
  return probe(
    'sklearn, numpy',
    'scikit-learn not installed (apt-get install python3-sklearn); skipping sklearn cross-checks',
  );
}

function writeF32(file: string, values: ArrayLike<number>): void {
  const a = values instanceof Float32Array ? values : Float32Array.from(values);
  writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function run(args: string[]): string {
  const r = spawnSync(PYTHON, [XGB_TOOL, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`xgb_tool ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A data set: row-major float32 features (NaN = missing) and labels. */
export interface XgbData {
  x: Float32Array;
  y: ArrayLike<number>;
  nRows: number;
  nFeatures: number;
}

/** Trains with `xgboost.train(params, …)`; returns the saved JSON model (parsed) and its text. */
export function xgbTrain(opts: {
  data: XgbData;
  params: Record<string, unknown>;
  rounds: number;
  validation?: XgbData;
  earlyStoppingRounds?: number;
}): { json: unknown; text: string; bestIteration: number | null } {
  const t = tempDir('corriente-xgb-');
  try {
    const f = (n: string): string => path.join(t.dir, n);
    writeF32(f('x.f32'), opts.data.x);
    writeF32(f('y.f32'), opts.data.y);
    const args = [
      'train',
      '--x',
      f('x.f32'),
      '--y',
      f('y.f32'),
      '--rows',
      String(opts.data.nRows),
      '--features',
      String(opts.data.nFeatures),
      '--params',
      JSON.stringify({ nthread: 1, ...opts.params }),
      '--rounds',
      String(opts.rounds),
      '--out',
      f('model.json'),
    ];
    if (opts.validation) {
      writeF32(f('vx.f32'), opts.validation.x);
      writeF32(f('vy.f32'), opts.validation.y);
      args.push('--valid-x', f('vx.f32'), '--valid-y', f('vy.f32'));
      args.push('--valid-rows', String(opts.validation.nRows));
    }
    if (opts.earlyStoppingRounds) args.push('--early-stopping', String(opts.earlyStoppingRounds));
    const out = JSON.parse(run(args)) as { best_iteration: number | null };
    const text = readFileSync(f('model.json'), 'utf8');
    return { json: JSON.parse(text), text, bestIteration: out.best_iteration };
  } finally {
    t.cleanup();
  }
}

/**
 * XGBoost's `Booster.predict` for a JSON model on `x`: probabilities, margins, or Saabas
 * contributions (`pred_contribs=True, approx_contribs=True`), flattened row-major, float32.
 */
export function xgbPredict(
  model: object | string,
  x: Float32Array,
  nRows: number,
  nFeatures: number,
  mode: 'prob' | 'margin' | 'contribs' = 'prob',
): Float32Array {
  const t = tempDir('corriente-xgb-');
  try {
    const f = (n: string): string => path.join(t.dir, n);
    writeFileSync(f('model.json'), typeof model === 'string' ? model : JSON.stringify(model));
    writeF32(f('x.f32'), x);
    const args = ['predict', '--model', f('model.json'), '--x', f('x.f32')];
    args.push('--rows', String(nRows), '--features', String(nFeatures), '--out', f('p.f32'));
    if (mode === 'margin') args.push('--margin');
    if (mode === 'contribs') args.push('--contribs');
    run(args);
    return readF32(f('p.f32'));
  } finally {
    t.cleanup();
  }
}

/** Runs a Python snippet with `/usr/bin/python3`, giving it `input` as JSON on stdin; parses stdout as JSON. */
export function pythonJson<T>(code: string, input: unknown): T {
  const r = spawnSync(PYTHON, ['-c', code], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
