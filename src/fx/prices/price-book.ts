import type { PriceTick } from '../events.js';

export interface PriceHistoryQuery {
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
  /** @default 500 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface PriceHistoryPage {
  ticks: PriceTick[];
  nextCursor?: string;
}

/**
 * The latest price (for every trade) and the price history the API serves. The collector
 * records every tick it appends to the EventLog. Adapters: SQLite (one process; the latest tick
 * in memory) and PostgreSQL (every API instance reads the latest tick from the state store,
 * `latest()` answering from a copy kept fresh by LISTEN/NOTIFY and polling).
 */
export interface PriceBook {
  /** The newest tick recorded, or `undefined`. */
  latest(): PriceTick | undefined;
  /** Records a tick (idempotent by id). */
  record(tick: PriceTick): void | Promise<void>;
  /** Ticks with `fromMs ≤ observedAt < toMs`, oldest first. */
  history(query: PriceHistoryQuery): PriceHistoryPage | Promise<PriceHistoryPage>;
}
