import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import { jsonRecord, type EventLog } from '../../core/event-log/event-log.js';
import { newEventId, priceTickSchema, type PriceTick } from '../events.js';
import type { PriceBook } from './price-book.js';
import type { PriceSource } from './price-source.js';

/** What one collection did. */
export type CollectResult =
  | { status: 'appended'; tick: PriceTick }
  | { status: 'no-quote' }
  | { status: 'duplicate' | 'out-of-order' | 'invalid' | 'failed'; reason: string };

export interface PriceCollectorOptions {
  source: PriceSource;
  eventLog: EventLog;
  priceBook: PriceBook;
  logger?: Logger;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Collects one quote per run (the price-collector Lambda's core): fetches it, drops a duplicate
 * of the last tick (same observedAt and prices) or an out-of-order one (observedAt not after
 * the last), validates it into a `PriceTick` (new id, `ingestedAt`), appends it to the EventLog
 * (partition key: the source), then records it in the PriceBook. Runs never overlap.
 *
 * @example
 * const collector = new PriceCollector({ source, eventLog, priceBook });
 * await collector.collect();
 */
export class PriceCollector {
  private readonly logger: Logger;
  private readonly now: () => Date;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PriceCollectorOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'price-collector' });
    this.now = options.now ?? (() => new Date());
  }

  /** Collects once; a source failure is reported as `failed` (and logged), not thrown. */
  collect(now: Date = this.now()): Promise<CollectResult> {
    const run = this.running.then(() => this.collectOnce(now));
    this.running = run.catch(() => {});
    return run;
  }

  private async collectOnce(now: Date): Promise<CollectResult> {
    const { source, eventLog, priceBook } = this.options;
    let quote;
    try {
      quote = await source.fetch(now);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'price source failed; no tick this run');
      return { status: 'failed', reason: (err as Error).message };
    }
    if (!quote) return { status: 'no-quote' };
    const last = priceBook.latest();
    if (last) {
      const lastMs = Date.parse(last.observedAt);
      const ms = Date.parse(quote.observedAt);
      if (
        ms === lastMs &&
        quote.bidCopCents === last.bidCopCents &&
        quote.askCopCents === last.askCopCents &&
        quote.midCopCents === last.midCopCents
      ) {
        return { status: 'duplicate', reason: `same quote as tick ${last.id}` };
      }
      if (!(ms > lastMs)) {
        this.logger.warn(
          { observedAt: quote.observedAt, last: last.observedAt },
          'out-of-order quote dropped',
        );
        return {
          status: 'out-of-order',
          reason: `observedAt ${quote.observedAt} is not after the last tick's ${last.observedAt}`,
        };
      }
    }
    const parsed = priceTickSchema.safeParse({
      type: 'PriceTick',
      version: 1,
      id: newEventId(),
      source: quote.source,
      bidCopCents: quote.bidCopCents,
      askCopCents: quote.askCopCents,
      midCopCents: quote.midCopCents,
      observedAt: quote.observedAt,
      ingestedAt: new Date().toISOString(),
    });
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'quote'}: ${i.message}`)
        .join('; ');
      this.logger.warn({ reason, quote }, 'invalid quote dropped');
      return { status: 'invalid', reason };
    }
    const tick = parsed.data;
    await eventLog.append(jsonRecord(tick.source, tick));
    await priceBook.record(tick);
    return { status: 'appended', tick };
  }
}
