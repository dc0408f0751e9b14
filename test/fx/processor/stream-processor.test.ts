import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonRecord } from '../../../src/core/event-log/event-log.js';
import type { FxEvent, TransactionExecuted } from '../../../src/fx/events.js';
import type { PortfolioStore } from '../../../src/fx/portfolio/index.js';
import {
  processAvailable,
  resetStreamProcessor,
  startStreamProcessor,
  STREAM_PROCESSOR_CONSUMER,
} from '../../../src/fx/processor/index.js';
import type { ObjectStore } from '../../../src/core/object-store/object-store.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import {
  appendEvents,
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
  t = tempDir('corriente-fxproc-');
  h = await openHarness(t.dir);
});
afterEach(async () => {
  await h.close();
  t.cleanup();
});

const pos = (n: number): string => String(n).padStart(20, '0');

describe('processAvailable', () => {
  it('writes flat Spanish rows into Bogotá load-date partitions and folds the portfolios', async () => {
    // From 23:00 Bogotá on 2026-03-09, two seconds apart: the log crosses midnight in Bogotá.
    const events = mixedEvents({ count: 3000, users: 25, stepMs: 2000 });
    await appendEvents(h.log, events);
    const stats = await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 1000,
    });
    expect(stats).toMatchObject({ batches: 3, records: 3000, invalid: 0 });
    expect(stats.rejected).toBeGreaterThan(0); // some trades overdraw on purpose
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBe(pos(3000));

    const keys = [...(await lakeHashes(h.datalake)).keys()];
    expect(keys).toContain(
      `raw/fx_transacciones/year=2026/month=03/day=09/part-${pos(1)}-${pos(1000)}.jsonl`,
    );
    expect(keys).toContain(
      `raw/fx_precios/year=2026/month=03/day=10/part-${pos(2001)}-${pos(3000)}.jsonl`,
    );
    expect(keys.some((k) => k.startsWith('raw/fx_cuentas/year=2026/month=03/day=09/'))).toBe(true);

    const rows = await lakeRows(h.datalake);
    expect(rows).toHaveLength(3000);
    expect(new Set(rows.map((r) => r.row.id)).size).toBe(3000);
    // Each row sits in the partition of its ingestion date in Bogotá (UTC-5).
    for (const { key, row } of rows) {
      const local = new Date(Date.parse(String(row.ingerido_en)) - 5 * 3600_000);
      const [y, m, d] = local.toISOString().slice(0, 10).split('-');
      expect(key).toContain(`year=${y}/month=${m}/day=${d}/`);
    }
    const tx = events.find(
      (e): e is TransactionExecuted => e.type === 'TransactionExecuted' && !!e.idempotencyKey,
    )!;
    const row = rows.find((r) => r.row.id === tx.id)!;
    expect(row.key.startsWith('raw/fx_transacciones/')).toBe(true);
    expect(row.row).toEqual({
      id: tx.id,
      usuario_id: tx.userId,
      lado: tx.side,
      monto_usd: tx.amountUsdCents / 100,
      precio_cop: tx.priceCopCents / 100,
      total_cop: tx.totalCopCents / 100,
      monto_usd_centavos: tx.amountUsdCents,
      precio_cop_centavos: tx.priceCopCents,
      total_cop_centavos: tx.totalCopCents,
      id_precio: null,
      clave_idempotencia: tx.idempotencyKey,
      ejecutado_en: tx.executedAt,
      ingerido_en: tx.ingestedAt,
      version_evento: 1,
    });
    expect(Object.keys(rows.find((r) => r.key.startsWith('raw/fx_precios/'))!.row)).toEqual([
      'id',
      'fuente',
      'compra_cop',
      'venta_cop',
      'medio_cop',
      'compra_cop_centavos',
      'venta_cop_centavos',
      'medio_cop_centavos',
      'observado_en',
      'ingerido_en',
      'version_evento',
    ]);
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });

  it('is idempotent, and a replay from the start rewrites byte-identical files and portfolios', async () => {
    const events = mixedEvents({ count: 2500, users: 30, seed: 3 });
    await appendEvents(h.log, events.slice(0, 1700));
    const opts = {
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 600,
    };
    await processAvailable(opts); // 600 + 600 + 500 (cut at the end of the log)
    await appendEvents(h.log, events.slice(1700));
    await processAvailable(opts);
    const files = await lakeHashes(h.datalake);
    const portfolios = await storeContents(h.portfolios);
    expect(portfolios).toEqual(foldAll(events));

    const again = await processAvailable(opts);
    expect(again.records).toBe(0);
    expect(await lakeHashes(h.datalake)).toEqual(files);

    // Replay with another batch size: the recorded plans re-cut the very same batches.
    await resetStreamProcessor({ log: h.log, portfolios: h.portfolios });
    expect(await storeContents(h.portfolios)).toEqual(new Map());
    const replay = await processAvailable({ ...opts, batchMaxEvents: 1000 });
    expect(replay.records).toBe(2500);
    expect(await lakeHashes(h.datalake)).toEqual(files);
    expect(await storeContents(h.portfolios)).toEqual(portfolios);
    expect(
      [...files.keys()].filter((k) => k.includes(`part-${pos(1201)}-${pos(1700)}`)),
    ).not.toEqual([]);
  });

  it('quarantines records that are not valid FX events and goes on', async () => {
    const events = mixedEvents({ count: 10, users: 2 });
    await appendEvents(h.log, events.slice(0, 5));
    await h.log.append({ partitionKey: 'x', data: Buffer.from('{"type":"PriceTick"') });
    await h.log.append(jsonRecord('x', { ...events[6], id: 'not-a-ulid' }));
    await appendEvents(h.log, events.slice(5));
    const stats = await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
    });
    expect(stats).toMatchObject({ records: 12, invalid: 2 });
    const bad = await lakeRows(h.datalake, 'quarantine/rows/fx_eventos/');
    expect(bad.map((b) => b.row.posicion)).toEqual([pos(6), pos(7)]);
    expect(String(bad[0]!.row.error)).toMatch(/not JSON/);
    expect((await lakeRows(h.datalake)).length).toBe(10);
  });
});

