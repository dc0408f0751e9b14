import type { Lease, LeaseStore } from './lease.js';

export interface LeaseKeeperOptions {
  store: LeaseStore;
  name: string;
  owner: string;
  ttlMs: number;
  /** A monotonic clock in ms. @default performance.now */
  now?: () => number;
}

/**
 * One lease as its holder sees it: acquire, renew, release, and whether it is still safely
 * held. The holder's deadline is measured by its own monotonic clock from the moment *before*
 * each successful acquire or renew was sent, plus the TTL: the store's expiry cannot come
 * earlier than that, whatever the clocks say, so work checked with {@link held} never overlaps
 * another holder's tenure (short of the process being frozen past its deadline).
 *
 * @example
 * const keeper = new LeaseKeeper({ store, name: 'fx-collector', owner, ttlMs: 15_000 });
 * if (await keeper.acquire()) { ...; if (!keeper.held(1000)) stop(); }
 */
export class LeaseKeeper {
  private current: Lease | undefined;
  private deadline = -Infinity;
  private readonly now: () => number;

  constructor(private readonly o: LeaseKeeperOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get name(): string {
    return this.o.name;
  }

  /** The lease of the current tenure (its fencing token), if one was acquired. */
  get lease(): Lease | undefined {
    return this.current;
  }

  /** Whether the lease is held for at least `marginMs` more, by this process's clock. */
  held(marginMs = 0): boolean {
    return this.current !== undefined && this.now() < this.deadline - marginMs;
  }

  /** Milliseconds left of the tenure by this process's clock (negative once past). */
  remainingMs(): number {
    return this.deadline - this.now();
  }

  /** Acquires (or renews, when held) the lease; resolves to whether it is held now. */
  async acquire(): Promise<boolean> {
    if (this.current) return this.renew();
    const sentAt = this.now();
    const lease = await this.o.store.acquire(this.o.name, this.o.owner, this.o.ttlMs);
    if (!lease) return false;
    this.current = lease;
    this.deadline = sentAt + this.o.ttlMs;
    return true;
  }

  /**
   * Renews the held lease. Resolves to `false` when it changed hands (then it is dropped here);
   * a failing store rejects and leaves the deadline as it was (check {@link held}).
   */
  async renew(): Promise<boolean> {
    const lease = this.current;
    if (!lease) return false;
    const sentAt = this.now();
    const renewed = await this.o.store.renew(lease, this.o.ttlMs);
    if (!renewed) {
      this.drop();
      return false;
    }
    this.current = renewed;
    this.deadline = sentAt + this.o.ttlMs;
    return true;
  }

  /** Forgets the lease without telling the store (it expires on its own). */
  drop(): void {
    this.current = undefined;
    this.deadline = -Infinity;
  }

  /** Gives the lease back so another owner may take it at once. */
  async release(): Promise<void> {
    const lease = this.current;
    this.drop();
    if (lease) await this.o.store.release(lease);
  }
}
