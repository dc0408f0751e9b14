/**
 * What the orchestrator needs from its neighbours, as type-only shapes: the online feature
 * store (`src/ml/features`), the notifier and the preferences (`src/fx/notify`). The real
 * classes satisfy them structurally; the orchestrator imports no implementation.
 */
import type { FxEvent } from '../events.js';
import type { Portfolio } from '../portfolio/portfolio.js';

import type { NotificationRequest, Notifier } from '../notify/notifier.js';

export type { NotificationRequest, Notifier, PreferenceLookup } from '../notify/notifier.js';

/** A notifier that may also take a burst at once (one durable write for all). */
export interface BatchNotifier extends Notifier {
  /**
   * Resolves once every request is durably queued (idempotent by id, as `notify`); rejects
   * when none was (the burst is one transaction).
   */
  notifyMany?(requests: readonly NotificationRequest[]): Promise<void>;
}

/** The online feature store's surface (`OnlineFeatureSource` in `src/ml/features`). */
export interface FeatureSource {
  readonly featureNames: readonly string[];
  observe(event: FxEvent): void;
  userIds(): readonly string[];
  /** Row-major `userIds.length × featureNames.length` vectors at `atMs`. */
  vectors(userIds: readonly string[], atMs: number, out?: Float32Array): Float32Array;
  portfolio(userId: string): Portfolio | undefined;
  typicalTicketUsdCents(userId: string): number | undefined;
}
