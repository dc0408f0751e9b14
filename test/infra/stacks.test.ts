import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { builtinJobs } from '../../src/energy/contracts/load-contracts.js';
import { renderGlueScript } from '../../src/energy/transform/spark/glue-script.js';
import { FX_MODEL_GROUP } from '../../src/fx/decisions/training/model-group.js';
import { synthesize, type Synthesized } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
}, 180_000);
afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

describe('Lake stack', () => {
  it('source, datalake, Athena-results and access-log buckets; data buckets on KMS with access logs', () => {
    const t = s.templates.lake;
    t.resourceCountIs('AWS::S3::Bucket', 4);
    const kms = t.findResources('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      },
    });
    expect(Object.keys(kms)).toHaveLength(3);
  });

  it('the raw zone moves to Infrequent Access, then Glacier', () => {
    s.templates.lake.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'raw/',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
            ],
          }),
        ]),
      },
    });
  });

  it('the ingestion Lambda runs the s3-ingestion bundle on Node 22 on ObjectCreated', () => {
    const t = s.templates.lake;
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      DeadLetterConfig: Match.objectLike({ TargetArn: Match.anyValue() }),
      TracingConfig: { Mode: 'Active' },
      VpcConfig: Match.anyValue(),
    });
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [Match.objectLike({ Events: ['s3:ObjectCreated:*'] })],
      },
    });
  });

  it('Glue databases energy_raw_db, energy_processed_db, fx_raw_db and two crawlers', () => {
    const t = s.templates.lake;
    t.resourceCountIs('AWS::Glue::Database', 3);
    for (const name of ['energy_raw_db', 'energy_processed_db', 'fx_raw_db']) {
      t.hasResourceProperties('AWS::Glue::Database', {
        DatabaseInput: Match.objectLike({ Name: name }),
      });
    }
    t.resourceCountIs('AWS::Glue::Crawler', 2);
    t.hasResourceProperties('AWS::Glue::Crawler', {
      DatabaseName: 'energy_raw_db',
      CrawlerSecurityConfiguration: 'corriente-glue',
    });
    t.hasResourceProperties('AWS::Glue::Crawler', { DatabaseName: 'energy_processed_db' });
    t.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: Match.objectLike({
        S3Encryptions: [Match.objectLike({ S3EncryptionMode: 'SSE-KMS' })],
        CloudWatchEncryption: Match.objectLike({ CloudWatchEncryptionMode: 'SSE-KMS' }),
        JobBookmarksEncryption: Match.objectLike({ JobBookmarksEncryptionMode: 'CSE-KMS' }),
      }),
    });
  });

  it('three Glue 5 jobs whose script assets are the rendered job definitions', () => {
    const t = s.templates.lake;
    t.resourceCountIs('AWS::Glue::Job', 3);
    const jobs = builtinJobs();
    for (const job of jobs) {
      t.hasResourceProperties('AWS::Glue::Job', {
        Name: `corriente-transform-${job.entity}`,
        GlueVersion: '5.0',
        Command: Match.objectLike({ Name: 'glueetl', PythonVersion: '3' }),
        DefaultArguments: Match.objectLike({ '--job-bookmark-option': 'job-bookmark-disable' }),
        SecurityConfiguration: 'corriente-glue',
      });
      // The asset uploaded is byte for byte the script the generator renders.
      const assets = readFileSync(
        path.join(s.app.outdir, `${s.lake.artifactId}.assets.json`),
        'utf8',
      );
      const files = Object.values(
        (JSON.parse(assets) as { files: Record<string, { source: { path: string } }> }).files,
      ).map((f) => f.source.path);
      const rendered = renderGlueScript(job);
      expect(
        files.some(
          (f) => f.endsWith('.py') && readFileSync(path.join(s.app.outdir, f), 'utf8') === rendered,
        ),
        job.entity,
      ).toBe(true);
    }
  });

  it('the chain is a state machine: crawl raw → jobs → crawl processed → warehouse, with retries', () => {
    const t = s.templates.lake;
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(sm!.Properties.DefinitionString);
    for (const state of [
      'Start raw crawl',
      'Transform jobs',
      'Start processed crawl',
      'Warehouse load',
    ]) {
      expect(definition).toContain(state);
    }
    expect(definition).toContain('glue:startJobRun.sync');
    expect(definition).toContain('ecs:runTask.sync');
    expect(definition).toContain('Retry');
    expect(definition.indexOf('Start raw crawl')).toBeLessThan(
      definition.indexOf('Start processed crawl'),
    );
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('Athena work group: enforced, KMS-encrypted results, bytes-scanned limit', () => {
    s.templates.lake.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'corriente',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }),
        }),
      }),
    });
  });

  it('Lake Formation: settings, the datalake location, and grants generated from the governance config', () => {
    const t = s.templates.lake;
    t.resourceCountIs('AWS::LakeFormation::DataLakeSettings', 1);
    t.hasResourceProperties('AWS::LakeFormation::Resource', { UseServiceLinkedRole: true });
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'corriente-lake-analyst' });
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'corriente-lake-auditor' });
    // exclude → column wildcard with excluded columns
    t.hasResourceProperties('AWS::LakeFormation::PrincipalPermissions', {
      Permissions: ['SELECT'],
      Resource: {
        TableWithColumns: Match.objectLike({
          DatabaseName: 'energy_processed_db',
          Name: 'clientes',
          ColumnWildcard: { ExcludedColumnNames: ['identificacion', 'nombre'] },
        }),
      },
    });
    // include → the columns plus the partition keys
    t.hasResourceProperties('AWS::LakeFormation::PrincipalPermissions', {
      Resource: {
        TableWithColumns: Match.objectLike({
          Name: 'transacciones',
          ColumnNames: ['tipo_transaccion', 'cantidad_comprada_kwh', 'year', 'month', 'day'],
        }),
      },
    });
    // database '*' → a table wildcard in each of the three databases
    const wildcard = t.findResources('AWS::LakeFormation::PrincipalPermissions', {
      Properties: {
        Permissions: ['SELECT'],
        Resource: { Table: Match.objectLike({ TableWildcard: {} }) },
      },
    });
    expect(Object.keys(wildcard)).toHaveLength(3);
  });

  it('Aurora PostgreSQL Serverless v2 with a rotated, KMS-encrypted secret', () => {
    const t = s.templates.lake;
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: Match.objectLike({ ScheduleExpression: 'rate(30 days)' }),
    });
  });

  it('no Redshift unless the redshift flag is set', () => {
    s.templates.lake.resourceCountIs('AWS::RedshiftServerless::Workgroup', 0);
  });
});

