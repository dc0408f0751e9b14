import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson, type EventRecord } from '../../../src/core/event-log/event-log.js';
import type { FxEvent } from '../../../src/fx/events.js';
import { simulateLive } from '../../../src/fx/simulate/live.js';
import { ADMIN_TOKEN, openHarness, type Harness } from './harness.js';

let h: Harness;
let baseUrl: string;
let ticker: NodeJS.Timeout;

beforeAll(async () => {
  h = await openHarness();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  // A moving market so dip and momentum rules fire.
  let mid = 4000;
  h.tick(mid - 2, mid + 2);
  ticker = setInterval(() => {
    mid += (Math.random() - 0.5) * 12;
    h.tick(mid - 2, mid + 2);
  }, 50);
});
afterAll(async () => {
  clearInterval(ticker);
  await h.close();
});

it('drives the real API over HTTP: creates the customers, then every order is a real POST', async () => {
  const result = await simulateLive({
    baseUrl,
    adminToken: ADMIN_TOKEN,
    users: 12,
    durationSeconds: 2.5,
    tickMs: 100,
    seed: 3,
  });
  expect(result.users).toBe(12);
  expect(result.rounds).toBeGreaterThan(5);
  expect(result.failedRequests).toBe(0);
  expect(result.byStatus['201'] ?? 0).toBeGreaterThan(0);
  // Only business refusals are allowed besides 201.
  expect(Object.keys(result.byStatus).every((s) => ['201', '409'].includes(s))).toBe(true);
  // What the API accepted is exactly what reached the durable log.
  const events: FxEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await h.log.read(cursor, { max: 1000 });
    events.push(...page.records.map((r: EventRecord) => parseJson(r) as FxEvent));
    if (page.records.length === 0) break;
    cursor = page.next;
  }
  expect(events.filter((e) => e.type === 'AccountOpened')).toHaveLength(12);
  expect(events.filter((e) => e.type === 'TransactionExecuted')).toHaveLength(
    result.byStatus['201']!,
  );
});

it('fails clearly with a wrong admin token', async () => {
  await expect(
    simulateLive({ baseUrl, adminToken: 'nope', users: 1, durationSeconds: 1 }),
  ).rejects.toThrow(/POST \/admin\/users answered 401/);
});
