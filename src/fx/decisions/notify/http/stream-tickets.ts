import { randomBytes } from 'node:crypto';
import type { StreamTicketStore } from '../notification-store.js';

/**
 * Short-lived single-use tickets for `GET /stream?ticket=`: a browser's EventSource cannot send
 * an Authorization header, and a long-lived token in a URL would end up in logs and history.
 * Held in memory: a ticket is redeemed on the server that issued it (seconds later). Several API
 * instances share `postgres/`'s {@link StreamTicketStore} instead.
 */
export class StreamTickets implements StreamTicketStore {
  private readonly tickets = new Map<string, { userId: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 100_000,
  ) {}

  /** A new ticket for a user. */
  issue(userId: string): { ticket: string; expiresAt: string } {
    const now = this.now();
    if (this.tickets.size >= this.max) this.sweep(now);
    // Still full of live tickets: drop the oldest rather than grow without bound.
    while (this.tickets.size >= this.max) this.tickets.delete(this.tickets.keys().next().value!);
    const ticket = `st_${randomBytes(24).toString('base64url')}`;
    const expiresAt = now + this.ttlMs;
    this.tickets.set(ticket, { userId, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The user of a valid ticket, consuming it; `undefined` if unknown, used or expired. */
  redeem(ticket: string): string | undefined {
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    this.tickets.delete(ticket);
    return t.expiresAt > this.now() ? t.userId : undefined;
  }

  private sweep(now: number): void {
    for (const [k, v] of this.tickets) if (v.expiresAt <= now) this.tickets.delete(k);
  }
}
