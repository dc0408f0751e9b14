import { Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One acknowledged cdk-nag finding: rule (and finding) id, where, and why. */
export interface Acknowledgement {
  /** e.g. `AwsSolutions-IAM5[Resource::*]` or `AwsSolutions-L1`. */
  id: string;
  /** Construct paths (below the stack) the finding is acknowledged on; a trailing `*` matches a prefix. */
  paths: string[];
  reason: string;
}

const LAMBDAS = ['Ingestion', 'Api', 'Collector', 'Processor'];
const GRANT_ACTIONS = [
  's3:GetObject*',
  's3:GetBucket*',
  's3:List*',
  's3:DeleteObject*',
  's3:Abort*',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];

/**
 * Every cdk-nag AwsSolutions finding the app acknowledges, with the reason. Anything not listed
 * here fails `npm run synth` (errors) or the cdk-nag test (warnings). docs/aws.md, "Permissions",
 * explains each `Resource: *`.
 */
export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    paths: [
      ...LAMBDAS.map((l) => `${l}/ServiceRole/Resource`),
      'LogRetention*',
      'BucketNotificationsHandler*',
    ],
    reason:
      'AWSLambdaBasicExecutionRole only allows CloudWatch Logs writes; it is the minimal Lambda execution policy, not a *FullAccess policy.',
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    paths: LAMBDAS.map((l) => `${l}/ServiceRole/Resource`),
    reason:
      'AWSLambdaVPCAccessExecutionRole only allows the ENI calls a function in a VPC needs (which have no resource-level permissions) and log writes.',
  },
  ...GRANT_ACTIONS.map((action) => ({
    id: `AwsSolutions-IAM5[Action::${action}]`,
    paths: ['*'],
    reason: `${action} is an action group of a CDK grant method (grantRead/grantReadWrite/grantEncryptDecrypt) on one named bucket or key of this app, never on every resource.`,
  })),
  {
    id: 'AwsSolutions-IAM5[Resource::<Datalake290A29DB.Arn>/*]',
    paths: ['*'],
    reason:
      'Objects of the datalake bucket: object keys are data (partitions, files) and cannot be named at deploy time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::CorrienteLake:ExportsOutputFnGetAttDatalake290A29DBArn26092923/*]',
    paths: ['*'],
    reason:
      'Objects of the datalake bucket (from the Lake stack): object keys are data and cannot be named at deploy time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::CorrienteLake:ExportsOutputFnGetAttDatalake290A29DBArn26092923/models/*]',
    paths: ['SageMakerRole/*'],
    reason:
      'The endpoint reads model files under the datalake models/ prefix only; versions are written at run time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<AthenaResults99A60126.Arn>/*]',
    paths: ['LakeFormation/Role-*'],
    reason:
      'Governance roles read and write their own Athena query results; result keys are query ids.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    paths: ['LakeFormation/Role-*'],
    reason:
      'lakeformation:GetDataAccess has no resource type; Lake Formation grants (generated from the governance config) decide what data it vends.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<Source71E471F1.Arn>/*]',
    paths: ['Ingestion/*'],
    reason:
      'The ingestion function reads whatever file lands in the source bucket: object keys are not known at deploy time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:us-east-1:123456789012:database/*]',
    paths: ['CrawlerRole/*', 'Processor/*', 'LakeFormation/Role-*'],
    reason:
      'Glue catalog access of this account; Lake Formation decides which databases each principal may use.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:us-east-1:123456789012:table/*/*]',
    paths: ['CrawlerRole/*', 'Processor/*', 'LakeFormation/Role-*'],
    reason:
      'Crawlers and the processor create tables named after the data folders, unknown at deploy time; Lake Formation governs them.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws-glue/crawlers*]',
    paths: ['CrawlerRole/*'],
    reason: 'Glue writes crawler logs into log groups it names under /aws-glue/crawlers.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws-glue/jobs*]',
    paths: ['GlueJobRole/*'],
    reason: 'Glue writes job logs into log groups it names under /aws-glue/jobs.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/*]',
    paths: ['SageMakerRole/*'],
    reason:
      'SageMaker writes endpoint logs into log groups it names under /aws/sagemaker/Endpoints.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-123456789012-us-east-1/*]',
    paths: ['GlueJobRole/*'],
    reason:
      'The Glue scripts are CDK file assets in the bootstrap bucket, under content-hash keys (asset.grantRead).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:123456789012:model-package/fx-recomendaciones/*]',
    paths: ['SageMakerRole/*'],
    reason: 'The versions of the one model package group, registered after deployment by training.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:us-east-1:123456789012:network-interface/*]',
    paths: ['SageMakerRole/*'],
    reason: 'The endpoint ENIs SageMaker creates in this account (names unknown at deploy time).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:us-east-1:123456789012:subnet/*]',
    paths: ['SageMakerRole/*'],
    reason:
      'ENI creation authorizes the subnet of this account the endpoint runs in (the VPC config names it).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:us-east-1:123456789012:security-group/*]',
    paths: ['SageMakerRole/*'],
    reason:
      'ENI creation authorizes the security group of this account the endpoint uses (the VPC config names it).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<Collector9EBA7CF5.Arn>:*]',
    paths: ['SchedulerRoleForTarget*'],
    reason:
      'The scheduler may invoke the collector function and its versions (the CDK LambdaInvoke target grant).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    paths: [...LAMBDAS.map((l) => `${l}/ServiceRole/DefaultPolicy/Resource`)],
    reason:
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource type.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    paths: [
      'WarehouseTask/ExecutionRole/*',
      'OrchestratorTask/ExecutionRole/*',
      'DispatcherTask/ExecutionRole/*',
      'SageMakerRole/*',
    ],
    reason:
      'ecr:GetAuthorizationToken has no resource type (image pulls are limited to the asset repository); SageMaker: cloudwatch:PutMetricData and ec2:Describe* have no resource type.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    paths: ['LakeChain/Role/*'],
    reason:
      'Step Functions: X-Ray and the CloudWatch Logs delivery actions have no resource type; ecs:DescribeTasks/StopTask for the .sync RunTask integration act on task ids created at run time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    paths: ['LogRetention*'],
    reason:
      'CDK LogRetention (Aurora log exports): logs:PutRetentionPolicy on the log group RDS creates, named only at run time.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:{"Fn::Select":[1,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}:{"Fn::Select":[2,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}:{"Fn::Select":[3,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}:{"Fn::Select":[4,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}:{"Fn::Select":[0,{"Fn::Split":["/",{"Fn::Select":[5,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}]}]}/{"Fn::Select":[1,{"Fn::Split":["/",{"Fn::Select":[5,{"Fn::Split":[":",{"Ref":"WarehouseTaskFAFFAEE3"}]}]}]}]}:*]',
    paths: ['LakeChain/Role/*'],
    reason:
      'ecs:RunTask on the revisions of the warehouse task definition (the family ARN with any revision).',
  },
  {
    id: 'AwsSolutions-L1',
    paths: LAMBDAS.map((l) => `${l}/Resource`),
    reason:
      'nodejs22.x is the runtime the bundles are built for and run on in the bundle tests (Node 22, issue 16); move with the tests.',
  },
  {
    id: 'AwsSolutions-ECS2',
    paths: ['WarehouseTask/Resource', 'OrchestratorTask/Resource', 'DispatcherTask/Resource'],
    reason:
      'The environment holds resource names only (bucket, stream, table, topic); every credential is injected from Secrets Manager (container secrets).',
  },
  {
    id: 'AwsSolutions-SMG4',
    paths: ['VapidKeys/Resource', 'WebhookSecretKey/Resource', 'AdminToken/Resource'],
    reason:
      'Application keys without a rotation protocol: rotating VAPID keys drops every push subscription, the webhook key decrypts stored secrets, the admin token is rotated by an operator (docs/aws.md). The database secret rotates every 30 days.',
  },
  {
    id: 'AwsSolutions-APIG4',
    paths: ['HttpApi/DefaultRoute/Resource'],
    reason:
      'corriente authenticates every non-public route itself (bearer tokens hashed in the state store, admin token); an API Gateway authorizer would duplicate it.',
  },
  {
    id: 'AwsSolutions-SQS3',
    paths: ['SchedulerDlq/Resource', 'ProcessorDlq/Resource'],
    reason:
      'These queues are dead-letter queues themselves (scheduler target, Kinesis event source on-failure destination).',
  },
  {
    id: 'CloudFormation-Validate::W3696',
    paths: ['PushApp'],
    reason:
      'AWS End User Messaging push keeps the AWS::Pinpoint::App resource and the mobiletargeting APIs after Pinpoint engagement features ended.',
  },
];

/** Applies {@link ACKNOWLEDGEMENTS} to the constructs of `stack` they name. */
export function suppressFindings(stack: Stack): void {
  const all = stack.node.findAll();
  const relative = (c: IConstruct): string => c.node.path.slice(stack.node.path.length + 1);
  for (const ack of ACKNOWLEDGEMENTS) {
    for (const pattern of ack.paths) {
      const matches = all.filter((c) => {
        const p = relative(c);
        return pattern.endsWith('*') ? p.startsWith(pattern.slice(0, -1)) : p === pattern;
      });
      for (const c of matches) Validations.of(c).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
}