describe('checkpoint only after effects', () => {
  function failingLake(store: ObjectStore, failOnPut: number): ObjectStore & { puts: number } {
    const wrapper = Object.create(store) as ObjectStore & { puts: number };
    wrapper.puts = 0;
    wrapper.put = async (key, body, options) => {
      if (key.startsWith('raw/') && ++wrapper.puts === failOnPut) throw new Error('disk full');
      return store.put(key, body, options);
    };
    return wrapper;
  }

  it('a failed lake put leaves the checkpoint; a retry completes exactly once', async () => {
    const events = mixedEvents({ count: 3000, users: 20, seed: 5 });
    await appendEvents(h.log, events);
    const lake = failingLake(h.datalake, 5); // fails inside the second batch
    await expect(
      processAvailable({
        log: h.log,
        datalake: lake,
        portfolios: h.portfolios,
        batchMaxEvents: 1000,
      }),
    ).rejects.toThrow('disk full');
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBe(pos(1000));
    await processAvailable({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 700, // ignored for the planned batch: it is re-cut as planned
    });
    const rows = await lakeRows(h.datalake);
    expect(rows).toHaveLength(3000);
    expect(new Set(rows.map((r) => r.row.id)).size).toBe(3000);
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });

  it('a failed portfolio apply leaves the checkpoint; a retry completes', async () => {
    const events = mixedEvents({ count: 2000, users: 20, seed: 6 });
    await appendEvents(h.log, events);
    let calls = 0;
    const flaky = Object.create(h.portfolios) as PortfolioStore;
    flaky.applyBatch = async (batch) => {
      if (++calls === 2) throw new Error('database is locked');
      return h.portfolios.applyBatch(batch);
    };
    const opts = { log: h.log, datalake: h.datalake, portfolios: flaky, batchMaxEvents: 800 };
    await expect(processAvailable(opts)).rejects.toThrow('database is locked');
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBe(pos(800));
    await processAvailable(opts);
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBe(pos(2000));
    expect((await lakeRows(h.datalake)).length).toBe(2000);
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });
});

