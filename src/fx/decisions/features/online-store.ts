import type { FxEvent, TransactionExecuted } from '../../events.js';
import { applyPortfolioEvent, PortfolioError, type Portfolio } from '../../portfolio/portfolio.js';
import { listAllPortfolios, type PortfolioStore } from '../../portfolio/portfolio-store.js';
import { loadMarket } from './batch.js';
import { tradeContext, writeFeatures } from './compute.js';
import { FEATURE_NAMES, NUM_FEATURES } from './feature-names.js';
import type { LakeHistory } from './lake-history.js';
import { LocalClock } from './local-time.js';
import { MarketSeries } from './market-series.js';
import { UserTrades } from './user-trades.js';

const DAY_MS = 86_400_000;
/** A typical ticket to compute again (see `typicalTicketAt`); tickets are never negative. */
const STALE = -1;

/** What the inference orchestrator reads: current feature vectors of every user. */
export interface OnlineFeatureSource {
  readonly featureNames: readonly string[];
  observe(event: FxEvent): void;
  userIds(): readonly string[];
  /** Row-major users.length × FEATURE_NAMES.length vectors at time `atMs` (market as of the last observed tick ≤ atMs). */
  vectors(userIds: readonly string[], atMs: number, out?: Float32Array): Float32Array;
  portfolio(userId: string): Portfolio | undefined;
  /** The user's typical ticket (median or mean USD cents of recent trades), undefined without trades. */
  typicalTicketUsdCents(userId: string): number | undefined;
  /*
   * The same by position in `userIds()` (the orchestrator's per-tick path over every user: no
   * lookup by id). Positions stay valid as users are added: new ones come at the end.
   */
  /** {@link vectors} of the users at `positions[0 … n)`. */
  vectorsAt(positions: Int32Array, n: number, atMs: number, out?: Float32Array): Float32Array;
  /** {@link portfolio} of the user at `position`. */
  portfolioAt(position: number): Portfolio | undefined;
  /** {@link typicalTicketUsdCents} of the user at `position`. */
  typicalTicketAt(position: number): number | undefined;
  /**
   * The typical ticket (median USD cents) of the BUYs (`side` 1) or SELLs (2) of the user at
   * `position`; `undefined` without a trade of that side. Absent: the policy uses
   * {@link typicalTicketAt} for both sides.
   */
  sideTicketAt?(position: number, side: 1 | 2): number | undefined;
  /**
   * Every user's balances by position (`copCents[k]`, `usdCents[k]`; NaN for a user without a
   * portfolio), for a pass over every user that reads nothing else of them: two arrays read in
   * order instead of one object per user scattered in the heap. The arrays are live views: read
   * them again after the next event (they may be replaced as users are added).
   */
  balancesByPosition(): Balances;
  /** The position of `userId` in `userIds()`, `undefined` for a user never seen. */
  positionOf(userId: string): number | undefined;
}

/** See {@link OnlineFeatureSource.balancesByPosition}. */
export interface Balances {
  readonly copCents: Float64Array;
  readonly usdCents: Float64Array;
}

interface UserEntry {
  /** Index in `userIds()`, fixed at creation. */
  position: number;
  trades: UserTrades;
  portfolio: Portfolio | undefined;
  /** `Date.parse(portfolio.updatedAt)`, kept to order redelivered events cheaply. */
  updatedMs: number;
}

export interface OnlineFeatureStoreOptions {
  /** The users' time zone (config `timezone`). @default 'America/Bogota' */
  timezone?: string;
}

/**
 * The online (serving) path of the features: per-user compact state (recent trades in a flat
 * array, the portfolio) and one market series, kept current by {@link observe}, and every user's
 * vector computed by the same `writeFeatures` the batch path uses, with the market and calendar
 * snapshots computed once per {@link vectors} call.
 *
 * Start it with {@link hydrate}: the lake history (the batch reader), then the portfolio store
 * (the truth for balances), then `observe` the event log from there. Redelivered events (already
 * in the lake or the store) are recognised by (event time, id) order and change nothing.
 *
 * @example
 * const features = await OnlineFeatureStore.hydrate({ history, portfolios, timezone });
 * log.subscribe((e) => features.observe(e));
 * const x = features.vectors(features.userIds(), Date.now());
 */
