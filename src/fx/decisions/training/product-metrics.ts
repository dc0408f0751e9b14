import type { TransactionExecuted } from '../../events.js';
import type { TickColumns } from '../features/lake-history.js';
import type { DatasetPart } from './dataset.js';
import { BASELINES } from './evaluate.js';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** One side at the threshold, against the frequency baseline at the same volume. */
export interface SideProductMetrics {
  /** Sample rows at or above the threshold (the model's would-be notifications). */
  notified: number;
  /** Share of them whose user traded that side within the horizon. */
  precision: number | null;
  /** The same number of rows picked by the user's 30-day trade rate of that side (ties shared). */
  frequencyPrecision: number | null;
  /** `precision / frequencyPrecision`: how much better than notifying the most frequent traders. */
  liftOverFrequency: number | null;
}

/** Executed price against the average mid of the next 24 h, spread included. */
export interface PriceOutcome {
  /** Followed notifications with a trade of their side and prices in the next 24 h. */
  trades: number;
  /** Mean and median advantage, percent: positive when the customer beat that average. */
  meanAdvantagePct: number | null;
  medianAdvantagePct: number | null;
}

/** What a product owner reads beside AUC, measured on the untouched test period. */
export interface ProductMetrics {
  threshold: number;
  compra: SideProductMetrics;
  venta: SideProductMetrics;
  /**
   * Notifications replayed on the sample grid with the policy's frequency limits (one per
   * `cooldownHours`, at most `maxPerWeek` in 7 days): per user per week, and their precision.
   */
  notifications: number;
  notificationsPerUserWeek: number;
  notificationPrecision: number | null;
  cooldownHours: number;
  maxPerWeek: number;
  users: number;
  weeks: number;
  price: { BUY: PriceOutcome; SELL: PriceOutcome };
}

export interface ProductMetricsInput {
  /** `part.nRows × 3` probabilities (as served: calibrated). */
  probs: Float64Array;
  part: DatasetPart;
  userIds: readonly string[];
  threshold: number;
  horizonMs: number;
  /** The test period `[fromMs, toMs)`. */
  fromMs: number;
  toMs: number;
  /** The period's trades, in time order (the price outcome). */
  trades: readonly TransactionExecuted[];
  ticks: TickColumns;
  /** @default 6 */
  cooldownHours?: number;
  /** @default 2 */
  maxPerWeek?: number;
}

/**
 * The product metrics of a model's probabilities on a test period: precision at the threshold,
 * lift at equal volume over the frequency baseline, notifications per user per week after the
 * policy's frequency limits, and the price the customers who followed got.
 */
