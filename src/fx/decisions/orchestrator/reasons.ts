import type { RecommendationReason } from '../../events.js';
import { formatMoney, formatNumber, formatPercent } from './colombian-format.js';

/** The side of a suggestion. */
export type Side = 'BUY' | 'SELL';

/** Class index of a side in the model's output (0 = ninguna, 1 = compra, 2 = venta). */
export function classOf(side: Side): 1 | 2 {
  return side === 'BUY' ? 1 : 2;
}

/** Reads a feature of one row by name (NaN when missing or unknown). */
export type FeatureReader = (name: string) => number;

/** A reader over one row of a vector, given the names of its columns. */
export function rowReader(featureNames: readonly string[], row: ArrayLike<number>): FeatureReader {
  const index = indexOf(featureNames);
  return (name) => {
    const i = index.get(name);
    return i === undefined ? NaN : (row[i] ?? NaN);
  };
}

const indexCache = new WeakMap<readonly string[], Map<string, number>>();

function indexOf(names: readonly string[]): Map<string, number> {
  let m = indexCache.get(names);
  if (!m) {
    m = new Map(names.map((n, i) => [n, i]));
    indexCache.set(names, m);
  }
  return m;
}

const moved = (v: number): string => (v < 0 ? 'bajó' : 'subió');
const verb = (side: Side): string => (side === 'BUY' ? 'comprar' : 'vender');

function days(v: number): string {
  const d = Math.floor(v);
  return d === 1 ? '1 día' : `${formatNumber(d)} días`;
}

function times(n: number): string {
  return n === 1 ? '1 vez' : `${formatNumber(n)} veces`;
}

function count(v: number, participle: string, window: string): string {
  return v === 0
    ? `No has ${participle} dólares en los últimos ${window}`
    : `Has ${participle} dólares ${times(v)} en los últimos ${window}`;
}

/**
 * The Spanish sentence for one feature's value, read as a reason for `side`, or `undefined`
 * when the value is missing or says nothing a user can act on (the local hour, the weekday).
 * Values are those of the vector: fractions for returns and ratios, days, units of money.
 *
 * `retorno_24h` joins the user's habit when it has the same sign: a fall and a user who buys
 * after falls read `El dólar bajó 1,8 % hoy y sueles comprar en bajadas`.
 */
export function featurePhrase(name: string, read: FeatureReader, side: Side): string | undefined {
  const v = read(name);
  if (!Number.isFinite(v)) return undefined;
  switch (name) {
    case 'compras_7d':
      return count(v, 'comprado', '7 días');
    case 'compras_30d':
      return count(v, 'comprado', '30 días');
    case 'compras_90d':
      return count(v, 'comprado', '90 días');
    case 'ventas_7d':
      return count(v, 'vendido', '7 días');
    case 'ventas_30d':
      return count(v, 'vendido', '30 días');
    case 'ventas_90d':
      return count(v, 'vendido', '90 días');
    case 'ticket_promedio_usd':
      return `Sueles operar alrededor de ${formatMoney(v)} USD`;
    case 'dias_desde_ultima_compra':
      return v < 1
        ? 'Compraste dólares hace menos de un día'
        : `Hace ${days(v)} no compras dólares`;
    case 'dias_desde_ultima_venta':
      return v < 1 ? 'Vendiste dólares hace menos de un día' : `Hace ${days(v)} no vendes dólares`;
    case 'dias_desde_ultima_operacion':
      return v < 1 ? 'Operaste hace menos de un día' : `Hace ${days(v)} no haces operaciones`;
    case 'precio_compra_relativo':
      return `Compraste en promedio a un precio ${formatPercent(v)} ${v < 0 ? 'menor' : 'mayor'} que el actual`;
    case 'precio_venta_relativo':
      return `Vendiste en promedio a un precio ${formatPercent(v)} ${v < 0 ? 'menor' : 'mayor'} que el actual`;
    case 'retorno_24h_previo_compras':
      return habit('comprar', v);
    case 'retorno_24h_previo_ventas':
      return habit('vender', v);
    case 'saldo_usd':
      return `Tienes ${formatMoney(v)} USD disponibles`;
    case 'saldo_cop':
      return `Tienes ${formatMoney(v)} COP disponibles`;
    case 'costo_promedio_relativo':
      return `Tu costo promedio es ${formatPercent(v)} ${v < 0 ? 'menor' : 'mayor'} que el precio actual`;
    case 'pnl_no_realizado_pct':
      return `Tus dólares tienen una ${v < 0 ? 'pérdida' : 'ganancia'} no realizada de ${formatPercent(v)}`;
    case 'fraccion_usd':
      return `El ${formatNumber(Math.round(v * 100))} % de tu saldo está en dólares`;
    case 'retorno_1h':
      return `El dólar ${moved(v)} ${formatPercent(v)} en la última hora`;
    case 'retorno_24h': {
      const usual = read(
        side === 'BUY' ? 'retorno_24h_previo_compras' : 'retorno_24h_previo_ventas',
      );
      const joins = Number.isFinite(usual) && usual !== 0 && v !== 0 && usual < 0 === v < 0;
      return (
        `El dólar ${moved(v)} ${formatPercent(v)} hoy` +
        (joins ? ` y sueles ${verb(side)} en ${v < 0 ? 'bajadas' : 'subidas'}` : '')
      );
    }
    case 'retorno_7d':
      return `El dólar ${moved(v)} ${formatPercent(v)} en la última semana`;
    case 'distancia_media_24h':
      return `El dólar está ${formatPercent(v)} ${v < 0 ? 'por debajo' : 'por encima'} de su promedio de las últimas 24 horas`;
    case 'distancia_media_7d':
      return `El dólar está ${formatPercent(v)} ${v < 0 ? 'por debajo' : 'por encima'} de su promedio de los últimos 7 días`;
    case 'volatilidad_24h':
      return `El precio del dólar se ha movido bastante en las últimas 24 horas (volatilidad de ${formatPercent(v)})`;
    default:
      return habitPhrase(name, v, read);
  }
}

