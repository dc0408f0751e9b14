import type { LastSuggestion } from './policy.js';

/** Changes of last suggestions the journal keeps at least (see `changedSince`). */
const JOURNAL_KEEP = 50_000;

/**
 * The last suggestion per user in memory, with a journal of the users whose last changed: what
 * every {@link OrchestratorState} adapter serves the hot path from (the store is written first).
 */
export class LastsJournal {
  private readonly lasts = new Map<string, LastSuggestion>();
  /** Users whose last suggestion changed, oldest first; `base` is the cursor of the first. */
  private journal: string[] = [];
  private base = 0;

  /** Loads a stored last suggestion (at open; not journaled). */
  load(userId: string, last: LastSuggestion): void {
    this.lasts.set(userId, last);
  }

  /** Records stored changes, journaling each user. */
  set(entries: readonly { event: { userId: string }; last: LastSuggestion }[]): void {
    for (const { event, last } of entries) {
      this.lasts.set(event.userId, last);
      this.journal.push(event.userId);
    }
    if (this.journal.length > 2 * JOURNAL_KEEP) {
      this.base += this.journal.length - JOURNAL_KEEP;
      this.journal = this.journal.slice(-JOURNAL_KEEP);
    }
  }

  get(userId: string): LastSuggestion | undefined {
    return this.lasts.get(userId);
  }

  get size(): number {
    return this.lasts.size;
  }

  cursor(): number {
    return this.base + this.journal.length;
  }

  /**
   * The users changed since `cursor`; `undefined` when the journal no longer reaches back that
   * far. The journal keeps at least the last {@link JOURNAL_KEEP} changes.
   */
  changedSince(cursor: number): readonly string[] | undefined {
    if (cursor < this.base || cursor > this.cursor()) return undefined;
    return this.journal.slice(cursor - this.base);
  }
}

/** A stored last suggestion's columns, as both adapters keep them. */
export interface LastSuggestionRow {
  user_id: string;
  id: string;
  side: 'BUY' | 'SELL';
  at_ms: number | string;
  price_cop_cents: number | string;
  cop_cents: number | string;
  usd_cents: number | string;
  week_ms: string | null;
  ignored_streak: number;
  hold_until_ms: number | string | null;
}

/** A stored row back to a {@link LastSuggestion} (bigint columns arrive as strings from pg). */
export function lastSuggestionOfRow(r: LastSuggestionRow): LastSuggestion {
  return {
    id: r.id,
    side: r.side,
    atMs: Number(r.at_ms),
    priceCopCents: Number(r.price_cop_cents),
    copCents: Number(r.cop_cents),
    usdCents: Number(r.usd_cents),
    ...(r.week_ms !== null ? { weekMs: JSON.parse(r.week_ms) as number[] } : {}),
    ignoredStreak: r.ignored_streak,
    ...(r.hold_until_ms !== null ? { holdUntilMs: Number(r.hold_until_ms) } : {}),
  };
}
