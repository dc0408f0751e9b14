import { describe, expect, it } from 'vitest';
import {
  defaultOrchestratorConfig,
  rulesScorer,
  TickDecider,
  type LastSuggestion,
  type Scorer,
  type UpliftScorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { OnlineFeatureStore } from '../../../../src/fx/decisions/features/index.js';
import { HOUR, opened, T, tick } from './timeline.js';

/** Ten users with COP, 'u0'…'u9'; user k's P(BUY) is 0.40 + 0.05·k (ties none). */
function setup(): { features: OnlineFeatureStore; scorer: Scorer } {
  const features = new OnlineFeatureStore();
  for (let k = 0; k < 10; k++) features.observe(opened(`u${k}`, T - 48 * HOUR, 5_000_000, 0));
  const order = features.userIds();
  const scorer: Scorer = {
    kind: 'model',
    version: '1',
    score: (_x, n, out = new Float64Array(n * 3)) => {
      for (let i = 0; i < n; i++) {
        const k = Number(order[i]!.slice(1));
        const pBuy = 0.4 + 0.05 * k;
        out.set([1 - pBuy - 0.01, pBuy, 0.01], 3 * i);
      }
      return out;
    },
    reasons: () => [{ code: 'probabilidad', texto: 'prueba' }],
  };
  return { features, scorer };
}

describe('the per-tick cap on new suggestions', () => {
  it('keeps the most probable, defers the others, and serves them on the next ticks', () => {
    const { features, scorer } = setup();
    const config = defaultOrchestratorConfig();
    config.policy.maxPerTick = 4;
    config.shadowRules = false;
    const lasts = new Map<string, LastSuggestion>();
    let now = T;
    const decider = new TickDecider({
      features,
      models: { current: () => scorer },
      rules: rulesScorer(features.featureNames),
      config,
      lastOf: (u) => lasts.get(u),
      now: () => now,
    });
    const served: string[][] = [];
    const deferred: number[] = [];
    for (let minute = 0; minute < 4; minute++) {
      now = T + minute * 60_000;
      const t = tick(now, 400_000);
      features.observe(t);
      const report = decider.decide(t);
      for (const d of report.decided) lasts.set(d.event.userId, d.last);
      served.push(report.decided.map((d) => d.event.userId).sort());
      deferred.push(report.skipped.deferred);
      // Every user is either suggested to, deferred, or in cooldown from an earlier tick.
      expect(report.decided.length + report.skipped.deferred + report.skipped.cooldown).toBe(10);
    }
    expect(served).toEqual([['u6', 'u7', 'u8', 'u9'], ['u2', 'u3', 'u4', 'u5'], ['u0', 'u1'], []]);
    expect(deferred).toEqual([6, 2, 0, 0]);
  });

  it('0 means no cap; the rules serving are capped the same way', () => {
    const { features, scorer } = setup();
    const t = tick(T, 400_000);
    features.observe(t);
    const uncapped = defaultOrchestratorConfig();
    uncapped.policy.maxPerTick = 0;
    const all = new TickDecider({
      features,
      models: { current: () => scorer },
      rules: rulesScorer(features.featureNames),
      config: uncapped,
      lastOf: () => undefined,
      now: () => T,
    }).decide(t);
    expect(all.decided).toHaveLength(10);
    expect(all.skipped.deferred).toBe(0);

    // Without a model the rules serve; with every user scored 0.9 by "rules", the cap still holds.
    const capped = defaultOrchestratorConfig();
    capped.policy.maxPerTick = 3;
    const rules: Scorer = {
      ...scorer,
      kind: 'rules',
      version: 'reglas-v1',
      score: (_x, n, out = new Float64Array(n * 3)) => {
        for (let i = 0; i < n; i++) out.set([0.05, 0.9, 0.05], 3 * i);
        return out;
      },
    };
    const byRules = new TickDecider({
      features,
      rules,
      config: capped,
      lastOf: () => undefined,
      now: () => T,
    }).decide(t);
    expect(byRules.scorer).toBe('reglas');
    expect(byRules.decided).toHaveLength(3);
    expect(byRules.skipped.deferred).toBe(7);
    // Equal probabilities: the users' own order decides, so the choice is reproducible.
    expect(byRules.decided.map((d) => d.event.userId)).toEqual(features.userIds().slice(0, 3));
  });

  it('over the cap with ties at the cut: the more probable, then the tied in user order', () => {
    const { features, scorer } = setup();
    const t = tick(T, 400_000);
    features.observe(t);
    const order = features.userIds();
    // u1, u4, u7 at 0.8; everyone else at 0.5: a cap of 5 keeps the three, then u0 and u2.
    const tied: Scorer = {
      ...scorer,
      score: (_x, n, out = new Float64Array(n * 3)) => {
        for (let i = 0; i < n; i++) {
          const p = [1, 4, 7].includes(Number(order[i]!.slice(1))) ? 0.8 : 0.5;
          out.set([1 - p - 0.01, p, 0.01], 3 * i);
        }
        return out;
      },
    };
    const config = defaultOrchestratorConfig();
    config.policy.maxPerTick = 5;
    const report = new TickDecider({
      features,
      models: { current: () => tied },
      rules: rulesScorer(features.featureNames),
      config,
      lastOf: () => undefined,
      now: () => T,
    }).decide(t);
    expect(report.decided.map((d) => d.event.userId).sort()).toEqual([
      'u0',
      'u1',
      'u2',
      'u4',
      'u7',
    ]);
    expect(report.skipped.deferred).toBe(5);
  });

  it('compares the shadow on the state the model decided on, counting deferred as suggested', () => {
    const { features, scorer } = setup();
    const t = tick(T, 400_000);
    features.observe(t);
    const config = defaultOrchestratorConfig();
    config.policy.maxPerTick = 2;
    const rules: Scorer = {
      ...scorer,
      kind: 'rules',
      version: 'reglas-v1',
      // The rules suggest a BUY to u0–u4 only (0.9 over their 0.6 threshold).
      score: (_x, n, out = new Float64Array(n * 3)) => {
        const order = features.userIds();
        for (let i = 0; i < n; i++) {
          out.set(Number(order[i]!.slice(1)) < 5 ? [0.05, 0.9, 0.05] : [0.9, 0.05, 0.05], 3 * i);
        }
        return out;
      },
    };
    const lasts = new Map<string, LastSuggestion>();
    const decider = new TickDecider({
      features,
      models: { current: () => scorer },
      rules,
      config,
      lastOf: (u) => lasts.get(u),
      now: () => T,
    });
    const report = decider.decide(t);
    expect(report.decided).toHaveLength(2);
    // The model would suggest to all ten (two now, eight deferred); the rules to u0–u4.
    expect(report.shadow).toEqual({ agree: 5, modelOnly: 5, rulesOnly: 0, differentSide: 0 });
  });
});

describe('rankBy: uplift', () => {
  it('keeps suggestions whose predicted uplift reaches minUplift and caps by uplift', () => {
    const { features, scorer } = setup();
    const order = features.userIds();
    const nf = features.featureNames.length;
    // User k's predicted uplift is 0.09 − 0.01·k: the most probable buyers gain least.
    const uplift: UpliftScorer = {
      version: 'fx-uplift v1',
      uplift: (row) => 0.09 - 0.01 * Number(order[row.byteOffset / 4 / nf]!.slice(1)),
    };
    const config = defaultOrchestratorConfig();
    config.policy.maxPerTick = 4;
    config.shadowRules = false;
    config.rankBy = 'uplift';
    config.minUplift = 0.035;
    let served: UpliftScorer | undefined = uplift;
    const decider = new TickDecider({
      features,
      models: { current: () => scorer },
      uplift: { current: () => served },
      rules: rulesScorer(features.featureNames),
      config,
      lastOf: () => undefined,
      now: () => T,
    });
    const t = tick(T, 400_000);
    features.observe(t);
    const report = decider.decide(t);
    expect(report.decided.map((d) => d.event.userId).sort()).toEqual(['u0', 'u1', 'u2', 'u3']);
    expect(report.skipped['low-uplift']).toBe(4); // u6…u9
    expect(report.skipped.deferred).toBe(2); // u4, u5
    expect(report.decided[0]!.event.audit!.rules).toContain('uplift:fx-uplift v1');
    // No approved uplift model: the propensity ranking stays.
    served = undefined;
    const fallback = decider.decide(t);
    expect(fallback.decided.map((d) => d.event.userId).sort()).toEqual(['u6', 'u7', 'u8', 'u9']);
    expect(fallback.skipped['low-uplift']).toBe(0);
  });
});
