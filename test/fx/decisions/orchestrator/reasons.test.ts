import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../../../src/fx/decisions/features/index.js';
import {
  featurePhrase,
  formatMoney,
  formatNumber,
  formatPercent,
  reasonsFromContributions,
  rowReader,
  rulesScorer,
} from '../../../../src/fx/decisions/orchestrator/index.js';

const NF = FEATURE_NAMES.length;

/** A row with the given features set, the rest missing (NaN). */
function row(values: Partial<Record<(typeof FEATURE_NAMES)[number], number>>): Float32Array {
  const r = new Float32Array(NF).fill(NaN);
  for (const [k, v] of Object.entries(values)) r[FEATURE_NAMES.indexOf(k as never)] = v;
  return r;
}

const phrase = (name: string, values: Parameters<typeof row>[0], side: 'BUY' | 'SELL' = 'BUY') =>
  featurePhrase(name, rowReader(FEATURE_NAMES, row(values)), side);

describe('Colombian number format', () => {
  it('uses a decimal comma and dots for thousands', () => {
    expect(formatNumber(1234.5, 1)).toBe('1.234,5');
    expect(formatNumber(4012.5, 2)).toBe('4.012,50');
    expect(formatMoney(1_250_000.4)).toBe('1.250.000');
    expect(formatPercent(-0.018)).toBe('1,8 %');
    expect(formatPercent(0.0004)).toBe('0,04 %');
    expect(formatPercent(0.1234)).toBe('12,3 %');
  });
});

describe('feature phrases', () => {
  it('say the actual values in plain Spanish', () => {
    expect(phrase('retorno_24h', { retorno_24h: -0.018, retorno_24h_previo_compras: -0.01 })).toBe(
      'El dólar bajó 1,8 % hoy y sueles comprar en bajadas',
    );
    // Without the habit (or with the opposite one) the move stands alone.
    expect(phrase('retorno_24h', { retorno_24h: -0.018 })).toBe('El dólar bajó 1,8 % hoy');
    expect(
      phrase('retorno_24h', { retorno_24h: 0.012, retorno_24h_previo_ventas: 0.004 }, 'SELL'),
    ).toBe('El dólar subió 1,2 % hoy y sueles vender en subidas');
    expect(phrase('costo_promedio_relativo', { costo_promedio_relativo: -0.032 })).toBe(
      'Tu costo promedio es 3,2 % menor que el precio actual',
    );
    expect(phrase('dias_desde_ultima_compra', { dias_desde_ultima_compra: 12.7 })).toBe(
      'Hace 12 días no compras dólares',
    );
    expect(phrase('dias_desde_ultima_venta', { dias_desde_ultima_venta: 1.2 })).toBe(
      'Hace 1 día no vendes dólares',
    );
    expect(phrase('saldo_cop', { saldo_cop: 1_250_000 })).toBe('Tienes 1.250.000 COP disponibles');
    expect(phrase('pnl_no_realizado_pct', { pnl_no_realizado_pct: 0.041 })).toBe(
      'Tus dólares tienen una ganancia no realizada de 4,1 %',
    );
    expect(phrase('compras_30d', { compras_30d: 4 })).toBe(
      'Has comprado dólares 4 veces en los últimos 30 días',
    );
    expect(phrase('ventas_7d', { ventas_7d: 0 })).toBe(
      'No has vendido dólares en los últimos 7 días',
    );
    expect(phrase('distancia_media_7d', { distancia_media_7d: -0.009 })).toBe(
      'El dólar está 0,9 % por debajo de su promedio de los últimos 7 días',
    );
    expect(phrase('fraccion_usd', { fraccion_usd: 0.781 })).toBe(
      'El 78 % de tu saldo está en dólares',
    );
  });

  it('gives nothing for missing values and for features a user cannot act on', () => {
    expect(phrase('retorno_24h', {})).toBeUndefined();
    expect(phrase('hora_local', { hora_local: 10.5 })).toBeUndefined();
    expect(phrase('dia_semana', { dia_semana: 2 })).toBeUndefined();
  });

  it('has a sentence for every feature except the calendar ones', () => {
    const full = row(Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0.02])));
    const read = rowReader(FEATURE_NAMES, full);
    const without = FEATURE_NAMES.filter((n) => featurePhrase(n, read, 'BUY') === undefined);
    expect(without).toEqual(['hora_local', 'dia_semana', 'dia_del_mes']);
  });
});

