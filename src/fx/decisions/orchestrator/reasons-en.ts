import { formatMoney, formatNumber, formatPercent } from './colombian-format.js';
import type { FeatureReader, Side } from './reasons.js';

/**
 * The English sentences of the reasons (the `language: en` preference), rendered from a reason's
 * code and the feature vector the recommendation stored (its audit), with the same numbers as
 * the Spanish sentence `reasons.ts` wrote at decision time. `undefined` for a code without an
 * English sentence.
 */
const moved = (v: number): string => (v < 0 ? 'fell' : 'rose');
const verb = (side: Side): string => (side === 'BUY' ? 'buy' : 'sell');
const trend = (v: number): string => (v < 0 ? 'falling' : 'rising');
const pct = (v: number): string => `${formatNumber(Math.round(v * 100))} %`;
const below = (v: number): string => (v < 0 ? 'below' : 'above');

function days(v: number): string {
  const d = Math.floor(v);
  return d === 1 ? '1 day' : `${formatNumber(d)} days`;
}

function count(v: number, participle: string, window: string): string {
  return v === 0
    ? `You have not ${participle} dollars in the last ${window}`
    : `You have ${participle} dollars ${v === 1 ? 'once' : `${formatNumber(v)} times`} in the last ${window}`;
}

function habit(what: string, v: number): string | undefined {
  if (v === 0) return undefined;
  return `You usually ${what} after the dollar ${v < 0 ? 'falls' : 'rises'} (on average ${formatPercent(v)} in 24 hours)`;
}

/** The English sentence of one feature read as a reason for `side` (see `featurePhrase`). */
export function featurePhraseEn(name: string, read: FeatureReader, side: Side): string | undefined {
  const v = read(name);
  if (!Number.isFinite(v)) return undefined;
  switch (name) {
    case 'compras_7d':
      return count(v, 'bought', '7 days');
    case 'compras_30d':
      return count(v, 'bought', '30 days');
    case 'compras_90d':
      return count(v, 'bought', '90 days');
    case 'ventas_7d':
      return count(v, 'sold', '7 days');
    case 'ventas_30d':
      return count(v, 'sold', '30 days');
    case 'ventas_90d':
      return count(v, 'sold', '90 days');
    case 'ticket_promedio_usd':
      return `You usually trade about ${formatMoney(v)} USD`;
    case 'dias_desde_ultima_compra':
      return v < 1
        ? 'You bought dollars less than a day ago'
        : `You have not bought dollars for ${days(v)}`;
    case 'dias_desde_ultima_venta':
      return v < 1
        ? 'You sold dollars less than a day ago'
        : `You have not sold dollars for ${days(v)}`;
    case 'dias_desde_ultima_operacion':
      return v < 1 ? 'You traded less than a day ago' : `You have not traded for ${days(v)}`;
    case 'precio_compra_relativo':
      return `On average you bought at a price ${formatPercent(v)} ${v < 0 ? 'lower' : 'higher'} than today's`;
    case 'precio_venta_relativo':
      return `On average you sold at a price ${formatPercent(v)} ${v < 0 ? 'lower' : 'higher'} than today's`;
    case 'retorno_24h_previo_compras':
      return habit('buy', v);
    case 'retorno_24h_previo_ventas':
      return habit('sell', v);
    case 'saldo_usd':
      return `You have ${formatMoney(v)} USD available`;
    case 'saldo_cop':
      return `You have ${formatMoney(v)} COP available`;
    case 'costo_promedio_relativo':
      return `Your average cost is ${formatPercent(v)} ${v < 0 ? 'lower' : 'higher'} than the current price`;
    case 'pnl_no_realizado_pct':
      return `Your dollars have an unrealized ${v < 0 ? 'loss' : 'gain'} of ${formatPercent(v)}`;
    case 'fraccion_usd':
      return `${formatNumber(Math.round(v * 100))} % of your balance is in dollars`;
    case 'retorno_1h':
      return `The dollar ${moved(v)} ${formatPercent(v)} in the last hour`;
    case 'retorno_24h': {
      const usual = read(
        side === 'BUY' ? 'retorno_24h_previo_compras' : 'retorno_24h_previo_ventas',
      );
      const joins = Number.isFinite(usual) && usual !== 0 && v !== 0 && usual < 0 === v < 0;
      return (
        `The dollar ${moved(v)} ${formatPercent(v)} today` +
        (joins ? ` and you usually ${verb(side)} when it ${v < 0 ? 'falls' : 'rises'}` : '')
      );
    }
    case 'retorno_7d':
      return `The dollar ${moved(v)} ${formatPercent(v)} in the last week`;
    case 'distancia_media_24h':
      return `The dollar is ${formatPercent(v)} ${below(v)} its average of the last 24 hours`;
    case 'distancia_media_7d':
      return `The dollar is ${formatPercent(v)} ${below(v)} its average of the last 7 days`;
    case 'volatilidad_24h':
      return `The dollar's price has moved a lot in the last 24 hours (volatility of ${formatPercent(v)})`;
    case 'cruce_medias':
      return v === 0
        ? undefined
        : `The dollar is ${trend(v)}: its average of the last minutes is ${formatPercent(v)} ${below(v)} that of the last hours`;
    case 'distancia_media_120':
      return `The dollar is ${formatPercent(v)} ${below(v)} its average of the last hours`;
    case 'cruce_previo_compras':
      return v === 0 ? undefined : `You usually buy dollars when the price is ${trend(v)}`;
    case 'cruce_previo_ventas':
      return v === 0 ? undefined : `You usually sell dollars when the price is ${trend(v)}`;
    case 'distancia_previa_compras':
      return `You usually buy dollars when the price is ${below(v)} its average of the last hours (on average ${formatPercent(v)})`;
    case 'fraccion_compras_quincena':
      return v > 0 ? `${pct(v)} of your dollar purchases were on paydays` : undefined;
    case 'fraccion_ventas_quincena':
      return v > 0 ? `${pct(v)} of your dollar sales were on paydays` : undefined;
    case 'horas_hasta_quincena_habitual': {
      const usual =
        read('fraccion_compras_quincena') >= 0.5 ? ', when you usually buy dollars' : '';
      return v < 24
        ? `Payday is less than a day away${usual}`
        : `Payday is ${days(v / 24)} away${usual}`;
    }
    case 'intervalo_compras_dias':
      return v < 1
        ? 'You usually buy dollars several times a day'
        : `You usually buy dollars every ${days(v)}`;
    case 'ciclo_compras':
      return v >= 1
        ? 'The time you usually leave between two dollar purchases has passed'
        : `${pct(v)} of the time you usually leave between two dollar purchases has passed`;
    default:
      return undefined;
  }
}

/**
 * The English sentence of a stored reason: feature reasons from the vector, the calendar and
 * probability reasons from the vector and the recommendation's probability.
 */
export function reasonTextEn(
  code: string,
  read: FeatureReader,
  side: Side,
  probability: number,
): string | undefined {
  if (code === 'calendario_quincena') {
    const hours = read('horas_hasta_quincena_habitual');
    return (
      `You usually ${verb(side)} dollars on payday` +
      (Number.isFinite(hours) && hours < 24 ? ' and payday is less than a day away' : '')
    );
  }
  if (code === 'probabilidad') {
    return `We estimate at ${formatNumber(Math.round(probability * 100))} % the chance that you want to ${verb(side)} dollars soon`;
  }
  return featurePhraseEn(code, read, side);
}
