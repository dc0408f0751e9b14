import type { LastSuggestion } from './policy.js';

/** The state store's journal of users whose last suggestion changed (see `SqliteOrchestratorState`). */
export interface LastChanges {
  cursor(): number;
  /** Users changed since `cursor`; `undefined` when the journal no longer reaches back so far. */
  changedSince(cursor: number): readonly string[] | undefined;
}

/**
 * Every user's last suggestion by position in the feature store (`userIds()` order), and its
 * time in a typed array (`-Infinity` for none): the tick's gate reads them in order instead of
 * looking 100,000 users up by id in a map (a cache miss each). {@link sync} before each tick
 * re-reads the users added since, and those the journal names; without a journal, or when it no
 * longer reaches back to the last sync, every user.
 */
export class LastsMirror {
  private times = new Float64Array(0);
  private holds = new Float64Array(0);
  private readonly lasts: (LastSuggestion | undefined)[] = [];
  /** Positions mirrored, and the journal cursor they are current at. */
  private mirrored = 0;
  private cursor: number | undefined;

  constructor(
    private readonly lastOf: (userId: string) => LastSuggestion | undefined,
    private readonly positionOf: (userId: string) => number | undefined,
    private readonly changes?: LastChanges,
  ) {}

  /** Times of the last suggestions by position (`-Infinity`: none), current after {@link sync}. */
  get atMs(): Float64Array {
    return this.times;
  }

  /** When the weekly cap lets each user's next suggestion through, by position (`-Infinity`: now). */
  get holdUntilMs(): Float64Array {
    return this.holds;
  }

  /** The last suggestion of the user at `position`, as of the last {@link sync}. */
  at(position: number): LastSuggestion | undefined {
    return this.lasts[position];
  }

  /** Brings the mirror up to date for the users `all` (every user, in position order). */
  sync(all: readonly string[]): void {
    const changed =
      this.changes && this.cursor !== undefined
        ? this.changes.changedSince(this.cursor)
        : undefined;
    if (!changed) this.mirrored = 0;
    if (this.times.length < all.length) {
      const grown = new Float64Array(Math.ceil(all.length * 1.25));
      grown.set(this.times.subarray(0, this.mirrored));
      this.times = grown;
      const holds = new Float64Array(grown.length);
      holds.set(this.holds.subarray(0, this.mirrored));
      this.holds = holds;
    }
    for (let k = this.mirrored; k < all.length; k++) this.set(k, this.lastOf(all[k]!));
    for (const userId of changed ?? []) {
      const k = this.positionOf(userId);
      if (k !== undefined && k < all.length) this.set(k, this.lastOf(userId));
    }
    this.mirrored = all.length;
    this.cursor = this.changes?.cursor();
  }

  private set(k: number, last: LastSuggestion | undefined): void {
    this.lasts[k] = last;
    this.times[k] = last ? last.atMs : -Infinity;
    this.holds[k] = last?.holdUntilMs ?? -Infinity;
  }
}
