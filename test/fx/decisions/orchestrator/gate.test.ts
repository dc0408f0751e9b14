import { describe, expect, it } from 'vitest';
import {
  decide,
  defaultOrchestratorConfig,
  gate,
  QuietHoursClock,
  modelScorer,
  ParallelScoring,
  rulesScorer,
  TickDecider,
  type LastSuggestion,
  type PolicyInput,
  type Scorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { SqliteOrchestratorState } from '../../../../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import type { PriceTick, Recommendation } from '../../../../src/fx/events.js';
import { OnlineFeatureStore } from '../../../../src/fx/decisions/features/index.js';
import { Prng } from '../../../../src/core/util/prng.js';
import { trainFallModel } from './model.js';
import { fallingWeek, HOUR, T } from './timeline.js';

const config = defaultOrchestratorConfig();
const clock = new QuietHoursClock();

describe('gate: the policy checks that need no scores', () => {
  it('gates exactly the users decide() skips for funds, quiet hours or cooldown at any score', () => {
    const rnd = new Prng(11);
    const probs = [0, 0.3, 0.59, 0.6, 0.75, 0.99];
    let gated = 0;
    for (let k = 0; k < 2000; k++) {
      const atMs = T + Math.floor(rnd.next() * 24) * HOUR;
      const last: LastSuggestion | undefined =
        rnd.next() < 0.4
          ? {
              id: 'x',
              side: rnd.next() < 0.5 ? 'BUY' : 'SELL',
              atMs: atMs - Math.floor(rnd.next() * 12) * HOUR,
              priceCopCents: 400_000,
              copCents: 0,
              usdCents: 0,
            }
          : undefined;
      const base: Omit<PolicyInput, 'pBuy' | 'pSell'> = {
        copCents: rnd.next() < 0.3 ? Math.floor(rnd.next() * 100_000_00) : 10_000_000_00,
        usdCents: rnd.next() < 0.5 ? Math.floor(rnd.next() * 50_00) : 5_000_00,
        typicalTicketUsdCents: rnd.next() < 0.5 ? undefined : 300_00,
        bidCopCents: 399_500,
        askCopCents: 400_500,
        atMs,
        last,
        quietHours:
          rnd.next() < 0.3
            ? { start: '21:00', end: '08:00', timezone: 'America/Bogota' }
            : rnd.next() < 0.5
              ? null
              : undefined,
      };
      const why = gate(base, config.policy, clock);
      if (why) gated++;
      for (const pBuy of probs) {
        for (const pSell of probs) {
          const d = decide({ ...base, pBuy, pSell }, config.policy, clock);
          if (why) {
            expect(d.action).toBe('skip');
            const both =
              pBuy >= config.policy.thresholds.buy && pSell >= config.policy.thresholds.sell;
            // With both sides past their thresholds, decide() skips for the gate's reason.
            if (d.action === 'skip' && both) expect(d.why).toBe(why);
          } else if (
            d.action === 'skip' &&
            pBuy >= config.policy.thresholds.buy &&
            pSell >= config.policy.thresholds.sell
          ) {
            // Both sides reach their thresholds: only the scores' own checks can skip.
            expect(d.why).toBe('repeat');
          }
        }
      }
    }
    expect(gated).toBeGreaterThan(500);
    expect(gated).toBeLessThan(2000);
  });
});

/** A scorer that records the rows it was asked to score. */
function counting(inner: Scorer, calls: number[]): Scorer {
  return { ...inner, score: (x, n, out) => (calls.push(n), inner.score(x, n, out)) };
}

function setup(): { features: OnlineFeatureStore; last: PriceTick } {
  const features = new OnlineFeatureStore();
  const events = fallingWeek();
  for (const e of events) features.observe(e);
  return { features, last: events.at(-1) as PriceTick };
}

describe('tick decider: gated users are never scored', () => {
  it('leaves out no-funds, quiet-hours and cooldown users from vectors and scores', () => {
    const { features, last } = setup();
    const asked: string[][] = [];
    const source = {
      get featureNames() {
        return features.featureNames;
      },
      observe: features.observe.bind(features),
      userIds: () => features.userIds(),
      vectors: (users: readonly string[], atMs: number, out?: Float32Array) => {
        asked.push([...users]);
        return features.vectors(users, atMs, out);
      },
      vectorsAt: (positions: Int32Array, n: number, atMs: number, out?: Float32Array) => {
        const ids = features.userIds();
        asked.push(Array.from(positions.subarray(0, n), (k) => ids[k]!));
        return features.vectorsAt(positions, n, atMs, out);
      },
      portfolio: (u: string) => features.portfolio(u),
      portfolioAt: (k: number) => features.portfolioAt(k),
      typicalTicketUsdCents: (u: string) => features.typicalTicketUsdCents(u),
      typicalTicketAt: (k: number) => features.typicalTicketAt(k),
      balancesByPosition: () => features.balancesByPosition(),
      positionOf: (u: string) => features.positionOf(u),
    };
    const calls: number[] = [];
    const lasts = new Map<string, LastSuggestion>([
      [
        'u-usd',
        { id: 'r', side: 'SELL', atMs: T - HOUR, priceCopCents: 1, copCents: 0, usdCents: 1 },
      ],
    ]);
    const decider = new TickDecider({
      features: source,
      rules: counting(rulesScorer(features.featureNames), calls),
      config: { ...config, shadowRules: false },
      lastOf: (u) => lasts.get(u),
      preferences: {
        quietHours: (u) =>
          u === 'u-silencio' ? { start: '00:00', end: '23:59', timezone: 'America/Bogota' } : null,
      },
      now: () => T,
    });
    const report = decider.decide(last);
    expect(asked).toEqual([['u-cop', 'u-ambos']]);
    expect(calls).toEqual([2]);
    expect(report.users).toBe(5);
    expect(report.scored).toBe(2);
    expect(report.skipped['no-funds']).toBe(1); // u-poco: 300,000 COP, under the minimum
    expect(report.skipped['quiet-hours']).toBe(1);
    expect(report.skipped.cooldown).toBe(1);
    expect(report.decided.map((d) => d.event.userId).sort()).toEqual(['u-ambos', 'u-cop']);
  });

  it('scores identically through the parallel path (decideAsync) and the synchronous one', async () => {
    const { features, last } = setup();
    const model = trainFallModel({ trees: 20 });
    const scorer = modelScorer({ version: 3, model }, features.featureNames);
    const pool = new ParallelScoring(1);
    const make = (withPool: boolean) =>
      new TickDecider({
        features,
        models: { current: () => scorer },
        rules: rulesScorer(features.featureNames),
        config,
        lastOf: () => undefined,
        ...(withPool ? { pool } : {}),
        now: () => T,
      });
    try {
      const sync = make(false).decide(last);
      const asyncDecider = make(true);
      const parallel = await asyncDecider.decideAsync(last);
      // The live path compares the rules' shadow after the hand-off, once.
      expect(parallel.shadow).toBeUndefined();
      parallel.shadow = asyncDecider.compareShadow();
      expect(asyncDecider.compareShadow()).toBeUndefined();
      expect(parallel.scorer).toBe('model');
      const strip = (r: typeof sync) =>
        r.decided.map((d) => ({ ...d.event, id: '', ingestedAt: '', last: d.last.side }));
      expect(strip(parallel)).toEqual(strip(sync));
      expect(parallel.skipped).toEqual(sync.skipped);
      expect(parallel.shadow).toEqual(sync.shadow);
      expect(sync.shadow).toBeDefined();
      expect(sync.decided.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});

describe('tick decider: the last suggestions mirrored by position', () => {
  it("follows the state's journal: a user suggested to is in cooldown at the next tick", async () => {
    const { features, last } = setup();
    const state = SqliteOrchestratorState.open(':memory:');
    let reads = 0;
    try {
      const decider = new TickDecider({
        features,
        rules: rulesScorer(features.featureNames),
        config: { ...config, shadowRules: false },
        lastOf: (u) => (reads++, state.last(u)),
        lastChanges: {
          cursor: () => state.lastsCursor(),
          changedSince: (c) => state.lastsChangedSince(c),
        },
        now: () => T,
      });
      const first = decider.decide(last);
      expect(first.decided.length).toBeGreaterThan(0);
      expect(reads).toBe(features.userIds().length); // the first tick reads every user once
      await state.record(first.decided);
      reads = 0;
      const second = decider.decide(last);
      // Only the users the journal names are read again; they are in cooldown now.
      expect(reads).toBe(first.decided.length);
      expect(second.decided).toEqual([]);
      expect(second.skipped.cooldown).toBe(first.decided.length + first.skipped.cooldown);
    } finally {
      await state.close();
    }
  });

  it('reads every user again when there is no journal, or it no longer reaches back', () => {
    const { features, last } = setup();
    const lasts = new Map<string, LastSuggestion>();
    let reach = true;
    const decider = new TickDecider({
      features,
      rules: rulesScorer(features.featureNames),
      config: { ...config, shadowRules: false },
      lastOf: (u) => lasts.get(u),
      // A journal that never names anyone: only a full re-read sees a change.
      lastChanges: { cursor: () => 0, changedSince: () => (reach ? [] : undefined) },
      now: () => T,
    });
    const first = decider.decide(last);
    expect(first.decided.length).toBeGreaterThan(0);
    for (const d of first.decided) lasts.set(d.event.userId, d.last);
    expect(decider.decide(last).decided.length).toBe(first.decided.length); // not told
    reach = false;
    expect(decider.decide(last).decided).toEqual([]); // re-read: all in cooldown
  });
});

describe('orchestrator state: the journal of changed last suggestions', () => {
  it('names the users recorded since a cursor, and forgets beyond what it keeps', async () => {
    const state = SqliteOrchestratorState.open(':memory:');
    const entry = (userId: string) =>
      ({
        event: { id: `r-${userId}`, userId } as Recommendation,
        last: {
          id: `r-${userId}`,
          side: 'BUY',
          atMs: T,
          priceCopCents: 1,
          copCents: 1,
          usdCents: 1,
        },
      }) as const;
    try {
      const c0 = state.lastsCursor();
      await state.record([entry('a'), entry('b')]);
      const c1 = state.lastsCursor();
      await state.record([entry('a')]);
      expect(state.lastsChangedSince(c0)).toEqual(['a', 'b', 'a']);
      expect(state.lastsChangedSince(c1)).toEqual(['a']);
      expect(state.lastsChangedSince(state.lastsCursor())).toEqual([]);
      expect(state.lastsChangedSince(state.lastsCursor() + 1)).toBeUndefined();
      // 100,001 more changes: the journal keeps the last 50,000, so c0 is out of reach.
      await state.record(Array.from({ length: 100_001 }, (_, k) => entry(`u${k}`)));
      expect(state.lastsChangedSince(c0)).toBeUndefined();
      const recent = state.lastsChangedSince(state.lastsCursor() - 50_000);
      expect(recent).toHaveLength(50_000);
      expect(recent?.at(-1)).toBe('u100000');
      expect(state.last('u100000')?.atMs).toBe(T);
    } finally {
      await state.close();
    }
  });
});
