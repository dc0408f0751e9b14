import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { recommendationSchema, type Recommendation } from '../../../events.js';
import type { OrchestratorState, OutboxEntry } from '../orchestrator-state.js';
import { LastsJournal, lastSuggestionOfRow, type LastSuggestionRow } from '../lasts-journal.js';
import type { LastSuggestion } from '../policy.js';

export type { OutboxEntry };

/**
 * The orchestrator's state: the last suggestion per user (cooldowns and repeats survive
 * restarts) and an outbox of recommendations between decision and notification, in SQLite,
 * with the last suggestions mirrored in memory for the hot path (100,000 users).
 *
 * The outbox makes a crash harmless: a decision is written with its outbox row in one
 * transaction before the append; once notified, the row is deleted. A row whose notification
 * failed is marked `appended` before the orchestrator's checkpoint moves past its tick. On
 * restart, unmarked rows are appended unless the log holds them after the checkpoint (same id
 * and bytes), and every row left is notified again (the notifier is idempotent by id).
 *
 * `synchronous = NORMAL` (WAL): a process crash loses nothing; a power loss may forget the
 * last commit, which at worst repeats a suggestion.
 */
export class SqliteOrchestratorState implements OrchestratorState {
  private readonly db: BetterSqlite3.Database;
  private readonly lasts = new LastsJournal();
  private readonly stmt;

  private constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new BetterSqlite3(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS last_suggestion (
        user_id TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        side TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        price_cop_cents INTEGER NOT NULL,
        cop_cents INTEGER NOT NULL,
        usd_cents INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS consent_asked (
        user_id TEXT PRIMARY KEY,
        at_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS outbox (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        appended INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `);
    // Columns added with the weekly cap and the back-off (state files of earlier versions).
    const columns = new Set(
      (this.db.prepare('PRAGMA table_info(last_suggestion)').all() as { name: string }[]).map(
        (c) => c.name,
      ),
    );
    for (const [name, type] of [
      ['week_ms', 'TEXT'],
      ['ignored_streak', 'INTEGER NOT NULL DEFAULT 0'],
      ['hold_until_ms', 'INTEGER'],
    ] as const) {
      if (!columns.has(name))
        this.db.exec(`ALTER TABLE last_suggestion ADD COLUMN ${name} ${type}`);
    }
    this.stmt = {
      upsertLast: this.db.prepare(
        `INSERT INTO last_suggestion (user_id, id, side, at_ms, price_cop_cents, cop_cents, usd_cents,
           week_ms, ignored_streak, hold_until_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, side = excluded.side,
           at_ms = excluded.at_ms, price_cop_cents = excluded.price_cop_cents,
           cop_cents = excluded.cop_cents, usd_cents = excluded.usd_cents,
           week_ms = excluded.week_ms, ignored_streak = excluded.ignored_streak,
           hold_until_ms = excluded.hold_until_ms`,
      ),
      consentAsked: this.db.prepare(
        'INSERT OR IGNORE INTO consent_asked (user_id, at_ms) VALUES (?, ?)',
      ),
      wasAsked: this.db.prepare('SELECT 1 FROM consent_asked WHERE user_id = ?').pluck(),
      insertOutbox: this.db.prepare('INSERT OR IGNORE INTO outbox (id, event) VALUES (?, ?)'),
      markAppended: this.db.prepare('UPDATE outbox SET appended = 1 WHERE id = ?'),
      deleteOutbox: this.db.prepare('DELETE FROM outbox WHERE id = ?'),
      outbox: this.db.prepare('SELECT event, appended FROM outbox ORDER BY id'),
    };
    for (const r of this.db.prepare('SELECT * FROM last_suggestion').all() as LastSuggestionRow[]) {
      this.lasts.load(r.user_id, lastSuggestionOfRow(r));
    }
  }

  /**
   * Opens (creating) the state file, loading the last suggestions into memory.
   * @param file a path (e.g. `<home>/fx/orchestrator.db`), or `:memory:`.
   */
  static open(file: string): SqliteOrchestratorState {
    return new SqliteOrchestratorState(file);
  }

  /** The last suggestion made to `userId`. */
  last(userId: string): LastSuggestion | undefined {
    return this.lasts.get(userId);
  }

  /** The end of the change journal now: pass it to {@link lastsChangedSince} later. */
  lastsCursor(): number {
    return this.lasts.cursor();
  }

  /**
   * The users whose last suggestion changed since `cursor` (from {@link lastsCursor}), so a
   * reader mirroring them re-reads only those; `undefined` when the journal no longer reaches
   * back that far (re-read every user).
   */
  lastsChangedSince(cursor: number): readonly string[] | undefined {
    return this.lasts.changedSince(cursor);
  }

  /** Users who ever got a suggestion. */
  get size(): number {
    return this.lasts.size;
  }

  /**
   * Records decisions and their outbox rows, all or nothing.
   * @param json each event as `JSON.stringify` gives it, when the caller has it already (the
   *   bytes it appends to the log)
   */
  async record(
    entries: readonly { event: Recommendation; last: LastSuggestion }[],
    json?: readonly string[],
  ): Promise<void> {
    if (entries.length === 0) return;
    this.db.transaction(() => {
      for (let i = 0; i < entries.length; i++) {
        const { event, last } = entries[i]!;
        this.stmt.insertOutbox.run(event.id, json?.[i] ?? JSON.stringify(event));
        this.stmt.upsertLast.run(
          event.userId,
          last.id,
          last.side,
          last.atMs,
          last.priceCopCents,
          last.copCents,
          last.usdCents,
          last.weekMs ? JSON.stringify(last.weekMs) : null,
          last.ignoredStreak ?? 0,
          last.holdUntilMs ?? null,
        );
      }
    })();
    this.lasts.set(entries);
  }

  /**
   * Records that `userIds` were asked for consent; returns those not asked before (ask them).
   */
  async markConsentAsked(userIds: readonly string[], atMs: number): Promise<string[]> {
    const fresh: string[] = [];
    this.db.transaction(() => {
      for (const u of userIds) {
        if (this.stmt.consentAsked.run(u, atMs).changes > 0) fresh.push(u);
      }
    })();
    return fresh;
  }

  /** Those of `userIds` never asked for consent. */
  async notConsentAsked(userIds: readonly string[]): Promise<string[]> {
    return userIds.filter((u) => this.stmt.wasAsked.get(u) === undefined);
  }

  /** Marks outbox rows whose append was acknowledged. */
  async markAppended(ids: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.markAppended.run(id);
    })();
  }

  /** Removes outbox rows that were appended and notified. */
  async complete(ids: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.deleteOutbox.run(id);
    })();
  }

  /** The outbox, oldest first. */
  async outbox(): Promise<OutboxEntry[]> {
    return (this.stmt.outbox.all() as { event: string; appended: number }[]).map((r) => ({
      event: recommendationSchema.parse(JSON.parse(r.event)),
      appended: r.appended === 1,
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