const trend = (v: number): string => (v < 0 ? 'bajando' : 'subiendo');
const pct = (v: number): string => `${formatNumber(Math.round(v * 100))} %`;

/** Sentences of the v2 features (the user's habits and the moving-average cross). */
function habitPhrase(name: string, v: number, read: FeatureReader): string | undefined {
  switch (name) {
    case 'cruce_medias':
      return v === 0
        ? undefined
        : `El dólar viene ${trend(v)}: su promedio de los últimos minutos está ${formatPercent(v)} ${v < 0 ? 'por debajo' : 'por encima'} del de las últimas horas`;
    case 'distancia_media_120':
      return `El dólar está ${formatPercent(v)} ${v < 0 ? 'por debajo' : 'por encima'} de su promedio de las últimas horas`;
    case 'cruce_previo_compras':
      return v === 0 ? undefined : `Sueles comprar dólares cuando el precio viene ${trend(v)}`;
    case 'cruce_previo_ventas':
      return v === 0 ? undefined : `Sueles vender dólares cuando el precio viene ${trend(v)}`;
    case 'distancia_previa_compras':
      return `Sueles comprar dólares cuando el precio está ${v < 0 ? 'por debajo' : 'por encima'} de su promedio de las últimas horas (en promedio ${formatPercent(v)})`;
    case 'fraccion_compras_quincena':
      return v > 0
        ? `El ${pct(v)} de tus compras de dólares fueron en días de quincena`
        : undefined;
    case 'fraccion_ventas_quincena':
      return v > 0 ? `El ${pct(v)} de tus ventas de dólares fueron en días de quincena` : undefined;
    case 'horas_hasta_quincena_habitual': {
      const usual =
        read('fraccion_compras_quincena') >= 0.5 ? ', cuando sueles comprar dólares' : '';
      return v < 24
        ? `La quincena llega en menos de un día${usual}`
        : `${v < 48 ? 'Falta' : 'Faltan'} ${days(v / 24)} para la quincena${usual}`;
    }
    case 'intervalo_compras_dias':
      return v < 1
        ? 'Sueles comprar dólares varias veces al día'
        : `Sueles comprar dólares cada ${days(v)}`;
    case 'ciclo_compras':
      return v >= 1
        ? 'Ya pasó el tiempo que sueles dejar entre una compra de dólares y la siguiente'
        : `Ha pasado el ${pct(v)} del tiempo que sueles dejar entre una compra de dólares y la siguiente`;
    default:
      return undefined;
  }
}

