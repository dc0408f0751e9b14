import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as redshift from 'aws-cdk-lib/aws-redshiftserverless';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { GovernanceConfig } from '../../src/core/governance/governance-config.js';
import { renderGlueScripts } from './glue-scripts.js';
import { runtimeConfigJson } from './runtime-config.js';
import { LakeFormationGrants } from './lake-formation.js';
import type { CorrienteImage } from './image.js';
import { accessLogBucket, secureBucket } from './secure-bucket.js';
import { encryptedQueue, lambdaFunction } from './compute.js';

/** The catalog databases corriente writes (Glue Data Catalog). */
export const GLUE_DATABASES = ['energy_raw_db', 'energy_processed_db', 'fx_raw_db'] as const;

/** The energy entities with a raw zone and a transform job (the shipped contracts). */
const RAW_PREFIXES = ['raw/clientes/', 'raw/proveedores/', 'raw/transacciones/'];

export interface LakeStackProps extends StackProps {
  /** Folder with one subfolder per Lambda bundle (`<dir>/s3-ingestion/index.mjs`, …). */
  lambdaCodeDir: string;
  /** Folder the Glue scripts are rendered into before upload. */
  glueScriptDir: string;
  /** Extra source-contract files (besides the shipped `contracts/energia.yaml`). @default [] */
  contracts?: readonly string[];
  governance: GovernanceConfig | undefined;
  /** ARNs of the Lake Formation administrators (must include the deploying CloudFormation role). */
  lakeFormationAdmins: readonly string[];
  /** The container image of corriente (warehouse task). */
  image: CorrienteImage;
  /** Create a Redshift Serverless namespace and work group as the warehouse. @default false */
  redshift?: boolean;
  /** Athena's per-query scan limit in bytes. @default 10 GiB */
  athenaBytesScannedCutoff?: number;
}

/**
 * The energy lake: source and datalake buckets, the ingestion Lambda, the Glue catalog, crawlers
 * and jobs, the chain as a Step Functions state machine, Athena, Lake Formation, and the network
 * and state store (Aurora PostgreSQL) both systems share.
 */
