import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jsonRecord, parseJson } from '../../../src/core/event-log/event-log.js';
import { KinesisEventLog } from '../../../src/core/event-log/kinesis/index.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/index.js';
import { SqliteLeaseStore } from '../../../src/core/lease/sqlite/index.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import type { FxEvent } from '../../../src/fx/events.js';
import { SqlitePortfolioStore } from '../../../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import {
  startSharedStreamProcessor,
  STREAM_PROCESSOR_CONSUMER,
} from '../../../src/fx/processor/index.js';
import { startKinesalite } from '../../core/event-log/kinesalite-server.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import { foldAll, lakeRows, storeContents } from './harness.js';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let kinesalite: Awaited<ReturnType<typeof startKinesalite>>;
let client: KinesisClient;
let t: { dir: string; cleanup: () => void };

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = new KinesisClient({
    region: 'us-east-1',
    endpoint: kinesalite.endpoint,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  t = tempDir('corriente-shared-proc-');
});

afterAll(async () => {
  client?.destroy();
  await kinesalite?.stop();
  t?.cleanup();
});

function keyOf(e: FxEvent): string {
  return 'userId' in e ? e.userId : e.source;
}

it('two processors share a 4-shard stream by lease; when one dies the other takes its shards over and every event lands exactly once', async () => {
  const streamName = `fx-${randomUUID().slice(0, 8)}`;
  await KinesisEventLog.ensureStream(client, streamName, 4);
  const checkpoints = new SqliteCheckpointStore({ path: path.join(t.dir, 'checkpoints.db') });
  const openLog = () =>
    new KinesisEventLog({ streamName, checkpoints, client, pollIntervalMs: 50 });
  const writer = openLog();
  const events = mixedEvents({ count: 3000, users: 60, seed: 5 });
  // Accounts first, all of them, so a user's first trade never overtakes its account.
  for (let i = 0; i < events.length; i += 500) {
    await writer.appendBatch(events.slice(i, i + 500).map((e) => jsonRecord(keyOf(e), e)));
  }
  const datalake = new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') });
  const portfolios = new SqlitePortfolioStore({ path: path.join(t.dir, 'portfolios.db') });
  const leasesPath = path.join(t.dir, 'leases.db');
  const leaseMs = 1500;
  const instance = (owner: string, leases: SqliteLeaseStore) =>
    startSharedStreamProcessor({
      log: openLog(),
      datalake,
      portfolios,
      leases,
      owner,
      leaseMs,
      batchMaxEvents: 97,
      batchMaxDelayMs: 100,
      retryDelayMs: 50,
    });
  const leasesA = new SqliteLeaseStore({ path: leasesPath });
  const leasesB = new SqliteLeaseStore({ path: leasesPath });
  const a = instance('A', leasesA);
  const b = instance('B', leasesB);
  // Balanced: two shards each, none read by both.
  await eventually(() => a.shards().length === 2 && b.shards().length === 2, {
    timeoutMs: 20_000,
    message: () => `A ${a.shards().join(',')} · B ${b.shards().join(',')}`,
  });
  expect(new Set([...a.shards(), ...b.shards()]).size).toBe(4);
  await eventually(() => a.stats().records + b.stats().records >= events.length, 30_000);

  // A dies: its state store goes away, so it can renew nothing; B must take A's shards within
  // the lease time (plus one renewal round).
  const aShards = a.shards();
  await leasesA.close();
  const more = mixedEvents({ count: 3600, users: 60, seed: 5 }).slice(3000);
  for (let i = 0; i < more.length; i += 200) {
    await writer.appendBatch(more.slice(i, i + 200).map((e) => jsonRecord(keyOf(e), e)));
  }
  const diedAt = performance.now();
  await eventually(() => aShards.every((s) => b.shards().includes(s)), {
    timeoutMs: 10_000,
    message: () => `B holds ${b.shards().join(',')}`,
  });
  const takeoverMs = performance.now() - diedAt;
  expect(takeoverMs).toBeLessThan(leaseMs * 2 + 500);
  expect(a.shards()).toEqual([]);

  const all = [...events, ...more];
  await eventually(async () => (await lakeRows(datalake)).length >= all.length, {
    timeoutMs: 30_000,
  });
  await b.stop();
  await a.stop();

  // Exactly once in the raw lake (the invalid-events prefix aside) and exact portfolios.
  const rows = await lakeRows(datalake, 'raw/');
  const ids = rows.map((r) => String(r.row.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(all.map((e) => e.id)));
  expect(await storeContents(portfolios)).toEqual(foldAll(all));

  // The whole-stream checkpoint is the union of the shards' rows: nothing left to read.
  const reader = openLog();
  const cp = await reader.getCheckpoint(STREAM_PROCESSOR_CONSUMER);
  expect(Object.keys(JSON.parse(cp!) as object)).toHaveLength(4);
  const rest = await reader.read(cp, { max: 10_000 });
  expect(rest.records.map((r) => (parseJson(r) as FxEvent).id)).toEqual([]);
  await reader.close();
  await writer.close();
  await portfolios.close();
  await leasesB.close();
  await checkpoints.close();
});