export class OnlineFeatureStore implements OnlineFeatureSource {
  readonly featureNames: readonly string[] = FEATURE_NAMES;
  private readonly market = new MarketSeries();
  private readonly clock: LocalClock;
  private readonly users = new Map<string, UserEntry>();
  private ids: string[] | undefined;
  /** The entries in `ids` order. */
  private list: UserEntry[] = [];
  private ticksSincePrune = 0;
  private balances: Balances = { copCents: new Float64Array(0), usdCents: new Float64Array(0) };
  /** Typical ticket by position: NaN without trades, {@link STALE} after a trade (computed on read). */
  private tickets = new Float64Array(0);

  constructor(options: OnlineFeatureStoreOptions = {}) {
    this.clock = new LocalClock(options.timezone ?? 'America/Bogota');
  }

  /** A store hydrated from the lake history and then the portfolio store (both optional). */
  static async hydrate(options: {
    history?: LakeHistory;
    portfolios?: PortfolioStore;
    timezone?: string;
    /** @default 2000 */
    usersPerChunk?: number;
  }): Promise<OnlineFeatureStore> {
    const store = new OnlineFeatureStore(options);
    if (options.history) await store.loadHistory(options.history, options.usersPerChunk);
    if (options.portfolios) await store.loadPortfolios(options.portfolios);
    return store;
  }

  /** Replays the lake history (ticks, accounts, transactions per chunk of users) into the state. */
  async loadHistory(history: LakeHistory, usersPerChunk = 2000): Promise<void> {
    await loadMarket(history, this.market);
    const accounts = await history.accounts();
    for (const a of accounts) this.observe(a);
    const ids = [...new Set(accounts.map((a) => a.userId))];
    for (let c = 0; c < ids.length; c += usersPerChunk) {
      const chunk = ids.slice(c, c + usersPerChunk);
      for (const tx of await history.transactions(chunk[0]!, chunk.at(-1)!)) this.observe(tx);
    }
    this.market.prune(this.market.lastTimeMs - DAY_MS);
  }

  /** Takes every portfolio of the store as the current one (the store is the truth). */
  async loadPortfolios(store: PortfolioStore): Promise<void> {
    for await (const p of listAllPortfolios(store)) {
      this.setPortfolio(this.entry(p.userId), p, Date.parse(p.updatedAt));
    }
  }

  /** Applies one event of the log; older or repeated events change nothing. */
  observe(event: FxEvent): void {
    switch (event.type) {
      case 'PriceTick': {
        const ms = Date.parse(event.observedAt);
        if (!this.market.append(ms, event.id, event.midCopCents, event.bidCopCents)) return;
        if (++this.ticksSincePrune >= 1000) {
          this.ticksSincePrune = 0;
          this.market.prune(ms - DAY_MS);
        }
        return;
      }
      case 'AccountOpened': {
        const entry = this.entry(event.userId);
        if (entry.portfolio) return;
        this.setPortfolio(entry, applyPortfolioEvent(undefined, event), Date.parse(event.openedAt));
        return;
      }
      case 'TransactionExecuted':
        this.observeTransaction(event);
    }
  }

  private observeTransaction(tx: TransactionExecuted): void {
    const ms = Date.parse(tx.executedAt);
    const entry = this.entry(tx.userId);
    const appended = entry.trades.append(
      ms,
      tx.id,
      tx.side === 'BUY' ? 1 : 2,
      tx.amountUsdCents,
      tx.priceCopCents,
      tradeContext(this.market, this.clock, ms),
    );
    if (appended) this.tickets[entry.position] = STALE;
    const p = entry.portfolio;
    if (p && (ms < entry.updatedMs || (ms === entry.updatedMs && tx.id <= p.lastEventId))) return;
    try {
      this.setPortfolio(entry, applyPortfolioEvent(p, tx), ms);
    } catch (err) {
      if (!(err instanceof PortfolioError)) throw err;
      // Refused by the portfolio rules, as the portfolio store refuses it: balances unchanged.
    }
  }