function habit(what: string, v: number): string | undefined {
  if (v === 0) return undefined;
  return `Sueles ${what} después de ${v < 0 ? 'bajadas' : 'subidas'} del dólar (en promedio ${formatPercent(v)} en 24 horas)`;
}

/** Whether a value is a number and its sign (0 counts as neither). */
const neg = (v: number): boolean => v < 0;
const pos = (v: number): boolean => v > 0;

/** When a feature's sentence supports a side: given the feature's value and the row. */
type Supports = (v: number, read: FeatureReader) => boolean;
const never: Supports = () => false;

/** The current market move a habit is about matches it in sign. */
const sameSign =
  (current: string): Supports =>
  (v, read) => {
    const c = read(current);
    return Number.isFinite(c) && c !== 0 && v !== 0 && c < 0 === v < 0;
  };

/**
 * For each feature with a sentence, the sides and directions in which that sentence is a reason
 * FOR the suggestion; a sentence is shown only for those (a sentence that supports neither side,
 * like the volatility or the usual ticket, is never a reason). A cheaper dollar (a fall, a price
 * under its average) supports a BUY, a dearer one a SELL; the user's habits support their own
 * side, and only when the market does what the habit is about; a gain on the USD held supports a
 * SELL, never a BUY. The calendar features have no sentence of their own: see
 * {@link calendarReason}.
 */
export const REASON_SUPPORT: Readonly<Record<string, Readonly<Record<Side, Supports>>>> = {
  compras_7d: { BUY: pos, SELL: never },
  compras_30d: { BUY: pos, SELL: never },
  compras_90d: { BUY: pos, SELL: never },
  ventas_7d: { BUY: never, SELL: pos },
  ventas_30d: { BUY: never, SELL: pos },
  ventas_90d: { BUY: never, SELL: pos },
  ticket_promedio_usd: { BUY: never, SELL: never },
  dias_desde_ultima_compra: { BUY: (v) => v >= 1, SELL: never },
  dias_desde_ultima_venta: { BUY: never, SELL: (v) => v >= 1 },
  dias_desde_ultima_operacion: { BUY: never, SELL: never },
  // Bought on average dearer than now: buying now is cheaper; cheaper than now: selling gains.
  precio_compra_relativo: { BUY: pos, SELL: neg },
  // Sold on average dearer than now: buying back is cheaper; cheaper than now: selling is better.
  precio_venta_relativo: { BUY: pos, SELL: neg },
  retorno_24h_previo_compras: { BUY: sameSign('retorno_24h'), SELL: never },
  retorno_24h_previo_ventas: { BUY: never, SELL: sameSign('retorno_24h') },
  saldo_usd: { BUY: never, SELL: pos },
  saldo_cop: { BUY: pos, SELL: never },
  // A cost under the price is a gain on the USD held.
  costo_promedio_relativo: { BUY: never, SELL: neg },
  pnl_no_realizado_pct: { BUY: never, SELL: pos },
  fraccion_usd: { BUY: (v) => v < 0.5, SELL: (v) => v > 0.5 },
  retorno_1h: { BUY: neg, SELL: pos },
  retorno_24h: { BUY: neg, SELL: pos },
  retorno_7d: { BUY: neg, SELL: pos },
  distancia_media_24h: { BUY: neg, SELL: pos },
  distancia_media_7d: { BUY: neg, SELL: pos },
  volatilidad_24h: { BUY: never, SELL: never },
  cruce_medias: { BUY: neg, SELL: pos },
  distancia_media_120: { BUY: neg, SELL: pos },
  cruce_previo_compras: { BUY: sameSign('cruce_medias'), SELL: never },
  cruce_previo_ventas: { BUY: never, SELL: sameSign('cruce_medias') },
  distancia_previa_compras: { BUY: sameSign('distancia_media_120'), SELL: never },
  intervalo_compras_dias: { BUY: never, SELL: never },
  ciclo_compras: { BUY: (v) => v >= 1, SELL: never },
};

/** Features whose contribution is the calendar's (the day, the hour, the quincena habit). */
export const CALENDAR_FEATURES: ReadonlySet<string> = new Set([
  'hora_local',
  'dia_semana',
  'dia_del_mes',
  'horas_hasta_quincena_habitual',
  'fraccion_compras_quincena',
  'fraccion_ventas_quincena',
]);

