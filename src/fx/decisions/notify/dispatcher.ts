import type { Logger } from '../../../core/log/logger.js';
import { backoffMs } from '../../../core/util/retry.js';
import type { ChannelSender, SendOutcome } from './channels/channel-sender.js';
import type { Channel } from './notifier.js';
import type { RetryConfig } from './notify-config.js';
import type { DeliveryRecord, NotificationStore } from './notification-store.js';

export interface DispatcherOptions {
  store: NotificationStore;
  /** Senders of the channels that go over the network; a missing one fails its deliveries. */
  senders: Partial<Record<Channel, ChannelSender>>;
  retry: RetryConfig;
  pollMs: number;
  concurrency: number;
  leaseMs: number;
  log: Logger;
  /** In [0, 1); seed it for deterministic backoff. @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Works the durable delivery queue: leases due deliveries, sends them with at most
 * `concurrency` in flight, and records each outcome: sent; retried after an exponential
 * backoff with full jitter; `failed` when retrying cannot help; `dead` (a dead letter) after
 * `retry.attempts` attempts. Leases make it safe to run beside another worker (the CLI replaying
 * dead letters) and to crash: an unfinished lease expires and the delivery is attempted again
 * (at-least-once; receivers deduplicate on the delivery id).
 */
export class DeliveryDispatcher {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private claiming = false;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /** Starts polling; deliveries left queued by a previous run are picked up at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Looks for due deliveries now (called after each committed batch). */
  wake(): void {
    if (!this.running || this.immediate) return;
    this.immediate = true;
    setImmediate(() => {
      this.immediate = false;
      this.tick();
    });
  }

  /** Stops polling and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.claiming) await new Promise((r) => setImmediate(r));
    await Promise.allSettled([...this.inFlight]);
  }

  /** Attempts one queued delivery now, whatever its schedule (dead-letter replay). */
  async deliverNow(id: string): Promise<DeliveryRecord | undefined> {
    const d = await this.o.store.claimNow(id, this.o.leaseMs, this.now());
    if (!d) return this.o.store.delivery(id);
    await this.attempt(d);
    return this.o.store.delivery(id);
  }

  private tick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.claiming) {
      // A claim is being read (PostgreSQL): look again once it is back.
      this.again = true;
      return;
    }
    this.claiming = true;
    void this.claimAndSend().finally(() => {
      this.claiming = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async claimAndSend(): Promise<void> {
    const free = this.o.concurrency - this.inFlight.size;
    let claimed: DeliveryRecord[] = [];
    if (free > 0) {
      try {
        claimed = await this.o.store.claimDue(free, this.o.leaseMs, this.now());
      } catch (err) {
        this.o.log.error({ err }, 'could not read the delivery queue');
      }
    }
    // Claimed ones are sent even when `stop()` came meanwhile: it waits for them.
    for (const d of claimed) {
      const p = this.attempt(d).finally(() => {
        this.inFlight.delete(p);
        // A slot is free: more may be due.
        this.wake();
      });
      this.inFlight.add(p);
    }
    if (this.running && claimed.length < free) {
      this.timer = setTimeout(() => this.tick(), this.o.pollMs);
      this.timer.unref();
    }
  }

  private async attempt(d: DeliveryRecord): Promise<void> {
    let n;
    try {
      n = await this.o.store.notification(d.notificationId);
    } catch (err) {
      // The lease expires and the delivery is attempted again.
      this.o.log.error({ err, deliveryId: d.id }, 'could not read a notification');
      return;
    }
    const sender = this.o.senders[d.channel];
    let outcome: SendOutcome;
    if (!n) outcome = { ok: false, retry: false, error: 'the notification no longer exists' };
    else if (!sender) {
      outcome = { ok: false, retry: false, error: `the ${d.channel} channel is not configured` };
    } else {
      try {
        outcome = await sender.send(d, n);
      } catch (err) {
        outcome = { ok: false, retry: true, error: (err as Error).message };
      }
    }
    const now = this.now();
    try {
      if (outcome.ok) await this.o.store.finish(d.id, { status: 'sent' }, now);
      else if (!outcome.retry)
        await this.o.store.finish(d.id, { status: 'failed', error: outcome.error }, now);
      else if (d.attempts >= this.o.retry.attempts) {
        await this.o.store.finish(
          d.id,
          { status: 'dead', error: `${outcome.error} (after ${d.attempts} attempts)` },
          now,
        );
        this.o.log.warn(
          { deliveryId: d.id, channel: d.channel, userId: d.userId, error: outcome.error },
          'delivery dead-lettered',
        );
      } else {
        const retryAt = now + backoffMs(d.attempts, this.o.retry, this.random);
        await this.o.store.finish(d.id, { status: 'queued', error: outcome.error, retryAt }, now);
      }
    } catch (err) {
      // The lease expires and the delivery is attempted again: at-least-once.
      this.o.log.error({ err, deliveryId: d.id }, 'could not record a delivery outcome');
    }
  }
}
