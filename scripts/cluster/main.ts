/**
 * `npm run cluster`: the whole FX platform as many processes on this machine (see cluster.ts and
 * the README's "A local cluster"). Ctrl+C stops everything.
 */
import * as path from 'node:path';
import { startCluster } from './cluster.js';

const root = path.resolve(process.env.CORRIENTE_CLUSTER_DIR ?? 'cluster-data');
const databaseUrl =
  process.env.CORRIENTE_CLUSTER_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/corriente_cluster';
const cli = path.resolve('dist/cli/main.js');
const verbose = process.argv.includes('--verbose');

const cluster = await startCluster({
  root,
  databaseUrl,
  cli,
  ...(verbose ? { onLine: (name: string, line: string) => console.log(`[${name}] ${line}`) } : {}),
});
console.log(
  [
    'corriente cluster is up',
    `  homes          ${root}/<role>-<n>/ (one per process; nothing shared on disk)`,
    `  state          ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    `  kinesis        ${cluster.endpoints.kinesis} (kinesalite, stream fx-events)`,
    `  s3             ${cluster.endpoints.s3} (s3rver, bucket corriente-lago)`,
    `  dynamodb       ${cluster.endpoints.dynamodb} (dynalite, table fx-portafolios)`,
    ...cluster.apiUrls.map((u, i) => `  api-${i + 1}          ${u}`),
    `  processes      ${[...cluster.instances.values()].map((i) => `${i.name} (pid ${i.child?.pid})`).join(', ')}`,
    `  admin token    ${cluster.adminToken}`,
    'Stop with Ctrl+C.',
  ].join('\n'),
);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the cluster…');
  void cluster.stop().then(() => {
    console.log('cluster stopped');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