export class LakeStack extends Stack {
  readonly key: kms.Key;
  readonly sourceBucket: s3.Bucket;
  readonly datalakeBucket: s3.Bucket;
  readonly athenaResults: s3.Bucket;
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly database: rds.DatabaseCluster;
  /** Members of this security group reach the state store (the only ingress it allows). */
  readonly stateStoreClients: ec2.SecurityGroup;
  readonly ingestion: lambda.Function;
  readonly ingestionDlq: sqs.Queue;
  readonly chain: sfn.StateMachine;
  readonly workGroup: athena.CfnWorkGroup;
  readonly grants: LakeFormationGrants;
  readonly glueJobs: glue.CfnJob[] = [];
  readonly crawlers: { raw: glue.CfnCrawler; processed: glue.CfnCrawler };
  readonly redshiftWorkgroup: redshift.CfnWorkgroup | undefined;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'LakeKey', {
      enableKeyRotation: true,
      alias: 'corriente/lake',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts Glue's logs and the chain's logs with this key.
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));

    // --- buckets -------------------------------------------------------------------------------
    const accessLogs = accessLogBucket(this, 'AccessLogs');
    this.sourceBucket = secureBucket(this, 'Source', {
      key: this.key,
      accessLogs,
      logPrefix: 'source/',
      // Landing files are copied byte for byte into raw/; the landing copy is kept 90 days.
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.datalakeBucket = secureBucket(this, 'Datalake', {
      key: this.key,
      accessLogs,
      logPrefix: 'datalake/',
      lifecycleRules: [
        {
          // The raw zone is the replayable source of truth: kept forever, colder with age.
          prefix: 'raw/',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(180),
            },
          ],
        },
      ],
    });
    this.athenaResults = secureBucket(this, 'AthenaResults', {
      key: this.key,
      accessLogs,
      logPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });

    // --- network, state store, container cluster -----------------------------------------------
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'VpcFlowLogs', {
              retention: logs.RetentionDays.ONE_MONTH,
              encryptionKey: this.key,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    this.database = new rds.DatabaseCluster(this, 'StateStore', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.VER_16_6,
      }),
      credentials: rds.Credentials.fromGeneratedSecret('corriente', {
        secretName: 'corriente/state-store',
        encryptionKey: this.key,
      }),
      defaultDatabaseName: 'corriente',
      writer: rds.ClusterInstance.serverlessV2('writer'),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      iamAuthentication: true,
      deletionProtection: true,
      backup: { retention: Duration.days(14) },
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.database.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
    this.stateStoreClients = new ec2.SecurityGroup(this, 'StateStoreClients', {
      vpc: this.vpc,
      description: 'corriente roles that use the state store',
    });
    this.database.connections.allowDefaultPortFrom(this.stateStoreClients);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // --- ingestion Lambda on ObjectCreated -----------------------------------------------------
    this.ingestionDlq = encryptedQueue(this, 'IngestionDlq', this.key);
    this.ingestion = lambdaFunction(this, 'Ingestion', {
      codeDir: path.join(props.lambdaCodeDir, 's3-ingestion'),
      description: 'corriente energy-data-ingestion: landing object to raw zone (S3 ObjectCreated)',
      vpc: this.vpc,
      key: this.key,
      timeout: Duration.minutes(5),
      memorySize: 1024,
      deadLetterQueue: this.ingestionDlq,
      securityGroups: [this.stateStoreClients],
      environment: {
        CORRIENTE_CONFIG_JSON: this.runtimeConfig(),
        CORRIENTE_DATABASE_SECRET_ARN: this.database.secret!.secretArn,
      },
    });
    this.sourceBucket.grantRead(this.ingestion);
    this.datalakeBucket.grantReadWrite(this.ingestion);
    this.database.secret?.grantRead(this.ingestion);
    this.sourceBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(this.ingestion),
    );

    // --- Glue: databases, security configuration, crawlers, jobs -------------------------------
    const databases = GLUE_DATABASES.map(
      (name) =>
        new glue.CfnDatabase(this, `Db-${name}`, {
          catalogId: this.account,
          databaseInput: { name, description: `corriente ${name}` },
        }),
    );
    const security = new glue.CfnSecurityConfiguration(this, 'GlueSecurity', {
      name: 'corriente-glue',
      encryptionConfiguration: {
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: this.key.keyArn }],
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: this.key.keyArn },
        jobBookmarksEncryption: {
          jobBookmarksEncryptionMode: 'CSE-KMS',
          kmsKeyArn: this.key.keyArn,
        },
      },
    });
    const crawlerRole = new iam.Role(this, 'CrawlerRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'Glue crawlers: read the lake, write the catalog',
    });
    this.datalakeBucket.grantRead(crawlerRole);
    grantGlueCatalog(crawlerRole, this, [
      'GetTable',
      'GetTables',
      'CreateTable',
      'UpdateTable',
      'GetPartition',
      'GetPartitions',
      'BatchCreatePartition',
      'BatchGetPartition',
      'BatchUpdatePartition',
      'CreatePartition',
      'UpdatePartition',
    ]);
    grantGlueLogs(crawlerRole, this, 'crawlers');
    this.key.grantEncryptDecrypt(crawlerRole);
    const crawler = (id: string, database: string, prefixes: string[]): glue.CfnCrawler => {
      const c = new glue.CfnCrawler(this, id, {
        role: crawlerRole.roleArn,
        databaseName: database,
        crawlerSecurityConfiguration: security.name,
        targets: {
          s3Targets: prefixes.map((p) => ({ path: `s3://${this.datalakeBucket.bucketName}/${p}` })),
        },
        schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'LOG' },
        recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
        configuration: JSON.stringify({
          Version: 1.0,
          Grouping: { TableLevelConfiguration: 3 },
        }),
      });
      c.addResourceDependency(security);
      for (const d of databases) c.addResourceDependency(d);
      return c;
    };
    this.crawlers = {
      raw: crawler('RawCrawler', 'energy_raw_db', RAW_PREFIXES),
      processed: crawler(
        'ProcessedCrawler',
        'energy_processed_db',
        RAW_PREFIXES.map((p) => p.replace('raw/', 'processed/')),
      ),
    };

    const jobRole = new iam.Role(this, 'GlueJobRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: 'corriente Glue transform jobs: raw to processed, quarantine, bookmarks',
    });
    this.datalakeBucket.grantReadWrite(jobRole);
    this.key.grantEncryptDecrypt(jobRole);
    grantGlueLogs(jobRole, this, 'jobs');
    const scripts = renderGlueScripts(props.glueScriptDir, props.contracts ?? []);
    for (const script of scripts) {
      const asset = new s3assets.Asset(this, `Script-${script.entity}`, { path: script.file });
      asset.grantRead(jobRole);
      this.glueJobs.push(
        new glue.CfnJob(this, `Job-${script.entity}`, {
          name: `corriente-transform-${script.entity}`,
          description: `corriente transform of ${script.entity}: rendered from its job definition`,
          role: jobRole.roleArn,
          glueVersion: '5.0',
          command: { name: 'glueetl', pythonVersion: '3', scriptLocation: asset.s3ObjectUrl },
          workerType: 'G.1X',
          numberOfWorkers: 2,
          maxRetries: 0,
          timeout: 60,
          securityConfiguration: security.name,
          executionProperty: { maxConcurrentRuns: 4 },
          defaultArguments: {
            '--datalake_bucket': this.datalakeBucket.bucketName,
            '--job-bookmark-option': 'job-bookmark-disable',
            '--enable-continuous-cloudwatch-log': 'true',
          },
        }),
      );
    }

    // --- warehouse: Redshift Serverless (optional), the load task --------------------------------
    if (props.redshift) {
      const sg = new ec2.SecurityGroup(this, 'RedshiftSg', {
        vpc: this.vpc,
        allowAllOutbound: false,
      });
      const namespace = new redshift.CfnNamespace(this, 'RedshiftNamespace', {
        namespaceName: 'corriente',
        dbName: 'corriente',
        adminUsername: 'corriente',
        manageAdminPassword: true,
        adminPasswordSecretKmsKeyId: this.key.keyArn,
        kmsKeyId: this.key.keyArn,
        logExports: ['userlog', 'connectionlog', 'useractivitylog'],
      });
      this.redshiftWorkgroup = new redshift.CfnWorkgroup(this, 'RedshiftWorkgroup', {
        workgroupName: 'corriente',
        namespaceName: namespace.namespaceName,
        baseCapacity: 8,
        publiclyAccessible: false,
        enhancedVpcRouting: true,
        subnetIds: this.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED })
          .subnetIds,
        securityGroupIds: [sg.securityGroupId],
      });
      this.redshiftWorkgroup.addResourceDependency(namespace);
    }
    const warehouseTask = new ecs.FargateTaskDefinition(this, 'WarehouseTask', {
      cpu: 1024,
      memoryLimitMiB: 4096,
    });
    const warehouseLogs = new logs.LogGroup(this, 'WarehouseLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const secret = this.database.secret!;
    warehouseTask.addContainer('corriente', {
      image: props.image.containerImage(this),
      command: ['warehouse', 'load'],
      logging: ecs.LogDrivers.awsLogs({ logGroup: warehouseLogs, streamPrefix: 'warehouse' }),
      environment: { CORRIENTE_CONFIG_JSON: this.runtimeConfig() },
      // The URL carries no password: pg takes PGPASSWORD, injected from the rotated secret.
      secrets: {
        PGPASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
      },
    });
    this.datalakeBucket.grantRead(warehouseTask.taskRole);

    // --- the chain: crawl raw → jobs → crawl processed → warehouse ------------------------------
    const runCrawler = (name: string, c: glue.CfnCrawler): sfn.Chain => {
      const crawlerArn = this.formatArn({
        service: 'glue',
        resource: 'crawler',
        resourceName: c.ref,
      });
      const start = new tasks.CallAwsService(this, `Start ${name}`, {
        service: 'glue',
        action: 'startCrawler',
        parameters: { Name: c.ref },
        iamResources: [crawlerArn],
        resultPath: sfn.JsonPath.DISCARD,
      });
      start.addRetry({
        errors: ['Glue.CrawlerRunningException'],
        interval: Duration.seconds(30),
        maxAttempts: 20,
        backoffRate: 1,
      });
      start.addRetry({
        errors: ['States.ALL'],
        interval: Duration.seconds(5),
        maxAttempts: 3,
        backoffRate: 2,
      });
      const wait = new sfn.Wait(this, `Wait ${name}`, {
        time: sfn.WaitTime.duration(Duration.seconds(30)),
      });
      const get = new tasks.CallAwsService(this, `Get ${name}`, {
        service: 'glue',
        action: 'getCrawler',
        parameters: { Name: c.ref },
        iamResources: [crawlerArn],
        resultSelector: { 'State.$': '$.Crawler.State' },
        resultPath: `$.crawler`,
      });
      get.addRetry({
        errors: ['States.ALL'],
        interval: Duration.seconds(5),
        maxAttempts: 3,
        backoffRate: 2,
      });
      const done = new sfn.Pass(this, `${name} done`, { resultPath: sfn.JsonPath.DISCARD });
      start
        .next(wait)
        .next(get)
        .next(
          new sfn.Choice(this, `${name} ready?`)
            .when(sfn.Condition.stringEquals('$.crawler.State', 'READY'), done)
            .otherwise(wait),
        );
      return sfn.Chain.custom(start, [done], done);
    };
    const jobs = new sfn.Parallel(this, 'Transform jobs', { resultPath: sfn.JsonPath.DISCARD });
    for (const [i, job] of this.glueJobs.entries()) {
      const entity = scripts[i]!.entity;
      const run = new tasks.GlueStartJobRun(this, `Transform ${entity}`, {
        glueJobName: job.ref,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        arguments: sfn.TaskInput.fromObject({
          '--load_date': sfn.JsonPath.stringAt('$.load_date'),
          '--files': sfn.JsonPath.stringAt(`$.files.${entity}`),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      });
      run.addRetry({
        errors: ['Glue.ConcurrentRunsExceededException', 'States.TaskFailed'],
        interval: Duration.minutes(1),
        maxAttempts: 2,
        backoffRate: 2,
      });
      jobs.branch(run);
    }
    const load = new tasks.EcsRunTask(this, 'Warehouse load', {
      cluster: this.cluster,
      taskDefinition: warehouseTask,
      launchTarget: new tasks.EcsFargateLaunchTarget({
        platformVersion: ecs.FargatePlatformVersion.LATEST,
      }),
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.stateStoreClients],
      resultPath: sfn.JsonPath.DISCARD,
    });
    load.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.minutes(1),
      maxAttempts: 2,
      backoffRate: 2,
    });
    const chainLogs = new logs.LogGroup(this, 'ChainLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.chain = new sfn.StateMachine(this, 'LakeChain', {
      stateMachineName: 'corriente-lake-chain',
      definitionBody: sfn.DefinitionBody.fromChainable(
        runCrawler('raw crawl', this.crawlers.raw)
          .next(jobs)
          .next(runCrawler('processed crawl', this.crawlers.processed))
          .next(load),
      ),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: chainLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The ingestion role starts the chain once a load date's files are in raw/.
    this.chain.grantStartExecution(this.ingestion);
    this.ingestion.addEnvironment('CORRIENTE_LAKE_CHAIN_ARN', this.chain.stateMachineArn);

    // --- Athena --------------------------------------------------------------------------------
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: 'corriente',
      description: 'corriente lake queries (enforced settings, encrypted results, scan limit)',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.athenaBytesScannedCutoff ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.athenaResults.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });

    // --- Lake Formation --------------------------------------------------------------------------
    this.grants = new LakeFormationGrants(this, 'LakeFormation', {
      governance: props.governance,
      databases: GLUE_DATABASES,
      admins: props.lakeFormationAdmins,
    });
    for (const p of this.grants.permissions) for (const d of databases) p.addResourceDependency(d);
    // The datalake is a Lake Formation location: Athena reads it with Lake Formation's
    // credentials, so column grants apply. The crawler gets the location and its databases.
    const location = new lakeformation.CfnResource(this, 'DatalakeLocation', {
      resourceArn: this.datalakeBucket.bucketArn,
      useServiceLinkedRole: true,
    });
    location.addResourceDependency(this.grants.settings);
    this.lakeFormationWriter(
      crawlerRole,
      'Crawler',
      ['energy_raw_db', 'energy_processed_db'],
      location,
    );
    for (const role of this.grants.roles.values()) {
      // Analysts query through Athena: run queries in the corriente work group, read its results.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'athena:StartQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:StopQueryExecution',
          ],
          resources: [
            this.formatArn({
              service: 'athena',
              resource: 'workgroup',
              resourceName: this.workGroup.name,
            }),
          ],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          // lakeformation:GetDataAccess has no resource type (IAM authorization reference): "*"
          // is the only resource it accepts; Lake Formation's own grants decide what it returns.
          actions: ['lakeformation:GetDataAccess'],
          resources: ['*'],
        }),
      );
      grantGlueCatalog(role, this, ['GetTable', 'GetTables', 'GetPartition', 'GetPartitions']);
      this.athenaResults.grantReadWrite(role);
      this.key.grantEncryptDecrypt(role);
    }
  }

  /** The configuration the lake's roles read (`CORRIENTE_CONFIG_JSON`). */
  runtimeConfig(): string {
    return runtimeConfigJson(this, {
      sourceBucket: this.sourceBucket.bucketName,
      datalakeBucket: this.datalakeBucket.bucketName,
      database: this.database,
    });
  }

  /**
   * Lake Formation grants of a role that creates and updates tables (crawlers, the processor):
   * data location access on the datalake, CREATE_TABLE on its databases, ALL on their tables.
   */
  lakeFormationWriter(
    role: iam.IRole,
    id: string,
    databaseNames: readonly string[],
    location: lakeformation.CfnResource,
  ): void {
    lakeFormationWriterGrants(this, role, id, databaseNames, this.datalakeBucket.bucketArn, [
      location,
      this.grants.settings,
    ]);
  }
}

