/**
 * The AWS composition: the adapters a Lambda function builds from configuration (read by
 * `loadConfig`: `CORRIENTE_CONFIG_JSON`, else `CORRIENTE_CONFIG`, …). It loads no
 * native module (better-sqlite3, DuckDB): a Lambda bundle has none (`npm run bundle` refuses
 * one), so every port here is served by an AWS service or the PostgreSQL state store, and a
 * configuration naming an embedded adapter is refused with a ConfigError naming its key.
 */
import { ConfigError } from '../../core/util/config-error.js';
import type { EventLog } from '../../core/event-log/event-log.js';
import { KinesisEventLog } from '../../core/event-log/kinesis/kinesis-event-log.js';
import { PostgresCheckpointStore } from '../../core/event-log/postgres/postgres-checkpoint-store.js';
import type { PgPool } from '../../core/state/postgres/index.js';
import type { IngestClaims } from '../../energy/ingest/ingest-claims.js';
import { PostgresIngestClaims } from '../../energy/ingest/postgres/postgres-ingest-claims.js';
import { DynamoDbPortfolioStore } from '../../fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import type { PortfolioStore } from '../../fx/portfolio/portfolio-store.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import type { Config } from '../config.js';
import { createObjectStore, type Stores } from '../stores.js';

/**
 * A store on S3 (`stores.source` or `stores.datalake`): a local folder would live in one
 * container.
 * @throws ConfigError naming the store.
 */
export function awsStore(config: Config, name: 'source' | 'datalake'): ObjectStore {
  const store = config.stores[name];
  if (store.type !== 's3') {
    throw new ConfigError(
      `stores.${name}: a local folder lives in one Lambda container; use {type: s3, bucket}`,
    );
  }
  return createObjectStore(config, store);
}

/** Both stores on S3 (see {@link awsStore}). */
export function awsStores(config: Config): Stores {
  return { source: awsStore(config, 'source'), datalake: awsStore(config, 'datalake') };
}

/** The FX event log on Kinesis, its consumers' checkpoints in the PostgreSQL state store. */
export function awsEventLog(config: Config, statePool: PgPool): EventLog {
  const c = config.fx.eventLog;
  if (c.type !== 'kinesis') {
    throw new ConfigError(
      'fx.eventLog: a disk log lives in one Lambda container; use {type: kinesis, streamName}',
    );
  }
  return new KinesisEventLog({
    streamName: c.streamName,
    checkpoints: new PostgresCheckpointStore({ pool: statePool }),
    clientConfig: { region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) },
  });
}

/** The portfolios in DynamoDB, shared by every container. */
export function awsPortfolioStore(config: Config): PortfolioStore {
  const c = config.fx.portfolioStore;
  if (c.type !== 'dynamodb') {
    throw new ConfigError(
      'fx.portfolioStore: a SQLite file lives in one Lambda container; use {type: dynamodb, tableName}',
    );
  }
  return new DynamoDbPortfolioStore({
    tableName: c.tableName,
    region: c.region,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
  });
}

/** The ingestion claims in the PostgreSQL state store, shared by concurrent invocations. */
export function awsIngestClaims(statePool: PgPool): IngestClaims {
  return new PostgresIngestClaims({ pool: statePool });
}
