import type { FxDatabase } from './fx-database.js';
import type { LedgerTables } from './ledger-tables.js';
import {
  WRITE_STATEMENTS,
  writeOps,
  type LedgerEntry,
  type TransactionRecord,
} from './ledger-tables.js';
import { SqliteWriterThread } from './sqlite-writer-thread.js';

export interface LedgerRecorderOptions {
  /** A group is sent at most this long after its first entry arrived. @default 10 */
  commitDelayMs?: number;
  /** …or as soon as it has this many entries. @default 2000 */
  commitMaxEntries?: number;
  /**
   * Commit on a worker thread with its own connection (file databases only).
   * @default true for a file database
   */
  thread?: boolean;
  /** Called once, with the first failure to record; the recorder refuses work afterwards. */
  onFailure: (err: unknown) => void;
}

const keyOf = (userId: string, idempotencyKey: string): string =>
  `${userId}\u0000${idempotencyKey}`;

/**
 * Records the ledger's durable (appended) events in SQLite behind the log, in groups: one SQLite
 * transaction per group, on a worker thread for a file database (so commits never stall the
 * event loop), or in this thread for `:memory:`. Until its group is committed an entry's
 * idempotency record is answered from memory (`pendingTx`). Groups are committed one at a time,
 * in order, each moving the ledger's checkpoint to its last position. Internal to the FX API.
 */
export class LedgerRecorder {
  private readonly thread: SqliteWriterThread | undefined;
  private readonly delayMs: number;
  private readonly maxEntries: number;
  /** Entries not yet sent, in log order. */
  private waiting: LedgerEntry[] = [];
  /** Idempotency records of every entry not yet committed. */
  private readonly pending = new Map<string, TransactionRecord>();
  private timer: NodeJS.Timeout | undefined;
  /** The group being committed, if any. */
  private committing: Promise<void> | undefined;
  private failed = false;
  private failure: unknown;

  constructor(
    private readonly tables: LedgerTables,
    db: FxDatabase,
    private readonly options: LedgerRecorderOptions,
  ) {
    this.delayMs = options.commitDelayMs ?? 10;
    this.maxEntries = options.commitMaxEntries ?? 2000;
    const thread = options.thread ?? !db.memory;
    this.thread =
      thread && !db.memory ? new SqliteWriterThread(db.name, WRITE_STATEMENTS) : undefined;
  }

  /** Queues an appended event for recording. */
  add(entry: LedgerEntry): void {
    this.waiting.push(entry);
    const tx = entry.tx;
    if (tx?.idempotencyKey) this.pending.set(keyOf(tx.userId, tx.idempotencyKey), tx);
    if (this.committing) return; // sent when the running commit ends
    if (this.waiting.length >= this.maxEntries) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.delayMs).unref();
  }

  /** The not yet committed transaction of an Idempotency-Key. */
  pendingTx(userId: string, idempotencyKey: string): TransactionRecord | undefined {
    return this.pending.get(keyOf(userId, idempotencyKey));
  }

  /** Resolves once every entry added so far is committed (rejects after a failure). */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.committing) {
      if (this.failed) throw this.failure;
      if (!this.committing) this.send();
      await this.committing;
    }
    if (this.failed) throw this.failure;
  }

  /** Drops the in-memory idempotency records of a committed group. */
  private forget(group: readonly LedgerEntry[]): void {
    for (const e of group) {
      const tx = e.tx;
      if (!tx?.idempotencyKey) continue;
      const key = keyOf(tx.userId, tx.idempotencyKey);
      if (this.pending.get(key) === tx) this.pending.delete(key);
    }
  }

  /**
   * Commits `entry` in this thread, with `also` inside the same transaction, once every entry
   * added before it is committed (entries added meanwhile come later in the log and join it).
   * A failure fails the recorder as a failed group does.
   */
  async commitNow(entry: LedgerEntry, also: () => void): Promise<void> {
    await this.drain();
    const group = [entry, ...this.waiting.splice(0)];
    try {
      this.tables.commit(group, group[group.length - 1]!.position, also);
    } catch (err) {
      this.fail(err);
      throw err;
    }
    this.forget(group);
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failure = err;
    this.failed = true;
    this.options.onFailure(err);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.failed || this.committing || this.waiting.length === 0) return;
    const group = this.waiting.splice(0, this.maxEntries);
    // Appends resolve in log order, so the group's last position is its highest: every account
    // event up to it is in this group or an earlier one.
    const checkpoint = group[group.length - 1]!.position;
    const done = this.thread
      ? this.thread.run(writeOps(group, checkpoint))
      : new Promise<void>((resolve) => {
          this.tables.commit(group, checkpoint);
          resolve();
        });
    this.committing = done.then(
      () => {
        this.forget(group);
        this.committing = undefined;
        // On the thread, what arrived during a commit goes next (natural group commit).
        if (this.waiting.length >= this.maxEntries || (this.thread && this.waiting.length > 0)) {
          this.send();
        } else if (this.waiting.length > 0) {
          this.timer ??= setTimeout(() => this.send(), this.delayMs).unref();
        }
      },
      (err: unknown) => {
        // The events are durable in the log but not recorded: refuse work from now on (the
        // idempotency records stay in memory), and let a reopen catch up from the checkpoint.
        this.committing = undefined;
        this.fail(err);
      },
    );
  }

  /** Commits everything added, then ends the thread. */
  async close(): Promise<void> {
    try {
      await this.drain();
    } finally {
      await this.thread?.close();
    }
  }
}