/** See {@link LakeStack.lakeFormationWriter}; usable from another stack (grants live in `scope`'s). */
export function lakeFormationWriterGrants(
  scope: Construct,
  role: iam.IRole,
  id: string,
  databaseNames: readonly string[],
  bucketArn: string,
  dependsOn: readonly Construct[],
): void {
  const stack = Stack.of(scope);
  const principal = { dataLakePrincipalIdentifier: role.roleArn };
  const grants = [
    new lakeformation.CfnPrincipalPermissions(scope, `${id}Location`, {
      principal,
      resource: { dataLocation: { catalogId: stack.account, resourceArn: bucketArn } },
      permissions: ['DATA_LOCATION_ACCESS'],
      permissionsWithGrantOption: [],
    }),
    ...databaseNames.flatMap((databaseName) => [
      new lakeformation.CfnPrincipalPermissions(scope, `${id}Db-${databaseName}`, {
        principal,
        resource: { database: { catalogId: stack.account, name: databaseName } },
        permissions: ['CREATE_TABLE', 'DESCRIBE', 'ALTER'],
        permissionsWithGrantOption: [],
      }),
      new lakeformation.CfnPrincipalPermissions(scope, `${id}Tables-${databaseName}`, {
        principal,
        resource: { table: { catalogId: stack.account, databaseName, tableWildcard: {} } },
        permissions: ['SELECT', 'INSERT', 'ALTER', 'DESCRIBE', 'DELETE'],
        permissionsWithGrantOption: [],
      }),
    ]),
  ];
  for (const g of grants) for (const d of dependsOn) g.node.addDependency(d);
}

/** The catalog, database and table ARNs of this account's Glue Data Catalog. */
function catalogArns(stack: Stack): string[] {
  return [
    stack.formatArn({ service: 'glue', resource: 'catalog' }),
    stack.formatArn({ service: 'glue', resource: 'database', resourceName: '*' }),
    stack.formatArn({ service: 'glue', resource: 'table', resourceName: '*/*' }),
  ];
}

/** Glue catalog actions on this account's catalog (databases and tables of any name). */
export function grantGlueCatalog(grantee: iam.IGrantable, stack: Stack, actions: string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetDatabases', ...actions.map((a) => `glue:${a}`)],
      resources: catalogArns(stack),
    }),
  );
}

/** CloudWatch Logs writes under `/aws-glue/<kind>/…` (where Glue writes crawler and job logs). */
function grantGlueLogs(role: iam.Role, stack: Stack, kind: string): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:AssociateKmsKey',
      ],
      resources: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `/aws-glue/${kind}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
}
