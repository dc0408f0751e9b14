import type { Stack } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';

export interface RuntimeConfigProps {
  sourceBucket?: string;
  datalakeBucket: string;
  database: rds.IDatabaseCluster;
  athenaWorkGroup?: string;
  streamName?: string;
  portfolioTable?: string;
  notifications?: { snsTopicArn: string; pushApplicationId: string };
  /**
   * The FX model registry on SageMaker (the stack's Model Package Group and endpoint region):
   * `fx.model.registry: {type: sagemaker, sagemaker: {region}}`.
   */
  sagemakerRegistry?: boolean;
}

/**
 * The corriente configuration a deployed role reads, as the JSON of `CORRIENTE_CONFIG_JSON`
 * (resource names resolved by CloudFormation): S3 stores, the Glue catalog, Athena, the PostgreSQL
 * state store (the URL has no password: containers get `PGPASSWORD` from the rotated secret),
 * Kinesis and DynamoDB. Keys follow `src/deploy/config.ts`.
 */
export function runtimeConfigJson(stack: Stack, props: RuntimeConfigProps): string {
  const region = stack.region;
  const endpoint = props.database.clusterEndpoint;
  const config: Record<string, unknown> = {
    home: '/tmp/corriente',
    stores: {
      ...(props.sourceBucket ? { source: { type: 's3', bucket: props.sourceBucket, region } } : {}),
      datalake: { type: 's3', bucket: props.datalakeBucket, region },
    },
    state: {
      type: 'postgres',
      url: `postgres://corriente@${endpoint.hostname}:${endpoint.port}/corriente?sslmode=require`,
    },
    catalog: { type: 'glue', region },
    query: {
      engine: 'athena',
      athena: { region, workGroup: props.athenaWorkGroup ?? 'corriente' },
    },
    ...(props.streamName && props.portfolioTable
      ? {
          fx: {
            eventLog: { type: 'kinesis', streamName: props.streamName, region },
            portfolioStore: { type: 'dynamodb', tableName: props.portfolioTable, region },
            ...(props.notifications
              ? { notifications: { aws: { region, ...props.notifications } } }
              : {}),
            ...(props.sagemakerRegistry
              ? { model: { registry: { type: 'sagemaker', sagemaker: { region } } } }
              : {}),
          },
        }
      : {}),
  };
  return stack.toJsonString(config);
}
