import { unrealizedPnlCopCents, type Portfolio } from '../../portfolio/portfolio.js';
import type { LocalClock, LocalTime } from './local-time.js';
import type { MarketSeries, MarketSnapshot } from './market-series.js';
import { TradeWindows, tradeWindows, type TradeContext, type UserTrades } from './user-trades.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The aggregates of a user without trades. */
const NO_TRADES = new TradeWindows();
NO_TRADES.validFromMs = -Infinity;
NO_TRADES.validUntilMs = Infinity;

/**
 * THE feature computation (the only one): writes the `NUM_FEATURES` features of one user at
 * `atMs` into `out[offset …]`, in `FEATURE_NAMES` order. A function of its inputs only (window
 * aggregates are memoised on `trades`, see `tradeWindows`): the user's trades (only those at or
 * before `atMs` count), the portfolio as it was at `atMs`, and the market and calendar snapshots
 * of `atMs`, computed once per instant by the caller. Batch and online both call it.
 */
export function writeFeatures(
  out: Float32Array,
  offset: number,
  atMs: number,
  trades: UserTrades | undefined,
  portfolio: Portfolio | undefined,
  market: MarketSnapshot,
  time: LocalTime,
): void {
  const w = trades ? tradeWindows(trades, atMs) : NO_TRADES;
  const { b7, b30, b90, s7, s30, s90 } = w;
  const n90 = b90 + s90;
  const mid = market.midCopCents;
  const bid = market.bidCopCents;
  const o = offset;
  out[o] = b7;
  out[o + 1] = b30;
  out[o + 2] = b90;
  out[o + 3] = s7;
  out[o + 4] = s30;
  out[o + 5] = s90;
  out[o + 6] = n90 > 0 ? w.usdSum / n90 / 100 : NaN;
  out[o + 7] = (atMs - w.lastBuyMs) / DAY_MS;
  out[o + 8] = (atMs - w.lastSellMs) / DAY_MS;
  out[o + 9] = (atMs - latest(w.lastBuyMs, w.lastSellMs)) / DAY_MS;
  out[o + 10] = b90 > 0 ? w.buyPriceSum / b90 / mid - 1 : NaN;
  out[o + 11] = s90 > 0 ? w.sellPriceSum / s90 / mid - 1 : NaN;
  out[o + 12] = w.buyRetN > 0 ? w.buyRetSum / w.buyRetN : NaN;
  out[o + 13] = w.sellRetN > 0 ? w.sellRetSum / w.sellRetN : NaN;
  writePortfolioFeatures(out, o + 14, portfolio, bid);
  out[o + 19] = market.retorno1h;
  out[o + 20] = market.retorno24h;
  out[o + 21] = market.retorno7d;
  out[o + 22] = market.distanciaMedia24h;
  out[o + 23] = market.distanciaMedia7d;
  out[o + 24] = market.volatilidad24h;
  out[o + 25] = time.horaLocal;
  out[o + 26] = time.diaSemana;
  out[o + 27] = time.diaDelMes;
  writeHabitFeatures(out, o + 28, atMs, w, market, time);
}

/**
 * The v2 features (from `cruce_medias` on): the market's moving-average cross and the user's
 * habits — what the market did at their trades, how many of their trades fell on a quincena,
 * when their next quincena trade would be at their usual hour, their usual interval between buys.
 */
function writeHabitFeatures(
  out: Float32Array,
  o: number,
  atMs: number,
  w: TradeWindows,
  market: MarketSnapshot,
  time: LocalTime,
): void {
  const { b90, s90 } = w;
  out[o] = market.cruceMedias;
  out[o + 1] = market.distanciaMedia120;
  out[o + 2] = w.buyCrossN > 0 ? w.buyCrossSum / w.buyCrossN : NaN;
  out[o + 3] = w.sellCrossN > 0 ? w.sellCrossSum / w.sellCrossN : NaN;
  out[o + 4] = w.buyDistN > 0 ? w.buyDistSum / w.buyDistN : NaN;
  out[o + 5] = b90 > 0 ? w.buyQuincenaN / b90 : NaN;
  out[o + 6] = s90 > 0 ? w.sellQuincenaN / s90 : NaN;
  if (b90 > 0) {
    const at = (w.buyHourSum / b90) * HOUR_MS;
    const next = time.quincenasMs[0] + at > atMs ? time.quincenasMs[0] : time.quincenasMs[1];
    out[o + 7] = (next + at - atMs) / HOUR_MS;
  } else {
    out[o + 7] = NaN;
  }
  const interval = b90 > 1 ? (w.lastBuyMs - w.firstBuyMs) / (b90 - 1) : NaN;
  out[o + 8] = interval / DAY_MS;
  out[o + 9] = interval > 0 ? (atMs - w.lastBuyMs) / interval : NaN;
}

/**
 * What a trade at `atMs` saw: the market's 24 h return and moving averages, and its local hour
 * and quincena. Stored with the trade on append (batch and online alike), so the habit features
 * never recompute the past.
 */
export function tradeContext(market: MarketSeries, clock: LocalClock, atMs: number): TradeContext {
  const [cross, dist] = market.averagesAt(atMs);
  const { hour, quincena } = clock.tradeCalendar(atMs);
  return { ret24: market.return24h(atMs), cross, dist, hour, quincena };
}

/**
 * saldo_usd, saldo_cop, costo_promedio_relativo, pnl_no_realizado_pct, fraccion_usd. Cost-based
 * features are missing (NaN) without USD and when the USD held has no known cost (opening USD
 * enters with a cost basis of 0: a ratio to 0 would say nothing).
 */
function writePortfolioFeatures(
  out: Float32Array,
  o: number,
  p: Portfolio | undefined,
  bid: number,
): void {
  if (!p) {
    out.fill(NaN, o, o + 5);
    return;
  }
  out[o] = p.usdCents / 100;
  out[o + 1] = p.copCents / 100;
  const hasBid = bid === bid;
  const costed = p.usdCents > 0 && p.costBasisCopCents > 0 && hasBid;
  out[o + 2] = costed ? p.avgCostCopCents / bid - 1 : NaN;
  out[o + 3] = costed ? unrealizedPnlCopCents(p, bid) / p.costBasisCopCents : NaN;
  const usdValue = hasBid ? (p.usdCents * bid) / 100 : NaN;
  const total = usdValue + p.copCents;
  out[o + 4] = total > 0 ? usdValue / total : NaN;
}

/** The later of two times, NaN meaning never. */
function latest(a: number, b: number): number {
  if (a !== a) return b;
  return b > a ? b : a;
}
