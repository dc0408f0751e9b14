import { createHash, randomBytes } from 'node:crypto';
import type { PgQueryable } from '../../../../core/state/postgres/index.js';
import type { StreamTicketStore } from '../notification-store.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Stream tickets in PostgreSQL table `fx_stream_tickets` (from `FX_NOTIFY_MIGRATIONS`): a ticket
 * issued by one API instance opens the stream on any other. Only the ticket's SHA-256 is
 * stored; redeeming deletes the row, so a ticket works once wherever it is presented. Expired
 * rows are swept now and then by `issue`.
 *
 * @example const tickets = new PostgresStreamTickets(pool, 30_000);
 */
export class PostgresStreamTickets implements StreamTicketStore {
  private lastSweep = 0;

  constructor(
    private readonly db: PgQueryable,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(userId: string): Promise<{ ticket: string; expiresAt: string }> {
    const now = this.now();
    if (now - this.lastSweep > 60_000) {
      this.lastSweep = now;
      await this.db.query('DELETE FROM fx_stream_tickets WHERE expires_at <= $1', [now]);
    }
    const ticket = `st_${randomBytes(24).toString('base64url')}`;
    const expiresAt = now + this.ttlMs;
    await this.db.query(
      'INSERT INTO fx_stream_tickets (ticket_sha256, user_id, expires_at) VALUES ($1, $2, $3)',
      [sha256(ticket), userId, expiresAt],
    );
    return { ticket, expiresAt: new Date(expiresAt).toISOString() };
  }

  async redeem(ticket: string): Promise<string | undefined> {
    const r = await this.db.query<{ user_id: string; expires_at: string }>(
      'DELETE FROM fx_stream_tickets WHERE ticket_sha256 = $1 RETURNING user_id, expires_at',
      [sha256(ticket)],
    );
    const row = r.rows[0];
    return row && Number(row.expires_at) > this.now() ? row.user_id : undefined;
  }
}
