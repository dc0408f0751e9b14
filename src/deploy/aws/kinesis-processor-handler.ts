import { z } from 'zod';
import { awsConfig, awsPortfolioStore, awsStore } from './aws-adapters.js';
import type { Config } from '../config.js';
import type { EventRecord } from '../../core/event-log/event-log.js';
import type { PortfolioStore } from '../../fx/portfolio/portfolio-store.js';
import {
  batchFileName,
  decideSkips,
  processBatch,
  readPlan,
  writePlan,
} from '../../fx/processor/batch.js';
import type { RawEventClaims } from '../../fx/processor/raw-claims.js';
import { PostgresRawEventClaims } from '../../fx/processor/postgres/index.js';
import { openPostgresState } from '../state.js';
import type { PgPool } from '../../core/state/postgres/index.js';
import { LoadDates } from '../../fx/processor/raw-writer.js';
import { createLogger, type Logger } from '../../core/log/logger.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';

/** The part of a Kinesis event source mapping's event the handler reads (validated at the edge). */
const kinesisEventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:kinesis').optional(),
        /** `shardId-000000000000:49590338271490256608559692538361571095921575989136588898` */
        eventID: z.string().optional(),
        eventSourceARN: z.string().regex(/^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/[A-Za-z0-9_.-]+$/),
        kinesis: z.object({
          data: z.base64(),
          sequenceNumber: z.string().regex(/^\d{1,128}$/),
          partitionKey: z.string().min(1).max(256),
          /** Seconds since the epoch, with a fraction. */
          approximateArrivalTimestamp: z.number().optional(),
        }),
      }),
    )
    .min(1),
});
export type KinesisStreamEvent = z.infer<typeof kinesisEventSchema>;

/** Lambda's partial batch response (`ReportBatchItemFailures`). */
export interface KinesisBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface KinesisProcessorHandlerDeps {
  datalake: ObjectStore;
  portfolios: PortfolioStore;
  timezone: string;
  log: Logger;
  /**
   * Event ids claimed per batch in the state store, so an event the log delivers twice (an API
   * instance's outbox relay killed after its append) lands in the raw lake once. Without it, a
   * repeat in another batch is written again (portfolios drop it by event id either way).
   */
  rawClaims?: RawEventClaims;
  /** The state store's pool behind `rawClaims` (its owner ends it; a Lambda keeps it). */
  statePool?: PgPool;
}

/**
 * The stream-processor Lambda for a Kinesis event source mapping. It runs the same core as the
 * in-process processor (`processBatch`: decode, write the raw lake files, apply portfolios) and
 * answers with a partial batch response: on failure every record from the first unprocessed one
 * is reported, so Lambda retries from there (the lake files are rewritten identically and the
 * portfolios skip duplicates).
 *
 * Batch boundaries: the files are named from the shard and the first/last sequence numbers, and
 * the boundaries are planned durably as in process. When a retry delivers more records than the
 * batch planned for its first record, only the planned ones are processed and the rest are
 * reported as failures, so they come back as the next batch; that keeps the files identical.
 */
export function createKinesisProcessorHandler(deps: KinesisProcessorHandlerDeps) {
  const dates = new LoadDates(deps.timezone);
  return async (event: unknown): Promise<KinesisBatchResponse> => {
    const parsed = kinesisEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `not a Kinesis event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const input = parsed.data.Records;
    const first = input[0]!;
    const stream = first.eventSourceARN.slice(first.eventSourceARN.lastIndexOf('/') + 1);
    const records: EventRecord[] = input.map((r) => {
      const shard = r.eventID?.split(':')[0] || 'shardId-unknown';
      const position = JSON.stringify({ [shard]: r.kinesis.sequenceNumber });
      return {
        position,
        next: position,
        partitionKey: r.kinesis.partitionKey,
        data: Buffer.from(r.kinesis.data, 'base64'),
        appendedAt: new Date(
          r.kinesis.approximateArrivalTimestamp !== undefined
            ? Math.round(r.kinesis.approximateArrivalTimestamp * 1000)
            : Date.now(),
        ),
      };
    });
    const failFrom = (index: number): KinesisBatchResponse => ({
      batchItemFailures: input
        .slice(index)
        .map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    });
    try {
      const plan = await readPlan(deps.datalake, stream, records[0]!.position);
      let count = records.length;
      if (plan) {
        const idx = records.findIndex((r) => r.position === plan.last);
        if (idx >= 0) count = idx + 1;
        else {
          deps.log.warn(
            { plan, delivered: records.length },
            'a redelivered batch is shorter than planned; processing it as a new batch',
          );
        }
      }
      const batch = records.slice(0, count);
      const lastRec = batch.at(-1)!;
      if (!plan || count !== plan.count) {
        await writePlan(
          deps.datalake,
          stream,
          {
            version: 1,
            first: batch[0]!.position,
            last: lastRec.position,
            next: lastRec.next,
            count,
            cut: 'delivery',
          },
          { replace: true },
        );
      }
      // Decided once per planned batch and recorded beside its plan, before any effect.
      const skip = deps.rawClaims
        ? await decideSkips(
            deps.datalake,
            deps.rawClaims,
            stream,
            { first: batch[0]!.position, last: lastRec.position },
            batch,
          )
        : undefined;
      const result = await processBatch(
        { datalake: deps.datalake, portfolios: deps.portfolios, dates, logger: deps.log },
        batch,
        batchFileName(batch[0]!.position, lastRec.position),
        skip,
      );
      deps.log.info({ ...result, stream }, 'fx Kinesis batch processed');
      return count < records.length ? failFrom(count) : { batchItemFailures: [] };
    } catch (err) {
      deps.log.error({ err, stream, records: records.length }, 'fx Kinesis batch failed');
      return failFrom(0);
    }
  };
}

let cached: ReturnType<typeof createKinesisProcessorHandler> | undefined;

/**
 * The handler's adapters, from the configuration: the portfolios in DynamoDB, the lake on S3 (a
 * SQLite file or a local folder would live in one container) and, with `state.type = postgres`,
 * the raw lake's event claims in the state store.
 * @throws ConfigError naming the key.
 */
export async function processorHandlerDeps(config: Config): Promise<KinesisProcessorHandlerDeps> {
  const portfolios = awsPortfolioStore(config);
  const datalake = awsStore(config, 'datalake');
  const log = createLogger(config.log.level);
  const statePool =
    config.state.type === 'postgres'
      ? await openPostgresState(config, { log, applicationName: 'corriente-processor' })
      : undefined;
  return {
    datalake,
    portfolios,
    timezone: config.timezone,
    log,
    ...(statePool ? { rawClaims: new PostgresRawEventClaims(statePool), statePool } : {}),
  };
}

/** Lambda entry point; configuration from the environment (`CORRIENTE_CONFIG_JSON`, …). */
export async function handler(event: unknown): Promise<KinesisBatchResponse> {
  if (!cached) {
    const config = await awsConfig();
    cached = createKinesisProcessorHandler(await processorHandlerDeps(config));
  }
  return cached(event);
}
