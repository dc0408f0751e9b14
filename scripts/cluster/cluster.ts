/**
 * A local cluster: every FX role as its own `corriente up --roles …` process, each with its own
 * home (no shared files, as if each ran on its own machine), sharing only the machine's
 * PostgreSQL (state), a Kinesis emulator (kinesalite: events), an S3 emulator (s3rver: the lake)
 * and a DynamoDB emulator (dynalite: portfolios), all started here. `npm run cluster` runs it;
 * the fault test drives it.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import pg from 'pg';
import webpush from 'web-push';
import { KinesisEventLog } from '../../src/core/event-log/kinesis/index.js';
import { createPortfolioTable } from '../../src/fx/portfolio/dynamodb/dynamodb-portfolio-store.js';

const require = createRequire(import.meta.url);

/** How many processes of each role. */
export interface ClusterCounts {
  api: number;
  processor: number;
  orchestrator: number;
  collector: number;
  dispatcher: number;
}

export const DEFAULT_COUNTS: ClusterCounts = {
  api: 3,
  processor: 2,
  orchestrator: 2,
  collector: 1,
  dispatcher: 2,
};

export interface ClusterOptions {
  /** Folder of the instances' homes and the emulators' files (created; not removed). */
  root: string;
  /** The PostgreSQL database of the state store (created when missing). */
  databaseUrl: string;
  /** `dist/cli/main.js`. */
  cli: string;
  /** @default DEFAULT_COUNTS */
  counts?: Partial<ClusterCounts>;
  /** First API port; the others follow. @default 8081 */
  basePort?: number;
  /** Kinesis shards. @default 4 */
  shards?: number;
  /** `fx.leaseSeconds`. @default 15 */
  leaseSeconds?: number;
  /** Cron of the price collector (seconds allowed). @default every 2 seconds */
  priceSchedule?: string;
  /** `fx.api.rateLimitPerMinute` of every API instance. @default the configuration's default */
  rateLimitPerMinute?: number;
  /** `fx.notifications` of every instance (e.g. webhooks to private targets, dispatcher timings). */
  notifications?: Record<string, unknown>;
  /** Every output line of every instance. */
  onLine?: (instance: string, line: string) => void;
  /** Variables added to every instance's environment (e.g. `CORRIENTE_LOG_LEVEL`). */
  env?: NodeJS.ProcessEnv;
}

/** One `corriente up` process. */
export interface Instance {
  name: string;
  role: keyof ClusterCounts;
  home: string;
  port: number | undefined;
  /** The base URL it serves on since its last start (api instances). */
  url: string | undefined;
  child: ChildProcess | undefined;
  /** Output since the last start. */
  output: string;
}

