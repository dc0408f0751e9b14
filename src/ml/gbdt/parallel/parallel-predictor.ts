import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../../../core/log/logger.js';
import type { GbdtModel } from '../model.js';
import {
  runChunks,
  runUnfinishedChunks,
  type FromWorker,
  type LoadMessage,
  type PredictMessage,
} from './protocol.js';

/** Options of {@link ParallelPredictor.start}. */
export interface ParallelPredictorOptions {
  /**
   * Worker threads besides the calling thread, which computes a share too; 0 predicts in the
   * calling thread only. @default os.availableParallelism() - 1, at least 1
   */
  workers?: number;
  /** Notes on fallbacks and worker crashes. @default silentLogger */
  logger?: Logger;
}

/** Below this many rows the calling thread predicts alone: messaging would cost more. */
const MIN_PARALLEL_ROWS = 512;
const MIN_CHUNK_ROWS = 256;
const MAX_CHUNK_ROWS = 4096;
/** Chunks per thread: enough for a thread slowed by other processes to claim fewer. */
const CHUNKS_PER_THREAD = 8;

/** A worker failed (threw, could not load a model, or exited). */
class WorkerFailure extends Error {
  constructor(
    message: string,
    readonly crashed: boolean,
  ) {
    super(message);
  }
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  waiting: { resolve: (m: FromWorker) => void; reject: (e: WorkerFailure) => void } | undefined;
  /** Set when we terminate it ourselves, so its exit is not counted as a crash. */
  retiring: boolean;
  /** Set when a replacement failed to start: the slot stays empty. */
  abandoned: boolean;
}

/**
 * Scores many rows of a {@link GbdtModel} on several cores: the rows go to the workers through
 * a `SharedArrayBuffer` (no copy when `x` already lives in one), every thread — the caller's
 * included — claims chunks of rows, and writes probabilities into a shared output. Results are
 * identical to `model.predict`. Calls are serialized (one prediction at a time uses every core).
 *
 * Workers run the compiled `predict-worker.js`; when it is absent (TypeScript sources under a
 * test runner) the predictor logs a note and predicts in the calling thread. A worker that
 * crashes mid-prediction is replaced; the chunks it lost are predicted in the calling thread,
 * so the prediction still completes. A worker that throws rejects the prediction.
 *
 * @example
 * const pp = await ParallelPredictor.start(model); // 1 worker on a 2-core machine
 * const p = await pp.predict(x, 100_000); // 100000 × 3 probabilities
 * await pp.setModel(newer); // hot swap
 * await pp.close();
 */
export class ParallelPredictor {
  private readonly slots: Slot[];
  private queue: Promise<unknown> = Promise.resolve();
  private version = 0;
  private closed = false;
  private input = new Float32Array(new SharedArrayBuffer(0));
  private restartCount = 0;

  private constructor(
    private current: GbdtModel,
    workers: number,
    private readonly workerUrl: URL,
    private readonly log: Logger,
  ) {
    this.slots = Array.from({ length: workers }, (_, index) => ({
      index,
      worker: undefined,
      waiting: undefined,
      retiring: false,
      abandoned: false,
    }));
  }

