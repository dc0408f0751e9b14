import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as apigwIntegrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pinpoint from 'aws-cdk-lib/aws-pinpoint';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FX_MODEL_GROUP } from '../../src/fx/decisions/training/model-group.js';
import { encryptedQueue, lambdaFunction } from './compute.js';
import type { CorrienteImage } from './image.js';
import { grantGlueCatalog, lakeFormationWriterGrants } from './lake-stack.js';
import { runtimeConfigJson } from './runtime-config.js';

/** The SageMaker model package group: the registry group corriente's FX decisions use. */
export const FX_MODEL_PACKAGE_GROUP = FX_MODEL_GROUP;

export interface FxStackProps extends StackProps {
  lambdaCodeDir: string;
  image: CorrienteImage;
  /** From the Lake stack: network, container cluster, state store, the lake bucket and its key. */
  vpc: ec2.IVpc;
  cluster: ecs.ICluster;
  database: rds.DatabaseCluster;
  stateStoreClients: ec2.ISecurityGroup;
  datalakeBucket: s3.IBucket;
  lakeKey: kms.IKey;
  /** SageMaker endpoint instance type. @default 'ml.t2.medium' */
  endpointInstanceType?: string;
}

/**
 * The FX platform: the HTTP API (API Gateway + Lambda), the price collector every minute, the
 * event log (Kinesis) and its processor, portfolios (DynamoDB), the orchestrator and dispatchers
 * (Fargate), the model registry and endpoint (SageMaker), notifications (SNS, End User Messaging)
 * and the platform's secrets.
 */
export class FxStack extends Stack {
  readonly key: kms.Key;
  readonly stream: kinesis.Stream;
  readonly portfolios: dynamodb.Table;
  readonly api: lambda.Function;
  readonly httpApi: apigw.HttpApi;
  readonly collector: lambda.Function;
  readonly processor: lambda.Function;
  readonly processorDlq: sqs.Queue;
  readonly orchestrator: ecs.FargateService;
  readonly dispatcher: ecs.FargateService;
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly topic: sns.Topic;
  readonly secrets: Record<'vapid' | 'webhookKey' | 'adminToken', secretsmanager.Secret>;

  constructor(scope: Construct, id: string, props: FxStackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'FxKey', {
      enableKeyRotation: true,
      alias: 'corriente/fx',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));

    this.stream = new kinesis.Stream(this, 'Events', {
      streamName: 'corriente-fx-events',
      streamMode: kinesis.StreamMode.ON_DEMAND,
      // The AWS-managed aws/kinesis key: per-request KMS charges of a customer key would scale with
      // every producer and consumer call (cdk-nag KDS3).
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.days(7),
    });
    this.portfolios = new dynamodb.Table(this, 'Portfolios', {
      tableName: 'corriente-portfolios',
      // The key schema of `portfolioTableDefinition` (src/fx/portfolio/dynamodb).
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const secret = (
      sid: string,
      name: string,
      description: string,
      template?: string,
      key?: string,
    ) =>
      new secretsmanager.Secret(this, sid, {
        secretName: `corriente/${name}`,
        description,
        encryptionKey: this.key,
        generateSecretString: template
          ? {
              secretStringTemplate: template,
              generateStringKey: key ?? 'value',
              passwordLength: 48,
              excludePunctuation: true,
            }
          : { passwordLength: 48, excludePunctuation: true },
      });
    this.secrets = {
      // Filled with `npx web-push generate-vapid-keys` after the first deploy (VAPID keys are an
      // EC key pair Secrets Manager cannot generate); the placeholder is random.
      vapid: secret(
        'VapidKeys',
        'vapid-keys',
        'Web Push VAPID key pair {publicKey, privateKey}',
        JSON.stringify({ publicKey: '' }),
        'privateKey',
      ),
      webhookKey: secret(
        'WebhookSecretKey',
        'webhook-secret-key',
        'Key that encrypts the signed-webhook secrets at rest',
      ),
      adminToken: secret('AdminToken', 'admin-token', 'Bearer token of the FX admin API'),
    };
    // The Lake stack's bucket, key and secret, imported by ARN: grants on imported resources only
    // add statements to this stack's roles, so the Lake stack never references this one.
    const lakeKey = kms.Key.fromKeyArn(this, 'LakeKeyRef', props.lakeKey.keyArn);
    const datalake = s3.Bucket.fromBucketAttributes(this, 'DatalakeRef', {
      bucketArn: props.datalakeBucket.bucketArn,
      bucketName: props.datalakeBucket.bucketName,
      encryptionKey: lakeKey,
    });
    const dbSecret = secretsmanager.Secret.fromSecretAttributes(this, 'StateStoreSecretRef', {
      secretCompleteArn: props.database.secret!.secretArn,
      encryptionKey: lakeKey,
    });

    // --- notifications -------------------------------------------------------------------------
    this.topic = new sns.Topic(this, 'Recommendations', {
      topicName: 'corriente-fx-recommendations',
      masterKey: this.key,
      enforceSSL: true,
    });
    const pushApp = new pinpoint.CfnApp(this, 'PushApp', { name: 'corriente-fx' });

    const configJson = runtimeConfigJson(this, {
      notifications: { snsTopicArn: this.topic.topicArn, pushApplicationId: pushApp.ref },
      datalakeBucket: datalake.bucketName,
      database: props.database,
      streamName: this.stream.streamName,
      portfolioTable: this.portfolios.tableName,
      sagemakerRegistry: true,
    });
    const shared = (extra: Record<string, string> = {}): Record<string, string> => ({
      CORRIENTE_CONFIG_JSON: configJson,
      ...extra,
    });
    const fn = (
      fid: string,
      bundle: string,
      description: string,
      env: Record<string, string>,
      dlq?: sqs.IQueue,
    ) => {
      const f = lambdaFunction(this, fid, {
        codeDir: path.join(props.lambdaCodeDir, bundle),
        description,
        vpc: props.vpc,
        key: this.key,
        timeout: Duration.seconds(30),
        memorySize: 1024,
        environment: shared({ CORRIENTE_DATABASE_SECRET_ARN: dbSecret.secretArn, ...env }),
        securityGroups: [props.stateStoreClients],
        ...(dlq ? { deadLetterQueue: dlq } : {}),
      });
      dbSecret.grantRead(f);
      return f;
    };

    // --- API -------------------------------------------------------------------------------------
    this.api = fn('Api', 'api', 'corriente FX HTTP API (API Gateway HTTP API payload v2)', {
      CORRIENTE_ADMIN_TOKEN_SECRET_ARN: this.secrets.adminToken.secretArn,
      CORRIENTE_VAPID_SECRET_ARN: this.secrets.vapid.secretArn,
      CORRIENTE_WEBHOOK_SECRETS_KEY_SECRET_ARN: this.secrets.webhookKey.secretArn,
    });
    this.stream.grantWrite(this.api);
    this.portfolios.grantReadData(this.api);
    this.secrets.adminToken.grantRead(this.api);
    this.secrets.vapid.grantRead(this.api);
    this.secrets.webhookKey.grantRead(this.api);
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: 'corriente-fx',
      description:
        'corriente FX API: every route to the API Lambda (the app authenticates bearer tokens)',
      defaultIntegration: new apigwIntegrations.HttpLambdaIntegration('ApiIntegration', this.api),
    });
    const stage = this.httpApi.defaultStage!.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.integrationLatency',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 500, throttlingRateLimit: 1000 };

