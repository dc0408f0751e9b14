const DAY_MS = 86_400_000;
const D7 = 7 * DAY_MS;
const D30 = 30 * DAY_MS;
const D90 = 90 * DAY_MS;
/** Trades older than this before the newest one can no longer count in any window. */
export const TRADE_RETENTION_MS = 90 * DAY_MS;

/** Fields of one trade in {@link UserTrades.data}. */
export const STRIDE = 9;
export const T_TIME = 0;
/** 1 = BUY, 2 = SELL (the class labels). */
export const T_SIDE = 1;
export const T_USD = 2;
export const T_PRICE = 3;
/** The market's 24 h return when the trade was executed. */
export const T_RET24 = 4;
/** The market's moving-average cross and distance to the long average at the trade. */
export const T_CROSS = 5;
export const T_DIST = 6;
/** Local hour (fractional) of the trade, and 1 when its local date is a quincena, else 0. */
export const T_HOUR = 7;
export const T_QUINCENA = 8;

/** What the market and the calendar were when a trade was executed (see `tradeContext`). */
export interface TradeContext {
  ret24: number;
  cross: number;
  dist: number;
  hour: number;
  quincena: boolean;
}

/**
 * One user's recent trades, oldest first, in a flat number array (`STRIDE` numbers a trade): the compact
 * per-user state the features need. Trades older than 90 days before the newest one are dropped
 * on append (no window reaches them), keeping only the times of the last BUY and SELL among them.
 * Batch and online append the same trades in the same order, so they hold identical state.
 */
export class UserTrades {
  /** `[time, side, usdCents, priceCopCents, ret24, cross, dist, hour, quincena, …]` from `head * STRIDE`. */
  data: number[] = [];
  head = 0;
  /** Last BUY / SELL time among the dropped trades; NaN when none. */
  droppedLastBuyMs = NaN;
  droppedLastSellMs = NaN;
  /** Bumped by every append: invalidates {@link windows}. */
  version = 0;
  /** The window aggregates of the last instant asked, reused while no trade crosses a window edge. */
  readonly windows = new TradeWindows();
  private lastTimeMs = -Infinity;
  private lastId = '';
  private median: number | undefined;
  private medianVersion = -1;

  /** Trades held (within the retention). */
  get count(): number {
    return this.data.length / STRIDE - this.head;
  }

  /**
   * Appends a trade; trades must come in (time, id) order, and an older or equal one (a
   * redelivery) is ignored, returning `false`.
   */
  append(
    timeMs: number,
    id: string,
    side: 1 | 2,
    usdCents: number,
    priceCopCents: number,
    ctx: TradeContext,
  ): boolean {
    if (timeMs < this.lastTimeMs || (timeMs === this.lastTimeMs && id <= this.lastId)) return false;
    this.lastTimeMs = timeMs;
    this.lastId = id;
    this.version++;
    this.data.push(
      timeMs,
      side,
      usdCents,
      priceCopCents,
      ctx.ret24,
      ctx.cross,
      ctx.dist,
      ctx.hour,
      ctx.quincena ? 1 : 0,
    );
    const cutoff = timeMs - TRADE_RETENTION_MS;
    const d = this.data;
    while (d[this.head * STRIDE + T_TIME]! <= cutoff) {
      const o = this.head * STRIDE;
      if (d[o + T_SIDE] === 1) this.droppedLastBuyMs = d[o + T_TIME]!;
      else this.droppedLastSellMs = d[o + T_TIME]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > d.length / STRIDE) {
      this.data = d.slice(this.head * STRIDE);
      this.head = 0;
    }
    return true;
  }

  /** Median USD cents of the trades held; `undefined` without trades. Memoised per version. */
  medianUsdCents(): number | undefined {
    if (this.medianVersion !== this.version) {
      this.median = this.computeMedian();
      this.medianVersion = this.version;
    }
    return this.median;
  }

  /** `[version, BUY median, SELL median]`, created on first use. */
  private sideMedians: [number, number | undefined, number | undefined] | undefined;

  /**
   * Median USD cents of the trades of one side (1 BUY, 2 SELL) held; `undefined` without any.
   * Memoised per version: the policy asks it only for users whose scores reach a threshold.
   */
  sideMedianUsdCents(side: 1 | 2): number | undefined {
    let m = this.sideMedians;
    if (!m || m[0] !== this.version) {
      m = this.sideMedians = [this.version, this.computeMedian(1), this.computeMedian(2)];
    }
    return m[side];
  }

  private computeMedian(side?: 1 | 2): number | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    const v: number[] = [];
    for (let k = this.head; k < this.head + n; k++) {
      if (side === undefined || this.data[k * STRIDE + T_SIDE] === side) {
        v.push(this.data[k * STRIDE + T_USD]!);
      }
    }
    if (v.length === 0) return undefined;
    return medianOf(v);
  }
}

function medianOf(v: number[]): number {
  const n = v.length;
  v.sort((a, b) => a - b);
  const m = n >> 1;
  return n % 2 ? v[m]! : Math.round((v[m - 1]! + v[m]!) / 2);
}

/**
 * Sums and counts of a user's trades over the 7/30/90-day windows ending at an instant, and the
 * last BUY / SELL times. They change only when a trade is appended or crosses a window edge, so
 * they are cached on the {@link UserTrades} with the interval they hold for: between two edges a
 * price tick costs no loop over the trades. A recomputation runs the same loop in the same order,
 * so cached and fresh values are identical.
 */
