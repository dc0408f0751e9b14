import { startConsumerLoop } from '../../core/event-log/consumer-loop.js';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import type { Catalog } from '../../core/catalog/catalog.js';
import { crawl } from '../../core/crawler/index.js';
import { databaseFor, tableNameFor } from '../../core/crawler/layout.js';
import type { EventLog, EventRecord, Position } from '../../core/event-log/event-log.js';
import type { PortfolioStore } from '../portfolio/portfolio-store.js';
import {
  batchFileName,
  decideSkips,
  processBatch,
  readPlan,
  writePlan,
  type BatchPlan,
  type BatchResult,
  type CutReason,
} from './batch.js';
import type { RawEventClaims } from './raw-claims.js';
import { LoadDates } from './raw-writer.js';

/** The processor's consumer name on the EventLog (its checkpoint). */
export const STREAM_PROCESSOR_CONSUMER = 'fx-stream-processor';

export interface StreamProcessorOptions {
  log: EventLog;
  datalake: ObjectStore;
  portfolios: PortfolioStore;
  /** Time zone of the load-date partitions. @default 'America/Bogota' */
  timezone?: string;
  /** A raw file batch is cut at this many events… @default 50000 */
  batchMaxEvents?: number;
  /** …or when its first event has waited this long (live mode only). @default 5000 */
  batchMaxDelayMs?: number;
  logger?: Logger;
  /** Aborting it stops the processor as `stop()` does. */
  signal?: AbortSignal;
  /** @default STREAM_PROCESSOR_CONSUMER */
  consumer?: string;
  /** Pause after a failed step before trying again (live mode). @default 1000 */
  retryDelayMs?: number;
  /** Called after each committed batch (status displays, tests). */
  onBatch?: (result: BatchResult) => void;
  /**
   * Asked before a batch's plan is written and before its checkpoint moves: `false` (a shard
   * lease no longer safely held) fails the step, so nothing more is committed by this instance.
   * @default always true
   */
  leaseHeld?: () => boolean;
  /**
   * The lake's catalog: when a batch writes the first file of a raw table the catalog does not
   * know (`fx_recommendations` after the first recommendation), that table is crawled at once,
   * so it can be queried before the scheduled crawl. @default absent: the scheduled crawl only
   */
  catalog?: Catalog;
  /**
   * The shared claims on event ids that keep the raw lake exactly-once per event when the log
   * repeats one (at-least-once producers). @default absent: every valid record is written
   */
  rawClaims?: RawEventClaims;
}

/** Thrown when a batch would be committed without the lease on its shard. */
export class ShardLeaseLostError extends Error {
  constructor() {
    super('the lease on this shard is no longer held; another instance takes it over');
    this.name = 'ShardLeaseLostError';
  }
}

/** Counters since start. */
export interface StreamProcessorStats {
  batches: number;
  records: number;
  transactions: number;
  ticks: number;
  accounts: number;
  invalid: number;
  applied: number;
  duplicates: number;
  rejected: number;
  files: number;
  /** The last checkpoint written (or read at start). */
  checkpoint: Position | undefined;
  lastBatchAt: string | undefined;
  /** The last failure, cleared by the next committed batch. */
  lastError: string | undefined;
}

export interface StreamProcessor {
  /** Flushes the buffered batch, checkpoints it and stops. Rejects if that last flush fails. */
  stop(): Promise<void>;
  /**
   * Stops without committing the buffered batch (its lease was lost): the next holder starts
   * from the checkpoint and re-cuts any planned batch exactly.
   */
  abandon(): Promise<void>;
  stats(): StreamProcessorStats;
}

function emptyStats(): StreamProcessorStats {
  return {
    batches: 0,
    records: 0,
    transactions: 0,
    ticks: 0,
    accounts: 0,
    invalid: 0,
    applied: 0,
    duplicates: 0,
    rejected: 0,
    files: 0,
    checkpoint: undefined,
    lastBatchAt: undefined,
    lastError: undefined,
  };
}

/**
 * Batching state between the log and the effects. The invariant that makes crashes and replays
 * harmless: a batch always starts right after the checkpoint, and if a plan exists for its first
 * record, it is re-cut to exactly the planned records (see {@link BatchPlan}); otherwise it is
 * cut by count, time or end of log and the plan is written before any effect.
 */
class Batcher {
  private buffer: EventRecord[] = [];
  private plan: BatchPlan | undefined;
  private target = 0;
  private readCursor: Position | undefined;
  /** `performance.now()` when the first buffered record was read. */
  bufferedSince = 0;
  readonly dates: LoadDates;
  readonly stats = emptyStats();

  constructor(
    private readonly o: Required<
      Pick<
        StreamProcessorOptions,
        'log' | 'datalake' | 'portfolios' | 'batchMaxEvents' | 'consumer'
      >
    > & {
      logger: Logger;
      timezone: string;
      onBatch?: (r: BatchResult) => void;
      leaseHeld?: () => boolean;
      catalog?: Catalog;
      rawClaims?: RawEventClaims;
    },
  ) {
    this.dates = new LoadDates(o.timezone);
  }

