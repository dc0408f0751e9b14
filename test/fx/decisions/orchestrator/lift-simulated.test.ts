import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../../src/core/catalog/sqlite/sqlite-catalog.js';
import {
  defaultOrchestratorConfig,
  recommendationOutcomes,
  simulationAdvisor,
  type Scorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import {
  BEHAVIOURS,
  simulateHistory,
  type Behaviour,
  type ResponseEffect,
  type SimulateResult,
} from '../../../../src/fx/simulate/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { DuckDbQueryEngine } from '../../../../src/core/query/duckdb/duckdb-query-engine.js';
import { tempDir } from '../../../util/tmp.js';

/** Suggests a BUY to every user the policy lets through: the effect, not the model, is measured. */
const everyoneBuys: Scorer = {
  kind: 'model',
  version: 'constante',
  score(_x, n, out = new Float64Array(n * 3)) {
    for (let i = 0; i < n; i++) out.set([0.4, 0.6, 0], 3 * i);
    return out;
  },
  reasons: () => [{ code: 'probabilidad', texto: 'prueba' }],
};

const effects = (probability: number): Record<Behaviour, ResponseEffect> =>
  Object.fromEntries(
    BEHAVIOURS.map((b) => [b, { probability, delayMinutes: [10, 120] as [number, number] }]),
  ) as Record<Behaviour, ResponseEffect>;

let t: { dir: string; cleanup: () => void };
beforeAll(() => {
  t = tempDir('corriente-lift-');
});
afterAll(() => t.cleanup());

async function simulateAndMeasure(name: string, probability: number) {
  const lakeDir = path.join(t.dir, name, 'datalake');
  const datalake = new LocalFsObjectStore({ root: lakeDir });
  const config = defaultOrchestratorConfig();
  config.holdoutPercent = 50; // a large control group: a narrow interval in a short test
  const sim: SimulateResult = await simulateHistory({
    datalake,
    users: 300,
    days: 28,
    seed: 21,
    end: '2026-03-31',
    advisor: simulationAdvisor({ config, scorer: everyoneBuys }),
    effects: effects(probability),
  });
  const catalog = new SqliteCatalog({ path: path.join(t.dir, name, 'catalog.db') });
  const query = new DuckDbQueryEngine({ catalog });
  try {
    const report = await recommendationOutcomes({ datalake, catalog, query });
    const lift = report.liftByModel.rows.find((r) => r.lado === 'BUY')!;
    return { sim, lift: lift as Record<string, number> };
  } finally {
    await query.close();
    await catalog.close();
  }
}

describe('lift on the response-enabled simulator', () => {
  it('recovers a known effect within its confidence interval', async () => {
    const { sim, lift } = await simulateAndMeasure('efecto', 0.5);
    expect(sim.recommendations).toBeGreaterThan(800);
    expect(sim.heldOut! / sim.recommendations!).toBeGreaterThan(0.4);
    expect(sim.responses).toBeGreaterThan(100);
    expect(lift.tratadas).toBeGreaterThan(300);
    expect(lift.retenidas).toBeGreaterThan(300);
    // Half of the notified users trade within 2 h because of it: those who would have bought
    // anyway in that window (at most the control rate) add nothing, so the true lift lies in
    // [50 × (1 − control rate), 50] percentage points.
    const low = 50 * (1 - lift.tasa_retenidas_pct! / 100);
    expect(lift.lift_ic95_min_pp).toBeLessThanOrEqual(50);
    expect(lift.lift_ic95_max_pp).toBeGreaterThanOrEqual(low);
    expect(lift.lift_ic95_max_pp! - lift.lift_ic95_min_pp!).toBeLessThan(15);
    expect(lift.operaciones_incrementales_por_1000).toBeCloseTo(10 * lift.lift_pp!, 5);
  });

  it('reports ~0 lift when the effect is 0', async () => {
    const { sim, lift } = await simulateAndMeasure('sin-efecto', 0);
    expect(sim.responses).toBe(0);
    expect(lift.lift_ic95_min_pp).toBeLessThanOrEqual(0);
    expect(lift.lift_ic95_max_pp).toBeGreaterThanOrEqual(0);
    expect(Math.abs(lift.lift_pp!)).toBeLessThan(7);
  });
});
