import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * The server-access-log bucket of a stack. S3 server access logging can only write to a bucket
 * encrypted with S3-managed keys (SSE-S3), so this one bucket is not KMS-encrypted.
 */
export function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
    ],
  });
}

export interface SecureBucketProps {
  key: kms.IKey;
  accessLogs: s3.IBucket;
  /** Prefix of this bucket's entries in the access-log bucket. */
  logPrefix: string;
  lifecycleRules?: s3.LifecycleRule[];
}

/**
 * A data bucket as every corriente bucket is: KMS-encrypted with the stack's key (bucket keys on),
 * versioned, TLS-only, public access blocked, server access logs on, retained on stack deletion.
 */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: props.key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    serverAccessLogsBucket: props.accessLogs,
    serverAccessLogsPrefix: props.logPrefix,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        noncurrentVersionExpiration: Duration.days(90),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
      ...(props.lifecycleRules ?? []),
    ],
  });
}
