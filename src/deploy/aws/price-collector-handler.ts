import { z } from 'zod';
import { createLogger } from '../../core/log/logger.js';
import { PriceCollector, type CollectResult } from '../../fx/prices/collector.js';
import { PostgresPriceBook } from '../../fx/prices/postgres/postgres-price-book.js';
import { createPriceSource } from '../stores.js';
import { awsConfig, awsEventLog } from './aws-adapters.js';
import { openPostgresState } from '../state.js';

/** An EventBridge scheduled event (the rule `rate(1 minute)` / `cron(...)` sends these). */
const scheduledEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.iso.datetime({ offset: true }),
  id: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown().optional(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

/**
 * The price-collector Lambda: each EventBridge scheduled event runs one collection of the same
 * `PriceCollector` core `corriente up` schedules with croner, at the event's `time`. A source
 * failure is reported in the result (the next schedule tries again), not thrown: retrying a
 * minute-old collection is pointless.
 * @example export const handler = createPriceCollectorHandler({ collector });
 */
export function createPriceCollectorHandler(deps: {
  collector: Pick<PriceCollector, 'collect'>;
}): (event: unknown) => Promise<CollectResult> {
  return async (event) => {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `not an EventBridge scheduled event: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ')}`,
      );
    }
    return deps.collector.collect(new Date(parsed.data.time));
  };
}

let cachedCollector: ((event: unknown) => Promise<CollectResult>) | undefined;

/**
 * The `collector` Lambda entry point (`state.type = postgres`, configuration from the
 * environment): appends each tick to the event log and records it in the PostgreSQL price book,
 * where every API instance reads the latest price.
 */
export async function handler(event: unknown): Promise<CollectResult> {
  if (!cachedCollector) {
    const config = await awsConfig();
    const log = createLogger(config.log.level, 'corriente-collector', 'json');
    const pool = await openPostgresState(config, { log, applicationName: 'corriente-collector' });
    const priceBook = await PostgresPriceBook.open({ pool, logger: log });
    const collector = new PriceCollector({
      source: await createPriceSource(config),
      eventLog: awsEventLog(config, pool),
      priceBook,
      logger: log,
    });
    cachedCollector = createPriceCollectorHandler({ collector });
  }
  return cachedCollector(event);
}
