import type { PgPool } from '../../../core/state/postgres/index.js';
import type { RawEventClaims } from '../raw-claims.js';

/** {@link RawEventClaims} in the PostgreSQL state store (`fx_raw_event_claims`). */
export class PostgresRawEventClaims implements RawEventClaims {
  constructor(private readonly pool: PgPool) {}

  async claim(stream: string, batch: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // The first batch to insert an id owns it; a repeated claim by the same batch changes nothing.
    await this.pool.query(
      `INSERT INTO fx_raw_event_claims (stream, event_id, batch)
       SELECT $1, id, $3 FROM unnest($2::text[]) AS id
       ON CONFLICT (stream, event_id) DO NOTHING`,
      [stream, ids, batch],
    );
    const taken = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM fx_raw_event_claims
        WHERE stream = $1 AND event_id = ANY($2::text[]) AND batch <> $3`,
      [stream, ids, batch],
    );
    return new Set(taken.rows.map((r) => r.event_id));
  }
}
