import {
  withTransaction,
  type PgPool,
  type PgQueryable,
} from '../../../../core/state/postgres/index.js';
import { recommendationSchema, type Recommendation } from '../../../events.js';
import { LastsJournal, lastSuggestionOfRow, type LastSuggestionRow } from '../lasts-journal.js';
import type { OrchestratorState, OutboxEntry } from '../orchestrator-state.js';
import type { LastSuggestion } from '../policy.js';

export interface PostgresOrchestratorStateOptions {
  /** A pool on a database migrated with `FX_ORCHESTRATOR_MIGRATIONS`. */
  pool: PgPool;
}

/**
 * The orchestrator's state in PostgreSQL (tables `fx_orchestrator_*`), shared by the
 * orchestrator instances of a cluster: the one elected by lease opens it when it starts leading,
 * so a standby taking over finds the cooldowns and the outbox its predecessor left. The last
 * suggestions are loaded at open and served from memory (see {@link OrchestratorState}); every
 * write is one statement or one transaction, with arrays bound as parameters (`unnest`), so a
 * tick's decisions cost one round trip whatever their number.
 *
 * @example
 * const state = await PostgresOrchestratorState.open({ pool });
 * … await state.close(); // the pool stays open: it is the caller's
 */
export class PostgresOrchestratorState implements OrchestratorState {
  private readonly lasts = new LastsJournal();

  private constructor(private readonly pool: PgPool) {}

  /** Loads the last suggestions into memory. */
  static async open(o: PostgresOrchestratorStateOptions): Promise<PostgresOrchestratorState> {
    const state = new PostgresOrchestratorState(o.pool);
    const r = await o.pool.query<LastSuggestionRow>(
      'SELECT * FROM fx_orchestrator_last_suggestion',
    );
    for (const row of r.rows) state.lasts.load(row.user_id, lastSuggestionOfRow(row));
    return state;
  }

  last(userId: string): LastSuggestion | undefined {
    return this.lasts.get(userId);
  }

  lastsCursor(): number {
    return this.lasts.cursor();
  }

  lastsChangedSince(cursor: number): readonly string[] | undefined {
    return this.lasts.changedSince(cursor);
  }

  get size(): number {
    return this.lasts.size;
  }

  async record(
    entries: readonly { event: Recommendation; last: LastSuggestion }[],
    json?: readonly string[],
  ): Promise<void> {
    if (entries.length === 0) return;
    // A user decided twice in one batch: the later decision is the last one (as row by row).
    const byUser = new Map<string, LastSuggestion>();
    for (const { event, last } of entries) byUser.set(event.userId, last);
    const lasts = [...byUser];
    await withTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO fx_orchestrator_outbox (id, event)
         SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (id) DO NOTHING`,
        [
          entries.map((e) => e.event.id),
          entries.map((e, i) => json?.[i] ?? JSON.stringify(e.event)),
        ],
      );
      await c.query(
        `INSERT INTO fx_orchestrator_last_suggestion (user_id, id, side, at_ms, price_cop_cents,
           cop_cents, usd_cents, week_ms, ignored_streak, hold_until_ms)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
           $6::bigint[], $7::bigint[], $8::text[], $9::integer[], $10::bigint[])
         ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, side = excluded.side,
           at_ms = excluded.at_ms, price_cop_cents = excluded.price_cop_cents,
           cop_cents = excluded.cop_cents, usd_cents = excluded.usd_cents,
           week_ms = excluded.week_ms, ignored_streak = excluded.ignored_streak,
           hold_until_ms = excluded.hold_until_ms`,
        [
          lasts.map(([u]) => u),
          lasts.map(([, l]) => l.id),
          lasts.map(([, l]) => l.side),
          lasts.map(([, l]) => l.atMs),
          lasts.map(([, l]) => l.priceCopCents),
          lasts.map(([, l]) => l.copCents),
          lasts.map(([, l]) => l.usdCents),
          lasts.map(([, l]) => (l.weekMs ? JSON.stringify(l.weekMs) : null)),
          lasts.map(([, l]) => l.ignoredStreak ?? 0),
          lasts.map(([, l]) => l.holdUntilMs ?? null),
        ],
      );
    });
    this.lasts.set(entries);
  }

  async markConsentAsked(userIds: readonly string[], atMs: number): Promise<string[]> {
    if (userIds.length === 0) return [];
    const r = await this.pool.query<{ user_id: string }>(
      `INSERT INTO fx_orchestrator_consent_asked (user_id, at_ms)
       SELECT u, $2 FROM unnest($1::text[]) AS u
       ON CONFLICT (user_id) DO NOTHING
       RETURNING user_id`,
      [userIds, atMs],
    );
    const fresh = new Set(r.rows.map((row) => row.user_id));
    return userIds.filter((u) => fresh.has(u));
  }

  async notConsentAsked(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const r = await this.pool.query<{ user_id: string }>(
      'SELECT user_id FROM fx_orchestrator_consent_asked WHERE user_id = ANY($1::text[])',
      [userIds],
    );
    const asked = new Set(r.rows.map((row) => row.user_id));
    return userIds.filter((u) => !asked.has(u));
  }

  async markAppended(ids: readonly string[]): Promise<void> {
    await byIds(
      this.pool,
      'UPDATE fx_orchestrator_outbox SET appended = true WHERE id = ANY($1::text[])',
      ids,
    );
  }

  async complete(ids: readonly string[]): Promise<void> {
    await byIds(this.pool, 'DELETE FROM fx_orchestrator_outbox WHERE id = ANY($1::text[])', ids);
  }

  async outbox(): Promise<OutboxEntry[]> {
    const r = await this.pool.query<{ event: string; appended: boolean }>(
      'SELECT event, appended FROM fx_orchestrator_outbox ORDER BY id',
    );
    return r.rows.map((row) => ({
      event: recommendationSchema.parse(JSON.parse(row.event)),
      appended: row.appended,
    }));
  }

  /** Forgets the memory; the pool is the caller's. */
  async close(): Promise<void> {}
}

async function byIds(pool: PgQueryable, sql: string, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await pool.query(sql, [ids]);
}
