/**
 * The state store of the many-process mode (`state.type = postgres`): one pool per process and
 * the one list of every module's migrations, applied at start under an advisory lock.
 */
import { CHECKPOINT_MIGRATIONS } from '../core/event-log/postgres/index.js';
import { LEASE_MIGRATIONS } from '../core/lease/postgres/index.js';
import type { Logger } from '../core/log/logger.js';
import {
  createPgPool,
  migratePostgres,
  type PgMigration,
  type PgPool,
} from '../core/state/postgres/index.js';
import { redactDatabaseUrl, type PostgresStateConfig } from '../core/state/state-config.js';
import { ConfigError } from '../core/util/config-error.js';
import { RATE_LIMIT_MIGRATIONS } from '../core/http/postgres/postgres-rate-limit-store.js';
import { INGEST_CLAIMS_MIGRATIONS } from '../energy/ingest/postgres/index.js';
import { FX_PROCESSOR_MIGRATIONS } from '../fx/processor/postgres/index.js';
import { FX_API_MIGRATIONS } from '../fx/api/postgres/migrations.js';
import { FX_PRICES_MIGRATIONS } from '../fx/prices/postgres/migrations.js';
import { FX_NOTIFY_MIGRATIONS } from '../fx/decisions/notify/postgres/migrations.js';
import { FX_ORCHESTRATOR_MIGRATIONS } from '../fx/decisions/orchestrator/postgres/migrations.js';
import { ML_REGISTRY_MIGRATIONS } from '../ml/registry/postgres/migrations.js';
import type { Config } from './config.js';

/**
 * Every module's PostgreSQL migrations, in the order they are applied. Each module owns its list
 * beside its postgres adapter; add a module's list here once, and append new migrations to that
 * module's own list (never edit or reorder an applied one).
 */
export const STATE_MIGRATIONS: readonly PgMigration[] = [
  ...FX_API_MIGRATIONS,
  ...FX_PRICES_MIGRATIONS,
  ...RATE_LIMIT_MIGRATIONS,
  ...LEASE_MIGRATIONS,
  ...CHECKPOINT_MIGRATIONS,
  ...FX_NOTIFY_MIGRATIONS,
  ...INGEST_CLAIMS_MIGRATIONS,
  ...FX_ORCHESTRATOR_MIGRATIONS,
  ...FX_PROCESSOR_MIGRATIONS,
  ...ML_REGISTRY_MIGRATIONS,
];

/** The postgres state configuration, or a ConfigError naming the key when state is not postgres. */
export function postgresState(config: Config): PostgresStateConfig {
  if (config.state.type !== 'postgres') {
    throw new ConfigError(
      'state.type must be postgres here: set CORRIENTE_DATABASE_URL (or state: {type: postgres, url})',
    );
  }
  return config.state;
}

export interface OpenStateOptions {
  log?: Logger;
  /** Migrations to apply. @default STATE_MIGRATIONS */
  migrations?: readonly PgMigration[];
  /** Shown in `pg_stat_activity`. @default 'corriente' */
  applicationName?: string;
}

/**
 * Opens the PostgreSQL state store: a pool of `state.poolSize` connections, with every pending
 * migration applied first (processes starting together take turns on an advisory lock).
 * @throws ConfigError naming the URL (password hidden) when the server cannot be reached.
 */
export async function openPostgresState(
  config: Config,
  options: OpenStateOptions = {},
): Promise<PgPool> {
  const state = postgresState(config);
  const pool = createPgPool({
    url: state.url,
    poolSize: state.poolSize,
    applicationName: options.applicationName ?? 'corriente',
  });
  try {
    await migratePostgres(pool, options.migrations ?? STATE_MIGRATIONS, {
      ...(options.log ? { log: options.log } : {}),
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
      throw new ConfigError(
        `state.url: cannot use the PostgreSQL state store at ${redactDatabaseUrl(state.url)}: ${(err as Error).message}`,
      );
    }
    throw err;
  }
  return pool;
}
