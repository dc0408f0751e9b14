import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A dynalite (in-memory DynamoDB emulator) listening on a free port of 127.0.0.1. */
export interface DynaliteServer {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  /** A new low-level client for the emulator (dummy credentials); the caller destroys it. */
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** Starts dynalite in this process; tables become ACTIVE at once. */
export async function startDynalite(): Promise<DynaliteServer> {
  const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    client: () =>
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
      }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
