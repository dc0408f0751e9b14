import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { midOf, type PriceSource, type Quote } from '../../../src/fx/prices/price-source.js';
import type { HistoryRow } from '../../../src/fx/prices/replay/csv-replay-price-source.js';

/**
 * A source over a market: adapters that read quotes from outside (a CSV file, an HTTP endpoint)
 * serve `history` in order; a simulated source has its own market and ignores it.
 */
export type MakePriceSource = (
  history: readonly HistoryRow[],
) => Promise<{ source: PriceSource; cleanup: () => Promise<void> }>;

export interface PriceSourceContractOptions {
  /** The source serves the `history` it was made with, row by row. */
  followsHistory: boolean;
  /** After the last row the source has no quote (`undefined`); else it keeps quoting. */
  ends: boolean;
}

/** Twenty minutes of a falling dollar, whole centavos, bid < ask. */
export const HISTORY: readonly HistoryRow[] = Array.from({ length: 20 }, (_, i) => ({
  observedAt: new Date(Date.parse('2026-03-02T15:00:00.000Z') + i * 60_000).toISOString(),
  bidCopCents: 401_025 - i * 75,
  askCopCents: 402_050 - i * 75 + (i % 3),
}));

const START = Date.parse('2026-03-02T15:00:30.000Z');

/** The PriceSource contract: every adapter runs this suite. */
export function priceSourceContract(
  name: string,
  make: MakePriceSource,
  options: PriceSourceContractOptions,
): void {
  describe(`PriceSource contract: ${name}`, () => {
    let source: PriceSource;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ source, cleanup } = await make(HISTORY));
    });
    afterEach(() => cleanup());

    /** `n` fetches, a minute apart. */
    async function quotes(n: number): Promise<(Quote | undefined)[]> {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await source.fetch(new Date(START + i * 60_000)));
      return out;
    }

    it('quotes whole centavos with 0 < bid ≤ mid ≤ ask and mid = (bid + ask) / 2 rounded', async () => {
      for (const q of await quotes(HISTORY.length)) {
        expect(q).toBeDefined();
        const { bidCopCents: bid, askCopCents: ask, midCopCents: mid } = q!;
        for (const v of [bid, ask, mid]) expect(Number.isSafeInteger(v)).toBe(true);
        expect(bid).toBeGreaterThan(0);
        expect(bid).toBeLessThanOrEqual(mid);
        expect(mid).toBeLessThanOrEqual(ask);
        expect(mid).toBe(midOf(bid, ask));
      }
    });

    it('names each quote with its own name', async () => {
      expect(source.name.length).toBeGreaterThan(0);
      for (const q of await quotes(5)) expect(q!.source).toBe(source.name);
    });

    it('gives canonical ISO 8601 observation times that never go back', async () => {
      let last = -Infinity;
      for (const q of await quotes(HISTORY.length)) {
        const ms = Date.parse(q!.observedAt);
        expect(new Date(ms).toISOString()).toBe(q!.observedAt);
        expect(ms).toBeGreaterThanOrEqual(last);
        last = ms;
      }
    });

    if (options.followsHistory) {
      it('serves its market row by row, in order', async () => {
        const got = (await quotes(HISTORY.length)).map((q) => ({
          observedAt: q!.observedAt,
          bidCopCents: q!.bidCopCents,
          askCopCents: q!.askCopCents,
        }));
        expect(got).toEqual(HISTORY);
      });
    }

    if (options.ends) {
      it('has no quote once its market has ended', async () => {
        await quotes(HISTORY.length);
        expect(await source.fetch(new Date(START + HISTORY.length * 60_000))).toBeUndefined();
      });
    } else {
      it('keeps quoting past the length of the history', async () => {
        const all = await quotes(HISTORY.length + 5);
        expect(all.every((q) => q !== undefined)).toBe(true);
      });
    }
  });
}
