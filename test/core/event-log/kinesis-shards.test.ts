import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  EventLogValidationError,
  jsonRecord,
  parseJson,
  SINGLE_SHARD,
} from '../../../src/core/event-log/event-log.js';
import { DiskEventLog } from '../../../src/core/event-log/disk/index.js';
import {
  KinesisEventLog,
  parseKinesisPosition,
} from '../../../src/core/event-log/kinesis/index.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/index.js';
import { tempDir } from '../../util/tmp.js';
import { startKinesalite } from './kinesalite-server.js';

let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let client: KinesisClient;
let t: { dir: string; cleanup: () => void };

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = new KinesisClient({
    region: 'us-east-1',
    endpoint: kinesalite.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  t = tempDir('corriente-kinesis-shards-');
});

afterAll(async () => {
  client?.destroy();
  await kinesalite?.stop();
  t?.cleanup();
});

it('a shard view reads one shard; per-shard checkpoints add up to the whole-stream checkpoint', async () => {
  const streamName = `fx-${randomUUID().slice(0, 8)}`;
  await KinesisEventLog.ensureStream(client, streamName, 3);
  const checkpoints = new SqliteCheckpointStore({ path: path.join(t.dir, 'cp.db') });
  const log = new KinesisEventLog({ streamName, checkpoints, client });
  await log.appendBatch(Array.from({ length: 60 }, (_, i) => jsonRecord(`k${i}`, { i })));
  const shards = await log.shardIds();
  expect(shards).toHaveLength(3);

  // A consumer that checkpointed the whole stream first (before sharing it by lease).
  const firstPage = await log.read(undefined, { max: 10 });
  await log.setCheckpoint('proc', firstPage.next);
  const before = parseKinesisPosition(firstPage.next);

  const seen: number[] = [];
  for (const shardId of shards) {
    const view = log.shard(shardId);
    const from = await view.getCheckpoint('proc');
    // It continues from the whole checkpoint's entry for its shard.
    expect(from === undefined ? undefined : parseKinesisPosition(from)[shardId]).toBe(
      before[shardId],
    );
    const page = await view.read(from, { max: 1000 });
    for (const r of page.records) {
      expect(Object.keys(parseKinesisPosition(r.position))).toEqual([shardId]);
      seen.push((parseJson(r) as { i: number }).i);
    }
    if (page.records.length > 0) await view.setCheckpoint('proc', page.next);
    const other = shards.find((s) => s !== shardId)!;
    await expect(view.setCheckpoint('proc', JSON.stringify({ [other]: '1' }))).rejects.toThrow(
      EventLogValidationError,
    );
  }
  const already = firstPage.records.map((r) => (parseJson(r) as { i: number }).i);
  expect([...already, ...seen].sort((x, y) => x - y)).toEqual(
    Array.from({ length: 60 }, (_, i) => i),
  );
  // The whole-stream view: nothing left after the merged checkpoint; one row per consumer listed.
  const merged = await log.getCheckpoint('proc');
  expect((await log.read(merged)).records).toEqual([]);
  expect((await log.listCheckpoints()).map((c) => [c.consumer, c.position])).toEqual([
    ['proc', merged],
  ]);
  // Setting the whole checkpoint back to the start brings the shard rows in line.
  await log.setCheckpoint('proc', await log.trimHorizon());
  for (const shardId of shards)
    expect(await log.shard(shardId).getCheckpoint('proc')).toBe(undefined);
  expect((await log.read(await log.getCheckpoint('proc'), { max: 1000 })).records).toHaveLength(60);
  await log.deleteCheckpoint('proc');
  expect(await checkpoints.list(streamName)).toEqual([]);
  await log.close();
  await checkpoints.close();
});

it('the disk log has a single shard, the log itself', async () => {
  const log = await DiskEventLog.open({ dir: path.join(t.dir, 'eventlog'), stream: 'fx-events' });
  expect(await log.shardIds()).toEqual([SINGLE_SHARD]);
  expect(log.shard(SINGLE_SHARD)).toBe(log);
  expect(() => log.shard('shardId-000000000000')).toThrow(EventLogValidationError);
  await log.close();
});
