import type { Recommendation } from '../../events.js';
import { formatMoney, formatNumber } from './colombian-format.js';
import type { NotificationRequest } from './ports.js';

/**
 * The notification of a recommendation, in Spanish: a short title, a body with the amount, the
 * quoted price and the main reason, and the whole recommendation as data for the app.
 * @example
 * notificationOf(rec).body
 * // 'Podrías comprar 250 USD a 4.012,50 COP. El dólar bajó 1,8 % hoy y sueles comprar en bajadas.'
 */
export function notificationOf(r: Recommendation): NotificationRequest {
  const verb = r.side === 'BUY' ? 'comprar' : 'vender';
  const reason = r.reasons[0]?.texto;
  return {
    id: r.id,
    userId: r.userId,
    kind: 'recomendacion',
    title:
      r.side === 'BUY' ? 'Buen momento para comprar dólares' : 'Buen momento para vender dólares',
    body:
      `Podrías ${verb} ${formatMoney(r.suggestedAmountUsdCents / 100)} USD a ` +
      `${formatNumber(r.priceCopCents / 100, 2)} COP.` +
      (reason ? ` ${reason}.` : ''),
    data: {
      recommendationId: r.id,
      side: r.side,
      amountUsd: r.suggestedAmountUsdCents / 100,
      priceCop: r.priceCopCents / 100,
      probability: r.probability,
      scorer: r.scorer,
      modelVersion: r.modelVersion,
      reasons: r.reasons,
      priceTickId: r.priceTickId,
      expiresAt: r.expiresAt,
    },
    createdAt: r.createdAt,
  };
}
