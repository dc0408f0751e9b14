import type { AccountOpened, TransactionExecuted } from '../../events.js';
import { applyPortfolioEvent, PortfolioError, type Portfolio } from '../../portfolio/portfolio.js';
import { tradeContext, writeFeatures } from './compute.js';
import { NUM_FEATURES } from './feature-names.js';
import type { LakeHistory } from './lake-history.js';
import { LocalClock, type LocalTime } from './local-time.js';
import { MarketSeries, type MarketSnapshot } from './market-series.js';
import { UserTrades } from './user-trades.js';

/** One sample the batch path emits. `features` is reused: copy it before the next call. */
export interface BatchSample {
  userId: string;
  atMs: number;
  features: Float32Array;
  /** 0 = ninguna, 1 = compra, 2 = venta: the side of the first trade in (atMs, atMs + horizon]. */
  label: 0 | 1 | 2;
}

export interface BatchFeatureOptions {
  history: LakeHistory;
  /** The users' time zone (config `timezone`). */
  timezone: string;
  /** The sample instants of a user (ascending), given their AccountOpened. */
  sampleTimes: (account: AccountOpened) => readonly number[];
  /** Label horizon in ms. */
  horizonMs: number;
  onSample: (sample: BatchSample) => void;
  /** Users whose transactions are read at once. @default 500 */
  usersPerChunk?: number;
  /** Called after each chunk of users. */
  onChunk?: (usersDone: number, usersTotal: number) => void;
}

export interface BatchFeatureResult {
  users: number;
  samples: number;
  transactions: number;
  ticks: number;
  /** Transactions the portfolio fold refused (as the portfolio store would); still features. */
  refused: number;
}

/** The market series of the whole lake history (the batch and online hydration load it alike). */
export async function loadMarket(
  history: LakeHistory,
  series = new MarketSeries(),
): Promise<number> {
  const t = await history.ticks();
  for (let i = 0; i < t.ids.length; i++) {
    series.append(t.timesMs[i]!, t.ids[i]!, t.midCopCents[i]!, t.bidCopCents[i]!);
  }
  return t.ids.length;
}

/**
 * The batch (training) path: streams every user's events from the lake in time order, chunk by
 * chunk of users, through the shared feature computation, and emits one sample per sample time.
 * At each sample time `t` the user's state holds exactly the events with event time ≤ t: the
 * portfolio is the fold of AccountOpened and transactions ≤ t with `applyPortfolioEvent`, and the
 * market is the ticks ≤ t. Labels look at the trades in (t, t + horizon] only.
 */
export async function computeBatchFeatures(o: BatchFeatureOptions): Promise<BatchFeatureResult> {
  const market = new MarketSeries();
  const ticks = await loadMarket(o.history, market);
  const clock = new LocalClock(o.timezone);
  const snapshots = new Map<number, [MarketSnapshot, LocalTime]>();
  const snapshotAt = (ms: number): [MarketSnapshot, LocalTime] => {
    let s = snapshots.get(ms);
    if (!s) {
      s = [market.snapshot(ms), clock.at(ms)];
      if (snapshots.size > 200_000) snapshots.clear();
      snapshots.set(ms, s);
    }
    return s;
  };
  const accounts = await o.history.accounts();
  const byUser = new Map<string, AccountOpened>();
  for (const a of accounts) if (!byUser.has(a.userId)) byUser.set(a.userId, a);
  const userIds = [...byUser.keys()]; // sorted by the query
  const chunk = o.usersPerChunk ?? 500;
  const features = new Float32Array(NUM_FEATURES);
  const result: BatchFeatureResult = {
    users: userIds.length,
    samples: 0,
    transactions: 0,
    ticks,
    refused: 0,
  };

  for (let c = 0; c < userIds.length; c += chunk) {
    const ids = userIds.slice(c, c + chunk);
    const txs = await o.history.transactions(ids[0]!, ids.at(-1)!);
    result.transactions += txs.length;
    let k = 0;
    for (const userId of ids) {
      const start = k;
      while (k < txs.length && txs[k]!.userId === userId) k++;
      const mine = txs.slice(start, k);
      const account = byUser.get(userId)!;
      result.refused += userSamples(
        account,
        mine,
        o,
        market,
        clock,
        snapshotAt,
        features,
        (label, atMs) => {
          result.samples++;
          o.onSample({ userId, atMs, features, label });
        },
      );
    }
    o.onChunk?.(Math.min(c + chunk, userIds.length), userIds.length);
  }
  return result;
}

/** One user's samples; returns the number of refused transactions. */
function userSamples(
  account: AccountOpened,
  txs: readonly TransactionExecuted[],
  o: BatchFeatureOptions,
  market: MarketSeries,
  clock: LocalClock,
  snapshotAt: (ms: number) => [MarketSnapshot, LocalTime],
  features: Float32Array,
  emit: (label: 0 | 1 | 2, atMs: number) => void,
): number {
  const times = txs.map((t) => Date.parse(t.executedAt));
  const openedMs = Date.parse(account.openedAt);
  const trades = new UserTrades();
  let portfolio: Portfolio | undefined;
  let opened = false;
  let next = 0; // first transaction not applied yet
  let refused = 0;
  for (const t of o.sampleTimes(account)) {
    if (!opened && openedMs <= t) {
      portfolio = applyPortfolioEvent(undefined, account);
      opened = true;
    }
    while (next < txs.length && times[next]! <= t) {
      const tx = txs[next]!;
      const ms = times[next]!;
      trades.append(
        ms,
        tx.id,
        tx.side === 'BUY' ? 1 : 2,
        tx.amountUsdCents,
        tx.priceCopCents,
        tradeContext(market, clock, ms),
      );
      try {
        portfolio = applyPortfolioEvent(portfolio, tx);
      } catch (err) {
        if (!(err instanceof PortfolioError)) throw err;
        refused++;
      }
      next++;
    }
    const [snap, time] = snapshotAt(t);
    writeFeatures(features, 0, t, trades, portfolio, snap, time);
    const label: 0 | 1 | 2 =
      next < txs.length && times[next]! <= t + o.horizonMs
        ? txs[next]!.side === 'BUY'
          ? 1
          : 2
        : 0;
    emit(label, t);
  }
  return refused;
}
