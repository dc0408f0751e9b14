import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Cron } from 'croner';
import { z } from 'zod';
import { governanceConfigSchema } from '../core/governance/governance-config.js';
import { notifyConfigSchema } from '../fx/decisions/notify/notify-config.js';
import { orchestratorConfigSchema } from '../fx/decisions/orchestrator/orchestrator-config.js';
import { modelConfigSchema } from '../fx/decisions/training/model-config.js';

const localStoreSchema = z.strictObject({
  type: z.literal('local'),
  /** Folder; relative paths resolve against `home`. */
  path: z.string().min(1),
});

const s3StoreSchema = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(3),
  /** Key prefix inside the bucket, e.g. `landing/`. @default '' */
  prefix: z.string().default(''),
  region: z.string().default('us-east-1'),
  /** Custom endpoint (MinIO, s3rver, LocalStack). */
  endpoint: z.url().optional(),
  /** Path-style addressing; needed by most emulators. @default false */
  forcePathStyle: z.boolean().default(false),
  /** Objects above this size are uploaded in parts. @default 16 MiB */
  multipartThresholdBytes: z
    .number()
    .int()
    .min(5 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

export const storeConfigSchema = z.discriminatedUnion('type', [localStoreSchema, s3StoreSchema]);
export type StoreConfig = z.infer<typeof storeConfigSchema>;

function isValidCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z.strictObject({
  /** Root of every local store and state file. @default ./corriente-data */
  home: z.string().min(1).default('./corriente-data'),
  /** Time zone of load dates. @default America/Bogota */
  timezone: z
    .string()
    .default('America/Bogota')
    .refine(isValidTimeZone, { message: 'is not a known IANA time zone (e.g. America/Bogota)' }),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  stores: z
    .strictObject({
      /** The landing store where the retailer's system drops exports. @default $home/source */
      source: storeConfigSchema.default({ type: 'local', path: 'source' }),
      /** The lake (raw, processed, quarantine, manifests). @default $home/datalake */
      datalake: storeConfigSchema.default({ type: 'local', path: 'datalake' }),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      /** Seconds between polls of the landing store inside `corriente up`. @default 10 */
      pollIntervalSeconds: z.number().positive().max(86_400).default(10),
      /**
       * A landing file modified less than this many seconds ago is left for the next poll, so a
       * file still being written is never taken half-way (local landing folders only). @default 2
       */
      minFileAgeSeconds: z.number().min(0).max(3600).default(2),
      /**
       * A landing file with a record (line) longer than this many bytes is quarantined with code
       * `record_too_long`: the transform's CSV reader could not read it. @default 1048576 (1 MiB)
       */
      maxRecordBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  http: z
    .strictObject({
      port: z.number().int().min(0).max(65_535).default(8080),
      host: z.string().default('127.0.0.1'),
      /**
       * Time for a whole request (headers and body) to arrive; past it the server answers 408 and
       * closes the socket, so slow bodies cannot hold connections. @default 30
       */
      requestTimeoutSeconds: z.number().positive().max(3600).default(30),
      /** A socket idle this long is closed (event streams send heartbeats). @default 120 */
      connectionTimeoutSeconds: z.number().positive().max(86_400).default(120),
      /** An idle keep-alive connection is closed after this long. @default 5 */
      keepAliveTimeoutSeconds: z.number().positive().max(600).default(5),
      /** Requests served on one keep-alive connection before it is closed. @default 1000 */
      maxRequestsPerSocket: z.number().int().min(0).default(1000),
    })
    .prefault({}),
  query: z
    .strictObject({
      /** `duckdb` (over the catalog, local lake) or `athena` (lake on S3). @default 'duckdb' */
      engine: z.enum(['duckdb', 'athena']).default('duckdb'),
      /** Rows returned when a caller gives no limit. @default 1000 */
      defaultLimit: z.number().int().positive().default(1000),
      /** Largest limit a caller may ask for. @default 100000 */
      maxLimit: z.number().int().positive().default(100_000),
      /** A query running longer is cancelled. @default 30000 */
      timeoutMs: z.number().int().positive().default(30_000),
      /** DuckDB memory limit of each query instance, e.g. `2GB`. */
      memoryLimit: z.string().optional(),
      athena: z
        .strictObject({
          region: z.string().default('us-east-1'),
          workGroup: z.string().default('primary'),
          /** `s3://bucket/prefix/` for results (else the work group's setting). */
          outputLocation: z.string().optional(),
          /** Glue data catalog. @default 'AwsDataCatalog' */
          catalog: z.string().default('AwsDataCatalog'),
          endpoint: z.url().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The automatic lake chain inside `corriente up`. */
  lake: z
    .strictObject({
      /** Cron of the scheduled crawl (besides the crawl after every ingestion and transform). @default hourly */
      crawlSchedule: z
        .string()
        .default('0 * * * *')
        .refine(isValidCron, { message: 'is not a valid cron expression' }),
      /** DuckDB memory limit of transform jobs; beyond it DuckDB spills to disk. @default '1GB' */
      transformMemoryLimit: z
        .string()
        .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size like 1GB or 512MB')
        .default('1GB'),
      /** Expected arrival cadence of each source entity, for `corriente status`. @default 24 */
      freshnessHours: z.number().positive().default(24),
    })
    .prefault({}),
  warehouse: z
    .strictObject({
      /** @default 'duckdb' */
      target: z.enum(['duckdb', 'postgres']).default('duckdb'),
      /** DuckDB warehouse file, relative to home. @default 'warehouse/warehouse.duckdb' */
      duckdbPath: z.string().default('warehouse/warehouse.duckdb'),
      /** `postgres://…` (PostgreSQL or Redshift). Prefer `CORRIENTE_WAREHOUSE_URL`: no passwords in files. */
      postgresUrl: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
      /** Schema in PostgreSQL / Redshift. @default 'corriente_dw' */
      postgresSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier')
        .default('corriente_dw'),
    })
    .prefault({}),
  fx: z
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
    .prefault({}),
  /** Principals, roles and grants (Lake Formation's role); absent: one implicit `admin`. */
  governance: governanceConfigSchema.optional(),
});

export type Config = z.infer<typeof configSchema>;

/** Raised for an invalid configuration; the message names each bad key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Explicit config file (else `CORRIENTE_CONFIG`, else `corriente.config.{json,yaml,yml}` in cwd). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values from command-line flags; they win over everything. */
  overrides?: Record<string, unknown>;
}

const CONFIG_NAMES = ['corriente.config.json', 'corriente.config.yaml', 'corriente.config.yml'];

/**
 * Loads the configuration: embedded defaults ← config file ← environment ← flags.
 *
 * Environment variables: `CORRIENTE_HOME`, `CORRIENTE_TZ`, `CORRIENTE_LOG_LEVEL`, `PORT`,
 * `CORRIENTE_POLL_INTERVAL_SECONDS`.
 *
 * @throws ConfigError naming the key and what is wrong.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file =
    options.file ?? env.CORRIENTE_CONFIG ?? CONFIG_NAMES.find((n) => existsSync(path.join(cwd, n)));
  let raw: Record<string, unknown> = {};
  let source = 'defaults';
  if (file) {
    const full = path.resolve(cwd, file);
    source = full;
    let text: string;
    try {
      text = readFileSync(full, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${full}: ${(err as Error).message}`);
    }
    try {
      const parsed: unknown = /\.ya?ml$/i.test(full) ? parseYaml(text) : JSON.parse(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new Error('the top level must be an object');
        }
        raw = parsed as Record<string, unknown>;
      }
    } catch (err) {
      throw new ConfigError(`config file ${full} is not valid: ${(err as Error).message}`);
    }
  }
  const merged = structuredClone(raw);
  const setIn = (keys: string[], value: unknown): void => {
    let obj = merged;
    for (const k of keys.slice(0, -1)) {
      const next = obj[k];
      if (typeof next !== 'object' || next === null) obj[k] = {};
      obj = obj[k] as Record<string, unknown>;
    }
    obj[keys[keys.length - 1]!] = value;
  };
  const num = (name: string, v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) {
      throw new ConfigError(`environment variable ${name}=${JSON.stringify(v)} is not a number`);
    }
    return n;
  };
  if (env.CORRIENTE_HOME) setIn(['home'], env.CORRIENTE_HOME);
  if (env.CORRIENTE_WAREHOUSE_URL) setIn(['warehouse', 'postgresUrl'], env.CORRIENTE_WAREHOUSE_URL);
  if (env.CORRIENTE_TZ) setIn(['timezone'], env.CORRIENTE_TZ);
  if (env.CORRIENTE_LOG_LEVEL) setIn(['log', 'level'], env.CORRIENTE_LOG_LEVEL);
  if (env.PORT) setIn(['http', 'port'], num('PORT', env.PORT));
  if (env.CORRIENTE_POLL_INTERVAL_SECONDS) {
    setIn(
      ['ingest', 'pollIntervalSeconds'],
      num('CORRIENTE_POLL_INTERVAL_SECONDS', env.CORRIENTE_POLL_INTERVAL_SECONDS),
    );
  }
  for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setIn(dotted.split('.'), value);
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = i.path.join('.') || '(top level)';
      return `  - ${key}: ${i.message}`;
    });
    throw new ConfigError(
      `invalid configuration (from ${source} and the environment):\n${lines.join('\n')}`,
    );
  }
  const config = result.data;
  config.home = path.resolve(cwd, config.home);
  return config;
}

/** Absolute folder of a local store (relative paths are under `home`). */
export function localStorePath(config: Config, store: { path: string }): string {
  return path.resolve(config.home, store.path);
}