describe('reasons from contributions', () => {
  /** Contributions laid out as XGBoost does: one block of NF + 1 per class, bias last. */
  function contributions(byClass: Record<number, Record<string, number>>): Float64Array {
    const c = new Float64Array((NF + 1) * 3);
    for (const [k, values] of Object.entries(byClass)) {
      for (const [name, v] of Object.entries(values)) {
        c[Number(k) * (NF + 1) + FEATURE_NAMES.indexOf(name as never)] = v;
      }
      c[Number(k) * (NF + 1) + NF] = -1.5; // bias: never a reason
    }
    return c;
  }

  const x = row({
    retorno_24h: -0.018,
    retorno_24h_previo_compras: -0.01,
    dias_desde_ultima_compra: 12.2,
    costo_promedio_relativo: -0.032,
    saldo_cop: 3_000_000,
    hora_local: 9,
    retorno_7d: 0.004,
  });

  it('takes the top positive contributions of the chosen class, strongest first', () => {
    const c = contributions({
      1: {
        retorno_24h: 0.9,
        retorno_24h_previo_compras: 0.5, // said already by retorno_24h's sentence
        hora_local: 0.8, // no sentence
        dias_desde_ultima_compra: 0.4,
        costo_promedio_relativo: 0.3,
        saldo_cop: 0.2, // fourth: cut
        retorno_7d: -0.7, // negative: against BUY
      },
      2: { retorno_7d: 2 }, // another class
    });
    // A cost under the price (a gain on the USD held) is no reason to buy: left out.
    expect(reasonsFromContributions(c, FEATURE_NAMES, x, 'BUY', 0.71)).toEqual([
      { code: 'retorno_24h', texto: 'El dólar bajó 1,8 % hoy y sueles comprar en bajadas' },
      { code: 'dias_desde_ultima_compra', texto: 'Hace 12 días no compras dólares' },
      { code: 'saldo_cop', texto: 'Tienes 3.000.000 COP disponibles' },
    ]);
    expect(reasonsFromContributions(c, FEATURE_NAMES, x, 'SELL', 0.8)).toEqual([
      { code: 'retorno_7d', texto: 'El dólar subió 0,4 % en la última semana' },
    ]);
  });

  it('never gives a reason that argues for the other side', () => {
    // The examples: a price above its average as a reason to BUY, the share of BUYs on
    // quincena days as a reason to SELL.
    const up = row({ distancia_media_24h: 0.006, fraccion_compras_quincena: 0.13 });
    const c = contributions({
      1: { distancia_media_24h: 1 },
      2: { fraccion_compras_quincena: 1 },
    });
    expect(reasonsFromContributions(c, FEATURE_NAMES, up, 'BUY', 0.5)[0]!.code).toBe(
      'probabilidad',
    );
    expect(reasonsFromContributions(c, FEATURE_NAMES, up, 'SELL', 0.5)[0]!.code).toBe(
      'probabilidad',
    );
    // The same price move supports the other side.
    const c2 = contributions({ 2: { distancia_media_24h: 1 } });
    expect(reasonsFromContributions(c2, FEATURE_NAMES, up, 'SELL', 0.5)[0]!.code).toBe(
      'distancia_media_24h',
    );
  });

  it('states the probability when no feature gives a sentence', () => {
    const c = contributions({ 1: { hora_local: 1 } });
    expect(reasonsFromContributions(c, FEATURE_NAMES, x, 'BUY', 0.714)).toEqual([
      {
        code: 'probabilidad',
        texto: 'Estimamos en 71 % la probabilidad de que quieras comprar dólares pronto',
      },
    ]);
  });
});

