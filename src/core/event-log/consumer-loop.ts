import { sleep } from '../util/retry.js';

export interface ConsumerLoopOptions {
  /**
   * Handles what the log holds now (one page or batch). Resolves to how long to wait for new
   * records before the next step, in ms; 0 steps again at once.
   */
  step: () => Promise<number>;
  /** Resolves when new records may be there, after `timeoutMs` at the latest, or on abort. */
  waitForRecords: (timeoutMs: number, signal: AbortSignal) => Promise<void>;
  /** A step that threw: log it; the step is retried after `retryDelayMs`. */
  onError: (err: unknown) => void;
  /** @default 1000 */
  retryDelayMs?: number;
  /** Stops the loop when aborted (as `stop()` does). */
  signal?: AbortSignal;
}

export interface ConsumerLoop {
  /** True once a stop was asked for (the step in flight still finishes). */
  readonly stopping: boolean;
  /** Stops stepping and resolves when the step in flight has finished. */
  stop(): Promise<void>;
}

/**
 * The one loop every log consumer runs (the stream processor, the orchestrator): step, wait for
 * records when caught up, retry a failed step after a delay, stop cleanly. Checkpointing stays
 * with the consumer: the loop never moves past a step that failed.
 *
 * @example
 * const loop = startConsumerLoop({
 *   step: async () => ((await core.step()) === 0 ? 1000 : 0),
 *   waitForRecords: (ms, signal) => log.waitForRecords(core.position, ms, signal),
 *   onError: (err) => logger.error({ err }, 'step failed; retrying'),
 * });
 * await loop.stop();
 */
export function startConsumerLoop(o: ConsumerLoopOptions): ConsumerLoop {
  const wake = new AbortController();
  const requestStop = (): void => wake.abort();
  o.signal?.addEventListener('abort', requestStop, { once: true });
  if (o.signal?.aborted) requestStop();
  const retryDelayMs = o.retryDelayMs ?? 1000;
  const running = (async () => {
    while (!wake.signal.aborted) {
      try {
        const waitMs = await o.step();
        if (waitMs > 0 && !wake.signal.aborted) await o.waitForRecords(waitMs, wake.signal);
      } catch (err) {
        o.onError(err);
        await sleep(retryDelayMs, wake.signal);
      }
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    get stopping() {
      return wake.signal.aborted;
    },
    stop: () => {
      stopped ??= (async () => {
        requestStop();
        o.signal?.removeEventListener('abort', requestStop);
        await running;
      })();
      return stopped;
    },
  };
}
