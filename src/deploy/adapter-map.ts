/**
 * Which adapter serves each port under a configuration, and the combinations of keys that load
 * but cannot work together (`corriente config check`). It mirrors the choices `adapters.ts`,
 * `stores.ts`, `open-query-service.ts` and `local/notifications.ts` make; the config-check test
 * keeps the two in step.
 */
import { redactDatabaseUrl } from '../core/state/state-config.js';
import type { Config, StoreConfig } from './config.js';
import { localStorePath } from './config.js';

/** Why `fx.model.registry.type: postgres` cannot work without the PostgreSQL state store. */
export const REGISTRY_NEEDS_POSTGRES_STATE =
  'fx.model.registry.type: postgres keeps the model registry in the PostgreSQL state store; ' +
  'state must be {type: postgres} (set CORRIENTE_DATABASE_URL)';

/** One port and the adapter the configuration gives it. */
export interface PortAdapter {
  /** The port, e.g. `catalog`. */
  port: string;
  /** The class (or classes) serving it, e.g. `GlueCatalog`. */
  adapter: string;
  /** The configuration key that selects it. */
  key: string;
  /** Where it points (a folder, a bucket, a region, a URL without password). */
  detail: string;
}

function store(config: Config, s: StoreConfig): Pick<PortAdapter, 'adapter' | 'detail'> {
  return s.type === 'local'
    ? { adapter: 'LocalFsObjectStore', detail: localStorePath(config, s) }
    : {
        adapter: 'S3ObjectStore',
        detail: `s3://${s.bucket}/${s.prefix} (${s.region}${s.endpoint ? `, ${s.endpoint}` : ''})`,
      };
}

/**
 * Every port of both products with its adapter under `config`.
 * @example describeAdapters(loadConfig({ file: 'docs/corriente.aws.yaml' }))
 */
