import type { EventLog } from '../../core/event-log/event-log.js';
import type { PortfolioStore } from '../portfolio/portfolio-store.js';
import { STREAM_PROCESSOR_CONSUMER } from './stream-processor.js';

export interface ResetOptions {
  log: EventLog;
  portfolios: PortfolioStore;
  /** @default STREAM_PROCESSOR_CONSUMER */
  consumer?: string;
}

/**
 * Prepares a replay from the start: deletes the processor's checkpoint and clears the portfolio
 * store. The lake files and batch plans stay: reprocessing re-cuts the same batches and rewrites
 * byte-identical files, and rebuilds identical portfolios.
 *
 * @example
 * await resetStreamProcessor({ log, portfolios });
 * await processAvailable({ log, datalake, portfolios });
 */
export async function resetStreamProcessor(options: ResetOptions): Promise<void> {
  await options.log.deleteCheckpoint(options.consumer ?? STREAM_PROCESSOR_CONSUMER);
  await options.portfolios.clear();
}
