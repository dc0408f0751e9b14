import { z } from 'zod';
import type { Stores } from '../stores.js';
import { openPostgresState } from '../state.js';
import { lakeChainStarter } from './lake-chain-start.js';
import { awsConfig, awsIngestClaims, awsStores } from './aws-adapters.js';
import type { IngestClaims } from '../../energy/ingest/ingest-claims.js';
import {
  ingestKey,
  isIgnoredLandingKey,
  newRunId,
  type FileOutcome,
} from '../../energy/ingest/ingest.js';
import { loadDateOf } from '../../core/util/time-zone.js';
import { energyContracts, sourcesOf, type EntitySource } from '../../energy/contracts/index.js';
import { createLogger, type Logger } from '../../core/log/logger.js';

/** The part of an S3 event notification the handler reads (validated at the edge). */
const s3EventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1), size: z.number().optional() }),
        }),
      }),
    )
    .min(1),
});
export type S3Event = z.infer<typeof s3EventSchema>;

export interface S3IngestionResult {
  runId: string;
  files: FileOutcome[];
}

export interface S3IngestionHandlerDeps {
  stores: Stores;
  /**
   * The ingestion claims. Invocations on many hosts share them only through a shared state
   * store; with the SQLite one each instance has its own, and S3's conditional writes alone
   * keep raw objects from being overwritten.
   */
  claims: IngestClaims;
  /** `ingest.claimTtlSeconds` in ms. @default 15 minutes */
  claimTtlMs?: number;
  /** The source bucket's name and key prefix, to map event keys onto store keys. */
  sourceBucket: string;
  sourcePrefix: string;
  timezone: string;
  log: Logger;
  now?: () => Date;
  /** `ingest.maxRecordBytes`. @default 1 MiB */
  maxRecordBytes?: number;
  /** Entity recognition from the contracts. @default the shipped contract's */
  entities?: readonly EntitySource[];
  /**
   * Starts the lake chain for a load date after files were loaded into it (the `s3-ingestion`
   * function: Step Functions, `CORRIENTE_LAKE_CHAIN_ARN`); idempotent per load.
   */
  startChain?: (loadDate: string) => Promise<unknown>;
}

/**
 * The `energy-data-ingestion` Lambda: S3 `ObjectCreated` events on the source bucket run the same
 * `ingestKey` core as `corriente ingest`. A record for another bucket, or a key outside the
 * source prefix, is ignored with a warning. If any file fails (not quarantined: failed), the
 * handler throws so Lambda retries the event; ingestion is idempotent, so a retry is safe.
 */
export function createS3IngestionHandler(deps: S3IngestionHandlerDeps) {
  return async (event: unknown): Promise<S3IngestionResult> => {
    const parsed = s3EventSchema.safeParse(event);
    if (!parsed.success) {
      throw new Error(
        `not an S3 event notification: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const now = (deps.now ?? (() => new Date()))();
    const ctx = { runId: newRunId(now), loadDate: loadDateOf(now, deps.timezone) };
    const files: FileOutcome[] = [];
    for (const record of parsed.data.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      // S3 URL-encodes keys in events, with '+' for spaces.
      const fullKey = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      if (record.s3.bucket.name !== deps.sourceBucket || !fullKey.startsWith(deps.sourcePrefix)) {
        deps.log.warn(
          { bucket: record.s3.bucket.name, key: fullKey },
          'event outside the source store; ignored',
        );
        continue;
      }
      const key = fullKey.slice(deps.sourcePrefix.length);
      if (isIgnoredLandingKey(key)) continue;
      const outcome = await ingestKey(
        {
          ...deps.stores,
          claims: deps.claims,
          ...(deps.claimTtlMs !== undefined ? { claimTtlMs: deps.claimTtlMs } : {}),
          log: deps.log,
          timezone: deps.timezone,
          ...(deps.now ? { now: deps.now } : {}),
          ...(deps.maxRecordBytes !== undefined ? { maxRecordBytes: deps.maxRecordBytes } : {}),
          ...(deps.entities ? { entities: deps.entities } : {}),
        },
        key,
        ctx,
      );
      // Undefined: another invocation holds or already took the file (S3 may deliver twice).
      if (outcome) files.push(outcome);
    }
    const failed = files.filter((f) => f.status === 'failed');
    if (failed.length > 0) {
      throw new Error(
        `ingestion failed for ${failed.map((f) => `${f.sourceKey} (${f.error})`).join(', ')}`,
      );
    }
    // A retried event finds its files as duplicates: the chain is started (again: the same
    // execution) for them too.
    if (deps.startChain && files.some((f) => f.status === 'loaded' || f.status === 'duplicate')) {
      await deps.startChain(ctx.loadDate);
    }
    return { runId: ctx.runId, files };
  };
}

let cached: ReturnType<typeof createS3IngestionHandler> | undefined;

/**
 * Lambda entry point (configuration from the environment: `CORRIENTE_CONFIG_JSON`, …): both
 * stores on S3 and the claims in the PostgreSQL state store, so concurrent invocations never
 * take the same landing file or raw key.
 */
export async function handler(event: unknown): Promise<S3IngestionResult> {
  if (!cached) {
    const config = await awsConfig();
    const source = config.stores.source;
    const stores = awsStores(config);
    if (source.type !== 's3') throw new Error('unreachable: awsStores checked stores.source');
    const log = createLogger(config.log.level, 'corriente-ingest', 'json');
    const pool = await openPostgresState(config, { log, applicationName: 'corriente-ingest' });
    const entities = sourcesOf(energyContracts(config));
    const chainArn = process.env.CORRIENTE_LAKE_CHAIN_ARN;
    cached = createS3IngestionHandler({
      stores,
      claims: awsIngestClaims(pool),
      claimTtlMs: config.ingest.claimTtlSeconds * 1000,
      sourceBucket: source.bucket,
      sourcePrefix: source.prefix,
      timezone: config.timezone,
      maxRecordBytes: config.ingest.maxRecordBytes,
      entities,
      log,
      ...(chainArn
        ? {
            startChain: lakeChainStarter({
              stateMachineArn: chainArn,
              datalake: stores.datalake,
              entities: entities.map((e) => e.entity),
            }),
          }
        : {}),
    });
  }
  return cached(event);
}
