/**
 * The Lease port: named, time-limited, exclusive claims kept in the state store, so that many
 * processes (on one machine or many) agree on who does a piece of work: which processor reads a
 * shard, which collector and which orchestrator lead. `sqlite/` keeps them in a file (one
 * machine), `postgres/` in PostgreSQL (many machines).
 *
 * Every adapter guarantees:
 * - **Exclusive.** At most one owner holds an unexpired lease of a name.
 * - **The store's clock.** Expiry is judged by the store's own clock (SQLite's clock on its
 *   machine, PostgreSQL's `clock_timestamp()`), never by a caller's, so callers with skewed
 *   clocks still agree.
 * - **Fencing tokens.** Each new tenure (a first acquire, a take-over, a re-acquire after the
 *   owner's own lease expired) gets a token larger than every earlier one of that name; renewing
 *   keeps the token. Work stamped with an old token can be told apart.
 * - **Never on another's behalf.** `renew` and `release` act only when owner and token still
 *   match; a lease is never deleted, so tokens stay monotonic.
 *
 * A holder must treat its lease as lost at `requestedAt + ttl` by its own monotonic clock
 * (measured before the call, see {@link LeaseKeeper}), whatever `expiresAt` says.
 *
 * @example
 * const lease = await leases.acquire('fx-collector', owner, 15_000);
 * if (lease) {
 *   // lead…
 *   const again = await leases.renew(lease, 15_000); // undefined: lost it, stop leading
 * }
 */

/** A held lease. */
export interface Lease {
  /** 1–200 characters of `A–Z a–z 0–9 _ . : / -`. @example 'fx-processor/fx-events/shardId-000000000001' */
  name: string;
  /** Who holds it: unique per process. @example 'processor@host-a:4242:01J…' */
  owner: string;
  /** The fencing token of this tenure (see the port's guarantees). */
  token: number;
  /** When it expires, in ms since the epoch by the store's clock. */
  expiresAt: number;
}

/** A lease as listed, held or not. */
export interface LeaseInfo extends Lease {
  /** Whether it had expired when listed (by the store's clock). */
  expired: boolean;
}

export interface LeaseStore {
  /**
   * Takes `name` for `owner` for `ttlMs` when it is free, expired, or already `owner`'s (then it
   * is renewed, keeping its token). Resolves to `undefined` while another owner holds it.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<Lease | undefined>;
  /**
   * Extends a held lease by `ttlMs` from now. Resolves to `undefined` when the lease changed hands
   * (another owner took it after it expired): the caller lost it and must stop.
   */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  /** Gives the lease up at once (others may take it); does nothing when it changed hands. */
  release(lease: Lease): Promise<boolean>;
  /** Every lease whose name starts with `prefix`, ordered by name. */
  list(prefix?: string): Promise<LeaseInfo[]>;
  close(): Promise<void>;
}

/** Thrown for a bad lease name, owner or TTL; nothing was written. */
export class LeaseValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseValidationError';
  }
}

const NAME_RE = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** @throws LeaseValidationError naming what is wrong. */
export function validateLeaseArgs(name: string, owner: string, ttlMs?: number): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new LeaseValidationError(
      `invalid lease name ${JSON.stringify(name)}: use 1–200 characters of A–Z a–z 0–9 _ . : / -`,
    );
  }
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 200) {
    throw new LeaseValidationError('a lease owner must be 1–200 characters');
  }
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > 86_400_000)) {
    throw new LeaseValidationError(`a lease TTL must be 1 ms to 1 day, got ${ttlMs}`);
  }
}

/** The `LIKE` pattern of a name prefix (escaping `%`, `_` and `\`). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
