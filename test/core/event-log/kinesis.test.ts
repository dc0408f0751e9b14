import {
  KinesisClient,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRecord, parseJson } from '../../../src/core/event-log/event-log.js';
import {
  KinesisEventLog,
  KinesisPutError,
  parseKinesisPosition,
} from '../../../src/core/event-log/kinesis/index.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/index.js';
import { eventLogContract, readAll } from './event-log-contract.js';
import { startKinesalite } from './kinesalite-server.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let client: KinesisClient;
let stateDir: string;

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = new KinesisClient({
    region: 'us-east-1',
    endpoint: kinesalite.endpoint,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  stateDir = await fs.mkdtemp(path.join(tmpdir(), 'corriente-kinesis-'));
});

afterAll(async () => {
  client?.destroy();
  await kinesalite?.stop();
  await fs.rm(stateDir, { recursive: true, force: true });
});

async function newStream(shards = 2): Promise<string> {
  const name = `fx-${randomUUID().slice(0, 8)}`;
  await KinesisEventLog.ensureStream(client, name, shards);
  return name;
}

eventLogContract('KinesisEventLog on kinesalite (2 shards)', async () => {
  const streamName = await newStream(2);
  const checkpoints = new SqliteCheckpointStore({
    path: path.join(stateDir, `${streamName}.sqlite`),
  });
  return {
    // Each instance builds its own client, as production code does.
    open: async () =>
      new KinesisEventLog({
        streamName,
        checkpoints,
        clientConfig: {
          region: 'us-east-1',
          endpoint: kinesalite.endpoint,
          credentials: CREDENTIALS,
        },
        pollIntervalMs: 50,
        maxRequestBytes: 4 * 1024 * 1024,
      }),
    cleanup: () => checkpoints.close(),
  };
});

