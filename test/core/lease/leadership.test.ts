import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLeadership } from '../../../src/core/lease/leadership.js';
import { SqliteLeaseStore } from '../../../src/core/lease/sqlite/index.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';

const t = tempDir('corriente-leadership-');
afterAll(() => t.cleanup());

it('one candidate leads; when it can no longer reach the store it stops, and the standby takes over within the lease time', async () => {
  const file = path.join(t.dir, 'leases.db');
  const ttlMs = 600;
  const running = new Set<string>();
  const overlaps: string[] = [];
  const candidate = (owner: string, store: SqliteLeaseStore) =>
    startLeadership({
      store,
      name: 'fx-orchestrator/fx-events',
      owner,
      ttlMs,
      lead: async () => {
        if (running.size > 0) overlaps.push(`${owner} started while ${[...running]} ran`);
        running.add(owner);
        return { stop: async () => void running.delete(owner) };
      },
    });
  const storeA = new SqliteLeaseStore({ path: file });
  const storeB = new SqliteLeaseStore({ path: file });
  const a = candidate('A', storeA);
  await eventually(() => a.leading, 5000);
  const b = candidate('B', storeB);
  // B stands by while A renews, for several lease times.
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, ttlMs / 2));
    expect(a.leading).toBe(true);
    expect(b.leading).toBe(false);
  }
  await storeA.close();
  const lostAt = performance.now();
  await eventually(() => b.leading, 10_000);
  expect(performance.now() - lostAt).toBeLessThan(ttlMs * 3);
  expect(a.leading).toBe(false);
  expect([...running]).toEqual(['B']);
  expect(overlaps).toEqual([]);
  await b.stop();
  await a.stop();
  expect(running.size).toBe(0);
  // B gave its lease back on stop: a new candidate leads at once.
  const c = candidate('C', storeB);
  await eventually(() => c.leading, 2000);
  await c.stop();
  await storeB.close();
});
