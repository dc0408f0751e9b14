import { afterEach, beforeEach, expect, it } from 'vitest';
import { createKinesisProcessorHandler } from '../../../src/deploy/aws/kinesis-processor-handler.js';
import type { FxEvent } from '../../../src/fx/events.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import type { ObjectStore } from '../../../src/core/object-store/object-store.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import {
  foldAll,
  lakeHashes,
  lakeRows,
  openHarness,
  storeContents,
  type Harness,
} from './harness.js';

let t: { dir: string; cleanup: () => void };
let h: Harness;
beforeEach(async () => {
  t = tempDir('corriente-fxkin-');
  h = await openHarness(t.dir);
});
afterEach(async () => {
  await h.close();
  t.cleanup();
});

const ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/fx-events';
const seq = (i: number): string =>
  `4959033827149025660855969253836157109592157598913658${String(8000 + i)}`;

/** A Kinesis event as an event source mapping delivers it (records `from`…`to` − 1). */
function kinesisEvent(events: FxEvent[], from: number, to: number) {
  return {
    Records: events.slice(from, to).map((e, j) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'userId' in e ? e.userId : e.source,
        sequenceNumber: seq(from + j),
        data: Buffer.from(JSON.stringify(e)).toString('base64'),
        approximateArrivalTimestamp: 1_773_115_200.123,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq(from + j)}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
      awsRegion: 'us-east-1',
      eventSourceARN: ARN,
    })),
  };
}

it('runs the processor core on a Kinesis batch, and a partial failure is retried from there', async () => {
  const events = mixedEvents({ count: 300, users: 10, seed: 4 });
  let failing = true;
  const lake = Object.create(h.datalake) as ObjectStore;
  lake.put = async (key, body) => {
    if (failing && key.startsWith('raw/fx_precios/')) throw new Error('SlowDown');
    return h.datalake.put(key, body);
  };
  const handler = createKinesisProcessorHandler({
    datalake: lake,
    portfolios: h.portfolios,
    timezone: 'America/Bogota',
    log: silentLogger,
  });
  expect(await handler(kinesisEvent(events, 0, 100))).toEqual({
    batchItemFailures: events.slice(0, 100).map((_, i) => ({ itemIdentifier: seq(i) })),
  });
  failing = false;
  // Lambda retries from the first failure with a bigger batch: only the planned 100 are taken,
  // the rest is reported back so the files stay those of the planned batch.
  const retried = await handler(kinesisEvent(events, 0, 150));
  expect(retried.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
    events.slice(100, 150).map((_, i) => seq(100 + i)),
  );
  expect(await handler(kinesisEvent(events, 100, 300))).toEqual({ batchItemFailures: [] });
  const files = [...(await lakeHashes(h.datalake)).keys()];
  expect(files).toContain(
    `raw/fx_transacciones/year=2026/month=03/day=09/part-shardId-000000000000_${seq(0)}-shardId-000000000000_${seq(99)}.jsonl`,
  );
  const rows = await lakeRows(h.datalake);
  expect(new Set(rows.map((r) => r.row.id)).size).toBe(300);
  expect(rows).toHaveLength(300);
  expect(await storeContents(h.portfolios)).toEqual(foldAll(events));

  // A redelivery of the same batch changes nothing.
  const before = await lakeHashes(h.datalake);
  expect(await handler(kinesisEvent(events, 100, 300))).toEqual({ batchItemFailures: [] });
  expect(await lakeHashes(h.datalake)).toEqual(before);
  expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
});

it('refuses what is not a Kinesis event', async () => {
  const handler = createKinesisProcessorHandler({
    datalake: h.datalake,
    portfolios: h.portfolios,
    timezone: 'America/Bogota',
    log: silentLogger,
  });
  await expect(handler({ Records: [] })).rejects.toThrow(/not a Kinesis event: Records/);
  const event = kinesisEvent(mixedEvents({ count: 1, users: 1 }), 0, 1);
  event.Records[0]!.kinesis.data = '***';
  await expect(handler(event)).rejects.toThrow(/Records\.0\.kinesis\.data/);
  await expect(
    handler({ Records: [{ ...event.Records[0], eventSourceARN: 'arn:aws:s3:::b' }] }),
  ).rejects.toThrow(/eventSourceARN/);
});

it('with raw claims an event the log delivered twice, in two batches, lands in raw once', async () => {
  // The claims' contract in memory (the PostgreSQL adapter has its own test): the first batch
  // to claim an id owns it; asking again for the same batch gives the same answer.
  const owner = new Map<string, string>();
  const rawClaims = {
    claim: async (stream: string, batch: string, ids: readonly string[]) => {
      const taken = new Set<string>();
      for (const id of ids) {
        const k = `${stream}/${id}`;
        if (!owner.has(k)) owner.set(k, batch);
        if (owner.get(k) !== batch) taken.add(id);
      }
      return taken;
    },
  };
  const handler = createKinesisProcessorHandler({
    datalake: h.datalake,
    portfolios: h.portfolios,
    timezone: 'America/Bogota',
    log: silentLogger,
    rawClaims,
  });
  const events = mixedEvents({ count: 40, users: 4, seed: 9 });
  // A killed API instance's relay appended events 10…14 again after the first 20.
  const delivered = [...events.slice(0, 20), ...events.slice(10, 15), ...events.slice(20)];
  expect(await handler(kinesisEvent(delivered, 0, 20))).toEqual({ batchItemFailures: [] });
  expect(await handler(kinesisEvent(delivered, 20, 45))).toEqual({ batchItemFailures: [] });
  const rows = await lakeRows(h.datalake);
  expect(rows).toHaveLength(40);
  expect(new Set(rows.map((r) => r.row.id)).size).toBe(40);
  expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  // A redelivery of the second batch skips the same events and writes the same files.
  const before = await lakeHashes(h.datalake);
  expect(await handler(kinesisEvent(delivered, 20, 45))).toEqual({ batchItemFailures: [] });
  expect(await lakeHashes(h.datalake)).toEqual(before);
});
