import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DiskEventLog,
  diskPosition,
  WriterLockedError,
} from '../../../src/core/event-log/disk/index.js';
import { crc32, crc32Portable } from '../../../src/core/event-log/disk/crc32.js';
import { encodeRecord } from '../../../src/core/event-log/disk/record-format.js';
import { jsonRecord, parseJson } from '../../../src/core/event-log/event-log.js';
import { tempDir } from '../../util/tmp.js';
import { eventLogContract, readAll } from './event-log-contract.js';

eventLogContract('DiskEventLog', async () => {
  const { dir, cleanup } = tempDir('corriente-eventlog-');
  return {
    open: () => DiskEventLog.open({ dir, stream: 'contract' }),
    cleanup: async () => cleanup(),
  };
});

describe('crc32', () => {
  it('matches the standard check values, native and portable', () => {
    for (const f of [crc32, crc32Portable]) {
      expect(f(Buffer.from('123456789'))).toBe(0xcbf43926);
      expect(f(Buffer.alloc(0))).toBe(0);
      expect(f(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    }
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 256));
    expect(crc32Portable(random)).toBe(crc32(random));
  });
});

describe('DiskEventLog', () => {
  let dir: string;
  let cleanup: () => void;
  const open: typeof DiskEventLog.open = (options) => DiskEventLog.open(options);

  beforeEach(() => {
    ({ dir, cleanup } = tempDir('corriente-eventlog-'));
  });
  afterEach(() => cleanup());

  const segmentFiles = async (stream: string): Promise<string[]> =>
    (await fs.readdir(path.join(dir, stream))).filter((f) => f.startsWith('segment-')).sort();

  it('positions are zero-padded sequence numbers from 1', async () => {
    const log = await open({ dir, stream: 's' });
    expect(await log.trimHorizon()).toBe('00000000000000000000');
    expect((await log.append(jsonRecord('k', 1))).position).toBe(diskPosition(1));
    expect(
      (await log.appendBatch([jsonRecord('k', 2), jsonRecord('k', 3)])).map((r) => r.position),
    ).toEqual(['00000000000000000002', '00000000000000000003']);
    await log.close();
  });

  it('group commit: 1,000 concurrent appends take far fewer fsyncs', async () => {
    const log = await open({ dir, stream: 's' });
    await Promise.all(
      Array.from({ length: 1000 }, (_, n) => log.append(jsonRecord(`u${n % 10}`, { n }))),
    );
    const stats = log.stats();
    expect(stats.appended).toBe(1000);
    expect(stats.fsyncs).toBeLessThan(20);
    expect(stats.fsyncs).toBeGreaterThanOrEqual(1);
    await log.close();
  });

  it('recovers from a torn tail: garbage or a half-written record is dropped, appends continue', async () => {
    let log = await open({ dir, stream: 's' });
    await log.appendBatch(Array.from({ length: 10 }, (_, n) => jsonRecord('k', { n })));
    await log.close();
    const [segment] = await segmentFiles('s');
    const file = path.join(dir, 's', segment!);
    const intact = (await fs.stat(file)).size;

    // 1. Garbage after the last record.
    await fs.appendFile(
      file,
      Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    );
    log = await open({ dir, stream: 's' });
    expect((await fs.stat(file)).size).toBe(intact);
    expect((await readAll(log)).map((r) => parseJson(r))).toEqual(
      Array.from({ length: 10 }, (_, n) => ({ n })),
    );
    await log.close();

    // 2. A record cut in the middle (what a crash mid-write leaves).
    const eleventh = encodeRecord(11, Date.now(), 'k', Buffer.from(JSON.stringify({ n: 10 })));
    await fs.appendFile(file, eleventh.subarray(0, eleventh.length - 5));
    // 3. And a whole record with a flipped bit after it would be bad-CRC: also dropped.
    log = await open({ dir, stream: 's' });
    expect((await fs.stat(file)).size).toBe(intact);
    expect(await readAll(log)).toHaveLength(10);
    const { position } = await log.append(jsonRecord('k', { n: 'after' }));
    expect(position).toBe(diskPosition(11));
    await log.close();

    const corrupt = encodeRecord(12, Date.now(), 'k', Buffer.from('{"n":"corrupt"}'));
    corrupt[corrupt.length - 2]! ^= 0x10;
    await fs.appendFile(file, corrupt);
    log = await open({ dir, stream: 's' });
    const all = await readAll(log);
    expect(all.map((r) => r.position)).toEqual(
      Array.from({ length: 11 }, (_, i) => diskPosition(i + 1)),
    );
    expect(parseJson(all[10]!)).toEqual({ n: 'after' });
    await log.close();
  });

  it('a damaged record inside a sealed segment is reported, not skipped', async () => {
    let log = await open({ dir, stream: 's', segmentBytes: 1024 });
    await log.appendBatch(
      Array.from({ length: 5 }, (_, n) => jsonRecord('k', { n, pad: 'x'.repeat(300) })),
    );
    await log.append(jsonRecord('k', { n: 'last' }));
    await log.close();
    const [first] = await segmentFiles('s');
    const file = path.join(dir, 's', first!);
    const bytes = await fs.readFile(file);
    bytes[40]! ^= 0xff;
    await fs.writeFile(file, bytes);
    log = await open({ dir, stream: 's', segmentBytes: 1024 });
    await expect(readAll(log)).rejects.toThrow(/damaged record \(bad-crc\)/);
    await log.close();
  });

  it('rolls over to a new segment at the configured size, and reads across segments', async () => {
    let log = await open({ dir, stream: 's', segmentBytes: 4096 });
    for (let i = 0; i < 20; i++) {
      await log.appendBatch(
        Array.from({ length: 10 }, (_, j) =>
          jsonRecord(`k${j % 3}`, { n: i * 10 + j, pad: 'r'.repeat(100) }),
        ),
      );
    }
    const files = await segmentFiles('s');
    expect(files.length).toBeGreaterThan(3);
    for (const f of files.slice(0, -1)) {
      expect((await fs.stat(path.join(dir, 's', f))).size).toBeLessThanOrEqual(4096);
    }
    expect(files[1]).toMatch(/^segment-\d{20}\.log$/);
    await log.close();
    log = await open({ dir, stream: 's', segmentBytes: 4096 });
    await log.append(jsonRecord('k', { n: 200 }));
    const all = await readAll(log, undefined, 17);
    expect(all.map((r) => (parseJson(r) as { n: number }).n)).toEqual(
      Array.from({ length: 201 }, (_, n) => n),
    );
    // From a position deep inside a middle segment.
    const rest = await readAll(log, diskPosition(123));
    expect(rest[0]!.position).toBe(diskPosition(124));
    expect(rest).toHaveLength(201 - 123);
    await log.close();
  });

  it('retention deletes old segments, but not the active one nor ones a consumer still needs', async () => {
    const options = {
      dir,
      stream: 's',
      segmentBytes: 2048,
      retention: { maxAgeMs: 60_000 },
    };
    const log = await open(options);
    // Small batches: a batch is written whole into one segment, however big it is.
    const results = [];
    for (let n = 0; n < 120; n += 4) {
      const batch = [0, 1, 2, 3].map((i) => jsonRecord('k', { n: n + i, pad: 'p'.repeat(60) }));
      results.push(...(await log.appendBatch(batch)));
    }
    const before = await segmentFiles('s');
    expect(before.length).toBeGreaterThan(4);
    await log.setCheckpoint('slow', results[30]!.position);
    const future = Date.now() + 3_600_000;

    // Everything is old, but "slow" has only consumed up to record 31.
    const deleted = await log.applyRetention(future);
    const after = await segmentFiles('s');
    expect(deleted.length).toBeGreaterThan(0);
    expect(after.length).toBe(before.length - deleted.length);
    const horizon = Number(await log.trimHorizon());
    expect(horizon).toBeGreaterThan(0);
    expect(horizon).toBeLessThanOrEqual(31);
    const first = (await log.read()).records[0]!;
    expect(Number(first.position)).toBe(horizon + 1);
    // A cursor from before the horizon starts at the horizon.
    expect((await log.read(diskPosition(0))).records[0]!.position).toBe(first.position);

    // Once the consumer moves on, everything but the active segment can go.
    await log.setCheckpoint('slow', diskPosition(120));
    await log.applyRetention(future);
    expect(await segmentFiles('s')).toEqual([before[before.length - 1]]);
    const remaining = await readAll(log);
    expect(remaining.at(-1)!.position).toBe(diskPosition(120));

    // Young segments are kept.
    for (let n = 120; n < 200; n++) await log.append(jsonRecord('k', { n, pad: 'p'.repeat(60) }));
    await log.setCheckpoint('slow', diskPosition(200));
    expect(await log.applyRetention()).toEqual([]);
    await log.close();
  });

  it('retention by size keeps the newest segments under maxBytes', async () => {
    const log = await open({
      dir,
      stream: 's',
      segmentBytes: 1024,
      retention: { maxBytes: 4096, keepUnconsumed: false },
    });
    for (let n = 0; n < 100; n++) await log.append(jsonRecord('k', { n, pad: 'p'.repeat(40) }));
    await log.applyRetention();
    const sizes = await Promise.all(
      (await segmentFiles('s')).map(async (f) => (await fs.stat(path.join(dir, 's', f))).size),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4096);
    const all = await readAll(log);
    expect(all.at(-1)!.position).toBe(diskPosition(100));
    expect(Number(all[0]!.position)).toBe(Number(await log.trimHorizon()) + 1);
    await log.close();
  });

  it('refuses a second writer clearly; read-only readers are welcome and tail the writer', async () => {
    const writer = await open({ dir, stream: 's' });
    await expect(open({ dir, stream: 's' })).rejects.toThrow(WriterLockedError);
    await expect(open({ dir, stream: 's' })).rejects.toThrow(/already has a writer.*readOnly/);
    const reader = await open({ dir, stream: 's', readOnly: true, pollIntervalMs: 10 });
    await expect(reader.append(jsonRecord('k', 1))).rejects.toThrow(/readOnly/);
    expect((await reader.read()).records).toEqual([]);
    await writer.append(jsonRecord('k', { n: 1 }));
    await reader.waitForRecords(undefined, 1000);
    const page = await reader.read();
    expect(page.records.map((r) => parseJson(r))).toEqual([{ n: 1 }]);
    await reader.setCheckpoint('reader', page.next);
    expect(await writer.getCheckpoint('reader')).toBe(page.next);
    await writer.close();
    const again = await open({ dir, stream: 's' });
    await again.close();
    await reader.close();
  });

  it('takes over the lock of a writer that died', async () => {
    await fs.mkdir(path.join(dir, 's'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 's', 'writer.lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        since: 'then',
      }),
    );
    const log = await open({ dir, stream: 's' });
    await log.append(jsonRecord('k', 1));
    await log.close();
  });

  it('refuses a bad stream name', async () => {
    await expect(open({ dir, stream: '../escape' })).rejects.toThrow(/invalid stream name/);
  });
});
