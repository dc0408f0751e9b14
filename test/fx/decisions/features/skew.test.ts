import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FxEvent } from '../../../../src/fx/events.js';
import { isPortfolioEvent } from '../../../../src/fx/portfolio/portfolio.js';
import { SqlitePortfolioStore } from '../../../../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import {
  computeBatchFeatures,
  LakeHistory,
  NUM_FEATURES,
  OnlineFeatureStore,
} from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';
import { eventMs, readLakeEvents } from './lake-events.js';

let t: { dir: string; cleanup: () => void };
let lakeDir: string;
let events: FxEvent[];
let users: string[];
beforeAll(async () => {
  t = tempDir('corriente-ml-skew-');
  lakeDir = path.join(t.dir, 'datalake');
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: lakeDir }),
    users: 25,
    days: 24,
    seed: 5,
    end: '2026-03-20',
  });
  events = readLakeEvents(lakeDir);
  users = [
    ...new Set(events.flatMap((e) => (e.type === 'AccountOpened' ? [e.userId] : []))),
  ].sort();
});
afterAll(() => t.cleanup());

/** Batch vectors at `times` for every user, keyed `user@ms`. */
async function batch(times: number[]): Promise<Map<string, Float32Array>> {
  const history = await LakeHistory.open({ lakeDir });
  const out = new Map<string, Float32Array>();
  try {
    await computeBatchFeatures({
      history,
      timezone: 'America/Bogota',
      horizonMs: 86_400_000,
      sampleTimes: () => times,
      usersPerChunk: 7,
      onSample: (s) => out.set(`${s.userId}@${s.atMs}`, s.features.slice()),
    });
  } finally {
    history.close();
  }
  return out;
}

function bytes(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

it('batch and online vectors are bit-for-bit identical at several times', async () => {
  const trades = events.filter((e) => e.type === 'TransactionExecuted');
  expect(trades.length).toBeGreaterThan(100);
  // Times between events, exactly at a trade, at a tick, off-hours and on a weekend.
  const cuts = [
    Date.parse('2026-03-04T15:00:00Z'),
    eventMs(trades[Math.floor(trades.length / 2)]!),
    eventMs(trades[Math.floor(trades.length * 0.8)]!) - 1,
    Date.parse('2026-03-14T20:30:00Z'),
    Date.parse('2026-03-16T13:37:00Z'),
    Date.parse('2026-03-20T23:59:00Z'),
  ];
  const rows = await batch([...cuts].sort((a, b) => a - b));
  let compared = 0;
  let nonMissingUserFeatures = 0;
  for (const [c, cut] of cuts.entries()) {
    const store = new SqlitePortfolioStore({ path: path.join(t.dir, `portfolios-${c}.db`) });
    try {
      const upToCut = events.filter((e) => eventMs(e) <= cut);
      await store.applyBatch(upToCut.filter(isPortfolioEvent));
      const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
      await online.loadPortfolios(store);
      for (const e of upToCut) online.observe(e);
      const x = online.vectors(users, cut);
      for (const [i, user] of users.entries()) {
        const expected = rows.get(`${user}@${cut}`)!;
        const got = x.subarray(i * NUM_FEATURES, (i + 1) * NUM_FEATURES);
        expect([user, cut, bytes(got)]).toEqual([user, cut, bytes(expected)]);
        expect(online.portfolio(user)).toEqual(await store.get(user));
        if (got[6] === got[6]) nonMissingUserFeatures++;
        compared++;
      }
    } finally {
      await store.close();
    }
  }
  expect(compared).toBe(cuts.length * users.length);
  expect(nonMissingUserFeatures).toBeGreaterThan(compared / 2);
});

it('an online store hydrated from the lake and the portfolio store matches the batch at the end', async () => {
  const end = Date.parse('2026-03-21T04:59:59Z');
  const store = new SqlitePortfolioStore({ path: path.join(t.dir, 'portfolios-all.db') });
  const history = await LakeHistory.open({ lakeDir });
  try {
    await store.applyBatch(events.filter(isPortfolioEvent));
    const online = await OnlineFeatureStore.hydrate({
      history,
      portfolios: store,
      timezone: 'America/Bogota',
      usersPerChunk: 10,
    });
    // The event log redelivers what the lake already holds: nothing changes.
    const before = online.vectors(users, end).slice();
    for (const e of events.slice(-500)) online.observe(e);
    const x = online.vectors(users, end);
    expect(bytes(x)).toEqual(bytes(before));
    const rows = await batch([end]);
    for (const [i, user] of users.entries()) {
      expect(bytes(x.subarray(i * NUM_FEATURES, (i + 1) * NUM_FEATURES))).toEqual(
        bytes(rows.get(`${user}@${end}`)!),
      );
    }
    expect([...online.userIds()].sort()).toEqual(users);
  } finally {
    history.close();
    await store.close();
  }
});

it('cached window aggregates equal fresh ones as time passes window edges and future trades', async () => {
  // One store holding every event, asked at increasing times: its trade features are served from
  // the per-user cache (trades after atMs present) and must equal the batch's at each time. (Not
  // the prices relative to the mid: the online market keeps only the last days of ticks; the
  // habit features from `cruce_previo_compras` on are kept since they are stored with the trade.)
  const online = new OnlineFeatureStore({ timezone: 'America/Bogota' });
  for (const e of events) online.observe(e);
  const times: number[] = [];
  for (
    let ms = Date.parse('2026-02-26T05:00:00Z');
    ms < Date.parse('2026-03-21T05:00:00Z');
    ms += 7 * 3_600_000 + 60_000
  ) {
    times.push(ms);
  }
  const rows = await batch(times);
  const tradeOnly = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 30, 31, 32, 33, 34, 35, 36, 37];
  const userFeatures = (x: Float32Array) => bytes(Float32Array.from(tradeOnly, (k) => x[k]!));
  for (const at of times) {
    const x = online.vectors(users, at);
    for (const [i, user] of users.entries()) {
      const got = x.subarray(i * NUM_FEATURES, (i + 1) * NUM_FEATURES);
      const expected = rows.get(`${user}@${at}`)!;
      if (!userFeatures(got).equals(userFeatures(expected))) {
        const pick = (x: Float32Array) => tradeOnly.map((k) => x[k]);
        expect([user, at, pick(got)]).toEqual([user, at, pick(expected)]);
      }
    }
  }
  expect(times.length).toBeGreaterThan(70);
});