export function describeAdapters(config: Config): PortAdapter[] {
  const pg = config.state.type === 'postgres';
  const stateDetail =
    config.state.type === 'postgres'
      ? redactDatabaseUrl(config.state.url)
      : `files under ${config.home}`;
  const fx = config.fx;
  const wh = config.warehouse;
  const registryType = fx.model.registry.type;
  const aws = fx.notifications.aws;
  const rows: PortAdapter[] = [
    { port: 'source store', key: 'stores.source', ...store(config, config.stores.source) },
    { port: 'datalake store', key: 'stores.datalake', ...store(config, config.stores.datalake) },
    config.catalog.type === 'glue'
      ? {
          port: 'catalog',
          adapter: 'GlueCatalog',
          key: 'catalog',
          detail: `Glue Data Catalog ${config.catalog.catalogId ?? '(caller account)'} in ${config.catalog.region}`,
        }
      : { port: 'catalog', adapter: 'SqliteCatalog', key: 'catalog', detail: 'catalog.db' },
    config.query.engine === 'athena'
      ? {
          port: 'query engine',
          adapter: 'AthenaQueryEngine',
          key: 'query.engine',
          detail: `work group ${config.query.athena.workGroup} in ${config.query.athena.region}`,
        }
      : {
          port: 'query engine',
          adapter: 'DuckDbQueryEngine',
          key: 'query.engine',
          detail: 'in process',
        },
    {
      port: 'state store',
      adapter: pg ? 'PostgreSQL' : 'SQLite',
      key: 'state',
      detail: stateDetail,
    },
    {
      port: 'ingest claims',
      adapter: pg ? 'PostgresIngestClaims' : 'SqliteIngestClaims',
      key: 'state',
      detail: pg ? stateDetail : config.ingest.claims.path,
    },
    {
      port: 'leases',
      adapter: pg ? 'PostgresLeaseStore' : 'SqliteLeaseStore',
      key: 'state',
      detail: stateDetail,
    },
    {
      port: 'fx ledger, users, prices',
      adapter: pg
        ? 'PostgresFxLedger, PostgresFxUsers, PostgresPriceBook'
        : 'FxLedger, FxUsers, SqlitePriceBook',
      key: 'state',
      detail: stateDetail,
    },
    wh.target === 'duckdb'
      ? {
          port: 'warehouse',
          adapter: 'DuckDbWarehouse',
          key: 'warehouse.target',
          detail: wh.duckdbPath,
        }
      : {
          port: 'warehouse',
          adapter: `PostgresWarehouse (${wh.target === 'redshift' ? 'Redshift' : 'PostgreSQL'})`,
          key: 'warehouse.target',
          detail: `${wh.postgresUrl ? redactDatabaseUrl(wh.postgresUrl) : 'URL from CORRIENTE_WAREHOUSE_URL'}, schema ${wh.postgresSchema}`,
        },
    fx.eventLog.type === 'kinesis'
      ? {
          port: 'event log',
          adapter: 'KinesisEventLog',
          key: 'fx.eventLog',
          detail: `stream ${fx.eventLog.streamName} in ${fx.eventLog.region}, checkpoints ${pg ? 'PostgresCheckpointStore' : 'SqliteCheckpointStore'}`,
        }
      : {
          port: 'event log',
          adapter: 'DiskEventLog',
          key: 'fx.eventLog',
          detail: `${fx.eventLog.path} (stream ${fx.eventLog.stream})`,
        },
    fx.portfolioStore.type === 'dynamodb'
      ? {
          port: 'portfolios',
          adapter: 'DynamoDbPortfolioStore',
          key: 'fx.portfolioStore',
          detail: `table ${fx.portfolioStore.tableName} in ${fx.portfolioStore.region}`,
        }
      : {
          port: 'portfolios',
          adapter: 'SqlitePortfolioStore',
          key: 'fx.portfolioStore',
          detail: fx.portfolioStore.path,
        },
    {
      port: 'price source',
      adapter: {
        simulated: 'SimulatedPriceSource',
        replay: 'CsvReplayPriceSource',
        http: 'HttpPriceSource',
      }[fx.prices.source],
      key: 'fx.prices.source',
      detail: fx.prices.source === 'http' ? (fx.prices.http?.url ?? '(no url)') : fx.prices.source,
    },
    {
      port: 'model registry',
      adapter: {
        sqlite: 'SqliteModelRegistry',
        postgres: 'PostgresModelRegistry',
        sagemaker: 'SageMakerModelRegistry',
      }[registryType],
      key: 'fx.model.registry.type',
      detail:
        registryType === 'sagemaker'
          ? `SageMaker in ${fx.model.registry.sagemaker.region}`
          : registryType === 'postgres'
            ? `${stateDetail} (artifacts in the datalake store)`
            : 'ml/registry.db',
    },
    {
      port: 'notifications topic',
      adapter: aws?.snsTopicArn ? 'SnsNotifier + in-app channels' : 'in-app channels',
      key: 'fx.notifications.aws.snsTopicArn',
      detail: aws?.snsTopicArn ?? fx.notifications.databasePath,
    },
    {
      port: 'mobile push',
      adapter: aws?.pushApplicationId ? 'EndUserMessagingPush' : '(off)',
      key: 'fx.notifications.aws.pushApplicationId',
      detail: aws?.pushApplicationId ? `application ${aws.pushApplicationId} in ${aws.region}` : '',
    },
  ];
  return rows;
}

/**
 * Combinations of keys that each load but cannot work together, as `key: why` lines; empty when
 * the configuration is coherent.
 */
export function configProblems(config: Config): string[] {
  const problems: string[] = [];
  const s3Lake = config.stores.datalake.type === 's3';
  if (config.catalog.type === 'glue' && !s3Lake) {
    problems.push(
      'catalog: the Glue Data Catalog points at S3 locations; stores.datalake must be {type: s3}',
    );
  }
  if (config.query.engine === 'athena') {
    if (config.catalog.type !== 'glue') {
      problems.push(
        'query.engine: Athena reads the Glue Data Catalog, which only catalog {type: glue} fills',
      );
    }
    if (!s3Lake) problems.push('query.engine: Athena reads S3; stores.datalake must be {type: s3}');
  }
  if (config.fx.model.registry.type === 'sagemaker' && !s3Lake) {
    problems.push(
      'fx.model.registry.type: SageMaker reads model artifacts from S3; stores.datalake must be {type: s3}',
    );
  }
  if (config.fx.model.registry.type === 'postgres' && config.state.type !== 'postgres') {
    problems.push(REGISTRY_NEEDS_POSTGRES_STATE);
  }
  return problems;
}