describe('rules scorer (reglas-v1)', () => {
  const rules = rulesScorer(FEATURE_NAMES);

  it('scores a fall plus a buying-on-dips habit over the threshold, with its reasons', () => {
    const x = row({
      retorno_24h: -0.015,
      retorno_24h_previo_compras: -0.008,
      distancia_media_7d: -0.01,
      compras_90d: 3,
    });
    const p = rules.score(x, 1);
    // 0.2 + 0.35 + 0.15 + 0.1 + 0.05 for BUY, the base 0.2 for SELL: scaled to sum 1.
    expect(p[1]).toBeCloseTo(0.85 / 1.05, 10);
    expect(p[2]).toBeCloseTo(0.2 / 1.05, 10);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 10);
    expect(rules.reasons(x, 'BUY', p[1]!)).toEqual([
      { code: 'regla_caida_24h', texto: 'El dólar bajó 1,5 % hoy y sueles comprar en bajadas' },
      {
        code: 'regla_compra_en_bajadas',
        texto: 'Sueles comprar después de bajadas del dólar (en promedio 0,8 % en 24 horas)',
      },
      {
        code: 'regla_bajo_promedio_7d',
        texto: 'El dólar está 1,0 % por debajo de su promedio de los últimos 7 días',
      },
    ]);
  });

  it('keeps a quiet market under the threshold and scores many rows at once', () => {
    const quiet = row({ retorno_24h: 0.001, pnl_no_realizado_pct: 0.01 });
    const gain = row({ retorno_24h: 0.02, pnl_no_realizado_pct: 0.05, saldo_usd: 100 });
    const missing = row({});
    const x = new Float32Array(NF * 3);
    x.set(quiet, 0);
    x.set(gain, NF);
    x.set(missing, 2 * NF);
    const p = rules.score(x, 3);
    expect([p[1], p[2]]).toEqual([0.2, 0.2]);
    expect(p[5]).toBeGreaterThanOrEqual(0.6);
    expect([p[7], p[8]]).toEqual([0.2, 0.2]);
    expect(rules.reasons(gain, 'SELL', p[5]!).map((r) => r.code)).toEqual([
      'regla_alza_24h',
      'regla_ganancia',
    ]);
  });
});

describe('rules scorer consistency', () => {
  it('scores exactly the rules whose reasons it gives', () => {
    const rules = rulesScorer(FEATURE_NAMES);
    let seed = 5;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    for (let k = 0; k < 300; k++) {
      const x = row({
        retorno_24h: rnd() * 0.05,
        retorno_24h_previo_compras: rnd(),
        retorno_24h_previo_ventas: rnd(),
        distancia_media_7d: rnd() * 0.04,
        compras_90d: rnd() > 0 ? 2 : 0,
        ventas_90d: rnd() > 0 ? 1 : 0,
        pnl_no_realizado_pct: rnd() * 0.2,
      });
      const p = rules.score(x, 1);
      const weight: Record<string, number> = {
        regla_caida_24h: 0.35,
        regla_compra_en_bajadas: 0.15,
        regla_bajo_promedio_7d: 0.1,
        regla_compras_recientes: 0.05,
        regla_alza_24h: 0.35,
        regla_ganancia: 0.25,
        regla_venta_en_subidas: 0.15,
        regla_sobre_promedio_7d: 0.1,
        regla_ventas_recientes: 0.05,
      };
      // At most 4 rules per side can fire; reasons list the first 3, so compare with ≤ 3 fired.
      const buyCodes = rules.reasons(x, 'BUY', 0).map((r) => r.code);
      const sellCodes = rules.reasons(x, 'SELL', 0).map((r) => r.code);
      if (buyCodes.length === 3 || sellCodes.length === 3) continue;
      let buy = 0.2 + buyCodes.reduce((a, c) => a + weight[c]!, 0);
      let sell = 0.2 + sellCodes.reduce((a, c) => a + weight[c]!, 0);
      if (buy + sell > 1) [buy, sell] = [buy / (buy + sell), sell / (buy + sell)];
      expect(p[1]).toBeCloseTo(buy, 12);
      expect(p[2]).toBeCloseTo(sell, 12);
    }
  });
});
