/**
 * The AWS composition: the adapters a Lambda function builds from configuration (read by
 * `loadConfig`: `CORRIENTE_CONFIG_JSON`, else `CORRIENTE_CONFIG`, …). It loads no
 * native module (better-sqlite3, DuckDB): a Lambda bundle has none (`npm run bundle` refuses
 * one), so every port here is served by an AWS service or the PostgreSQL state store, and a
 * configuration naming an embedded adapter is refused with a ConfigError naming its key.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
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
import { loadConfig, type Config } from '../config.js';
import { SHARED_SECRET_VARIABLES } from '../secrets.js';
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

/** The secrets read by this container, by ARN: each read once per container. */
const secretValues = new Map<string, Promise<string>>();
let secretsClient: SecretsManagerClient | undefined;

/**
 * The string value of a Secrets Manager secret, read once per container (a failed read is
 * forgotten, so the next invocation tries again).
 * @throws ConfigError when the secret has no string value.
 */
export function readAwsSecret(arn: string): Promise<string> {
  let value = secretValues.get(arn);
  if (!value) {
    secretsClient ??= new SecretsManagerClient({});
    value = secretsClient.send(new GetSecretValueCommand({ SecretId: arn })).then((out) => {
      if (out.SecretString === undefined) {
        throw new ConfigError(`secret ${arn} has no string value`);
      }
      return out.SecretString;
    });
    value.catch(() => secretValues.delete(arn));
    secretValues.set(arn, value);
  }
  return value;
}

/** Forgets the secrets read and the client (tests). */
export function resetAwsSecrets(): void {
  secretValues.clear();
  secretsClient = undefined;
}

/** The JSON of an RDS / Aurora credentials secret (the fields corriente uses). */
const databaseSecretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().positive().optional(),
  dbname: z.string().min(1).optional(),
});

/**
 * The configuration of a Lambda function: {@link loadConfig}, and when
 * `CORRIENTE_DATABASE_SECRET_ARN` names the state store's credentials secret (Aurora's, JSON with
 * username / password / host / port / dbname), its user and password (and host, port, database
 * when the secret has them) filled into `state.url`.
 * @throws ConfigError when the secret is set but `state.type` is not postgres, or the secret is
 *   not such a JSON.
 */
export async function awsConfig(env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const config = loadConfig({ env });
  const arn = env.CORRIENTE_DATABASE_SECRET_ARN;
  if (!arn) return config;
  if (config.state.type !== 'postgres') {
    throw new ConfigError(
      'CORRIENTE_DATABASE_SECRET_ARN is set but state.type is not postgres; use {type: postgres, url}',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readAwsSecret(arn));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`CORRIENTE_DATABASE_SECRET_ARN: the secret is not JSON`);
  }
  const parsed = databaseSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      'CORRIENTE_DATABASE_SECRET_ARN: the secret needs username and password (and may have host, port, dbname)',
    );
  }
  const secret = parsed.data;
  const url = new URL(config.state.url);
  url.username = encodeURIComponent(secret.username);
  url.password = encodeURIComponent(secret.password);
  if (secret.host) url.hostname = secret.host;
  if (secret.port) url.port = String(secret.port);
  if (secret.dbname) url.pathname = `/${encodeURIComponent(secret.dbname)}`;
  return { ...config, state: { ...config.state, url: url.toString() } };
}

/**
 * The environment with each shared secret (`CORRIENTE_ADMIN_TOKEN`, …) that is unset but has a
 * `<NAME>_SECRET_ARN` read from Secrets Manager (once per container); the VAPID pair comes from
 * the JSON secret named by `CORRIENTE_VAPID_SECRET_ARN`.
 */
export async function awsSecretsEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeJS.ProcessEnv> {
  const out = { ...env };
  // The VAPID key pair is one JSON secret `{publicKey, privateKey}` (CORRIENTE_VAPID_SECRET_ARN).
  const vapidArn = env.CORRIENTE_VAPID_SECRET_ARN;
  if (vapidArn && (!out.CORRIENTE_VAPID_PUBLIC_KEY || !out.CORRIENTE_VAPID_PRIVATE_KEY)) {
    let pair: { publicKey?: unknown; privateKey?: unknown } = {};
    try {
      pair = JSON.parse(await readAwsSecret(vapidArn)) as typeof pair;
    } catch {
      throw new ConfigError('CORRIENTE_VAPID_SECRET_ARN: the secret is not JSON');
    }
    if (
      typeof pair.publicKey !== 'string' ||
      typeof pair.privateKey !== 'string' ||
      !pair.publicKey
    )
      throw new ConfigError(
        'CORRIENTE_VAPID_SECRET_ARN: the secret needs publicKey and privateKey (npx web-push generate-vapid-keys)',
      );
    out.CORRIENTE_VAPID_PUBLIC_KEY ||= pair.publicKey;
    out.CORRIENTE_VAPID_PRIVATE_KEY ||= pair.privateKey;
  }
  for (const name of SHARED_SECRET_VARIABLES) {
    const arn = env[`${name}_SECRET_ARN`];
    if (!out[name] && arn) out[name] = (await readAwsSecret(arn)).trimEnd();
  }
  return out;
}
