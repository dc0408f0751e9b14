import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventLog,
  EventLogClosedError,
  type EventRecord,
  EventLogValidationError,
  jsonRecord,
  MAX_RECORD_BYTES,
  parseJson,
  type Position,
  tail,
} from '../../../src/core/event-log/event-log.js';
import { eventually } from '../../util/eventually.js';

/** One isolated stream. `open()` may be called again after closing to reopen the same stream. */
export interface EventLogHarness {
  open(): Promise<EventLog>;
  cleanup(): Promise<void>;
}

export type MakeLog = () => Promise<EventLogHarness>;

/** Reads pages of `max` until an empty page. */
export async function readAll(log: EventLog, from?: Position, max = 1000): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  let cursor = from;
  for (;;) {
    const page = await log.read(cursor, { max });
    if (page.records.length === 0) return out;
    out.push(...page.records);
    cursor = page.next;
  }
}

function byKey(records: EventRecord[]): Map<string, unknown[]> {
  const m = new Map<string, unknown[]>();
  for (const r of records) {
    const list = m.get(r.partitionKey) ?? [];
    list.push(parseJson(r));
    m.set(r.partitionKey, list);
  }
  return m;
}

const sorted = (xs: string[]): string[] => [...xs].sort();

/**
 * The EventLog contract: every adapter runs this suite. `makeLog` must return an empty stream,
 * isolated from the streams of other tests. Positions are treated as opaque strings.
 */
