import type { Recommendation } from '../../events.js';
import type { LastSuggestion } from './policy.js';

/** A recommendation decided but not yet fully handed on (see {@link OrchestratorState}). */
export interface OutboxEntry {
  event: Recommendation;
  /** Whether its append to the event log was acknowledged. */
  appended: boolean;
}

/**
 * The orchestrator's state port: the last suggestion per user (cooldowns and repeats survive
 * restarts) and an outbox of recommendations between decision and notification. `sqlite/` is the
 * embedded adapter, `postgres/` the one shared by the orchestrator instances of a cluster (the
 * leader elected by lease opens it; a standby that takes over opens it afresh).
 *
 * The last suggestions are read on the hot path for every user of every tick, so adapters load
 * them at open and serve them from memory (the orchestrator is a singleton: the open handle is
 * the only writer); every write goes to the store first and is asynchronous.
 *
 * The outbox makes a crash harmless: a decision is written with its outbox row in one
 * transaction before the append; once notified, the row is deleted. A row whose notification
 * failed is marked `appended` before the orchestrator's checkpoint moves past its tick. On
 * restart, unmarked rows are appended unless the log holds them after the checkpoint (same id
 * and bytes), and every row left is notified again (the notifier is idempotent by id).
 */
export interface OrchestratorState {
  /** The last suggestion made to `userId`. */
  last(userId: string): LastSuggestion | undefined;
  /** The end of the change journal now: pass it to {@link lastsChangedSince} later. */
  lastsCursor(): number;
  /**
   * The users whose last suggestion changed since `cursor`, or `undefined` when the journal no
   * longer reaches back that far (re-read every user).
   */
  lastsChangedSince(cursor: number): readonly string[] | undefined;
  /** Users who ever got a suggestion. */
  readonly size: number;
  /**
   * Records decisions and their outbox rows, all or nothing.
   * @param json each event as `JSON.stringify` gives it, when the caller has it already (the
   *   bytes it appends to the log)
   */
  record(
    entries: readonly { event: Recommendation; last: LastSuggestion }[],
    json?: readonly string[],
  ): Promise<void>;
  /** Records that `userIds` were asked for consent; returns those not asked before (ask them). */
  markConsentAsked(userIds: readonly string[], atMs: number): Promise<string[]>;
  /** Those of `userIds` never asked for consent, in the given order. */
  notConsentAsked(userIds: readonly string[]): Promise<string[]>;
  /** Marks outbox rows whose append was acknowledged. */
  markAppended(ids: readonly string[]): Promise<void>;
  /** Removes outbox rows that were appended and notified. */
  complete(ids: readonly string[]): Promise<void>;
  /** The outbox, oldest first. */
  outbox(): Promise<OutboxEntry[]>;
  close(): Promise<void>;
}
