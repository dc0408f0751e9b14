/**
 * Messages between {@link ParallelPredictor} and its worker threads, and the chunk loop both
 * sides run. Rows are split into chunks claimed with an atomic counter, so a thread slowed by
 * other processes on the machine simply claims fewer chunks.
 */
import type { GbdtModel } from '../model.js';
import type { PredictorKind } from '../predictor.js';
import type { ModelData } from '../tree.js';

/** Loads a model into a worker (as its `workerData` at start, then as a message on hot swap). */
export interface LoadMessage {
  type: 'load';
  version: number;
  data: ModelData;
  kind: PredictorKind;
}

/** One prediction: every thread claims chunks of `chunkRows` rows until none are left. */
export interface PredictMessage {
  type: 'predict';
  version: number;
  /** `nRows × nf` float32 features from byte `xByteOffset`. */
  x: SharedArrayBuffer;
  xByteOffset: number;
  nRows: number;
  nf: number;
  /** `nRows × k` float64 probabilities. */
  out: SharedArrayBuffer;
  k: number;
  /** Int32: [next chunk to claim, then one flag per chunk, 1 once written]. */
  control: SharedArrayBuffer;
  chunkRows: number;
  nChunks: number;
}

export type ToWorker = LoadMessage | PredictMessage;

export type FromWorker =
  | { type: 'loaded'; version: number }
  | { type: 'done'; chunks: number }
  | { type: 'error'; message: string };

/** Claims and predicts chunks of `job` until none are left; returns how many it did. */
export function runChunks(model: GbdtModel, job: PredictMessage): number {
  const { nf, k, nRows, chunkRows, nChunks } = job;
  const x = new Float32Array(job.x, job.xByteOffset, nRows * nf);
  const out = new Float64Array(job.out, 0, nRows * k);
  const control = new Int32Array(job.control);
  let done = 0;
  for (;;) {
    const c = Atomics.add(control, 0, 1);
    if (c >= nChunks) return done;
    const r0 = c * chunkRows;
    const r1 = Math.min(r0 + chunkRows, nRows);
    model.predict(x.subarray(r0 * nf, r1 * nf), r1 - r0, out.subarray(r0 * k, r1 * k));
    Atomics.store(control, 1 + c, 1);
    done++;
  }
}

/** Predicts, on the calling thread, the chunks of `job` no thread finished (after a crash). */
export function runUnfinishedChunks(model: GbdtModel, job: PredictMessage): number {
  const { nf, k, nRows, chunkRows, nChunks } = job;
  const x = new Float32Array(job.x, job.xByteOffset, nRows * nf);
  const out = new Float64Array(job.out, 0, nRows * k);
  const control = new Int32Array(job.control);
  let redone = 0;
  for (let c = 0; c < nChunks; c++) {
    if (Atomics.load(control, 1 + c) === 1) continue;
    const r0 = c * chunkRows;
    const r1 = Math.min(r0 + chunkRows, nRows);
    model.predict(x.subarray(r0 * nf, r1 * nf), r1 - r0, out.subarray(r0 * k, r1 * k));
    Atomics.store(control, 1 + c, 1);
    redone++;
  }
  return redone;
}
