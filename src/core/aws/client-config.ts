/**
 * The settings every AWS SDK v3 client of corriente shares, built once: region, endpoint (an
 * emulator or a VPC endpoint), credentials and the SDK's own retry (standard mode, with its
 * jittered backoff). Emulators speak HTTP/1.1 only, so a client given an endpoint gets the
 * HTTP/1.1 handler (Kinesis would otherwise try HTTP/2).
 *
 * @example new S3Client({ ...awsClientConfig({ region: 'us-east-1', endpoint }), forcePathStyle: true })
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

export interface AwsClientOptions {
  /** @default the SDK's chain (AWS_REGION, profile) */
  region?: string;
  /** e.g. `http://127.0.0.1:4569` for an emulator. @default the service's AWS endpoint */
  endpoint?: string;
  /** @default the SDK's chain (environment, profile, role) */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per call, the first included. @default 3 */
  maxAttempts?: number;
  /** Always use the HTTP/1.1 handler (Kinesis on an emulator). @default only with an endpoint */
  http1?: boolean;
}

/** The constructor options shared by every AWS client; spread them into the client's own. */
export function awsClientConfig(o: AwsClientOptions = {}) {
  return {
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: o.maxAttempts ?? 3,
    retryMode: 'standard' as const,
    // A stalled connection (an emulator on a loaded machine, a dropped VPC route) fails the
    // attempt after these times, and the SDK's retry takes over, instead of hanging forever.
    ...(o.endpoint || o.http1
      ? {
          requestHandler: new NodeHttpHandler({
            connectionTimeout: 10_000,
            requestTimeout: 120_000,
          }),
        }
      : {}),
  };
}
