import { describe, expect, it } from 'vitest';
import {
  featurePhrase,
  reasonsFromContributions,
  rowReader,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { FEATURE_NAMES, type FeatureName } from '../../../../src/fx/decisions/features/index.js';

const NF = FEATURE_NAMES.length;

/** A row with the given features set, the rest missing (NaN). */
function row(values: Partial<Record<FeatureName, number>>): Float32Array {
  const r = new Float32Array(NF).fill(NaN);
  for (const [k, v] of Object.entries(values)) r[FEATURE_NAMES.indexOf(k as FeatureName)] = v;
  return r;
}

const phrase = (name: FeatureName, values: Partial<Record<FeatureName, number>>) =>
  featurePhrase(name, rowReader(FEATURE_NAMES, row(values)), 'BUY');
const one = (name: FeatureName, v: number) => phrase(name, { [name]: v });

describe('phrases of the habit features (fx-features-v2)', () => {
  it('say the quincena habit and how far the next quincena is', () => {
    expect(one('fraccion_compras_quincena', 0.833)).toBe(
      'El 83 % de tus compras de dólares fueron en días de quincena',
    );
    expect(one('fraccion_ventas_quincena', 0.5)).toBe(
      'El 50 % de tus ventas de dólares fueron en días de quincena',
    );
    expect(
      phrase('horas_hasta_quincena_habitual', {
        horas_hasta_quincena_habitual: 20.5,
        fraccion_compras_quincena: 0.9,
      }),
    ).toBe('La quincena llega en menos de un día, cuando sueles comprar dólares');
    // Without the habit the date stands alone.
    expect(one('horas_hasta_quincena_habitual', 130)).toBe('Faltan 5 días para la quincena');
    expect(one('horas_hasta_quincena_habitual', 30)).toBe('Falta 1 día para la quincena');
  });

  it('say the usual interval between buys and where the user is in it', () => {
    expect(one('intervalo_compras_dias', 15.4)).toBe('Sueles comprar dólares cada 15 días');
    expect(one('intervalo_compras_dias', 0.3)).toBe('Sueles comprar dólares varias veces al día');
    expect(one('ciclo_compras', 1.2)).toBe(
      'Ya pasó el tiempo que sueles dejar entre una compra de dólares y la siguiente',
    );
    expect(one('ciclo_compras', 0.874)).toBe(
      'Ha pasado el 87 % del tiempo que sueles dejar entre una compra de dólares y la siguiente',
    );
  });

  it('say the moving-average cross and the habits around it, with a decimal comma', () => {
    expect(one('cruce_medias', 0.0031)).toBe(
      'El dólar viene subiendo: su promedio de los últimos minutos está 0,3 % por encima del de las últimas horas',
    );
    expect(one('distancia_media_120', -0.0042)).toBe(
      'El dólar está 0,4 % por debajo de su promedio de las últimas horas',
    );
    expect(one('cruce_previo_compras', 0.002)).toBe(
      'Sueles comprar dólares cuando el precio viene subiendo',
    );
    expect(one('cruce_previo_ventas', -0.002)).toBe(
      'Sueles vender dólares cuando el precio viene bajando',
    );
    expect(one('distancia_previa_compras', -0.0061)).toBe(
      'Sueles comprar dólares cuando el precio está por debajo de su promedio de las últimas horas (en promedio 0,6 %)',
    );
  });

  it('say nothing for missing values, a zero share or a flat cross', () => {
    expect(phrase('fraccion_compras_quincena', {})).toBeUndefined();
    expect(one('fraccion_compras_quincena', 0)).toBeUndefined();
    expect(one('cruce_medias', 0)).toBeUndefined();
    expect(one('cruce_previo_compras', 0)).toBeUndefined();
    expect(phrase('ciclo_compras', { ciclo_compras: NaN })).toBeUndefined();
  });

  it('become reasons when they contribute to the chosen class', () => {
    const c = new Float64Array((NF + 1) * 3);
    const at = (name: FeatureName) => 1 * (NF + 1) + FEATURE_NAMES.indexOf(name);
    c[at('horas_hasta_quincena_habitual')] = 1.1;
    c[at('fraccion_compras_quincena')] = 0.6;
    c[at('hora_local')] = 0.9; // no sentence
    const x = row({
      horas_hasta_quincena_habitual: 14,
      fraccion_compras_quincena: 1,
      hora_local: 18,
    });
    // Calendar-driven: one calendar reason, in the words of the user's habit.
    expect(reasonsFromContributions(c, FEATURE_NAMES, x, 'BUY', 0.8)).toEqual([
      {
        code: 'calendario_quincena',
        texto: 'Sueles comprar dólares en quincena y la quincena llega en menos de un día',
      },
    ]);
    // No quincena habit on the SELL side: the calendar gives no reason to sell.
    const sell = new Float64Array((NF + 1) * 3);
    sell[2 * (NF + 1) + FEATURE_NAMES.indexOf('fraccion_compras_quincena')] = 1;
    expect(reasonsFromContributions(sell, FEATURE_NAMES, x, 'SELL', 0.8)[0]!.code).toBe(
      'probabilidad',
    );
  });
});