export function productMetrics(o: ProductMetricsInput): ProductMetrics {
  const { probs, part, threshold } = o;
  const n = part.nRows;
  const side = (cls: 1 | 2): SideProductMetrics => {
    let notified = 0;
    let hits = 0;
    for (let r = 0; r < n; r++) {
      if (probs[3 * r + cls]! >= threshold) {
        notified++;
        if (part.y[r] === cls) hits++;
      }
    }
    const precision = notified ? hits / notified : null;
    const freqHits = topKHits(part, cls, notified);
    const frequencyPrecision = notified ? freqHits / notified : null;
    return {
      notified,
      precision,
      frequencyPrecision,
      liftOverFrequency:
        precision !== null && frequencyPrecision ? precision / frequencyPrecision : null,
    };
  };

  const cooldownMs = (o.cooldownHours ?? 6) * HOUR_MS;
  const maxPerWeek = o.maxPerWeek ?? 2;
  const rows = Array.from({ length: n }, (_, r) => r).sort(
    (a, b) => part.user[a]! - part.user[b]! || part.atMs[a]! - part.atMs[b]!,
  );
  const tradesByUser = new Map<string, TransactionExecuted[]>();
  for (const t of o.trades) {
    const list = tradesByUser.get(t.userId);
    if (list) list.push(t);
    else tradesByUser.set(t.userId, [t]);
  }
  const mids = midAverager(o.ticks);
  const advantages = { BUY: [] as number[], SELL: [] as number[] };
  let notifications = 0;
  let notifiedHits = 0;
  const users = new Set<number>();
  let sent: number[] = [];
  let current = -1;
  for (const r of rows) {
    const u = part.user[r]!;
    users.add(u);
    if (u !== current) {
      current = u;
      sent = [];
    }
    const pb = probs[3 * r + 1]!;
    const ps = probs[3 * r + 2]!;
    if (pb < threshold && ps < threshold) continue;
    const t = part.atMs[r]!;
    const last = sent.at(-1);
    if (last !== undefined && t - last < cooldownMs) continue;
    if (sent.filter((s) => t - s < WEEK_MS).length >= maxPerWeek) continue;
    sent.push(t);
    notifications++;
    const cls = pb >= ps ? 1 : 2;
    if (part.y[r] !== cls) continue;
    notifiedHits++;
    const sideName = cls === 1 ? 'BUY' : 'SELL';
    const trade = tradesByUser
      .get(o.userIds[u]!)
      ?.find((x) => x.side === sideName && Date.parse(x.executedAt) > t);
    if (!trade || Date.parse(trade.executedAt) > t + o.horizonMs) continue;
    const avg = mids(t, t + 24 * HOUR_MS);
    if (avg === undefined) continue;
    advantages[sideName].push(
      sideName === 'BUY' ? (avg - trade.priceCopCents) / avg : (trade.priceCopCents - avg) / avg,
    );
  }
  const weeks = (o.toMs - o.fromMs) / WEEK_MS;
  return {
    threshold,
    compra: side(1),
    venta: side(2),
    notifications,
    notificationsPerUserWeek: users.size && weeks > 0 ? notifications / users.size / weeks : 0,
    notificationPrecision: notifications ? notifiedHits / notifications : null,
    cooldownHours: cooldownMs / HOUR_MS,
    maxPerWeek,
    users: users.size,
    weeks,
    price: { BUY: priceOutcome(advantages.BUY), SELL: priceOutcome(advantages.SELL) },
  };
}

/**
 * Expected hits among the `k` rows the frequency baseline ranks highest for `cls`; rows tied at
 * the cut share the remaining places (random tie-breaking in expectation).
 */
export function topKHits(part: DatasetPart, cls: 1 | 2, k: number): number {
  if (k <= 0) return 0;
  const score = BASELINES.frecuencia_30d!.score;
  const n = part.nRows;
  const s = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const v = score(part.x, r, cls);
    s[r] = v === v ? v : -Infinity;
  }
  const idx = Array.from({ length: n }, (_, r) => r).sort((a, b) => s[b]! - s[a]!);
  let hits = 0;
  let taken = 0;
  for (let i = 0; i < n && taken < k;) {
    let j = i;
    let groupHits = 0;
    while (j < n && s[idx[j]!] === s[idx[i]!]) {
      if (part.y[idx[j]!] === cls) groupHits++;
      j++;
    }
    const size = j - i;
    const take = Math.min(size, k - taken);
    hits += (groupHits * take) / size;
    taken += take;
    i = j;
  }
  return hits;
}

/** Average mid of the ticks in `(fromMs, toMs]`, by prefix sums and binary search. */
export function midAverager(
  ticks: TickColumns,
): (fromMs: number, toMs: number) => number | undefined {
  const n = ticks.timesMs.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + ticks.midCopCents[i]!;
  const firstAfter = (ms: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (ticks.timesMs[m]! <= ms) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  return (fromMs, toMs) => {
    const a = firstAfter(fromMs);
    const b = firstAfter(toMs);
    return b > a ? (prefix[b]! - prefix[a]!) / (b - a) : undefined;
  };
}

function priceOutcome(values: number[]): PriceOutcome {
  if (values.length === 0) return { trades: 0, meanAdvantagePct: null, medianAdvantagePct: null };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return {
    trades: values.length,
    meanAdvantagePct: round3(mean * 100),
    medianAdvantagePct: round3(median * 100),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
