import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backtest,
  defaultOrchestratorConfig,
  type BacktestSuggestion,
  type ScoringModel,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import { FEATURE_NAMES } from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';

const NF = FEATURE_NAMES.length;

/**
 * The worst case for the reasons: a "model" that says every feature pushes towards whichever
 * side it suggests, in a different order for every row, and suggests each side half the time.
 * Whatever the real model's contributions, the sentences shown are chosen among these.
 */
function everythingContributes(): ScoringModel {
  let calls = 0;
  return {
    numFeature: NF,
    featureNames: FEATURE_NAMES,
    predict(x, n, out = new Float64Array(n * 3)) {
      for (let i = 0; i < n; i++) {
        // A side per row from its values (deterministic), always over the threshold.
        const buy = (Math.abs(Math.round((x[i * NF + 20] ?? 0) * 1e6)) + i) % 2 === 0;
        out[3 * i] = 0.05;
        out[3 * i + 1] = buy ? 0.9 : 0.05;
        out[3 * i + 2] = buy ? 0.05 : 0.9;
      }
      return out;
    },
    contributions(_row, output = 1) {
      const c = new Float64Array((NF + 1) * 3);
      calls++;
      for (let f = 0; f < NF; f++)
        c[output * (NF + 1) + f] = 1 + ((f * 7919 + calls * 104729) % NF);
      return c;
    },
  };
}

/** Sentences that argue for the other side (text-level: independent of the support table). */
const AGAINST: Record<'BUY' | 'SELL', RegExp[]> = {
  BUY: [
    /^El dólar subió/,
    /^El dólar está .* por encima/,
    /^El dólar viene subiendo/,
    /Has vendido|Sueles vender|no vendes|vendido|ventas de dólares/,
    /Vendiste en promedio a un precio .* menor/,
    /Compraste en promedio a un precio .* menor/,
    /ganancia/,
    /USD disponibles/,
    /Tu costo promedio es .* menor/,
  ],
  SELL: [
    /^El dólar bajó/,
    /^El dólar está .* por debajo/,
    /^El dólar viene bajando/,
    /Sueles comprar|Has comprado|no compras|compras de dólares|comprar dólares/,
    /Compraste en promedio a un precio .* mayor/,
    /Vendiste en promedio a un precio .* mayor/,
    /COP disponibles/,
    /pérdida/,
  ],
};

let home: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir: home, cleanup } = tempDir('corriente-reasons-sim-'));
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: path.join(home, 'datalake') }),
    users: 60,
    days: 30,
    seed: 5,
    end: '2026-03-31',
  });
});
afterAll(() => cleanup());

describe('reasons over a simulated history', () => {
  it('no suggestion shows a reason that argues for the other side', async () => {
    const config = defaultOrchestratorConfig();
    // As many suggestions as the history allows: every rule but funds and timing off.
    config.policy.quietHours = null;
    config.policy.maxPerWeek = 1000;
    config.policy.backoffHours = 0;
    config.policy.cooldownHours = 2;
    const seen: BacktestSuggestion[] = [];
    await backtest({
      lakeDir: path.join(home, 'datalake'),
      from: '2026-03-10',
      to: '2026-03-31',
      config,
      model: { model: everythingContributes(), version: 'prueba' },
      everyMinutes: 60,
      onSuggestion: (s) => seen.push(s),
    });
    const bySide = { BUY: 0, SELL: 0 };
    const codes = new Set<string>();
    const contradictions: string[] = [];
    for (const s of seen) {
      bySide[s.side]++;
      for (const r of s.reasons) {
        codes.add(r.code);
        if (AGAINST[s.side].some((re) => re.test(r.texto))) {
          contradictions.push(`${s.side}: ${r.texto}`);
        }
      }
    }
    // Not vacuous: both sides, many kinds of sentence, and the calendar reason.
    expect(bySide.BUY).toBeGreaterThan(50);
    expect(bySide.SELL).toBeGreaterThan(50);
    expect(codes.size).toBeGreaterThan(12);
    expect(codes).toContain('calendario_quincena');
    expect(contradictions).toEqual([]);
  });
});
