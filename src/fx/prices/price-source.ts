/**
 * The PriceSource port: where the price collector gets COP/USD quotes (the role of the market
 * data feed the EventBridge-scheduled Lambda polls in the original design).
 * Adapters: `simulated/` (a stochastic market), `replay/` (a CSV price history), `http/`
 * (a JSON endpoint).
 */

/** A quote in COP centavos per USD (bid ≤ mid ≤ ask). */
export interface Quote {
  bidCopCents: number;
  askCopCents: number;
  midCopCents: number;
  /** When the market observed these prices (ISO 8601). */
  observedAt: string;
  /** e.g. `simulated`, `replay:precios.csv`, `http:banrep`. */
  source: string;
}

export interface PriceSource {
  /** Name used as the quotes' `source`. */
  readonly name: string;
  /**
   * The current quote at `now`, or `undefined` when the source has none (e.g. a replay that has
   * ended).
   * @throws PriceSourceError when the source fails (after its own retries).
   */
  fetch(now: Date): Promise<Quote | undefined>;
}

/** A source failed to deliver a valid quote; the message says why. */
export class PriceSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PriceSourceError';
  }
}

/** `(bid + ask) / 2` rounded half-up, in centavos. */
export function midOf(bidCopCents: number, askCopCents: number): number {
  return Math.floor((bidCopCents + askCopCents + 1) / 2);
}
