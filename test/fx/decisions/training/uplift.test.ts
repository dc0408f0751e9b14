import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultOrchestratorConfig,
  simulationAdvisor,
  type Scorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import {
  isUpliftModel,
  NotEnoughHoldoutError,
  trainUplift,
  upliftOf,
  type UpliftTrainingSettings,
} from '../../../../src/fx/decisions/training/index.js';
import { upliftConfigSchema } from '../../../../src/fx/decisions/training/model-config.js';
import {
  BEHAVIOURS,
  simulateHistory,
  type Behaviour,
  type ResponseEffect,
} from '../../../../src/fx/simulate/index.js';
import { GbdtModel } from '../../../../src/ml/gbdt/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';

/** Suggests a BUY to every user the policy lets through: who responds is up to the simulator. */
const everyoneBuys: Scorer = {
  kind: 'model',
  version: 'constante',
  score(_x, n, out = new Float64Array(n * 3)) {
    for (let i = 0; i < n; i++) out.set([0.4, 0.6, 0], 3 * i);
    return out;
  },
  reasons: () => [{ code: 'probabilidad', texto: 'prueba' }],
};

/** Only dip buyers respond (with `probability`); every other behaviour never does. */
const onlyDipBuyers = (probability: number): Record<Behaviour, ResponseEffect> =>
  Object.fromEntries(
    BEHAVIOURS.map((b) => [
      b,
      {
        probability: b === 'compra_en_caidas' ? probability : 0,
        delayMinutes: [10, 120] as [number, number],
      },
    ]),
  ) as Record<Behaviour, ResponseEffect>;

const settings: UpliftTrainingSettings = { ...upliftConfigSchema.parse({}), minHeldOut: 200 };

let t: { dir: string; cleanup: () => void };
beforeAll(() => {
  t = tempDir('corriente-uplift-');
});
afterAll(() => t.cleanup());

async function simulate(name: string, probability: number, holdoutPercent = 50): Promise<string> {
  const lakeDir = path.join(t.dir, name, 'datalake');
  const config = defaultOrchestratorConfig();
  config.holdoutPercent = holdoutPercent;
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: lakeDir }),
    users: 300,
    days: 35,
    seed: 23,
    end: '2026-03-31',
    advisor: simulationAdvisor({ config, scorer: everyoneBuys }),
    effects: onlyDipBuyers(probability),
  });
  return lakeDir;
}

describe('uplift model (T-learner) on the response-enabled simulator', () => {
  it('ranks the segment that responds first: Qini above the noise of random rankings', async () => {
    const lakeDir = await simulate('efecto', 0.6);
    const r = await trainUplift({ lakeDir, settings });
    const m = r.metrics.test;
    expect(r.metrics.samples.train.control).toBeGreaterThanOrEqual(200);
    expect(m.control).toBeGreaterThan(100);
    expect(m.qini).toBeGreaterThan(0);
    expect(m.qini).toBeGreaterThan(3 * m.qiniRandomSd);
    // The top of the ranking holds the responders: more uplift there than over all rows.
    const top = m.upliftAtK.find((k) => k.fraction === 0.2)!;
    expect(top.uplift!).toBeGreaterThan(m.overallUplift! + 0.05);
    // The artifact is one two-output model that round-trips through XGBoost JSON.
    expect(isUpliftModel(r.model)).toBe(true);
    const again = GbdtModel.parse(r.model.toXgboostText());
    expect(isUpliftModel(again)).toBe(true);
    const x = new Float32Array(39).fill(Number.NaN);
    expect(upliftOf(again, x, 1)[0]).toBeCloseTo(upliftOf(r.model, x, 1)[0]!, 12);
  });

  it('finds nothing to rank when the effect is 0: Qini within the noise', async () => {
    const lakeDir = await simulate('sin-efecto', 0);
    const r = await trainUplift({ lakeDir, settings });
    const m = r.metrics.test;
    // (The treated and held-out rates themselves may differ by a few points: 150 users an arm,
    // each with many rows; the lift report's interval covers that. The ranking is what is tested.)
    expect(Math.abs(m.qini)).toBeLessThan(3 * m.qiniRandomSd);
    expect(m.qiniRandomSd).toBeGreaterThan(0);
  });

  it('refuses with one line when the holdout is too small, naming the setting', async () => {
    const lakeDir = await simulate('poco-control', 0.6, 3);
    const err = await trainUplift({ lakeDir, settings }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotEnoughHoldoutError);
    expect((err as Error).message).toMatch(
      /^not enough held-out data for an uplift model: \d+ held-out recommendations .*fx\.model\.uplift\.minHeldOut.*the propensity model stays$/,
    );
    expect((err as Error).message).not.toContain('\n');
  });
});
