import { availableParallelism } from 'node:os';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { GbdtModel, ParallelPredictor } from '../../ml/gbdt/index.js';
import type { ScoringModel } from './scorer.js';
import type { ModelPool } from './tick-decider.js';

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

  /** Starts the workers with `model` now (the orchestrator's start), unless started already. */
  async start(model: ScoringModel): Promise<void> {
    if (this.pool || this.closed || this.workers === 0 || !(model instanceof GbdtModel)) return;
    this.loaded = model;
    this.pool = ParallelPredictor.start(model, { workers: this.workers, logger: this.logger });
    await this.pool.catch((err: unknown) => {
      this.pool = undefined;
      this.logger.warn({ err }, 'GBDT predict workers did not start; scoring in this thread');
    });
  }

  /** Probabilities of `nRows` rows of `x` (best in a `SharedArrayBuffer`: not copied). */
  async predict(model: ScoringModel, x: Float32Array, nRows: number): Promise<Float64Array> {
    if (this.closed || this.workers === 0 || !(model instanceof GbdtModel)) {
      return model.predict(x, nRows);
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
      return model.predict(x, nRows);
    }
    if (this.loaded !== model) {
      this.loaded = model;
      await pool.setModel(model);
    }
    return pool.predict(x, nRows);
  }

  /** Stops the workers; later predictions run in the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}
