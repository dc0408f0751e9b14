import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog } from '../../../../src/core/event-log/event-log.js';
import { EmbeddedNotifier } from '../../../../src/fx/decisions/notify/embedded-notifier.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import {
  modelScorerSource,
  processOrchestratorAvailable,
  startOrchestrator,
  type OrchestratorOptions,
  type TickOutcome,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { SqliteOrchestratorState } from '../../../../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { FEATURE_NAMES, OnlineFeatureStore } from '../../../../src/fx/decisions/features/index.js';
import { tempDir } from '../../../util/tmp.js';
import { appendAll, fallingWeek, openLog, recommendationsIn, T, tick } from './timeline.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('corriente-orch-rec-'));
});
afterEach(() => cleanup());

/** The log, whose first appendBatch fails: before writing, or after writing (a lost ack). */
function failingOnce(log: EventLog, when: 'before-write' | 'after-write'): EventLog {
  let armed = true;
  return new Proxy(log, {
    get(target, prop) {
      if (prop === 'appendBatch') {
        return async (records: Parameters<EventLog['appendBatch']>[0]) => {
          if (!armed) return target.appendBatch(records);
          armed = false;
          if (when === 'after-write') await target.appendBatch(records);
          throw new Error(`injected append failure (${when})`);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function withRun<T>(
  fn: (o: OrchestratorOptions, store: SqliteNotificationStore) => Promise<T>,
  base: Omit<OrchestratorOptions, 'state' | 'notifier'>,
): Promise<T> {
  const state = SqliteOrchestratorState.open(path.join(dir, 'orchestrator.db'));
  const store = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
  try {
    return await fn(
      { ...base, state, notifier: new EmbeddedNotifier(store, undefined, undefined) },
      store,
    );
  } finally {
    await state.close();
    store.close();
  }
}

describe('orchestrator crash recovery (outbox)', () => {
  for (const when of ['before-write', 'after-write'] as const) {
    it(`a failed append (${when}) is finished at restart: each recommendation once in the log, notified once`, async () => {
      const log = await openLog(dir);
      try {
        await appendAll(log, fallingWeek());
        const features = new OnlineFeatureStore();
        const base = { log, features, now: () => T + 2000 };
        await expect(
          withRun((o) => processOrchestratorAvailable(o), { ...base, log: failingOnce(log, when) }),
        ).rejects.toThrow(/injected append failure/);
        expect(await log.getCheckpoint('fx-orchestrator')).toBeUndefined();

        const stats = await withRun((o) => processOrchestratorAvailable(o), base);
        expect(stats.recovered).toBe(3);
        // The tick is read again, but the decisions are already recorded: the cooldown holds.
        expect(stats.recommendations).toBe(0);
        const recs = await recommendationsIn(log);
        expect(recs.map((r) => r.userId).sort()).toEqual(['u-ambos', 'u-cop', 'u-silencio']);
        expect(new Set(recs.map((r) => r.id)).size).toBe(recs.length);
        await withRun(async (_o, store) => {
          for (const r of recs) {
            expect(store.notifications(r.userId, 10).map((n) => n.id)).toEqual([r.id]);
          }
        }, base);
        // The outbox is empty: a third start has nothing to finish.
        const third = await withRun((o) => processOrchestratorAvailable(o), base);
        expect(third.recovered).toBe(0);
      } finally {
        await log.close();
      }
    });
  }
});

describe('orchestrator fallback to the rules', () => {
  it('serves the rules when the model throws or does not fit the features', async () => {
    const log = await openLog(dir);
    try {
      await appendAll(log, fallingWeek());
      const broken = {
        numFeature: FEATURE_NAMES.length,
        featureNames: FEATURE_NAMES,
        predict: (): Float64Array => {
          throw new Error('model file damaged');
        },
        contributions: () => new Float64Array(0),
      };
      const ticks: TickOutcome[] = [];
      const stats = await withRun((o) => processOrchestratorAvailable(o), {
        log,
        features: new OnlineFeatureStore(),
        models: modelScorerSource(
          { current: () => ({ version: '9', model: broken }) },
          FEATURE_NAMES,
        ),
        now: () => T + 2000,
        onTick: (t) => ticks.push(t),
      });
      expect(stats.fallbacks).toBe(1);
      expect(stats.byScorer).toEqual({ model: 0, reglas: 3 });
      expect(ticks[0]).toMatchObject({ scorer: 'reglas', fallback: 'model file damaged' });
      expect(ticks[0]!.shadow).toBeUndefined();

      // A model trained on other features is refused the same way.
      await appendAll(log, [tick(T + 7 * 3_600_000, 380_000)]);
      const narrow = { ...broken, numFeature: 3, featureNames: ['a', 'b', 'c'] };
      const ticks2: TickOutcome[] = [];
      await withRun((o) => processOrchestratorAvailable(o), {
        log,
        features: new OnlineFeatureStore(),
        models: modelScorerSource(
          { current: () => ({ version: '10', model: narrow }) },
          FEATURE_NAMES,
        ),
        now: () => T + 7 * 3_600_000 + 1000,
        onTick: (t) => ticks2.push(t),
      });
      expect(ticks2[0]!.fallback).toMatch(/expects 3 features; the feature source computes \d+/);
    } finally {
      await log.close();
    }
  });
});

describe('live orchestrator', () => {
  it('follows the log: decides each new tick as it arrives and stops cleanly', async () => {
    const log = await openLog(dir);
    const state = SqliteOrchestratorState.open(path.join(dir, 'orchestrator.db'));
    try {
      await appendAll(log, fallingWeek().slice(0, -1));
      let clock = T - 1000;
      const seen: TickOutcome[] = [];
      let wake: () => void = () => {};
      const orchestrator = await startOrchestrator({
        log,
        features: new OnlineFeatureStore(),
        state,
        now: () => clock,
        onTick: (t) => {
          seen.push(t);
          wake();
        },
      });
      const next = (): Promise<void> => new Promise((resolve) => (wake = resolve));
      clock = T + 1000;
      let arrived = next();
      await appendAll(log, [tick(T, 392_000)]);
      await arrived;
      expect(
        seen
          .at(-1)!
          .recommendations.map((r) => r.userId)
          .sort(),
      ).toEqual(['u-ambos', 'u-cop', 'u-silencio']);
      clock = T + 61_000;
      arrived = next();
      await appendAll(log, [tick(T + 60_000, 391_000)]);
      await arrived;
      expect(seen.at(-1)!.skipped.cooldown).toBe(3);
      await orchestrator.stop();
      expect(orchestrator.stats()).toMatchObject({ decided: 2, recommendations: 3 });
    } finally {
      await state.close();
      await log.close();
    }
  });
});
