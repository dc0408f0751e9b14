import { availableParallelism } from 'node:os';
import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import { GbdtModel, ParallelPredictor } from '../../../ml/gbdt/index.js';
import type { ScoringModel } from './scorer.js';
import type { ModelPool } from './tick-decider.js';

/** Rows predicted once at start and after a swap (a few tens of milliseconds on 2 threads). */
const WARM_UP_ROWS = 16_384;

/**
 * Predicts rows of zeros (no missing values) on every thread: the kernels get compiled by the
 * JIT before the first tick needs them. Its result is thrown away.
 */
async function warmUp(pool: ParallelPredictor, model: GbdtModel): Promise<void> {
  const x = new Float32Array(new SharedArrayBuffer(WARM_UP_ROWS * model.numFeature * 4));
  await pool.predict(x, WARM_UP_ROWS);
}

/**
 * The orchestrator's pool of GBDT predict workers: started on the first model it scores (so an
 * orchestrator that only runs the rules starts no thread), told of each model swap with
 * `setModel`, closed with the orchestrator. A model that is not a {@link GbdtModel} (another
 * implementation of `ScoringModel`) is predicted in the calling thread. Results are identical
 * to `model.predict`.
 */
export class ParallelScoring implements ModelPool {
  private pool: Promise<ParallelPredictor> | undefined;
  private loaded: GbdtModel | undefined;
  private closed = false;

  /**
   * @param workers threads besides the calling one; 0 predicts in the calling thread.
   *   @default os.availableParallelism() - 1, at least 1
   */
  constructor(
    private readonly workers = Math.max(1, availableParallelism() - 1),
    private readonly logger: Logger = silentLogger,
  ) {}

  /**
   * Starts the workers with `model` now (the orchestrator's start), unless started already, and
   * warms them up: the first tick then runs compiled kernels in every thread.
   */
  async start(model: ScoringModel): Promise<void> {
    if (this.pool || this.closed || this.workers === 0 || !(model instanceof GbdtModel)) return;
    this.loaded = model;
    this.pool = ParallelPredictor.start(model, { workers: this.workers, logger: this.logger });
    const pool = await this.pool.catch((err: unknown) => {
      this.pool = undefined;
      this.logger.warn({ err }, 'GBDT predict workers did not start; scoring in this thread');
    });
    if (pool) await warmUp(pool, model);
  }

  /** Probabilities of `nRows` rows of `x` (best in a `SharedArrayBuffer`: not copied). */
  async predict(
    model: ScoringModel,
    x: Float32Array,
    nRows: number,
    out?: Float64Array,
  ): Promise<Float64Array> {
    if (this.closed || this.workers === 0 || !(model instanceof GbdtModel)) {
      return model.predict(x, nRows, out);
    }
    if (!this.pool) {
      this.loaded = model;
      this.pool = ParallelPredictor.start(model, { workers: this.workers, logger: this.logger });
    }
    let pool: ParallelPredictor;
    try {
      pool = await this.pool;
    } catch (err) {
      // Retried on the next tick; this one is scored in this thread.
      this.pool = undefined;
      this.logger.warn({ err }, 'GBDT predict workers did not start; scoring in this thread');
      return model.predict(x, nRows, out);
    }
    if (this.loaded !== model) {
      this.loaded = model;
      await pool.setModel(model);
      await warmUp(pool, model);
    }
    return pool.predict(x, nRows, out);
  }

  /** Stops the workers; later predictions run in the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}
