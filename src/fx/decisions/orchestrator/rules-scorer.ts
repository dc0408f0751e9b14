import type { RecommendationReason } from '../../events.js';
import { formatPercent } from './colombian-format.js';
import type { RulesConfig } from './orchestrator-config.js';
import { featurePhrase, rowReader, type FeatureReader, type Side } from './reasons.js';
import type { Scorer } from './scorer.js';

/** The rules' version, written as `modelVersion` of what they decide. */
export const RULES_VERSION = 'reglas-v1';

const DEFAULT_RULES: RulesConfig = { threshold: 0.6, dropPct: 1, risePct: 1, gainPct: 3 };

interface Rule {
  code: string;
  side: Side;
  weight: number;
  fires(read: FeatureReader, c: RulesConfig): boolean;
  texto(read: FeatureReader, c: RulesConfig): string;
}

const v = (read: FeatureReader, name: string): number => read(name);
const phrase = (name: string, side: Side) => (read: FeatureReader) =>
  featurePhrase(name, read, side) ?? name;

/**
 * The rules, in the order their reasons are given (`score` inlines the same tests for speed;
 * the tests check both agree). Weights add to the base probability 0.2, so
 * a fall of the dollar alone (0.2 + 0.35 = 0.55) stays under the default threshold of 0.6; it
 * needs one more signal (a habit, a price below the week's mean, past purchases).
 */
const RULES: readonly Rule[] = [
  {
    code: 'regla_caida_24h',
    side: 'BUY',
    weight: 0.35,
    fires: (r, c) => v(r, 'retorno_24h') <= -c.dropPct / 100,
    texto: phrase('retorno_24h', 'BUY'),
  },
  {
    code: 'regla_compra_en_bajadas',
    side: 'BUY',
    weight: 0.15,
    fires: (r) => v(r, 'retorno_24h_previo_compras') < 0,
    texto: (r) =>
      `Sueles comprar después de bajadas del dólar (en promedio ${formatPercent(v(r, 'retorno_24h_previo_compras'))} en 24 horas)`,
  },
  {
    code: 'regla_bajo_promedio_7d',
    side: 'BUY',
    weight: 0.1,
    fires: (r) => v(r, 'distancia_media_7d') < 0,
    texto: phrase('distancia_media_7d', 'BUY'),
  },
  {
    code: 'regla_compras_recientes',
    side: 'BUY',
    weight: 0.05,
    fires: (r) => v(r, 'compras_90d') > 0,
    texto: phrase('compras_90d', 'BUY'),
  },
  {
    code: 'regla_alza_24h',
    side: 'SELL',
    weight: 0.35,
    fires: (r, c) => v(r, 'retorno_24h') >= c.risePct / 100,
    texto: phrase('retorno_24h', 'SELL'),
  },
  {
    code: 'regla_ganancia',
    side: 'SELL',
    weight: 0.25,
    fires: (r, c) => v(r, 'pnl_no_realizado_pct') >= c.gainPct / 100,
    texto: phrase('pnl_no_realizado_pct', 'SELL'),
  },
  {
    code: 'regla_venta_en_subidas',
    side: 'SELL',
    weight: 0.15,
    fires: (r) => v(r, 'retorno_24h_previo_ventas') > 0,
    texto: (r) =>
      `Sueles vender después de subidas del dólar (en promedio ${formatPercent(v(r, 'retorno_24h_previo_ventas'))} en 24 horas)`,
  },
  {
    code: 'regla_sobre_promedio_7d',
    side: 'SELL',
    weight: 0.1,
    fires: (r) => v(r, 'distancia_media_7d') > 0,
    texto: phrase('distancia_media_7d', 'SELL'),
  },
  {
    code: 'regla_ventas_recientes',
    side: 'SELL',
    weight: 0.05,
    fires: (r) => v(r, 'ventas_90d') > 0,
    texto: phrase('ventas_90d', 'SELL'),
  },
];

const BASE = 0.2;

/** The columns the rules read, in the order the scoring loop destructures them. */
const USED = [
  'retorno_24h',
  'retorno_24h_previo_compras',
  'distancia_media_7d',
  'compras_90d',
  'pnl_no_realizado_pct',
  'retorno_24h_previo_ventas',
  'ventas_90d',
] as const;

/**
 * The rules policy (`reglas-v1`): transparent scores from a few market and habit signals, used
 * when no model is approved or the model fails, and run beside the model as a shadow. Each side
 * scores `0.2 + Σ weights of its rules that fire` (capped at 0.95); when both sides together
 * pass 1 they are scaled down, and `ninguna` takes the rest. Its reasons are its rules that fired.
 *
 * @example
 * const rules = rulesScorer(FEATURE_NAMES, config.fx.orchestrator.rules);
 * const p = rules.score(x, n); // p[3*i + 1] = P(BUY) of row i
 */
export function rulesScorer(
  featureNames: readonly string[],
  config: RulesConfig = DEFAULT_RULES,
): Scorer {
  const nf = featureNames.length;
  return {
    kind: 'rules',
    version: RULES_VERSION,
    score(x, n, out) {
      const p = out && out.length >= n * 3 ? out : new Float64Array(n * 3);
      // The hot loop reads columns by precomputed index: 100,000 rows per tick in shadow.
      const at = new Map(featureNames.map((name, i) => [name, i]));
      const cols = USED.map((name) => at.get(name) ?? -1);
      const [r24, prevBuys, dist7, buys90, pnl, prevSells, sells90] = cols as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const get = (o: number, c: number): number => (c < 0 ? NaN : x[o + c]!);
      const weights = Object.fromEntries(RULES.map((r) => [r.code, r.weight]));
      const drop = -config.dropPct / 100;
      const rise = config.risePct / 100;
      const gain = config.gainPct / 100;
      for (let i = 0; i < n; i++) {
        const offset = i * nf;
        const ret = get(offset, r24);
        const d7 = get(offset, dist7);
        let buy = BASE;
        let sell = BASE;
        if (ret <= drop) buy += weights.regla_caida_24h!;
        if (get(offset, prevBuys) < 0) buy += weights.regla_compra_en_bajadas!;
        if (d7 < 0) buy += weights.regla_bajo_promedio_7d!;
        if (get(offset, buys90) > 0) buy += weights.regla_compras_recientes!;
        if (ret >= rise) sell += weights.regla_alza_24h!;
        if (get(offset, pnl) >= gain) sell += weights.regla_ganancia!;
        if (get(offset, prevSells) > 0) sell += weights.regla_venta_en_subidas!;
        if (d7 > 0) sell += weights.regla_sobre_promedio_7d!;
        if (get(offset, sells90) > 0) sell += weights.regla_ventas_recientes!;
        buy = Math.min(buy, 0.95);
        sell = Math.min(sell, 0.95);
        const sum = buy + sell;
        if (sum > 1) {
          buy /= sum;
          sell /= sum;
        }
        p[3 * i] = Math.max(0, 1 - buy - sell);
        p[3 * i + 1] = buy;
        p[3 * i + 2] = sell;
      }
      return p;
    },
    reasons(row, side) {
      const read = rowReader(featureNames, row);
      const out: RecommendationReason[] = [];
      for (const rule of RULES) {
        if (out.length >= 3) break;
        if (rule.side === side && rule.fires(read, config)) {
          out.push({ code: rule.code, texto: rule.texto(read, config) });
        }
      }
      return out;
    },
  };
}
