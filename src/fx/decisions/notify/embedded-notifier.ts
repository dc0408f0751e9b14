import type { InAppHub } from './channels/in-app-hub.js';
import type { DeliveryDispatcher } from './dispatcher.js';
import type { NotificationRequest, Notifier, PreferenceLookup, QuietHours } from './notifier.js';
import { DEFAULT_PREFERENCES, type Preferences } from './preferences.js';
import type { NotificationStore } from './notification-store.js';

interface Pending {
  batch: readonly NotificationRequest[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The notifier over a {@link NotificationStore}: `notify` calls made in the same turn of the
 * event loop are written in one transaction at the next microtask (a burst of thousands costs one commit),
 * and each promise resolves once its notification and deliveries are durable. Then the open
 * SSE streams of those users and the delivery dispatcher are woken; sending happens
 * asynchronously. Quiet hours are the orchestrator's policy (it asks {@link quietHours});
 * the notifier delivers what it is given.
 */
export class EmbeddedNotifier implements Notifier, PreferenceLookup {
  private pending: Pending[] = [];

  constructor(
    private readonly store: NotificationStore,
    private readonly hub: InAppHub | undefined,
    private readonly dispatcher: DeliveryDispatcher | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  notify(n: NotificationRequest): Promise<void> {
    if (typeof n?.id !== 'string' || n.id === '' || typeof n.userId !== 'string' || !n.userId) {
      return Promise.reject(new TypeError('a notification needs a non-empty id and userId'));
    }
    return new Promise<void>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => this.flush());
      this.pending.push({ batch: [n], resolve, reject });
    });
  }

  /**
   * Queues a burst (e.g. one tick's recommendations) in one transaction; resolves once all are
   * durable. Ids seen before are skipped, as in {@link notify}.
   * @throws TypeError (as a rejection) naming the first request without an id or user
   */
  notifyMany(requests: readonly NotificationRequest[]): Promise<void> {
    const bad = requests.findIndex(
      (n) => typeof n?.id !== 'string' || n.id === '' || typeof n.userId !== 'string' || !n.userId,
    );
    if (bad >= 0) {
      return Promise.reject(
        new TypeError(`notification ${bad} of the burst needs a non-empty id and userId`),
      );
    }
    if (requests.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => this.flush());
      this.pending.push({ batch: requests, resolve, reject });
    });
  }

  quietHours(userId: string): QuietHours | null | undefined {
    const q = this.store.cachedPreferences(userId)?.quietHours;
    // Not set (`null`, or preferences never stored) → the policy's default window.
    return q === 'none' ? null : (q ?? undefined);
  }

  scheduledReminders(userId: string): boolean {
    return this.store.cachedPreferences(userId)?.scheduledReminders ?? false;
  }

  recommendations(userId: string): 'on' | 'off' | undefined {
    return this.store.cachedPreferences(userId)?.recommendations ?? undefined;
  }

  /** The user's language for texts (`es` unless the user chose `en`). */
  language(userId: string): 'es' | 'en' {
    return this.store.cachedPreferences(userId)?.language ?? DEFAULT_PREFERENCES.language;
  }

  /** Effective preferences (defaults when never set). */
  preferences(userId: string): Preferences {
    return this.store.cachedPreferences(userId) ?? DEFAULT_PREFERENCES;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let result: Set<string> | Promise<Set<string>>;
    try {
      result = this.store.enqueue(
        batch.length === 1 ? batch[0]!.batch : batch.flatMap((p) => p.batch),
        DEFAULT_PREFERENCES,
        this.now(),
      );
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    // The embedded store answers at once: settle in this turn, as before.
    if (result instanceof Set) this.settle(batch, result);
    else {
      result.then(
        (users) => this.settle(batch, users),
        (err: unknown) => {
          for (const p of batch) p.reject(err);
        },
      );
    }
  }

  private settle(batch: readonly Pending[], users: Set<string>): void {
    for (const p of batch) p.resolve();
    this.hub?.wake(users);
    this.dispatcher?.wake();
  }
}
