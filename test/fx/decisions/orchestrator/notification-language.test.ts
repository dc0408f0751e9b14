import { describe, expect, it } from 'vitest';
import type { Recommendation } from '../../../../src/fx/events.js';
import { FEATURE_NAMES, FEATURE_VERSION } from '../../../../src/fx/decisions/features/index.js';
import {
  consentRequestOf,
  featurePhrase,
  notificationOf,
  REASON_SUPPORT,
  rowReader,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { featurePhraseEn } from '../../../../src/fx/decisions/orchestrator/reasons-en.js';

const vector = FEATURE_NAMES.map(() => null as number | null);
const names: readonly string[] = FEATURE_NAMES;
const set = (name: string, v: number) => (vector[names.indexOf(name)] = v);
set('retorno_24h', -0.018);
set('retorno_24h_previo_compras', -0.01);
set('saldo_cop', 2_500_000);

function recommendation(reasons: Recommendation['reasons']): Recommendation {
  return {
    type: 'Recommendation',
    version: 1,
    id: '01JQ0000000000000000000000',
    userId: 'ana',
    side: 'BUY',
    probability: 0.42,
    scorer: 'model',
    modelVersion: '3',
    priceTickId: '01JQ0000000000000000000001',
    priceCopCents: 410_000,
    suggestedAmountUsdCents: 20_000,
    reasons,
    spreadCostCopCents: 76_000,
    group: 'tratamiento',
    audit: {
      features: vector,
      featureVersion: FEATURE_VERSION,
      featuresHash: 'abc',
      copCents: 250_000_000,
      usdCents: 0,
      policyVersion: 'p',
      rules: [],
    },
    createdAt: '2026-03-10T15:00:00.000Z',
    expiresAt: '2026-03-11T15:00:00.000Z',
    ingestedAt: '2026-03-10T15:00:00.000Z',
  };
}

describe('the notification in the user language', () => {
  it('en: title, offer, the main reason, spread and disclaimer all in English', () => {
    const r = recommendation([
      { code: 'retorno_24h', texto: 'El dólar bajó 1,8 % hoy y sueles comprar en bajadas' },
    ]);
    const es = notificationOf(r, 'es');
    const en = notificationOf(r, 'en');
    expect(es.title).toBe('¿Quieres comprar dólares hoy?');
    expect(es.body).toContain('El dólar bajó 1,8 % hoy y sueles comprar en bajadas.');
    expect(en.title).toBe('Do you want to buy dollars today?');
    expect(en.body).toBe(
      'If you need to, you could buy 200 USD at 4.100,00 COP. ' +
        'The dollar fell 1,8 % today and you usually buy when it falls. ' +
        'The spread costs you about 760 COP (0,09 %) against the mid price. ' +
        'This is not financial advice: the decision is yours.',
    );
    expect(en.body).not.toMatch(/dólar|quincena|Sueles|Tienes|asesoría/);
    expect(consentRequestOf('ana', 'x', r.createdAt, 'en').title).toBe(
      'Do you want suggestions about dollars?',
    );
  });

  it('en: calendar and probability reasons, and a reason left out without its vector', () => {
    const cal = recommendation([
      { code: 'calendario_quincena', texto: 'Sueles comprar dólares en quincena' },
    ]);
    expect(notificationOf(cal, 'en').body).toContain('You usually buy dollars on payday.');
    const p = recommendation([{ code: 'probabilidad', texto: 'Estimamos…' }]);
    expect(notificationOf(p, 'en').body).toContain(
      'We estimate at 42 % the chance that you want to buy dollars soon.',
    );
    const old = recommendation([{ code: 'saldo_cop', texto: 'Tienes 2.500.000 COP disponibles' }]);
    expect(notificationOf(old, 'en').body).toContain('You have 2.500.000 COP available.');
    delete old.audit;
    const body = notificationOf(old, 'en').body;
    expect(body).not.toContain('COP available');
    expect(body).not.toContain('Tienes');
  });

  it('every feature with a Spanish reason sentence has an English one', () => {
    for (const name of Object.keys(REASON_SUPPORT)) {
      for (const v of [-0.02, 0.5, 3, 30]) {
        const row = FEATURE_NAMES.map(() => 0.01);
        row[names.indexOf(name)] = v;
        const read = rowReader(FEATURE_NAMES, row);
        for (const side of ['BUY', 'SELL'] as const) {
          const es = featurePhrase(name, read, side);
          const en = featurePhraseEn(name, read, side);
          expect(en === undefined, `${name}=${v} ${side}: es ${es} / en ${en}`).toBe(
            es === undefined,
          );
        }
      }
    }
  });
});
