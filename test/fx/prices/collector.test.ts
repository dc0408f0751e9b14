import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPriceCollectorHandler } from '../../../src/deploy/aws/price-collector-handler.js';
import { openFxDatabase, type FxDatabase } from '../../../src/fx/api/fx-database.js';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { priceTickSchema } from '../../../src/fx/events.js';
import { PriceCollector } from '../../../src/fx/prices/collector.js';
import type { PriceSource, Quote } from '../../../src/fx/prices/price-source.js';
import { startPriceCollector } from '../../../src/fx/prices/schedule.js';
import { SimulatedPriceSource } from '../../../src/fx/prices/simulated/simulated-price-source.js';
import { SqlitePriceBook } from '../../../src/fx/prices/sqlite/sqlite-price-book.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';

let tmp: ReturnType<typeof tempDir>;
let log: DiskEventLog;
let db: FxDatabase;
beforeEach(async () => {
  tmp = tempDir('corriente-fxprices-');
  log = await DiskEventLog.open({ dir: path.join(tmp.dir, 'eventlog'), stream: 'fx-events' });
  db = openFxDatabase(path.join(tmp.dir, 'ledger.db'));
});
afterEach(async () => {
  db.close();
  await log.close();
  tmp.cleanup();
});

class ScriptedSource implements PriceSource {
  readonly name = 'scripted';
  constructor(private readonly quotes: (Quote | undefined | Error)[]) {}
  fetch(): Promise<Quote | undefined> {
    const q = this.quotes.shift();
    return q instanceof Error ? Promise.reject(q) : Promise.resolve(q);
  }
}
const q = (at: string, bid: number, ask: number): Quote => ({
  bidCopCents: bid,
  askCopCents: ask,
  midCopCents: Math.floor((bid + ask + 1) / 2),
  observedAt: at,
  source: 'scripted',
});

async function ticksInLog() {
  return (await log.read()).records.map((r) => priceTickSchema.parse(parseJson(r)));
}

describe('PriceCollector', () => {
  it('appends valid ticks and drops duplicates, out-of-order and invalid quotes', async () => {
    const book = new SqlitePriceBook({ db: db });
    const source = new ScriptedSource([
      q('2026-03-02T15:00:00Z', 400000, 401000),
      q('2026-03-02T15:00:00Z', 400000, 401000), // duplicate
      q('2026-03-02T14:59:00Z', 400100, 401100), // out of order
      q('2026-03-02T15:00:00Z', 400200, 401200), // same time, other prices: out of order
      { ...q('2026-03-02T15:02:00Z', 402000, 401000) }, // bid > ask
      undefined,
      new Error('feed down'),
      q('2026-03-02T15:01:00Z', 400300, 401300),
    ]);
    const collector = new PriceCollector({ source, eventLog: log, priceBook: book });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await collector.collect()).status);
    expect(statuses).toEqual([
      'appended',
      'duplicate',
      'out-of-order',
      'out-of-order',
      'invalid',
      'no-quote',
      'failed',
      'appended',
    ]);
    const ticks = await ticksInLog();
    expect(ticks.map((t) => t.bidCopCents)).toEqual([400000, 400300]);
    expect(book.latest()!.id).toBe(ticks[1]!.id);
    // A restarted collector remembers the last tick through the price book.
    const again = new PriceCollector({
      source: new ScriptedSource([q('2026-03-02T15:01:00Z', 400300, 401300)]),
      eventLog: log,
      priceBook: new SqlitePriceBook({ db: db }),
    });
    expect((await again.collect()).status).toBe('duplicate');
  });

  it('runs on an interval until stopped', async () => {
    const book = new SqlitePriceBook({ db: db });
    const collector = new PriceCollector({
      source: new SimulatedPriceSource({ seed: 1 }),
      eventLog: log,
      priceBook: book,
    });
    const stop = startPriceCollector({ collector, intervalMs: 20 });
    await eventually(async () => (await ticksInLog()).length >= 3);
    await stop();
    const n = (await ticksInLog()).length;
    expect(n).toBeGreaterThanOrEqual(3);
    // A witness on the same 20 ms interval: once it has run three times, the stopped collector
    // would have run too.
    let witnessRuns = 0;
    const stopWitness = startPriceCollector({
      collector: {
        collect: async () => {
          witnessRuns++;
          return { status: 'no-quote' };
        },
      },
      intervalMs: 20,
    });
    await eventually(() => witnessRuns >= 3);
    await stopWitness();
    expect((await ticksInLog()).length).toBe(n);
    const ac = new AbortController();
    const stop2 = startPriceCollector({
      collector,
      schedule: '* * * * *',
      signal: ac.signal,
      runOnStart: false,
    });
    ac.abort();
    await stop2();
  });
});

describe('EventBridge price-collector handler', () => {
  it('runs one collection at the event time and refuses other event shapes', async () => {
    const book = new SqlitePriceBook({ db: db });
    const collector = new PriceCollector({
      source: new SimulatedPriceSource({ seed: 3 }),
      eventLog: log,
      priceBook: book,
    });
    const handler = createPriceCollectorHandler({ collector });
    const event = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-03-02T15:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/corriente-price-collector'],
      detail: {},
    };
    const result = await handler(event);
    expect(result.status).toBe('appended');
    expect((await ticksInLog())[0]).toMatchObject({
      observedAt: '2026-03-02T15:00:00.000Z',
      source: 'simulated',
    });
    expect((await handler(event)).status).toBe('duplicate');
    await expect(
      handler({ ...event, 'detail-type': 'Object Created', source: 'aws.s3' }),
    ).rejects.toThrow(/not an EventBridge scheduled event: detail-type/);
  });
});
