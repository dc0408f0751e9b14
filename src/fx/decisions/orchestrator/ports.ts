/**
 * What the orchestrator needs from its neighbours, by their port types (type-only imports): the
 * online feature store (`src/fx/decisions/features`), the notifier and the preferences (`src/fx/decisions/notify`).
 * The orchestrator imports no implementation.
 */
import type { OnlineFeatureSource } from '../features/online-store.js';
import type { Notifier } from '../notify/notifier.js';

export type { NotificationRequest, Notifier, PreferenceLookup } from '../notify/notifier.js';

/** A notifier that may also take a burst at once (`notifyMany` on the port). */
export type BatchNotifier = Notifier;

/** The online feature store's surface. */
export type FeatureSource = OnlineFeatureSource;