describe('startStreamProcessor', () => {
  it('cuts batches by count and by time, and stop() flushes the rest', async () => {
    const events: FxEvent[] = mixedEvents({ count: 40, users: 3, seed: 9 });
    const processor = await startStreamProcessor({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 10,
      batchMaxDelayMs: 150,
    });
    await appendEvents(h.log, events.slice(0, 25)); // 10 + 10 by count, 5 by time
    await eventually(() => processor.stats().records === 25);
    expect(processor.stats().batches).toBe(3);
    const keys = [...(await lakeHashes(h.datalake)).keys()];
    expect(keys.some((k) => k.endsWith(`part-${pos(21)}-${pos(25)}.jsonl`))).toBe(true);
    await processor.stop();

    // The log as the processor sees it: counts what it read, and notes a wait with a batch in
    // hand (a timeout beyond the idle 1 s: the rest of batchMaxDelayMs).
    let read = 0;
    let heldAfterRead = false;
    const watched = new Proxy(h.log, {
      get(target, key) {
        if (key === 'read') {
          return async (...args: Parameters<typeof target.read>) => {
            const page = await target.read(...args);
            read += page.records.length;
            return page;
          };
        }
        if (key === 'waitForRecords') {
          return (...args: Parameters<typeof target.waitForRecords>) => {
            if (read >= 15 && args[1] > 1000) heldAfterRead = true;
            return target.waitForRecords(...args);
          };
        }
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const slow = await startStreamProcessor({
      log: watched,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 1000,
      batchMaxDelayMs: 60_000,
    });
    await appendEvents(h.log, events.slice(25));
    // It read the 15 events and went back to waiting with them buffered, committing nothing.
    await eventually(() => heldAfterRead);
    expect(read).toBe(15);
    expect(slow.stats().records).toBe(0);
    await slow.stop();
    expect(slow.stats()).toMatchObject({ records: 15, batches: 1, checkpoint: pos(40) });
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBe(pos(40));
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });

  it('retries a failed step and stops on its signal', async () => {
    const events = mixedEvents({ count: 30, users: 3, seed: 10 });
    await appendEvents(h.log, events);
    let fail = true;
    const lake = Object.create(h.datalake) as ObjectStore;
    lake.put = async (key, body) => {
      if (fail && key.startsWith('raw/')) throw new Error('S3 is down');
      return h.datalake.put(key, body);
    };
    const abort = new AbortController();
    const processor = await startStreamProcessor({
      log: h.log,
      datalake: lake,
      portfolios: h.portfolios,
      batchMaxEvents: 30,
      retryDelayMs: 20,
      signal: abort.signal,
    });
    await eventually(() => processor.stats().lastError === 'S3 is down');
    expect(await h.log.getCheckpoint(STREAM_PROCESSOR_CONSUMER)).toBeUndefined();
    fail = false;
    await eventually(() => processor.stats().records === 30);
    abort.abort();
    await processor.stop();
    expect(processor.stats().lastError).toBeUndefined();
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });
});

describe('a commit that fails after its plan is written', () => {
  it('is retried as the same batch even when more records arrived meanwhile', async () => {
    const events: FxEvent[] = mixedEvents({ count: 40, users: 3, seed: 11 });
    await appendEvents(h.log, events.slice(0, 20));
    // The lease looks lost at the first commit's second check (after the plan and the lake
    // writes, before the checkpoint), then held again: the commit is retried.
    let checks = 0;
    let release: () => void = () => {};
    const heldAgain = new Promise<void>((r) => (release = r));
    let lost = true;
    const processor = await startStreamProcessor({
      log: h.log,
      datalake: h.datalake,
      portfolios: h.portfolios,
      batchMaxEvents: 1000,
      batchMaxDelayMs: 50,
      retryDelayMs: 20,
      leaseHeld: () => {
        checks++;
        if (checks === 2) {
          release();
          return false;
        }
        return !lost || checks < 2;
      },
    });
    await heldAgain;
    // Records arriving between the failed commit and its retry are not part of that batch.
    await appendEvents(h.log, events.slice(20));
    lost = false;
    await eventually(() => processor.stats().records === 40, { timeoutMs: 20_000 });
    await processor.stop();
    expect(processor.stats().lastError).toBeUndefined();
    const ids = (await lakeRows(h.datalake)).map((r) => String(r.row.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    expect(await storeContents(h.portfolios)).toEqual(foldAll(events));
  });
});