  async init(): Promise<void> {
    this.stats.checkpoint = await this.o.log.getCheckpoint(this.o.consumer);
    this.readCursor = this.stats.checkpoint;
  }

  /** The cursor after the last record read. */
  get cursor(): Position | undefined {
    return this.readCursor;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  get planned(): boolean {
    return this.plan !== undefined;
  }

  get full(): boolean {
    return this.buffer.length > 0 && this.buffer.length >= this.target;
  }

  /** Reads records towards the current batch; returns how many arrived (0: nothing yet). */
  async fill(): Promise<number> {
    if (this.buffer.length === 0) {
      const page = await this.o.log.read(this.readCursor, { max: this.o.batchMaxEvents });
      const first = page.records[0];
      if (!first) return 0;
      this.plan = await readPlan(this.o.datalake, this.o.log.stream, first.position);
      this.target = this.plan?.count ?? this.o.batchMaxEvents;
      this.bufferedSince = performance.now();
      return this.take(page.records);
    }
    const need = this.target - this.buffer.length;
    if (need <= 0) return 0;
    const page = await this.o.log.read(this.readCursor, { max: need });
    return this.take(page.records);
  }

  private take(records: EventRecord[]): number {
    const taken =
      records.length > this.target - this.buffer.length
        ? records.slice(0, this.target - this.buffer.length)
        : records;
    for (const r of taken) this.buffer.push(r);
    const last = taken.at(-1);
    if (last) this.readCursor = last.next;
    return taken.length;
  }

  /** Forgets the buffered records (and their plan): the next read starts at the checkpoint. */
  discard(): void {
    this.buffer = [];
    this.plan = undefined;
    this.target = 0;
    this.readCursor = this.stats.checkpoint;
  }

  private assertLease(): void {
    if (this.o.leaseHeld && !this.o.leaseHeld()) throw new ShardLeaseLostError();
  }

  /** Writes the plan (if new), the lake files and the portfolios, then the checkpoint. */
  async commit(cut: CutReason): Promise<void> {
    const records = this.buffer;
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last || this.readCursor === undefined) return;
    this.assertLease();
    if (this.plan) {
      if (records.length !== this.plan.count || last.position !== this.plan.last) {
        throw new Error(
          `batch planned as ${this.plan.count} records ${this.plan.first}…${this.plan.last} ` +
            `cannot be re-cut: the log has ${records.length} records from ${first.position} to ${last.position}`,
        );
      }
    } else {
      const plan: BatchPlan = {
        version: 1,
        first: first.position,
        last: last.position,
        next: this.readCursor,
        count: records.length,
        cut,
      };
      // Another instance (a previous holder of this shard, late) may have planned this batch
      // since it was read: the first plan written wins, and a batch cut otherwise is re-read.
      if (!(await writePlan(this.o.datalake, this.o.log.stream, plan))) {
        const stored = await readPlan(this.o.datalake, this.o.log.stream, plan.first);
        if (stored?.count !== plan.count || stored.last !== plan.last) {
          this.discard();
          throw new Error(
            `batch from ${plan.first} was planned elsewhere as ${stored?.count} records; re-reading it`,
          );
        }
      }
      this.plan = plan;
      // The batch is now exactly these records: a retry after a failure below must not read more.
      this.target = plan.count;
    }
    // Decided once per planned batch and recorded beside its plan, before any effect.
    const skip = this.o.rawClaims
      ? await decideSkips(
          this.o.datalake,
          this.o.rawClaims,
          this.o.log.stream,
          { first: first.position, last: last.position },
          records,
        )
      : undefined;
    if (skip) this.assertLease();
    const result = await processBatch(
      {
        datalake: this.o.datalake,
        portfolios: this.o.portfolios,
        dates: this.dates,
        logger: this.o.logger,
      },
      records,
      batchFileName(first.position, last.position),
      skip,
    );
    // Before the checkpoint: a crash here redoes the batch, and with it this registration.
    await this.catalogNewTables(result.rawTablePrefixes);
    // Only now, with the lake files and the portfolios durable, may the checkpoint move.
    this.assertLease();
    await this.o.log.setCheckpoint(this.o.consumer, this.readCursor);
    this.buffer = [];
    this.plan = undefined;
    this.target = 0;
    const s = this.stats;
    s.batches++;
    s.records += result.records;
    s.transactions += result.transactions;
    s.ticks += result.ticks;
    s.accounts += result.accounts;
    s.invalid += result.invalid;
    s.applied += result.applied;
    s.duplicates += result.duplicates;
    s.rejected += result.rejected;
    s.files += result.files;
    s.checkpoint = this.readCursor;
    s.lastBatchAt = new Date().toISOString();
    s.lastError = undefined;
    this.o.logger.debug({ ...result, cut }, 'fx batch committed');
    this.o.onBatch?.(result);
  }

  /** Raw tables known to be in the catalog (a cache: the catalog is the truth). */
  private readonly cataloged = new Set<string>();