  /**
   * Starts the workers and loads `model` into each.
   * @throws Error when a worker cannot start or load the model
   */
  static async start(
    model: GbdtModel,
    opts: ParallelPredictorOptions = {},
  ): Promise<ParallelPredictor> {
    const log = opts.logger ?? silentLogger;
    let workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(workers) || workers < 0) {
      throw new RangeError(`workers must be a whole number ≥ 0, got ${workers}`);
    }
    const url = new URL('./predict-worker.js', import.meta.url);
    if (workers > 0 && !existsSync(fileURLToPath(url))) {
      log.warn(
        { worker: fileURLToPath(url) },
        'compiled GBDT predict worker not found (running TypeScript sources?); predicting in the calling thread',
      );
      workers = 0;
    }
    const pp = new ParallelPredictor(model, workers, url, log);
    try {
      await Promise.all(pp.slots.map((s) => pp.spawn(s)));
    } catch (err) {
      await pp.close();
      throw err;
    }
    return pp;
  }

  /** The model predictions use (the latest given to `setModel`). */
  get model(): GbdtModel {
    return this.current;
  }

  /** Threads that predict: the live workers plus the calling thread. */
  get threads(): number {
    return this.liveSlots().length + 1;
  }

  /** Workers replaced after they crashed. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Live worker threads, for diagnostics (`threadId`, `resourceUsage`); a crash is handled. */
  get workerThreads(): readonly Worker[] {
    return this.liveSlots().map((s) => s.worker!);
  }

  /**
   * Probabilities for `nRows` rows, identical to `model.predict(x, nRows)`. The result lives in
   * `out` when it can (a `SharedArrayBuffer` from its start, long enough), else in a new one.
   * @param x row-major `nRows × numFeature` features, NaN = missing; not copied when it already
   *   lives in a `SharedArrayBuffer`. Must not change until the promise settles.
   * @param out where to write, reused across calls (a caller predicting every tick allocates no
   *   new shared buffer each time)
   * @returns `nRows × outputsPerRow` probabilities (row-major)
   */
  predict(x: Float32Array, nRows: number, out?: Float64Array): Promise<Float64Array> {
    return this.enqueue(() => this.runPredict(x, nRows, out));
  }

  /**
   * Swaps the model: predictions called before it finish on the old one, those called after
   * run on `model`. Resolves once every worker has loaded it.
   */
  setModel(model: GbdtModel): Promise<void> {
    return this.enqueue(async () => {
      this.current = model;
      this.version++;
      const msg = this.loadMessage();
      const results = await Promise.allSettled(this.liveSlots().map((s) => this.request(s, msg)));
      // A worker that could not load it is stopped; it is replaced, with this model, on the next call.
      for (const r of results) {
        if (r.status === 'rejected') this.log.warn({ err: r.reason }, 'GBDT worker failed to swap');
      }
    });
  }

  /** Stops the workers. Later calls reject. */
  close(): Promise<void> {
    if (this.closed) return this.queue.then(() => undefined);
    this.closed = true;
    return this.enqueue(async () => {
      await Promise.all(this.slots.map((s) => this.retire(s)));
    }, true);
  }

  private enqueue<T>(op: () => Promise<T>, closing = false): Promise<T> {
    if (this.closed && !closing) return Promise.reject(new Error('ParallelPredictor is closed'));
    const run = this.queue.then(async () => {
      if (!closing) await this.replaceCrashed();
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runPredict(
    x: Float32Array,
    nRows: number,
    into: Float64Array | undefined,
  ): Promise<Float64Array> {
    const model = this.current;
    const { numFeature: nf, outputsPerRow: k } = model;
    if (!Number.isInteger(nRows) || nRows < 0) throw new RangeError(`nRows ${nRows} is invalid`);
    if (x.length < nRows * nf) {
      throw new RangeError(
        `x has ${x.length} values; ${nRows} rows × ${nf} features need ${nRows * nf}`,
      );
    }
    const out =
      into &&
      into.buffer instanceof SharedArrayBuffer &&
      into.byteOffset === 0 &&
      into.length >= nRows * k
        ? into
        : new Float64Array(new SharedArrayBuffer(nRows * k * 8));
    const live = this.liveSlots();
    if (nRows < MIN_PARALLEL_ROWS || live.length === 0) {
      model.predict(x, nRows, out);
      return out;
    }
    const shared = x.buffer instanceof SharedArrayBuffer ? x : this.copyToShared(x, nRows * nf);
    const threads = live.length + 1;
    const chunkRows = Math.min(
      MAX_CHUNK_ROWS,
      Math.max(MIN_CHUNK_ROWS, Math.ceil(nRows / (threads * CHUNKS_PER_THREAD))),
    );
    const nChunks = Math.ceil(nRows / chunkRows);
    const job: PredictMessage = {
      type: 'predict',
      version: this.version,
      x: shared.buffer as SharedArrayBuffer,
      xByteOffset: shared.byteOffset,
      nRows,
      nf,
      out: out.buffer as SharedArrayBuffer,
      k,
      control: new SharedArrayBuffer(4 * (1 + nChunks)),
      chunkRows,
      nChunks,
    };
    const replies = live.map((s) => this.request(s, job));
    runChunks(model, job);
    const results = await Promise.allSettled(replies);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const thrown = failures.find((f) => !(f instanceof WorkerFailure) || !f.crashed);
    if (thrown) throw new Error(`GBDT prediction failed in a worker: ${thrown.message}`);
    if (failures.length > 0) {
      const redone = runUnfinishedChunks(model, job);
      this.log.warn({ redone, chunks: nChunks }, 'GBDT worker crashed; lost chunks redone here');
    }
    return out;
  }

  private copyToShared(x: Float32Array, n: number): Float32Array {
    if (this.input.length < n) this.input = new Float32Array(new SharedArrayBuffer(n * 4));
    this.input.set(x.subarray(0, n));
    return this.input;
  }

  private liveSlots(): Slot[] {
    return this.slots.filter((s) => s.worker !== undefined && !s.retiring);
  }

  private loadMessage(): LoadMessage {
    return {
      type: 'load',
      version: this.version,
      data: this.current.data,
      kind: this.current.predictor,
    };
  }

  /** Starts the worker of `slot` with the current model. @throws WorkerFailure */
  private async spawn(slot: Slot): Promise<void> {
    const worker = new Worker(this.workerUrl, { workerData: this.loadMessage() });
    slot.worker = worker;
    slot.retiring = false;
    let lastError: Error | undefined;
    worker.on('message', (m: FromWorker) => {
      const w = slot.waiting;
      slot.waiting = undefined;
      if (slot.worker === worker) worker.unref();
      if (!w) return;
      if (m.type === 'error')
        w.reject(new WorkerFailure(`worker ${slot.index}: ${m.message}`, false));
      else w.resolve(m);
    });
    worker.on('error', (err) => (lastError = err));
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      const expected = slot.retiring;
      slot.retiring = false;
      const why = lastError ? lastError.message : `exit code ${code}`;
      slot.waiting?.reject(new WorkerFailure(`worker ${slot.index} exited (${why})`, true));
      slot.waiting = undefined;
      if (!expected && !this.closed) {
        this.log.warn({ worker: slot.index, why }, 'GBDT predict worker crashed; replacing it');
      }
    });
    try {
      await new Promise<FromWorker>((resolve, reject) => (slot.waiting = { resolve, reject }));
    } catch (err) {
      await this.retire(slot);
      throw new Error(
        `GBDT predict worker ${slot.index} did not start: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** Posts `msg` and waits for the reply; a failed worker is stopped (replaced on the next call). */
  private async request(slot: Slot, msg: LoadMessage | PredictMessage): Promise<FromWorker> {
    const worker = slot.worker!;
    const reply = new Promise<FromWorker>((resolve, reject) => {
      slot.waiting = { resolve, reject };
    });
    worker.ref();
    worker.postMessage(msg);
    try {
      return await reply;
    } catch (err) {
      if (!(err as WorkerFailure).crashed) await this.retire(slot);
      throw err;
    }
  }

  private async retire(slot: Slot): Promise<void> {
    const w = slot.worker;
    if (!w) return;
    slot.retiring = true;
    await w.terminate();
  }

  /** Replaces workers that crashed since the last call; one that cannot start is given up. */
  private async replaceCrashed(): Promise<void> {
    const empty = this.slots.filter((s) => s.worker === undefined && !s.abandoned);
    await Promise.all(
      empty.map(async (s) => {
        try {
          await this.spawn(s);
          this.restartCount++;
        } catch (err) {
          s.abandoned = true;
          this.log.warn({ err }, 'GBDT predict worker could not be replaced; one thread fewer');
        }
      }),
    );
  }
}