export interface Cluster {
  endpoints: { kinesis: string; s3: string; dynamodb: string };
  /** The API instances' base URLs (with `basePort: 0`, as at the first start: see {@link urlOf}). */
  apiUrls: string[];
  /** The base URL an instance serves on now (a restart on port 0 picks a new one). */
  urlOf(name: string): string | undefined;
  instances: Map<string, Instance>;
  /** The environment every instance runs with (secrets included). */
  env: NodeJS.ProcessEnv;
  /** The configuration file every instance's home holds a copy of. */
  config: Record<string, unknown>;
  adminToken: string;
  /** Starts (or restarts) an instance; resolves once it says it is up. */
  start(name: string): Promise<void>;
  /** Sends `signal` to an instance and waits for it to exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Stops every instance (SIGTERM), then the emulators. */
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const BUCKET = 'corriente-lago';
const STREAM = 'fx-events';
const TABLE = 'fx-portafolios';

type ServerFactory = (o: Record<string, unknown>) => Server;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** s3rver in a child (it needs OpenSSL's legacy provider for its listing tokens). */
async function startS3rver(dir: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = `
const S3rver = require(process.argv[1]);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2],
  configureBuckets: [{ name: ${JSON.stringify(BUCKET)}, configs: [] }] })
  .run().then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'),
    (err) => { console.error(err); process.exit(1); });`;
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', script, require.resolve('s3rver'), dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** Creates the state database when it does not exist. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`bad database name in ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * Starts the emulators and every instance.
 * @example
 * const cluster = await startCluster({ root, databaseUrl, cli: 'dist/cli/main.js' });
 * console.log(cluster.apiUrls);
 * await cluster.stop();
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const counts = { ...DEFAULT_COUNTS, ...o.counts };
  fs.mkdirSync(o.root, { recursive: true, mode: 0o700 });
  await ensureDatabase(o.databaseUrl);
  const kinesalite = (require('kinesalite') as ServerFactory)({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  const dynalite = (require('dynalite') as ServerFactory)({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const kinesisUrl = await listen(kinesalite);
  const dynamoUrl = await listen(dynalite);
  const s3dir = path.join(o.root, 's3rver');
  fs.mkdirSync(s3dir, { recursive: true });
  const s3 = await startS3rver(s3dir);
  const clients = {
    kinesis: new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesisUrl,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    }),
    dynamo: new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamoUrl,
      credentials: CREDENTIALS,
    }),
    s3: new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      credentials: CREDENTIALS,
      forcePathStyle: true,
    }),
  };
  await KinesisEventLog.ensureStream(clients.kinesis, STREAM, o.shards ?? 4);
  await createPortfolioTable(clients.dynamo, TABLE);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => undefined);
  for (const c of Object.values(clients)) c.destroy();

  const config = {
    stores: {
      datalake: {
        type: 's3',
        bucket: BUCKET,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
      },
    },
    fx: {
      eventLog: { type: 'kinesis', streamName: STREAM, region: 'us-east-1', endpoint: kinesisUrl },
      portfolioStore: {
        type: 'dynamodb',
        tableName: TABLE,
        region: 'us-east-1',
        endpoint: dynamoUrl,
      },
      prices: { schedule: o.priceSchedule ?? '*/2 * * * * *' },
      ...(o.rateLimitPerMinute ? { api: { rateLimitPerMinute: o.rateLimitPerMinute } } : {}),
      processor: { batchMaxDelayMs: 1000 },
      // One registry for every home (what `state: postgres` implies anyway, named here): a model
      // approved through any instance is served by every orchestrator.
      model: { registry: { type: 'postgres' } },
      ...(o.notifications ? { notifications: o.notifications } : {}),
      leaseSeconds: o.leaseSeconds ?? 15,
    },
  };
  const vapid = webpush.generateVAPIDKeys();
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CORRIENTE_DATABASE_URL: o.databaseUrl,
    CORRIENTE_ADMIN_TOKEN: adminToken,
    CORRIENTE_VAPID_PUBLIC_KEY: vapid.publicKey,
    CORRIENTE_VAPID_PRIVATE_KEY: vapid.privateKey,
    CORRIENTE_WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64url'),
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    CORRIENTE_LOG_FORMAT: 'json',
    ...o.env,
  };

  const instances = new Map<string, Instance>();
  const basePort = o.basePort ?? 8081;
  for (const role of Object.keys(DEFAULT_COUNTS) as (keyof ClusterCounts)[]) {
    for (let i = 1; i <= counts[role]; i++) {
      const name = `${role}-${i}`;
      const home = path.join(o.root, name);
      fs.mkdirSync(home, { recursive: true, mode: 0o700 });
      // Each home holds its own copy: nothing is shared through the file system.
      fs.writeFileSync(path.join(home, 'corriente.config.json'), JSON.stringify(config, null, 2));
      instances.set(name, {
        name,
        role,
        home,
        port: role === 'api' ? (basePort === 0 ? 0 : basePort + i - 1) : undefined,
        url: undefined,
        child: undefined,
        output: '',
      });
    }
  }

  const start = async (name: string): Promise<void> => {
    const inst = instances.get(name);
    if (!inst) throw new Error(`no instance ${name}`);
    if (inst.child && inst.child.exitCode === null && inst.child.signalCode === null) return;
    inst.output = '';
    const args = [
      o.cli,
      'up',
      '--no-demo',
      '--config',
      path.join(inst.home, 'corriente.config.json'),
      '--roles',
      inst.role,
      ...(inst.port !== undefined ? ['--port', String(inst.port)] : []),
    ];
    const child = spawn(process.execPath, args, {
      env: { ...env, CORRIENTE_HOME: inst.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    inst.child = child;
    const onData = (d: Buffer): void => {
      const text = d.toString('utf8');
      inst.output += text;
      if (o.onLine) for (const line of text.split('\n')) if (line) o.onLine(name, line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (inst.output.includes('corriente is up')) {
          child.stdout!.off('data', check);
          inst.url = /HTTP\s+(https?:\/\/\S+)/.exec(inst.output)?.[1];
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code, signal) =>
        reject(new Error(`${name} exited (${code ?? signal}) while starting:\n${inst.output}`)),
      );
      setTimeout(
        () => reject(new Error(`${name} did not start in 120 s:\n${inst.output}`)),
        120_000,
      ).unref();
    });
  };

  const kill = async (name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = instances.get(name)?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };

  const cluster: Cluster = {
    endpoints: { kinesis: kinesisUrl, s3: s3.endpoint, dynamodb: dynamoUrl },
    get apiUrls() {
      return [...instances.values()]
        .filter((i) => i.role === 'api')
        .map((i) => i.url ?? `http://127.0.0.1:${i.port}`);
    },
    urlOf: (name) => instances.get(name)?.url,
    instances,
    env,
    config,
    adminToken,
    start,
    kill,
    async stop() {
      await Promise.all([...instances.keys()].map((n) => kill(n, 'SIGTERM')));
      await close(kinesalite);
      await close(dynalite);
      const exited = once(s3.child, 'exit');
      s3.child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    // The first applies the state migrations; the others start together and find them done.
    const [first, ...rest] = instances.keys();
    if (first) await start(first);
    await Promise.all(rest.map((name) => start(name)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