describe('KinesisEventLog', () => {
  it('positions map shard ids to sequence numbers; the record spreads over both shards', async () => {
    const checkpoints = new SqliteCheckpointStore({ path: ':memory:' });
    const log = new KinesisEventLog({ streamName: await newStream(2), client, checkpoints });
    const results = await log.appendBatch(
      Array.from({ length: 40 }, (_, n) => jsonRecord(`user-${n}`, { n })),
    );
    const shards = new Set(results.flatMap((r) => Object.keys(parseKinesisPosition(r.position))));
    expect([...shards].sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const all = await readAll(log);
    const cursor = parseKinesisPosition(all.at(-1)!.next);
    expect(Object.keys(cursor).sort()).toEqual([...shards].sort());
    expect(await log.trimHorizon()).toBe('{}');
    await log.close();
    await checkpoints.close();
  });

  it('retries only the records PutRecords reports as failed (failures injected by SDK middleware)', async () => {
    const calls: number[] = [];
    const flaky = new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesalite.endpoint,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    // Like Kinesis under throttling: the odd records of the first call are refused, not stored.
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutRecordsCommand') return next(args);
        const input = args.input as PutRecordsCommandInput;
        const records = input.Records ?? [];
        calls.push(records.length);
        if (calls.length > 1) return next(args);
        const kept = records.filter((_, i) => i % 2 === 0);
        const result = await next({ ...args, input: { ...input, Records: kept } });
        const output = result.output as PutRecordsCommandOutput;
        const merged = records.map((_, i) =>
          i % 2 === 0
            ? output.Records![i / 2]!
            : {
                ErrorCode: 'ProvisionedThroughputExceededException',
                ErrorMessage: 'Rate exceeded',
              },
        );
        return {
          ...result,
          output: { ...output, FailedRecordCount: records.length - kept.length, Records: merged },
        };
      },
      { step: 'initialize' },
    );
    const checkpoints = new SqliteCheckpointStore({ path: ':memory:' });
    const log = new KinesisEventLog({
      streamName: await newStream(1),
      client: flaky,
      checkpoints,
      retryBaseDelayMs: 5,
    });
    const results = await log.appendBatch(
      Array.from({ length: 10 }, (_, n) => jsonRecord('k', { n })),
    );
    expect(calls).toEqual([10, 5]);
    const all = await readAll(log);
    expect(all.map((r) => r.position)).toEqual(
      [...results.map((r) => r.position)].sort((a, b) => {
        const sa = BigInt(Object.values(parseKinesisPosition(a))[0]!);
        const sb = BigInt(Object.values(parseKinesisPosition(b))[0]!);
        return sa < sb ? -1 : 1;
      }),
    );
    // The documented caveat: retried records land after the ones that succeeded.
    expect(all.map((r) => (parseJson(r) as { n: number }).n)).toEqual([
      0, 2, 4, 6, 8, 1, 3, 5, 7, 9,
    ]);
    await log.close();
    flaky.destroy();
    await checkpoints.close();
  });

  it('gives up with a clear error when records keep failing', async () => {
    const failing = new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesalite.endpoint,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    failing.middlewareStack.add(
      () => async () => ({
        response: {},
        output: {
          $metadata: {},
          FailedRecordCount: 1,
          Records: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }],
        },
      }),
      { step: 'initialize' },
    );
    const checkpoints = new SqliteCheckpointStore({ path: ':memory:' });
    const log = new KinesisEventLog({
      streamName: 'never-reached',
      client: failing,
      checkpoints,
      maxPutAttempts: 3,
      retryBaseDelayMs: 1,
    });
    await expect(log.append(jsonRecord('k', 1))).rejects.toThrow(KinesisPutError);
    await expect(log.append(jsonRecord('k', 1))).rejects.toThrow(
      /after 3 attempts: InternalFailure boom/,
    );
    await log.close();
    failing.destroy();
    await checkpoints.close();
  });

  it('splits big batches into PutRecords calls of at most 500 records', async () => {
    const sizes: number[] = [];
    const counting = new KinesisClient({
      region: 'us-east-1',
      endpoint: kinesalite.endpoint,
      credentials: CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    counting.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'PutRecordsCommand') {
          sizes.push((args.input as PutRecordsCommandInput).Records!.length);
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const checkpoints = new SqliteCheckpointStore({ path: ':memory:' });
    const log = new KinesisEventLog({
      streamName: await newStream(1),
      client: counting,
      checkpoints,
    });
    await log.appendBatch(Array.from({ length: 1200 }, (_, n) => jsonRecord(`k${n % 5}`, { n })));
    expect(sizes).toEqual([500, 500, 200]);
    expect(await readAll(log, undefined, 10_000)).toHaveLength(1200);
    await log.close();
    counting.destroy();
    await checkpoints.close();
  });

  it('refuses a position of another adapter', async () => {
    const checkpoints = new SqliteCheckpointStore({ path: ':memory:' });
    const log = new KinesisEventLog({ streamName: await newStream(1), client, checkpoints });
    await expect(log.read('00000000000000000001')).rejects.toThrow(/not a position of a Kinesis/);
    await log.close();
    await checkpoints.close();
  });
});

describe('SqliteCheckpointStore', () => {
  it('keeps checkpoints per stream, durably across reopening the file', async () => {
    const file = path.join(stateDir, 'state', 'checkpoints.sqlite');
    let store = new SqliteCheckpointStore({ path: file });
    await store.set('a-stream', 'c1', '{"s":"1"}');
    await store.set('a-stream', 'c1', '{"s":"2"}');
    await store.set('b-stream', 'c1', '{"s":"9"}');
    await store.close();
    store = new SqliteCheckpointStore({ path: file });
    expect(await store.get('a-stream', 'c1')).toBe('{"s":"2"}');
    expect((await store.list('b-stream')).map((c) => [c.consumer, c.position])).toEqual([
      ['c1', '{"s":"9"}'],
    ]);
    await store.delete('a-stream', 'c1');
    expect(await store.get('a-stream', 'c1')).toBeUndefined();
    await expect(store.get('a-stream', 'bad name')).rejects.toThrow(/consumer name/);
    await store.close();
  });
});
