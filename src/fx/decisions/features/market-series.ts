const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The market features at one instant, computed once and shared by every user's vector. */
export interface MarketSnapshot {
  /** The last tick at or before the instant; NaN (every field) without one. */
  midCopCents: number;
  bidCopCents: number;
  retorno1h: number;
  retorno24h: number;
  retorno7d: number;
  distanciaMedia24h: number;
  distanciaMedia7d: number;
  volatilidad24h: number;
  /** Mean mid of the last 15 ticks over that of the last 120, minus 1 (a moving-average cross). */
  cruceMedias: number;
  /** Mid over the mean mid of the last 120 ticks, minus 1. */
  distanciaMedia120: number;
}

/** Ticks of the short and long moving averages of {@link MarketSnapshot.cruceMedias}. */
export const SHORT_TICKS = 15;
export const LONG_TICKS = 120;

/** A snapshot of an instant before the first tick: every feature missing. */
export const EMPTY_MARKET: Readonly<MarketSnapshot> = Object.freeze({
  midCopCents: NaN,
  bidCopCents: NaN,
  retorno1h: NaN,
  retorno24h: NaN,
  retorno7d: NaN,
  distanciaMedia24h: NaN,
  distanciaMedia7d: NaN,
  volatilidad24h: NaN,
  cruceMedias: NaN,
  distanciaMedia120: NaN,
});

/**
 * Price ticks in time order (mid and bid, COP centavos), in growable typed arrays, with the
 * market features computed from them. The batch path loads the whole history; the online path
 * appends ticks as they come and {@link prune}s old ones. Both call the same {@link snapshot}, and
 * every sum runs over the same ticks in the same order, so both get bit-identical values.
 */
export class MarketSeries {
  private times = new Float64Array(1024);
  private mids = new Float64Array(1024);
  private bids = new Float64Array(1024);
  private start = 0;
  private end = 0;
  private lastId = '';

  /** Ticks held. */
  get length(): number {
    return this.end - this.start;
  }

  /** Time of the newest tick (epoch ms), or `-Infinity`. */
  get lastTimeMs(): number {
    return this.end > this.start ? this.times[this.end - 1]! : -Infinity;
  }

  /**
   * Appends a tick. Ticks must come in (time, id) order; an older or equal one (a redelivery) is
   * ignored and `false` returned.
   */
  append(timeMs: number, id: string, midCopCents: number, bidCopCents: number): boolean {
    const last = this.lastTimeMs;
    if (timeMs < last || (timeMs === last && id <= this.lastId)) return false;
    if (this.end === this.times.length) this.grow();
    this.times[this.end] = timeMs;
    this.mids[this.end] = midCopCents;
    this.bids[this.end] = bidCopCents;
    this.end++;
    this.lastId = id;
    return true;
  }

  /**
   * Drops ticks no snapshot at or after `oldestQueryMs` can use: those older than 7 days before
   * it, except the newest of them (the 7-day return's reference).
   */
  prune(oldestQueryMs: number): void {
    const keepFrom = this.lastAtOrBefore(oldestQueryMs - 7 * DAY_MS);
    if (keepFrom > this.start) this.start = keepFrom;
    if (this.start > 4096 && this.start * 2 > this.end) this.compact();
  }

  /** The market features as of `atMs` (only ticks at or before it). */
  snapshot(atMs: number): MarketSnapshot {
    const i = this.lastAtOrBefore(atMs);
    if (i < this.start) return EMPTY_MARKET;
    const mid = this.mids[i]!;
    const [cross, dist] = this.averages(atMs, i);
    return {
      midCopCents: mid,
      bidCopCents: this.bids[i]!,
      retorno1h: this.returnSince(mid, atMs - HOUR_MS),
      retorno24h: this.returnSince(mid, atMs - DAY_MS),
      retorno7d: this.returnSince(mid, atMs - 7 * DAY_MS),
      distanciaMedia24h: mid / this.meanMid(atMs - DAY_MS, i) - 1,
      distanciaMedia7d: mid / this.meanMid(atMs - 7 * DAY_MS, i) - 1,
      volatilidad24h: this.volatility(atMs - DAY_MS, i),
      cruceMedias: cross,
      distanciaMedia120: dist,
    };
  }

  /** `[cruceMedias, distanciaMedia120]` as of `atMs` (what a trade at `atMs` reacted to). */
  averagesAt(atMs: number): [number, number] {
    const i = this.lastAtOrBefore(atMs);
    return i < this.start ? [NaN, NaN] : this.averages(atMs, i);
  }

  /**
   * The moving averages over the last ticks up to tick `last`; NaN when fewer than
   * {@link LONG_TICKS} ticks fall in the 7 days before `atMs` (the online store keeps those, so
   * both paths see the same ticks).
   */
  private averages(atMs: number, last: number): [number, number] {
    const first = last - LONG_TICKS + 1;
    if (first < this.start || this.times[first]! <= atMs - 7 * DAY_MS) return [NaN, NaN];
    let short = 0;
    let long = 0;
    for (let k = last; k >= first; k--) {
      const m = this.mids[k]!;
      if (k > last - SHORT_TICKS) short += m;
      long += m;
    }
    const longMean = long / LONG_TICKS;
    return [short / SHORT_TICKS / longMean - 1, this.mids[last]! / longMean - 1];
  }

  /** `mid(at) / mid(last tick ≤ at − 24 h) − 1` (the reaction feature of a trade at `atMs`). */
  return24h(atMs: number): number {
    const i = this.lastAtOrBefore(atMs);
    return i < this.start ? NaN : this.returnSince(this.mids[i]!, atMs - DAY_MS);
  }

  private returnSince(mid: number, refMs: number): number {
    const j = this.lastAtOrBefore(refMs);
    return j < this.start ? NaN : mid / this.mids[j]! - 1;
  }

  /** Mean mid of the ticks in (fromMs, time of tick `last`]. */
  private meanMid(fromMs: number, last: number): number {
    const first = this.lastAtOrBefore(fromMs) + 1;
    let sum = 0;
    for (let k = first; k <= last; k++) sum += this.mids[k]!;
    return sum / (last - first + 1);
  }

  /** Population std dev of tick-to-tick log returns of the mid within (fromMs, tick `last`]. */
  private volatility(fromMs: number, last: number): number {
    const first = this.lastAtOrBefore(fromMs) + 1;
    const n = last - first;
    if (n < 2) return NaN;
    let sum = 0;
    for (let k = first + 1; k <= last; k++) sum += Math.log(this.mids[k]! / this.mids[k - 1]!);
    const mean = sum / n;
    let sq = 0;
    for (let k = first + 1; k <= last; k++) {
      const d = Math.log(this.mids[k]! / this.mids[k - 1]!) - mean;
      sq += d * d;
    }
    return Math.sqrt(sq / n);
  }

  /** Index of the last tick with time ≤ `ms`; `start − 1` when there is none. */
  private lastAtOrBefore(ms: number): number {
    let lo = this.start;
    let hi = this.end; // first index with time > ms
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.times[m]! <= ms) lo = m + 1;
      else hi = m;
    }
    return lo - 1;
  }

  private grow(): void {
    const size = this.times.length * 2;
    for (const key of ['times', 'mids', 'bids'] as const) {
      const next = new Float64Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }

  private compact(): void {
    for (const key of ['times', 'mids', 'bids'] as const) {
      this[key].copyWithin(0, this.start, this.end);
    }
    this.end -= this.start;
    this.start = 0;
  }
}
