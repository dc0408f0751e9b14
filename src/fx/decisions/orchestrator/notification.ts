import type { Recommendation } from '../../events.js';
import { formatMoney, formatNumber } from './colombian-format.js';
import type { NotificationRequest } from './ports.js';
import { FEATURE_NAMES, FEATURE_VERSION } from '../features/feature-names.js';
import { reasonTextEn } from './reasons-en.js';
import { rowReader } from './reasons.js';

/** Languages of the user-facing texts (the `language` preference). */
export type Language = 'es' | 'en';

const TEXTS = {
  es: {
    title: { BUY: '¿Quieres comprar dólares hoy?', SELL: '¿Quieres vender dólares hoy?' },
    offer: (verb: string, amount: string, price: string) =>
      `Si lo necesitas, podrías ${verb} ${amount} USD a ${price} COP.`,
    verb: { BUY: 'comprar', SELL: 'vender' },
    spread: (cost: string, pct: string) =>
      `El diferencial (spread) te cuesta unos ${cost} COP (${pct}) frente al precio medio.`,
    disclaimer: 'Esto no es una asesoría financiera: la decisión es tuya.',
    consentTitle: '¿Quieres recibir sugerencias sobre dólares?',
    consentBody:
      'Podemos avisarte, como máximo dos veces por semana, cuando creamos que quizás quieras comprar o vender dólares. No es una asesoría financiera. Actívalo o desactívalo en tus preferencias (recomendaciones).',
  },
  en: {
    title: { BUY: 'Do you want to buy dollars today?', SELL: 'Do you want to sell dollars today?' },
    offer: (verb: string, amount: string, price: string) =>
      `If you need to, you could ${verb} ${amount} USD at ${price} COP.`,
    verb: { BUY: 'buy', SELL: 'sell' },
    spread: (cost: string, pct: string) =>
      `The spread costs you about ${cost} COP (${pct}) against the mid price.`,
    disclaimer: 'This is not financial advice: the decision is yours.',
    consentTitle: 'Do you want suggestions about dollars?',
    consentBody:
      'We can let you know, at most twice a week, when we think you might want to buy or sell dollars. This is not financial advice. Turn it on or off in your preferences (recommendations).',
  },
} as const;

/**
 * The notification of a recommendation in the user's language: a neutral question as title (no
 * claim that now is a good moment), a body with the amount and quoted price, the main reason,
 * the spread's cost and a not-financial-advice note, and the whole recommendation as data for
 * the app. Reasons are stored in Spanish; for `en` users the main reason is rendered in English
 * from its code and the feature vector stored with the recommendation (its audit), and left out
 * when that is not possible (no vector of the current feature version, an unknown code).
 * @example
 * notificationOf(rec).title // '¿Quieres comprar dólares hoy?'
 */
export function notificationOf(r: Recommendation, language: Language = 'es'): NotificationRequest {
  const t = TEXTS[language];
  const reason = language === 'es' ? r.reasons[0]?.texto : englishReason(r);
  const amountUsd = r.suggestedAmountUsdCents / 100;
  const spread =
    r.spreadCostCopCents !== undefined
      ? ' ' +
        t.spread(
          formatMoney(r.spreadCostCopCents / 100),
          `${formatNumber((100 * r.spreadCostCopCents) / (amountUsd * r.priceCopCents), 2)} %`,
        )
      : '';
  return {
    id: r.id,
    userId: r.userId,
    kind: 'recomendacion',
    title: t.title[r.side],
    body:
      t.offer(t.verb[r.side], formatMoney(amountUsd), formatNumber(r.priceCopCents / 100, 2)) +
      (reason ? ` ${reason}.` : '') +
      spread +
      ` ${t.disclaimer}`,
    data: {
      recommendationId: r.id,
      side: r.side,
      amountUsd,
      priceCop: r.priceCopCents / 100,
      ...(r.spreadCostCopCents !== undefined ? { spreadCostCop: r.spreadCostCopCents / 100 } : {}),
      probability: r.probability,
      scorer: r.scorer,
      modelVersion: r.modelVersion,
      reasons: r.reasons,
      priceTickId: r.priceTickId,
      expiresAt: r.expiresAt,
      notFinancialAdvice: true,
    },
    createdAt: r.createdAt,
  };
}

/**
 * The question asked before a user's first recommendation (consent): the answer is the
 * `recommendations` preference (`PUT /preferences {"recommendations":"on"|"off"}`).
 */
export function consentRequestOf(
  userId: string,
  id: string,
  createdAt: string,
  language: Language = 'es',
): NotificationRequest {
  const t = TEXTS[language];
  return {
    id,
    userId,
    kind: 'consentimiento',
    title: t.consentTitle,
    body: t.consentBody,
    data: { preference: 'recommendations', values: ['on', 'off'] },
    createdAt,
  };
}

/** The main reason in English, from its code and the stored feature vector. */
function englishReason(r: Recommendation): string | undefined {
  const first = r.reasons[0];
  if (!first) return undefined;
  const audit = r.audit;
  const vector =
    audit && audit.featureVersion === FEATURE_VERSION
      ? audit.features.map((v) => (v === null ? NaN : v))
      : undefined;
  const read = vector ? rowReader(FEATURE_NAMES, vector) : () => NaN;
  if (!vector && first.code !== 'probabilidad') return undefined;
  return reasonTextEn(first.code, read, r.side, r.probability);
}
