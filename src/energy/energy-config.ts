/**
 * The energy lake's configuration keys (`ingest`, `lake`, `warehouse`); `src/deploy/config.ts`
 * composes them with the other products' into one config file.
 */
import { z } from 'zod';
import { isValidCron } from '../core/util/config-checks.js';

/** Landing-store polling (config `ingest`). */
export const ingestConfigSchema = z
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
    /**
     * Where the ingestion claims live (one worker per landing file, one content per raw key),
     * shared by every ingestion worker of a landing store. `sqlite`: a file (relative to home),
     * shared by the processes of one host. With `state.type = postgres`, `ingest` and `run` (and
     * the ingestion Lambda) keep them in the PostgreSQL state store instead, shared by every
     * host. @default { type: 'sqlite', path: 'state/ingest-claims.db' }
     */
    claims: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('sqlite'),
          path: z.string().min(1).default('state/ingest-claims.db'),
        }),
      ])
      .default({ type: 'sqlite', path: 'state/ingest-claims.db' }),
    /**
     * A claim held by a process on another host is taken over after this many seconds (that
     * worker is presumed dead); claims of this host are taken over as soon as their process is
     * gone. Keep it above the longest single-file ingestion. @default 900
     */
    claimTtlSeconds: z.number().int().min(10).max(86_400).default(900),
  })
  .prefault({});

/** The automatic lake chain inside `corriente up`. */
export const lakeConfigSchema = z
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
  .prefault({});

/** The star-schema warehouse (config `warehouse`). */
export const warehouseConfigSchema = z
  .strictObject({
    /**
     * `duckdb` (a file under home), `postgres` or `redshift`: both of the latter go through the
     * PostgreSQL adapter (Amazon Redshift speaks its wire protocol; the adapter detects it and
     * adds distribution and sort keys). @default 'duckdb'
     */
    target: z.enum(['duckdb', 'postgres', 'redshift']).default('duckdb'),
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
  .prefault({});

export type IngestConfig = z.output<typeof ingestConfigSchema>;
export type LakeConfig = z.output<typeof lakeConfigSchema>;
export type WarehouseConfig = z.output<typeof warehouseConfigSchema>;

/** What the energy product reads of the whole configuration. */
export interface EnergyConfig {
  /** Root of every local store and state file (absolute once loaded). */
  home: string;
  /** Time zone of load dates. */
  timezone: string;
  ingest: IngestConfig;
  /** Contract files declaring more source entities (absolute once loaded). */
  contracts: string[];
  lake: LakeConfig;
  warehouse: WarehouseConfig;
}
