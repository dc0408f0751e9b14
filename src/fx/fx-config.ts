/**
 * The FX platform's configuration keys (`fx`); `src/deploy/config.ts` composes them with the
 * other products' into one config file.
 */
import { z } from 'zod';
import { isValidCron } from '../core/util/config-checks.js';
import { notifyConfigSchema } from './decisions/notify/notify-config.js';
import { orchestratorConfigSchema } from './decisions/orchestrator/orchestrator-config.js';
import { modelConfigSchema } from './decisions/training/model-config.js';

/** Event log, portfolios, prices, API, processor, model, orchestrator and notifications. */
export const fxConfigSchema = z
  .strictObject({
    eventLog: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('disk'),
          path: z.string().default('eventlog'),
          stream: z.string().default('fx-events'),
        }),
        z.strictObject({
          type: z.literal('kinesis'),
          streamName: z.string().min(1),
          region: z.string().default('us-east-1'),
          endpoint: z.url().optional(),
        }),
      ])
      .default({ type: 'disk', path: 'eventlog', stream: 'fx-events' }),
    portfolioStore: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('sqlite'),
          path: z.string().default('fx/portfolios.db'),
        }),
        z.strictObject({
          type: z.literal('dynamodb'),
          tableName: z.string().min(3),
          region: z.string().default('us-east-1'),
          endpoint: z.url().optional(),
        }),
      ])
      .default({ type: 'sqlite', path: 'fx/portfolios.db' }),
    prices: z
      .strictObject({
        /** Where quotes come from. @default 'simulated' */
        source: z.enum(['simulated', 'replay', 'http']).default('simulated'),
        /** Cron of the price collector (EventBridge's role). @default every minute */
        schedule: z
          .string()
          .default('* * * * *')
          .refine(isValidCron, { message: 'is not a valid cron expression' }),
        /** Seconds between ticks in the `corriente up` demo (overrides the schedule there). @default 2 */
        demoIntervalSeconds: z.number().positive().default(2),
        /** A price older than this cannot be traded on (the API answers 503). @default 120 */
        staleAfterSeconds: z.number().positive().default(120),
        /** Seed of the simulated market. @default 7 */
        seed: z.number().int().nonnegative().default(7),
        /** CSV price history for `replay` (columns observed_at, bid, ask). */
        replayFile: z.string().optional(),
        http: z
          .strictObject({
            url: z.url(),
            /** Dotted paths of the fields in the JSON answer. */
            bidField: z.string().default('bid'),
            askField: z.string().default('ask'),
            timeField: z.string().optional(),
            timeoutMs: z.number().int().positive().default(5000),
            retries: z.number().int().min(0).max(10).default(3),
          })
          .optional(),
      })
      .prefault({}),
    api: z
      .strictObject({
        /** Requests per minute per user on `/api/fx/v1`. @default 6000 */
        rateLimitPerMinute: z.number().int().positive().default(6000),
        /** @default 16384 */
        bodyLimitBytes: z.number().int().positive().max(1_048_576).default(16_384),
      })
      .prefault({}),
    processor: z
      .strictObject({
        /** Raw lake files are cut at this many events… @default 50000 */
        batchMaxEvents: z.number().int().positive().default(50_000),
        /** …or when the oldest buffered event is this old. @default 5000 */
        batchMaxDelayMs: z.number().int().positive().default(5000),
      })
      .prefault({}),
    /**
     * Lease time of the roles shared by many processes (processor shards, the collector and
     * orchestrator leaders): a dead instance's work is taken over within about this long.
     * @default 15
     */
    leaseSeconds: z.number().min(1).max(3600).default(15),
    /** Cron of the scheduled reconciliation inside `corriente up`. @default every 15 minutes */
    reconcileSchedule: z
      .string()
      .default('*/15 * * * *')
      .refine(isValidCron, { message: 'is not a valid cron expression' }),
    /** Training, model registry and inference (see `src/fx/decisions/training/model-config.ts`). */
    model: modelConfigSchema,
    /** The inference orchestrator and its policy (see `src/fx/decisions/orchestrator/orchestrator-config.ts`). */
    orchestrator: orchestratorConfigSchema,
    /** Notifications and channels (see `src/fx/decisions/notify/notify-config.ts`). */
    notifications: notifyConfigSchema,
  })
  .prefault({});

export type FxConfig = z.output<typeof fxConfigSchema>;