  userIds(): readonly string[] {
    if (!this.ids) {
      // Map order is insertion order: earlier positions never move.
      this.ids = [...this.users.keys()];
      this.list = [...this.users.values()];
    }
    return this.ids;
  }

  vectors(userIds: readonly string[], atMs: number, out?: Float32Array): Float32Array {
    const size = userIds.length * NUM_FEATURES;
    const x = out && out.length >= size ? out : new Float32Array(size);
    const market = this.market.snapshot(atMs);
    const time = this.clock.at(atMs);
    for (let i = 0; i < userIds.length; i++) {
      const entry = this.users.get(userIds[i]!);
      writeFeatures(x, i * NUM_FEATURES, atMs, entry?.trades, entry?.portfolio, market, time);
    }
    return x;
  }

  vectorsAt(positions: Int32Array, n: number, atMs: number, out?: Float32Array): Float32Array {
    const size = n * NUM_FEATURES;
    const x = out && out.length >= size ? out : new Float32Array(size);
    const market = this.market.snapshot(atMs);
    const time = this.clock.at(atMs);
    const list = this.entries();
    for (let i = 0; i < n; i++) {
      const entry = list[positions[i]!];
      writeFeatures(x, i * NUM_FEATURES, atMs, entry?.trades, entry?.portfolio, market, time);
    }
    return x;
  }

  portfolio(userId: string): Portfolio | undefined {
    return this.users.get(userId)?.portfolio;
  }

  portfolioAt(position: number): Portfolio | undefined {
    return this.entries()[position]?.portfolio;
  }

  /** The median USD cents of the user's trades of the last 90 days. */
  typicalTicketUsdCents(userId: string): number | undefined {
    return this.users.get(userId)?.trades.medianUsdCents();
  }

  typicalTicketAt(position: number): number | undefined {
    // An array read in position order: the entry and its trades are touched only after a trade.
    let v = this.tickets[position];
    if (v === STALE) {
      v = this.entries()[position]!.trades.medianUsdCents() ?? NaN;
      this.tickets[position] = v;
    }
    return v === undefined || v !== v ? undefined : v;
  }

  sideTicketAt(position: number, side: 1 | 2): number | undefined {
    return this.entries()[position]?.trades.sideMedianUsdCents(side);
  }

  balancesByPosition(): Balances {
    return this.balances;
  }

  positionOf(userId: string): number | undefined {
    return this.users.get(userId)?.position;
  }

  private setPortfolio(entry: UserEntry, p: Portfolio, updatedMs: number): void {
    entry.portfolio = p;
    entry.updatedMs = updatedMs;
    this.balances.copCents[entry.position] = p.copCents;
    this.balances.usdCents[entry.position] = p.usdCents;
  }

  private entries(): UserEntry[] {
    if (!this.ids) this.userIds();
    return this.list;
  }

  private growBalances(min: number): void {
    const size = Math.max(min, 2 * this.balances.copCents.length, 1024);
    const copCents = new Float64Array(size);
    const usdCents = new Float64Array(size);
    const tickets = new Float64Array(size);
    copCents.set(this.balances.copCents);
    usdCents.set(this.balances.usdCents);
    tickets.set(this.tickets);
    this.balances = { copCents, usdCents };
    this.tickets = tickets;
  }

  private entry(userId: string): UserEntry {
    let e = this.users.get(userId);
    if (!e) {
      const position = this.users.size;
      e = { position, trades: new UserTrades(), portfolio: undefined, updatedMs: -Infinity };
      this.users.set(userId, e);
      if (position >= this.balances.copCents.length) this.growBalances(position + 1);
      this.balances.copCents[position] = NaN;
      this.balances.usdCents[position] = NaN;
      this.tickets[position] = NaN;
      this.ids = undefined;
    }
    return e;
  }
}
