import BetterSqlite3 from 'better-sqlite3';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { processAvailable } from '../../../src/fx/processor/index.js';
import { formatReconcileReport } from '../../../src/fx/reconcile/index.js';
import { tempDir } from '../../util/tmp.js';
import { mixedEvents } from './events.js';
import { appendEvents, foldAll, openHarness, type Harness } from './harness.js';
import type { Position } from '../../../src/core/event-log/event-log.js';
import { reconcileHarness } from './lake-query.js';

let t: { dir: string; cleanup: () => void };
let h: Harness;
beforeEach(async () => {
  t = tempDir('corriente-fxrec-');
  h = await openHarness(t.dir);
});
afterEach(async () => {
  await h.close();
  t.cleanup();
});

it('finds no difference after processing, then reports a corrupted balance and the lag', async () => {
  const events = mixedEvents({ count: 4000, users: 40, seed: 11 });
  await appendEvents(h.log, events.slice(0, 3000));
  await processAvailable({
    log: h.log,
    datalake: h.datalake,
    portfolios: h.portfolios,
    batchMaxEvents: 700,
  });

  const clean = await reconcileHarness(h);
  expect(clean.ok).toBe(true);
  expect(clean.differences).toEqual([]);
  expect(clean.usersCompared).toBe(40);
  expect(clean.lake.duplicateEvents).toBe(0);
  expect(clean.lake.refusedEvents).toBeGreaterThan(0);
  expect(clean.lake.accounts + clean.lake.transactions + clean.lake.ticks).toBe(3000);
  expect(clean.lag.events).toBe(0);

  // Someone edits a balance behind the processor's back.
  const db = new BetterSqlite3(path.join(t.dir, 'portfolios.db'));
  db.prepare("UPDATE portfolios SET cop_cents = cop_cents + 12345 WHERE user_id = 'u0007'").run();
  db.close();

  const report = await reconcileHarness(h);
  expect(report.ok).toBe(false);
  expect(report.differences).toHaveLength(1);
  const d = report.differences[0]!;
  expect(d).toMatchObject({ userId: 'u0007', kind: 'different' });
  expect(d.fields.map((f) => f.field)).toEqual(['copCents']);
  expect(Number(d.fields[0]!.store) - Number(d.fields[0]!.lake)).toBe(12345);
  expect(formatReconcileReport(report)).toMatch(/u0007: copCents lake=\d+ store=\d+/);

  // New events wait in the log: they are lag, and their users are not compared this time.
  await appendEvents(h.log, events.slice(3000));
  const lagging = await reconcileHarness(h);
  expect(lagging.lag.events).toBe(1000);
  expect(lagging.lag.transactions + lagging.lag.ticks + lagging.lag.accounts).toBe(1000);
  expect(lagging.lag.usersInFlight.length).toBeGreaterThan(0);
  expect(lagging.usersCompared).toBe(40 - lagging.lag.usersInFlight.length);
});

it("compares the API ledger's portfolios with the store and the lake", async () => {
  const events = mixedEvents({ count: 1500, users: 12, seed: 5 });
  await appendEvents(h.log, events);
  await processAvailable({ log: h.log, datalake: h.datalake, portfolios: h.portfolios });
  let end: Position | undefined;
  for (;;) {
    const page = await h.log.read(end, { max: 10_000 });
    if (page.records.length === 0) break;
    end = page.next;
  }
  const folded = [...foldAll(events).values()];
  const agree = await reconcileHarness(h, {
    portfolios: () => folded,
    checkpoint: () => end,
  });
  expect(agree.ok).toBe(true);
  expect(agree.ledger).toEqual({ portfolios: 12, usersCompared: 12, differences: [] });

  // The API acknowledged a trade the processor never applied (as a 0-cent trade once was).
  const drifted = folded.map((p) =>
    p.userId === 'u0003' ? { ...p, buyCount: p.buyCount + 1, version: p.version + 1 } : p,
  );
  const report = await reconcileHarness(h, { portfolios: () => drifted, checkpoint: () => end });
  expect(report.ok).toBe(false);
  expect(report.differences).toEqual([]);
  expect(report.ledger!.differences.map((d) => [d.userId, d.against, d.kind])).toEqual([
    ['u0003', 'store', 'different'],
    ['u0003', 'lake', 'different'],
  ]);
  expect(report.ledger!.differences[0]!.fields.map((f) => f.field)).toEqual([
    'buyCount',
    'version',
  ]);
  expect(formatReconcileReport(report)).toMatch(/u0003: buyCount ledger=\d+ store=\d+/);

  // A ledger behind the log (its checkpoint before the end) is not compared for those users.
  const behind = await reconcileHarness(h, {
    portfolios: () => drifted,
    checkpoint: () => undefined,
  });
  expect(behind.ledger!.usersCompared).toBe(0);
  expect(behind.ok).toBe(true);
});
