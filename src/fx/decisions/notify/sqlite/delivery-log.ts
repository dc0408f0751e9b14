import type BetterSqlite3 from 'better-sqlite3';
import { deliveryFromRow, type DeliveryRecord, type DeliveryRow } from './records.js';

/**
 * The durable delivery queue and log (table `deliveries`): leased claims for workers, outcomes,
 * the per-user log and dead letters. Base of {@link SqliteNotificationStore}, which adds what
 * is enqueued.
 */
export class SqliteDeliveryLog {
  private readonly q;

  constructor(readonly db: BetterSqlite3.Database) {
    this.q = {
      claim: db.prepare<{ now: number; leaseUntil: number; limit: number }, DeliveryRow>(
        `UPDATE deliveries SET lease_until = @leaseUntil, attempts = attempts + 1, updated_at = @now
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'queued' AND next_attempt_at <= @now
                      AND lease_until <= @now ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      claimOne: db.prepare<{ id: string; now: number; leaseUntil: number }, DeliveryRow>(
        `UPDATE deliveries SET lease_until = @leaseUntil, attempts = attempts + 1, updated_at = @now
         WHERE id = @id AND status = 'queued' AND lease_until <= @now RETURNING *`,
      ),
      finish: db.prepare(
        `UPDATE deliveries SET status = @status, last_error = @error, next_attempt_at = @nextAt,
           lease_until = 0, updated_at = @now, sent_at = @sentAt
         WHERE id = @id AND status = 'queued'`,
      ),
      ofUser: db.prepare<[string, string, number], DeliveryRow>(
        `SELECT * FROM deliveries WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      all: db.prepare<[string, number], DeliveryRow>(
        `SELECT * FROM deliveries WHERE id < ? ORDER BY id DESC LIMIT ?`,
      ),
      dead: db.prepare<[], DeliveryRow>(
        `SELECT * FROM deliveries WHERE status = 'dead' ORDER BY id`,
      ),
      requeue: db.prepare<[number, number, string]>(
        `UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = ?, lease_until = 0,
           updated_at = ? WHERE id = ? AND status = 'dead'`,
      ),
      one: db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?'),
    };
  }

  /** Leases up to `limit` due deliveries (counting the attempt) for `leaseMs`. */
  claimDue(limit: number, leaseMs: number, now = Date.now()): DeliveryRecord[] {
    return this.q.claim.all({ now, leaseUntil: now + leaseMs, limit }).map(deliveryFromRow);
  }

  /** Leases one queued delivery now, whatever its next attempt time (dead-letter replay). */
  claimNow(id: string, leaseMs: number, now = Date.now()): DeliveryRecord | undefined {
    const r = this.q.claimOne.get({ id, now, leaseUntil: now + leaseMs });
    return r ? deliveryFromRow(r) : undefined;
  }

  /** Records the outcome of an attempt; `retryAt` keeps it queued for another attempt. */
  finish(
    id: string,
    outcome:
      | { status: 'sent' }
      | { status: 'failed' | 'dead'; error: string }
      | { status: 'queued'; error: string; retryAt: number },
    now = Date.now(),
  ): void {
    this.q.finish.run({
      id,
      status: outcome.status,
      error: outcome.status === 'sent' ? null : outcome.error,
      nextAt: outcome.status === 'queued' ? outcome.retryAt : 0,
      now,
      sentAt: outcome.status === 'sent' ? now : null,
    });
  }

  delivery(id: string): DeliveryRecord | undefined {
    const r = this.q.one.get(id);
    return r ? deliveryFromRow(r) : undefined;
  }

  /** The delivery log, newest first; `userId` restricts it to one user. */
  deliveries(options: { userId?: string; limit: number; cursor?: string }): {
    deliveries: DeliveryRecord[];
    nextCursor?: string;
  } {
    const cursor = options.cursor ?? '\u{10FFFF}';
    const rows = options.userId
      ? this.q.ofUser.all(options.userId, cursor, options.limit + 1)
      : this.q.all.all(cursor, options.limit + 1);
    const deliveries = rows.slice(0, options.limit).map(deliveryFromRow);
    return rows.length > options.limit
      ? { deliveries, nextCursor: deliveries[deliveries.length - 1]!.id }
      : { deliveries };
  }

  /** Deliveries that exhausted their attempts. */
  deadLetters(): DeliveryRecord[] {
    return this.q.dead.all().map(deliveryFromRow);
  }

  /** Puts dead letters back in the queue with fresh attempts; returns the ids requeued. */
  requeueDeadLetters(ids: readonly string[], now = Date.now()): string[] {
    const done: string[] = [];
    this.db.transaction(() => {
      for (const id of ids) if (this.q.requeue.run(now, now, id).changes > 0) done.push(id);
    })();
    return done;
  }
}
