import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { catalogConfigSchema } from '../core/catalog/catalog-config.js';
import { governanceConfigSchema } from '../core/governance/governance-config.js';
import { storeConfigSchema } from '../core/object-store/store-config.js';
import { stateConfigSchema } from '../core/state/state-config.js';
import { isValidTimeZone } from '../core/util/config-checks.js';
import { ConfigError } from '../core/util/config-error.js';
import {
  ingestConfigSchema,
  lakeConfigSchema,
  warehouseConfigSchema,
} from '../energy/energy-config.js';
import { fxConfigSchema } from '../fx/fx-config.js';

export { storeConfigSchema, type StoreConfig } from '../core/object-store/store-config.js';
export { catalogConfigSchema, type CatalogConfig } from '../core/catalog/catalog-config.js';
export {
  stateConfigSchema,
  type PostgresStateConfig,
  type StateConfig,
} from '../core/state/state-config.js';

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
  /**
   * Where the state of every role lives: `{type: sqlite}` (files under home, one machine) or
   * `{type: postgres, url, poolSize?}` (one database shared by many processes).
   * `CORRIENTE_DATABASE_URL` sets the latter. @default { type: 'sqlite' }
   */
  state: stateConfigSchema,
  /**
   * The catalog: `{type: sqlite}` (a file under home) or `{type: glue, region?, catalogId?}`
   * (the AWS Glue Data Catalog, which Athena reads). @default { type: 'sqlite' }
   */
  catalog: catalogConfigSchema,
  ingest: ingestConfigSchema,
  /**
   * Source-contract files (YAML) declaring entities besides the shipped clientes, proveedores and
   * transacciones; relative paths are taken from the config file's folder (else the working
   * folder). @default []
   */
  contracts: z.array(z.string().min(1)).default([]),
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
  lake: lakeConfigSchema,
  warehouse: warehouseConfigSchema,
  fx: fxConfigSchema,
  /** Principals, roles and grants (Lake Formation's role); absent: one implicit `admin`. */
  governance: governanceConfigSchema.optional(),
});

export type Config = z.infer<typeof configSchema>;

export { ConfigError };

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
 * The config file `loadConfig` reads with these options (absolute), or undefined when there is
 * none: `file`, else `CORRIENTE_CONFIG`, else `corriente.config.{json,yaml,yml}` in `cwd`.
 */
export function configFilePath(options: LoadConfigOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file =
    options.file ?? env.CORRIENTE_CONFIG ?? CONFIG_NAMES.find((n) => existsSync(path.join(cwd, n)));
  return file === undefined ? undefined : path.resolve(cwd, file);
}

/**
 * Where `loadConfig` takes the configuration from with these options: `'CORRIENTE_CONFIG_JSON'`,
 * the config file (absolute), or undefined (defaults and the environment only).
 */
export function configSource(options: LoadConfigOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  if (options.file === undefined && env.CORRIENTE_CONFIG_JSON) return 'CORRIENTE_CONFIG_JSON';
  return configFilePath(options);
}

/**
 * Loads the configuration: embedded defaults ← config file ← environment ← flags. The config
 * file is `options.file`, else the whole config as JSON in `CORRIENTE_CONFIG_JSON` (Lambda
 * functions), else `CORRIENTE_CONFIG`, else `corriente.config.{json,yaml,yml}` in `cwd`.
 *
 * Environment variables: `CORRIENTE_HOME`, `CORRIENTE_TZ`, `CORRIENTE_LOG_LEVEL`, `PORT`,
 * `CORRIENTE_POLL_INTERVAL_SECONDS`, `CORRIENTE_WAREHOUSE_URL`, `CORRIENTE_DATABASE_URL` (sets
 * `state` to `{type: postgres, url}`, keeping a configured `poolSize`). With `state.type` postgres
 * and no `fx.model.registry.type` given, the model registry is `postgres` too.
 *
 * @throws ConfigError naming the key and what is wrong.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const inline = options.file === undefined ? env.CORRIENTE_CONFIG_JSON : undefined;
  const full = inline ? undefined : configFilePath(options);
  let raw: Record<string, unknown> = {};
  let source = 'defaults';
  if (inline) {
    source = 'CORRIENTE_CONFIG_JSON';
    let parsed: unknown;
    try {
      parsed = JSON.parse(inline);
    } catch (err) {
      throw new ConfigError(`CORRIENTE_CONFIG_JSON is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('CORRIENTE_CONFIG_JSON: the top level must be an object');
    }
    raw = parsed as Record<string, unknown>;
  } else if (full) {
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
  if (env.CORRIENTE_DATABASE_URL) {
    setIn(['state', 'type'], 'postgres');
    setIn(['state', 'url'], env.CORRIENTE_DATABASE_URL);
  }
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
  // With the state in PostgreSQL, the model registry is too unless a type is named: every
  // process then serves the versions approved in any of them.
  if (
    (merged.state as { type?: unknown } | undefined)?.type === 'postgres' &&
    registryTypeOf(merged) === undefined
  ) {
    setIn(['fx', 'model', 'registry', 'type'], 'postgres');
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
  const base = full ? path.dirname(full) : cwd;
  config.contracts = config.contracts.map((c) => path.resolve(base, c));
  return config;
}

/** `fx.model.registry.type` of raw (unparsed) configuration, when one is given. */
function registryTypeOf(raw: Record<string, unknown>): unknown {
  let node: unknown = raw;
  for (const k of ['fx', 'model', 'registry', 'type']) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

/** Absolute folder of a local store (relative paths are under `home`). */
export function localStorePath(config: Config, store: { path: string }): string {
  return path.resolve(config.home, store.path);
}