  /** Crawls the tables of `prefixes` the catalog does not have yet (the Glue crawler's job). */
  private async catalogNewTables(prefixes: readonly string[]): Promise<void> {
    const { catalog } = this.o;
    if (!catalog) return;
    const missing: string[] = [];
    for (const prefix of prefixes) {
      if (this.cataloged.has(prefix)) continue;
      const entity = prefix.slice('raw/'.length, -1);
      if (await catalog.getTable(databaseFor('raw', entity), tableNameFor(entity))) {
        this.cataloged.add(prefix);
      } else missing.push(prefix);
    }
    if (missing.length === 0) return;
    try {
      const report = await crawl(
        { datalake: this.o.datalake, catalog, log: this.o.logger },
        { zone: 'raw', tablePrefixes: missing },
      );
      for (const p of missing) this.cataloged.add(p);
      this.o.logger.info(
        { tables: report.tablesCreated, partitionsAdded: report.partitionsAdded },
        'new raw tables cataloged',
      );
    } catch (err) {
      // Not worth stopping the stream for: the scheduled crawl catalogs them later.
      this.o.logger.warn({ err, tables: missing }, 'could not catalog new raw tables');
    }
  }
}

function batcherFor(options: StreamProcessorOptions): Batcher {
  const batchMaxEvents = options.batchMaxEvents ?? 50_000;
  if (!Number.isInteger(batchMaxEvents) || batchMaxEvents < 1) {
    throw new RangeError(`batchMaxEvents must be a positive integer, got ${batchMaxEvents}`);
  }
  return new Batcher({
    log: options.log,
    datalake: options.datalake,
    portfolios: options.portfolios,
    batchMaxEvents,
    consumer: options.consumer ?? STREAM_PROCESSOR_CONSUMER,
    timezone: options.timezone ?? 'America/Bogota',
    logger: options.logger ?? silentLogger,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.leaseHeld ? { leaseHeld: options.leaseHeld } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.rawClaims ? { rawClaims: options.rawClaims } : {}),
  });
}

/**
 * Processes everything currently in the log after the processor's checkpoint, in batches of
 * `batchMaxEvents` (the last one cut at the end of the log), and returns. What
 * `corriente fx process --once`, tests and benchmarks run. A failure throws with the checkpoint
 * at the last committed batch; running it again completes the work.
 *
 * @example
 * const stats = await processAvailable({ log, datalake, portfolios, batchMaxEvents: 10_000 });
 * console.log(stats.records, stats.checkpoint);
 */
export async function processAvailable(
  options: Omit<StreamProcessorOptions, 'batchMaxDelayMs' | 'retryDelayMs'>,
): Promise<StreamProcessorStats> {
  const b = batcherFor(options);
  await b.init();
  for (;;) {
    if (options.signal?.aborted) break;
    const n = await b.fill();
    if (b.buffered === 0) break;
    if (b.full) await b.commit('count');
    else if (n === 0) {
      if (b.planned) {
        throw new Error('a planned batch extends past the end of the log (was the log trimmed?)');
      }
      await b.commit('end-of-log');
    }
  }
  if (b.buffered > 0) await b.commit('stop');
  return b.stats;
}

/**
 * Starts the stream processor (the stream-processor Lambda's role in process): follows the log
 * as consumer `fx-stream-processor`, writes each batch of events to the raw lake tables and
 * applies it to the portfolios, and checkpoints after both. A batch is cut at `batchMaxEvents`
 * or when its first event has waited `batchMaxDelayMs`, whichever comes first. Failures are
 * logged and retried after `retryDelayMs`.
 *
 * @example
 * const processor = await startStreamProcessor({ log, datalake, portfolios, logger });
 * // …
 * await processor.stop(); // flushes and checkpoints the current batch
 */
export async function startStreamProcessor(
  options: StreamProcessorOptions,
): Promise<StreamProcessor> {
  const b = batcherFor(options);
  const logger = options.logger ?? silentLogger;
  const delayMs = options.batchMaxDelayMs ?? 5000;
  await b.init();
  const loop = startConsumerLoop({
    step: async () => {
      const n = await b.fill();
      if (b.full) {
        await b.commit('count');
        return 0;
      }
      const waited = performance.now() - b.bufferedSince;
      if (b.buffered > 0 && !b.planned && waited >= delayMs) {
        await b.commit('time');
        return 0;
      }
      if (n > 0) return 0;
      return b.buffered > 0 ? Math.max(1, delayMs - waited) : 1000;
    },
    waitForRecords: (ms, signal) => options.log.waitForRecords(b.cursor, ms, signal),
    onError: (err) => {
      b.stats.lastError = (err as Error).message;
      logger.error({ err }, 'fx stream processor step failed; retrying');
    },
    retryDelayMs: options.retryDelayMs ?? 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ ...b.stats }),
    abandon: () => {
      stopped ??= (async () => {
        await loop.stop();
        b.discard();
      })();
      return stopped;
    },
    stop: () => {
      stopped ??= (async () => {
        await loop.stop();
        // Finish the buffered batch: a planned one to its planned end, an unplanned one here.
        while (b.buffered > 0 && b.planned && !b.full) {
          if ((await b.fill()) === 0) break;
        }
        if (b.buffered > 0) await b.commit(b.full ? 'count' : 'stop');
      })();
      return stopped;
    },
  };
}
