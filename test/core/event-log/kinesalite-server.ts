import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

type Kinesalite = (options: Record<string, unknown>) => Server;

/** kinesalite (in memory, streams ACTIVE at once) on a free port of 127.0.0.1. */
export async function startKinesalite(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const kinesalite = createRequire(import.meta.url)('kinesalite') as Kinesalite;
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 1000,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
