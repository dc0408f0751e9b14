import { Cron } from 'croner';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import type { PriceCollector } from './collector.js';

export interface StartPriceCollectorOptions {
  collector: Pick<PriceCollector, 'collect'>;
  /** A cron expression (EventBridge's role), e.g. `config.fx.prices.schedule`. */
  schedule?: string;
  /** Or a fixed interval (the demo: `config.fx.prices.demoIntervalSeconds * 1000`); wins over `schedule`. */
  intervalMs?: number;
  /** Stops the schedule when aborted. */
  signal?: AbortSignal;
  /** Collect once right away. @default true */
  runOnStart?: boolean;
  /** Cron time zone. @default the process's */
  timezone?: string;
  logger?: Logger;
}

/**
 * Runs `collector.collect()` on a cron schedule (croner) or a fixed interval; runs never overlap
 * (a slow one makes the next tick skip). Errors are logged, never thrown.
 * @returns a function that stops the schedule and resolves when the run in progress is over.
 * @example
 * const stop = startPriceCollector({ collector, intervalMs: 2000 });
 * ...
 * await stop();
 */
export function startPriceCollector(options: StartPriceCollectorOptions): () => Promise<void> {
  const logger = options.logger ?? silentLogger;
  let current: Promise<unknown> | undefined;
  const run = (): void => {
    if (current) return;
    current = options.collector
      .collect()
      .catch((err: unknown) => logger.error({ err }, 'price collection failed'))
      .finally(() => (current = undefined));
  };
  let stopTimer: () => void;
  if (options.intervalMs !== undefined) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    const timer = setInterval(run, options.intervalMs);
    stopTimer = () => clearInterval(timer);
  } else {
    const job = new Cron(
      options.schedule ?? '* * * * *',
      { protect: true, ...(options.timezone ? { timezone: options.timezone } : {}) },
      run,
    );
    stopTimer = () => job.stop();
  }
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      stopTimer();
      options.signal?.removeEventListener('abort', onAbort);
    }
    await current;
  };
  const onAbort = (): void => void stop();
  if (options.signal?.aborted) {
    stopTimer();
    stopped = true;
    return stop;
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.runOnStart ?? true) run();
  return stop;
}