export class TradeWindows {
  b7 = 0;
  b30 = 0;
  b90 = 0;
  s7 = 0;
  s30 = 0;
  s90 = 0;
  /** USD cents of the trades in 90 days. */
  usdSum = 0;
  buyPriceSum = 0;
  sellPriceSum = 0;
  buyRetSum = 0;
  buyRetN = 0;
  sellRetSum = 0;
  sellRetN = 0;
  buyCrossSum = 0;
  buyCrossN = 0;
  sellCrossSum = 0;
  sellCrossN = 0;
  buyDistSum = 0;
  buyDistN = 0;
  /** Sum of the local hours of the BUYs in 90 days. */
  buyHourSum = 0;
  /** BUYs / SELLs in 90 days on a quincena date. */
  buyQuincenaN = 0;
  sellQuincenaN = 0;
  /** Time of the oldest BUY in 90 days; NaN without one. */
  firstBuyMs = NaN;
  lastBuyMs = NaN;
  lastSellMs = NaN;
  /** The values hold for instants in [validFromMs, validUntilMs) while `version` matches. */
  validFromMs = Infinity;
  validUntilMs = -Infinity;
  version = -1;
}

/** The window aggregates of `trades` at `atMs` (only trades at or before it count). */
export function tradeWindows(trades: UserTrades, atMs: number): TradeWindows {
  const w = trades.windows;
  if (w.version === trades.version && atMs >= w.validFromMs && atMs < w.validUntilMs) return w;
  let b7 = 0;
  let b30 = 0;
  let b90 = 0;
  let s7 = 0;
  let s30 = 0;
  let s90 = 0;
  let usdSum = 0;
  let buyPriceSum = 0;
  let sellPriceSum = 0;
  let buyRetSum = 0;
  let buyRetN = 0;
  let sellRetSum = 0;
  let sellRetN = 0;
  let buyCrossSum = 0;
  let buyCrossN = 0;
  let sellCrossSum = 0;
  let sellCrossN = 0;
  let buyDistSum = 0;
  let buyDistN = 0;
  let buyHourSum = 0;
  let buyQuincenaN = 0;
  let sellQuincenaN = 0;
  let firstBuy = NaN;
  let lastBuy = NaN;
  let lastSell = NaN;
  let until = Infinity;
  const d = trades.data;
  // Newest first: the first BUY / SELL met is the last one.
  for (let k = d.length - STRIDE; k >= trades.head * STRIDE; k -= STRIDE) {
    const t = d[k + T_TIME]!;
    if (t > atMs) {
      if (t < until) until = t; // never look past atMs; it counts from its own time on
      continue;
    }
    const age = atMs - t;
    const buy = d[k + T_SIDE] === 1;
    if (buy && lastBuy !== lastBuy) lastBuy = t;
    if (!buy && lastSell !== lastSell) lastSell = t;
    if (age >= D90) continue;
    const edge = t + (age < D7 ? D7 : age < D30 ? D30 : D90);
    if (edge < until) until = edge;
    usdSum += d[k + T_USD]!;
    const ret = d[k + T_RET24]!;
    const cross = d[k + T_CROSS]!;
    if (buy) {
      b90++;
      if (age < D30) b30++;
      if (age < D7) b7++;
      buyPriceSum += d[k + T_PRICE]!;
      if (ret === ret) {
        buyRetSum += ret;
        buyRetN++;
      }
      if (cross === cross) {
        buyCrossSum += cross;
        buyCrossN++;
      }
      const dist = d[k + T_DIST]!;
      if (dist === dist) {
        buyDistSum += dist;
        buyDistN++;
      }
      buyHourSum += d[k + T_HOUR]!;
      buyQuincenaN += d[k + T_QUINCENA]!;
      firstBuy = t;
    } else {
      s90++;
      if (age < D30) s30++;
      if (age < D7) s7++;
      sellPriceSum += d[k + T_PRICE]!;
      if (ret === ret) {
        sellRetSum += ret;
        sellRetN++;
      }
      if (cross === cross) {
        sellCrossSum += cross;
        sellCrossN++;
      }
      sellQuincenaN += d[k + T_QUINCENA]!;
    }
  }
  w.b7 = b7;
  w.b30 = b30;
  w.b90 = b90;
  w.s7 = s7;
  w.s30 = s30;
  w.s90 = s90;
  w.usdSum = usdSum;
  w.buyPriceSum = buyPriceSum;
  w.sellPriceSum = sellPriceSum;
  w.buyRetSum = buyRetSum;
  w.buyRetN = buyRetN;
  w.sellRetSum = sellRetSum;
  w.sellRetN = sellRetN;
  w.buyCrossSum = buyCrossSum;
  w.buyCrossN = buyCrossN;
  w.sellCrossSum = sellCrossSum;
  w.sellCrossN = sellCrossN;
  w.buyDistSum = buyDistSum;
  w.buyDistN = buyDistN;
  w.buyHourSum = buyHourSum;
  w.buyQuincenaN = buyQuincenaN;
  w.sellQuincenaN = sellQuincenaN;
  w.firstBuyMs = firstBuy;
  w.lastBuyMs = lastBuy === lastBuy ? lastBuy : trades.droppedLastBuyMs;
  w.lastSellMs = lastSell === lastSell ? lastSell : trades.droppedLastSellMs;
  w.validFromMs = atMs;
  w.validUntilMs = until;
  w.version = trades.version;
  return w;
}