export function eventLogContract(name: string, makeLog: MakeLog): void {
  describe(`EventLog contract: ${name}`, () => {
    let harness: EventLogHarness;
    let log: EventLog;

    beforeEach(async () => {
      harness = await makeLog();
      log = await harness.open();
    });
    afterEach(async () => {
      await log.close();
      await harness.cleanup();
    });

    it('a single append resolves with a position, and the record reads back with it', async () => {
      const { position } = await log.append(jsonRecord('user-1', { n: 1 }));
      expect(typeof position).toBe('string');
      const [record, ...rest] = await readAll(log);
      expect(rest).toEqual([]);
      expect(record!.position).toBe(position);
      expect(record!.partitionKey).toBe('user-1');
      expect(parseJson(record!)).toEqual({ n: 1 });
      expect(record!.appendedAt).toBeInstanceOf(Date);
    });

    it('a batch append resolves with one distinct position per record, in input order', async () => {
      const batch = [1, 2, 3, 4, 5].map((n) => jsonRecord(`k${n % 2}`, { n }));
      const results = await log.appendBatch(batch);
      expect(results).toHaveLength(5);
      expect(new Set(results.map((r) => r.position)).size).toBe(5);
      const read = await readAll(log);
      const positionOf = new Map(read.map((r) => [(parseJson(r) as { n: number }).n, r.position]));
      expect(results.map((r) => r.position)).toEqual([1, 2, 3, 4, 5].map((n) => positionOf.get(n)));
      expect(await log.appendBatch([])).toEqual([]);
    });

    it('keeps bytes as they are (binary data, non-ASCII keys)', async () => {
      const data = Buffer.from([0, 255, 1, 254, 10, 13, 0]);
      await log.append({ partitionKey: 'usuario-ñandú', data });
      await log.append({ partitionKey: 'empty', data: new Uint8Array() });
      const read = await readAll(log);
      const got = new Map(read.map((r) => [r.partitionKey, r.data]));
      expect(got.get('usuario-ñandú')?.equals(data)).toBe(true);
      expect(got.get('empty')?.length).toBe(0);
    });

    it('reads everything from the beginning, in append order per partition key', async () => {
      const keys = ['a', 'b', 'c', 'd'];
      for (let round = 0; round < 3; round++) {
        await log.appendBatch(
          keys.flatMap((k) => [0, 1].map((i) => jsonRecord(k, { k, i: round * 2 + i }))),
        );
        await log.append(jsonRecord('a', { k: 'a', i: 100 + round }));
      }
      const read = await readAll(log, undefined, 7);
      expect(read).toHaveLength(27);
      const groups = byKey(read);
      for (const k of ['b', 'c', 'd']) {
        expect(groups.get(k)).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ k, i })));
      }
      expect(groups.get('a')).toEqual(
        [0, 1, 100, 2, 3, 101, 4, 5, 102].map((i) => ({ k: 'a', i })),
      );
      // read() and read(trimHorizon) return the same records (across shards, maybe not in the same order)
      const fromHorizon = await readAll(log, await log.trimHorizon());
      expect(sorted(fromHorizon.map((r) => r.position))).toEqual(
        sorted(read.map((r) => r.position)),
      );
    });

    it('reading from a returned position continues exactly after it: no gaps, no duplicates', async () => {
      await log.appendBatch(Array.from({ length: 40 }, (_, n) => jsonRecord(`k${n % 3}`, { n })));
      const all = await readAll(log);
      expect(all).toHaveLength(40);
      for (const k of [0, 7, 20, 38, 39]) {
        const rest = await readAll(log, all[k]!.next, 6);
        expect(sorted(rest.map((r) => r.position))).toEqual(
          sorted(all.slice(k + 1).map((r) => r.position)),
        );
      }
      // Page by page with `page.next`.
      const seen: string[] = [];
      let cursor: Position | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await log.read(cursor, { max: 3 });
        expect(page.records.length).toBeLessThanOrEqual(3);
        if (page.records.length === 0) break;
        seen.push(...page.records.map((r) => r.position));
        cursor = page.next;
      }
      expect(seen).toHaveLength(40);
      expect(sorted(seen)).toEqual(sorted(all.map((r) => r.position)));
    });

    it('an empty log reads empty pages, and its cursor then sees later appends', async () => {
      const first = await log.read();
      expect(first.records).toEqual([]);
      expect(typeof first.next).toBe('string');
      const again = await log.read(first.next, { max: 10 });
      expect(again.records).toEqual([]);
      await log.append(jsonRecord('k', { n: 1 }));
      const after = await log.read(again.next);
      expect(after.records.map((r) => parseJson(r))).toEqual([{ n: 1 }]);
      const end = await log.read(after.next);
      expect(end.records).toEqual([]);
      expect(end.next).toBe(after.next);
    });

    it('named consumer checkpoints persist across close and reopen', async () => {
      expect(await log.getCheckpoint('lake-writer')).toBeUndefined();
      await log.appendBatch([1, 2, 3].map((n) => jsonRecord('k', { n })));
      const page = await log.read(undefined, { max: 2 });
      await log.setCheckpoint('lake-writer', page.next);
      await log.setCheckpoint('portfolio', page.records[0]!.next);
      await log.close();

      log = await harness.open();
      expect(await log.getCheckpoint('lake-writer')).toBe(page.next);
      expect((await log.listCheckpoints()).map((c) => c.consumer)).toEqual([
        'lake-writer',
        'portfolio',
      ]);
      await log.append(jsonRecord('k', { n: 4 }));
      const rest = await readAll(log, await log.getCheckpoint('lake-writer'));
      expect(rest.map((r) => parseJson(r))).toEqual([{ n: 3 }, { n: 4 }]);
      const checkpoint = (await log.listCheckpoints()).find((c) => c.consumer === 'portfolio');
      expect(checkpoint?.updatedAt).toBeInstanceOf(Date);
      await log.deleteCheckpoint('portfolio');
      await log.deleteCheckpoint('never-existed');
      expect(await log.getCheckpoint('portfolio')).toBeUndefined();
    });

    it('refuses bad records with clear errors, and writes nothing', async () => {
      await expect(log.append({ partitionKey: '', data: Buffer.from('x') })).rejects.toThrow(
        EventLogValidationError,
      );
      await expect(log.append({ partitionKey: '', data: Buffer.from('x') })).rejects.toThrow(
        /partitionKey/,
      );
      await expect(
        log.append({ partitionKey: 'k'.repeat(257), data: Buffer.from('x') }),
      ).rejects.toThrow(/256/);
      const tooBig = Buffer.alloc(MAX_RECORD_BYTES, 1);
      await expect(log.append({ partitionKey: 'k', data: tooBig })).rejects.toThrow(
        /too big.*1 MiB/,
      );
      await expect(
        log.appendBatch([
          jsonRecord('ok', 1),
          { partitionKey: 'k', data: tooBig },
          jsonRecord('ok', 2),
        ]),
      ).rejects.toThrow(/record #1: record is too big/);
      await expect(
        log.append({ partitionKey: 'k', data: 'text' as unknown as Buffer }),
      ).rejects.toThrow(/Buffer or Uint8Array/);
      expect(await readAll(log)).toEqual([]);
      // Exactly at the limit is fine.
      const atLimit = Buffer.alloc(MAX_RECORD_BYTES - 1, 7);
      await log.append({ partitionKey: 'k', data: atLimit });
      const [big] = await readAll(log);
      expect(big!.data.equals(atLimit)).toBe(true);
    });

    it('refuses bad consumer names and foreign positions clearly', async () => {
      await expect(log.setCheckpoint('', await log.trimHorizon())).rejects.toThrow(/consumer name/);
      await expect(log.getCheckpoint('a/b')).rejects.toThrow(/consumer name/);
      await expect(log.read('not a position')).rejects.toThrow(EventLogValidationError);
      await expect(log.setCheckpoint('c', 'garbage')).rejects.toThrow(/not a position/);
      await expect(log.read(undefined, { max: 0 })).rejects.toThrow(/max/);
    });

    it('concurrent appends from many callers are all acknowledged and read exactly once', async () => {
      const callers = 300;
      const keys = 7;
      const results = await Promise.all(
        Array.from({ length: callers }, (_, n) =>
          log.append(jsonRecord(`user-${n % keys}`, { n })),
        ),
      );
      expect(new Set(results.map((r) => r.position)).size).toBe(callers);
      const read = await readAll(log, undefined, 128);
      expect(read).toHaveLength(callers);
      const ns = read.map((r) => (parseJson(r) as { n: number }).n);
      expect(new Set(ns).size).toBe(callers);
      const positionByN = new Map(read.map((r) => [(parseJson(r) as { n: number }).n, r.position]));
      results.forEach((r, n) => expect(positionByN.get(n)).toBe(r.position));
      // Each key in call order.
      for (const [k, values] of byKey(read)) {
        const own = values.map((v) => (v as { n: number }).n);
        expect(own, k).toEqual([...own].sort((a, b) => a - b));
      }
    });

    it('tail() wakes up for new appends', async () => {
      const controller = new AbortController();
      const got: unknown[] = [];
      // The log as the follower sees it, counting its waits for new records.
      let waits = 0;
      const watched = new Proxy(log, {
        get(target, key) {
          if (key === 'waitForRecords') {
            return (...args: Parameters<EventLog['waitForRecords']>) => {
              waits++;
              return target.waitForRecords(...args);
            };
          }
          const v: unknown = Reflect.get(target, key, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const follower = (async () => {
        for await (const page of tail(watched, undefined, {
          signal: controller.signal,
          idleMs: 5000,
        })) {
          got.push(...page.records.map((r) => parseJson(r)));
          if (got.length >= 2) controller.abort();
        }
      })();
      // Append only once the follower found the log empty and waits for records.
      await eventually(() => waits > 0);
      await log.append(jsonRecord('k', { n: 1 }));
      await log.append(jsonRecord('k', { n: 2 }));
      await follower;
      expect(got).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('refuses appends after close', async () => {
      await log.close();
      await expect(log.append(jsonRecord('k', 1))).rejects.toThrow(EventLogClosedError);
      log = await harness.open();
    });
  });
}
