import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** An SQS queue encrypted with the stack's key, TLS-only, messages kept 14 days (a DLQ). */
export function encryptedQueue(scope: Construct, id: string, key: kms.IKey): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

export interface CorrienteFunctionProps {
  /** Folder of the esbuild bundle (`index.mjs` exporting `handler`). */
  codeDir: string;
  description: string;
  vpc: ec2.IVpc;
  key: kms.IKey;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  deadLetterQueue?: sqs.IQueue;
  securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A corriente Lambda function: Node.js 22 (the runtime the bundles are tested on), arm64, in the
 * VPC's private subnets (it reaches the state store), its own log group encrypted with the
 * stack's key, X-Ray tracing, environment encrypted with the stack's key.
 */
export function lambdaFunction(
  scope: Construct,
  id: string,
  props: CorrienteFunctionProps,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    encryptionKey: props.key,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(props.codeDir),
    description: props.description,
    timeout: props.timeout,
    memorySize: props.memorySize,
    vpc: props.vpc,
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    environmentEncryption: props.key,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
    ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
  });
}