describe('Lake stack with redshift=true', () => {
  it('adds a private Redshift Serverless namespace and work group', () => {
    const r = synthesize({ redshift: true });
    r.templates.lake.hasResourceProperties('AWS::RedshiftServerless::Namespace', {
      ManageAdminPassword: true,
      KmsKeyId: Match.anyValue(),
    });
    r.templates.lake.hasResourceProperties('AWS::RedshiftServerless::Workgroup', {
      PubliclyAccessible: false,
      EnhancedVpcRouting: true,
    });
    rmSync(r.dir, { recursive: true, force: true });
  }, 180_000);
});

describe('FX stack', () => {
  it('HTTP API routes to the API Lambda, with access logs and throttling', () => {
    const t = s.templates.fx;
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 1000 }),
    });
    t.resourceCountIs('AWS::Lambda::Function', 3);
  });

  it('every FX function reads the deployed configuration from CORRIENTE_CONFIG_JSON', () => {
    const fns = Object.values(s.templates.fx.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(3);
    for (const f of fns) {
      const json = JSON.stringify(f.Properties.Environment.Variables.CORRIENTE_CONFIG_JSON);
      for (const part of [
        '\\"type\\":\\"postgres\\"',
        '\\"type\\":\\"kinesis\\"',
        '\\"type\\":\\"dynamodb\\"',
        '\\"engine\\":\\"athena\\"',
      ]) {
        expect(json).toContain(part);
      }
      expect(json).not.toMatch(/password/i);
    }
  });

  it('EventBridge Scheduler invokes the collector every minute', () => {
    s.templates.fx.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        DeadLetterConfig: Match.anyValue(),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
      }),
    });
  });

  it('Kinesis on-demand, encrypted; the processor mapping bisects, retries and has an on-failure destination', () => {
    const t = s.templates.fx;
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('DynamoDB portfolios keyed by userId with PITR and a customer key', () => {
    s.templates.fx.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
  });

  it('orchestrator (one, by lease) and dispatchers run as Fargate services of the corriente image', () => {
    const t = s.templates.fx;
    t.resourceCountIs('AWS::ECS::Service', 2);
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, LaunchType: 'FARGATE' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Command: ['up', '--no-demo', '--roles', 'orchestrator'],
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'PGPASSWORD' })]),
        }),
      ],
    });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Command: ['up', '--no-demo', '--roles', 'dispatcher'] }),
      ],
    });
  });

  it('SageMaker model package group, model, endpoint config (KMS) and endpoint', () => {
    const t = s.templates.fx;
    t.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: FX_MODEL_GROUP,
    });
    t.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({ Image: Match.anyValue() }),
      VpcConfig: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: Match.anyValue() });
    t.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  });

  it('SNS topic (KMS), End User Messaging push app, and the three application secrets', () => {
    const t = s.templates.fx;
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.resourceCountIs('AWS::Pinpoint::App', 1);
    for (const name of [
      'corriente/vapid-keys',
      'corriente/webhook-secret-key',
      'corriente/admin-token',
    ]) {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: name,
        KmsKeyId: Match.anyValue(),
      });
    }
  });
});

describe('Operations stack', () => {
  it('alarms on Lambda errors, iterator age, DLQ depth, API 5xx and latency, chain failures', () => {
    const t = s.templates.operations;
    // 4 functions + iterator age + 2 DLQs + 5xx + latency + failed + timed out
    t.resourceCountIs('AWS::CloudWatch::Alarm', 11);
    for (const metric of [
      'Errors',
      'GetRecords.IteratorAgeMilliseconds',
      'ApproximateNumberOfMessagesVisible',
      '5xx',
      'Latency',
      'ExecutionsFailed',
    ]) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        AlarmActions: [Match.anyValue()],
      });
    }
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