    // --- price collector every minute ------------------------------------------------------------
    this.collector = fn(
      'Collector',
      'price-collector',
      'corriente FX price collector (every minute)',
      {},
    );
    this.stream.grantWrite(this.collector);
    const schedulerDlq = encryptedQueue(this, 'SchedulerDlq', this.key);
    new scheduler.Schedule(this, 'CollectorSchedule', {
      scheduleName: 'corriente-price-collector',
      description: 'PriceTick every minute',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(this.collector, {
        deadLetterQueue: schedulerDlq,
        maxEventAge: Duration.minutes(2),
        retryAttempts: 2,
      }),
    });

    // --- stream processor ------------------------------------------------------------------------
    this.processorDlq = encryptedQueue(this, 'ProcessorDlq', this.key);
    this.processor = fn(
      'Processor',
      'kinesis-processor',
      'corriente FX stream processor: raw events to the lake, portfolios',
      {},
    );
    this.processor.addEventSource(
      new eventSources.KinesisEventSource(this.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 500,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new eventSources.SqsDlq(this.processorDlq),
      }),
    );
    this.portfolios.grantReadWriteData(this.processor);
    datalake.grantReadWrite(this.processor);
    lakeKey.grantEncryptDecrypt(this.processor);
    // The processor catalogs the raw fx_* tables it writes (Glue catalog adapter).
    lakeFormationWriterGrants(
      this,
      this.processor.role!,
      'ProcessorLakeFormation',
      ['fx_raw_db'],
      props.datalakeBucket.bucketArn,
      [],
    );
    grantGlueCatalog(this.processor, this, [
      'GetTable',
      'CreateTable',
      'UpdateTable',
      'GetPartition',
      'GetPartitions',
      'BatchCreatePartition',
      'BatchUpdatePartition',
    ]);

    // --- orchestrator and dispatchers on Fargate -------------------------------------------------
    const service = (sid: string, role: string, desiredCount: number): ecs.FargateService => {
      const task = new ecs.FargateTaskDefinition(this, `${sid}Task`, {
        cpu: 1024,
        memoryLimitMiB: 2048,
      });
      const group = new logs.LogGroup(this, `${sid}Logs`, {
        retention: logs.RetentionDays.ONE_MONTH,
        encryptionKey: this.key,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      task.addContainer('corriente', {
        image: props.image.containerImage(this),
        command: ['up', '--no-demo', '--roles', role],
        logging: ecs.LogDrivers.awsLogs({ logGroup: group, streamPrefix: role }),
        environment: shared(),
        secrets: {
          PGPASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
          CORRIENTE_VAPID_PRIVATE_KEY: ecs.Secret.fromSecretsManager(
            this.secrets.vapid,
            'privateKey',
          ),
          CORRIENTE_VAPID_PUBLIC_KEY: ecs.Secret.fromSecretsManager(
            this.secrets.vapid,
            'publicKey',
          ),
          CORRIENTE_WEBHOOK_SECRETS_KEY: ecs.Secret.fromSecretsManager(this.secrets.webhookKey),
          CORRIENTE_ADMIN_TOKEN: ecs.Secret.fromSecretsManager(this.secrets.adminToken),
        },
      });
      const svc = new ecs.FargateService(this, sid, {
        cluster: props.cluster,
        taskDefinition: task,
        desiredCount,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [props.stateStoreClients],
        circuitBreaker: { rollback: true },
        minHealthyPercent: 0,
        maxHealthyPercent: 200,
      });
      return svc;
    };
    // One orchestrator: it holds a lease in the state store; a second task would only wait.
    this.orchestrator = service('Orchestrator', 'orchestrator', 1);
    this.dispatcher = service('Dispatcher', 'dispatcher', 2);
    const orchestratorRole = this.orchestrator.taskDefinition.taskRole;
    this.stream.grantRead(orchestratorRole);
    this.portfolios.grantReadData(orchestratorRole);
    datalake.grantRead(orchestratorRole);
    lakeKey.grantDecrypt(orchestratorRole);
    const dispatcherRole = this.dispatcher.taskDefinition.taskRole;
    this.topic.grantPublish(dispatcherRole);
    dispatcherRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['mobiletargeting:SendMessages', 'mobiletargeting:SendUsersMessages'],
        resources: [`${pushApp.attrArn}/messages`],
      }),
    );

    // --- SageMaker: registry group, model, endpoint ----------------------------------------------
    const group = new sagemaker.CfnModelPackageGroup(this, 'ModelGroup', {
      modelPackageGroupName: FX_MODEL_PACKAGE_GROUP,
      modelPackageGroupDescription: 'corriente FX decision models (XGBoost JSON)',
    });
    const smRole = new iam.Role(this, 'SageMakerRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'corriente model endpoint: pull the image, read models from the lake',
    });
    datalake.grantRead(smRole, 'models/*');
    lakeKey.grantDecrypt(smRole);
    smRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'],
        resources: [
          this.formatArn({
            service: 'sagemaker',
            resource: 'model-package-group',
            resourceName: FX_MODEL_PACKAGE_GROUP,
          }),
          this.formatArn({
            service: 'sagemaker',
            resource: 'model-package',
            resourceName: `${FX_MODEL_PACKAGE_GROUP}/*`,
          }),
        ],
      }),
    );
    smRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [
          this.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/aws/sagemaker/Endpoints/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    smRole.addToPolicy(
      new iam.PolicyStatement({
        // These actions have no resource type in the IAM authorization reference: "*" is the only
        // resource they accept (docs/aws.md, "Resource: *").
        actions: [
          'cloudwatch:PutMetricData',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      }),
    );
    smRole.addToPolicy(
      new iam.PolicyStatement({
        // The endpoint's ENIs in this account's subnets and security groups (SageMaker names them).
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:CreateNetworkInterfacePermission',
          'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission',
        ],
        resources: ['network-interface/*', 'subnet/*', 'security-group/*'].map((r) =>
          this.formatArn({ service: 'ec2', resource: r.split('/')[0]!, resourceName: '*' }),
        ),
      }),
    );
    const smSg = new ec2.SecurityGroup(this, 'ModelSg', { vpc: props.vpc });
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: smRole.roleArn,
      primaryContainer: {
        image: props.image.uriFor(this, smRole),
        // The image's entrypoint maps SageMaker's `serve` to `corriente fx serve-model`.
        environment: {
          CORRIENTE_MODEL_GROUP: FX_MODEL_PACKAGE_GROUP,
          CORRIENTE_DATALAKE_BUCKET: datalake.bucketName,
        },
      },
      vpcConfig: {
        subnets: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
          .subnetIds,
        securityGroupIds: [smSg.securityGroupId],
      },
    });
    model.node.addDependency(smRole);
    model.addResourceDependency(group);
    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: this.key.keyArn,
      productionVariants: [
        {
          variantName: 'primary',
          modelName: model.attrModelName,
          initialInstanceCount: 1,
          instanceType: props.endpointInstanceType ?? 'ml.t2.medium',
          initialVariantWeight: 1,
        },
      ],
    });
    this.key.grantEncryptDecrypt(smRole);
    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: 'corriente-fx-decisions',
      endpointConfigName: config.attrEndpointConfigName,
    });
    orchestratorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sagemaker:InvokeEndpoint'],
        resources: [
          this.formatArn({
            service: 'sagemaker',
            resource: 'endpoint',
            resourceName: 'corriente-fx-decisions',
          }),
        ],
      }),
    );
  }
}