/** Share of a side's trades on quincena days from which "sueles … en quincena" is true. */
const QUINCENA_HABIT = 0.3;

/**
 * The reason of a score the calendar drives: `Sueles comprar dólares en quincena` when at least
 * 30 % of the user's trades of that side were on quincena days (with how near the quincena is
 * when under a day); `undefined` otherwise (a calendar effect the user cannot recognise).
 */
export function calendarReason(read: FeatureReader, side: Side): RecommendationReason | undefined {
  const share = read(side === 'BUY' ? 'fraccion_compras_quincena' : 'fraccion_ventas_quincena');
  if (!(share >= QUINCENA_HABIT)) return undefined;
  const hours = read('horas_hasta_quincena_habitual');
  return {
    code: 'calendario_quincena',
    texto:
      `Sueles ${verb(side)} dólares en quincena` +
      (Number.isFinite(hours) && hours < 24 ? ' y la quincena llega en menos de un día' : ''),
  };
}

/**
 * Whether the sentence of feature `name` is a reason for `side` at the row's values (see
 * {@link REASON_SUPPORT}); `false` for a feature without a declaration.
 */
export function supportsSide(name: string, read: FeatureReader, side: Side): boolean {
  const s = REASON_SUPPORT[name];
  const v = read(name);
  return s !== undefined && Number.isFinite(v) && s[side](v, read);
}

/** Codes whose sentence another code's sentence already says (the habit joined to the move). */
function covers(code: string, text: string): string | undefined {
  if (code !== 'retorno_24h' || !text.includes(' y sueles ')) return undefined;
  return text.includes('comprar') ? 'retorno_24h_previo_compras' : 'retorno_24h_previo_ventas';
}

/**
 * Reasons from a model's margin contributions to the chosen class: the features with the
 * largest positive contributions whose sentence supports the side (see {@link REASON_SUPPORT}),
 * each turned into a sentence with its actual value, at most `max`, strongest first; a calendar
 * feature gives the calendar reason once (see {@link calendarReason}). When no feature gives a
 * sentence, one reason states the probability.
 *
 * @param contributions `(numFeature + 1) × 3` margin contributions as XGBoost lays them out for
 *   a multi-class model: class `c`'s block starts at `c × (numFeature + 1)`, its bias last.
 * @example
 * reasonsFromContributions(model.contributions(row), FEATURE_NAMES, row, 'BUY', 0.72)
 * // [{ code: 'retorno_24h', texto: 'El dólar bajó 1,8 % hoy y sueles comprar en bajadas' }, …]
 */
export function reasonsFromContributions(
  contributions: ArrayLike<number>,
  featureNames: readonly string[],
  row: ArrayLike<number>,
  side: Side,
  probability: number,
  max = 3,
): RecommendationReason[] {
  const nf = featureNames.length;
  const base = classOf(side) * (nf + 1);
  const order: { f: number; c: number }[] = [];
  for (let f = 0; f < nf; f++) {
    const c = contributions[base + f] ?? 0;
    if (c > 0) order.push({ f, c });
  }
  order.sort((a, b) => b.c - a.c || a.f - b.f);
  const read = rowReader(featureNames, row);
  const out: RecommendationReason[] = [];
  const said = new Set<string>();
  for (const { f } of order) {
    if (out.length >= max) break;
    const code = featureNames[f]!;
    if (said.has(code)) continue;
    if (CALENDAR_FEATURES.has(code)) {
      const calendar = said.has('calendario_quincena') ? undefined : calendarReason(read, side);
      if (calendar) {
        out.push(calendar);
        said.add(calendar.code);
      }
      continue;
    }
    if (!supportsSide(code, read, side)) continue;
    const texto = featurePhrase(code, read, side);
    if (!texto) continue;
    out.push({ code, texto });
    said.add(code);
    const covered = covers(code, texto);
    if (covered) said.add(covered);
  }
  if (out.length === 0) out.push(probabilityReason(side, probability));
  return out;
}

/** The reason of last resort: the model's probability in words. */
export function probabilityReason(side: Side, probability: number): RecommendationReason {
  return {
    code: 'probabilidad',
    texto: `Estimamos en ${formatNumber(Math.round(probability * 100))} % la probabilidad de que quieras ${verb(side)} dólares pronto`,
  };
}
