import type { AppendInput, EventLog } from '../../event-log/event-log.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { backoffMs, sleep } from '../../util/retry.js';
import type { PgPool } from './pg-pool.js';
import { withTransaction } from './transaction.js';

/** The columns an outbox table has (see {@link outboxTableSql}). */
export function outboxTableSql(table: string): string {
  assertName(table);
  return `CREATE TABLE ${table} (
    seq bigserial PRIMARY KEY,
    partition_key text NOT NULL,
    payload text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`;
}

function assertName(table: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad outbox table name ${table}`);
}

export interface OutboxRelayOptions {
  pool: PgPool;
  /** The outbox table (created by a migration with {@link outboxTableSql}). */
  table: string;
  eventLog: EventLog;
  /** Advisory lock key: one relay of this outbox runs at a time across all processes. */
  lockKey: number;
  /** Records appended per round. @default 500 */
  batch?: number;
  /** Look for rows at least this often without a kick (rows of dead processes). @default 200 */
  pollMs?: number;
  /**
   * Vacuum the table after this many rows were relayed by this process (0: never). Every relayed
   * row is deleted, and the server's autovacuum looks at a table once a minute at best: under
   * load the dead rows pile up at the head of the index each round reads from.
   * @default 20000
   */
  vacuumEveryRows?: number;
  /**
   * After a round that found fewer than `batch` rows, wait this long before the next one even
   * when kicked, so rows written meanwhile travel together (fewer, larger appends and commits).
   * @default 10
   */
  coalesceMs?: number;
  logger?: Logger;
}

/**
 * Carries rows of a transactional outbox to the event log at least once: in one transaction
 * holding an advisory lock (so one relay runs at a time, and records reach the log in outbox
 * order), it deletes the oldest rows, appends them to the log, and commits (without waiting
 * for the WAL flush). A crash after the append and before the commit, or a server crash that
 * loses the commit, appends them again later: consumers drop repeats by event id. Rounds that
 * follow a write wait `coalesceMs` so rows travel in fewer appends, and the table is vacuumed
 * every `vacuumEveryRows` relayed rows.
 * Writers of one partition key serialize on their own row lock, so each key's records are
 * appended in commit order.
 *
 * @example
 * const relay = new OutboxRelay({ pool, table: 'fx_outbox', eventLog, lockKey: 0x6678 });
 * relay.start(); // …after each write: relay.kick()
 */
export class OutboxRelay {
  private readonly batch: number;
  private readonly pollMs: number;
  private readonly logger: Logger;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private kicked = false;
  private readonly vacuumEveryRows: number;
  private readonly coalesceMs: number;
  private relayedSinceVacuum = 0;
  /** Rows relayed by this process since it started. */
  relayed = 0;
  /** VACUUMs this process ran. */
  vacuums = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    assertName(options.table);
    this.batch = options.batch ?? 500;
    this.pollMs = options.pollMs ?? 200;
    this.vacuumEveryRows = options.vacuumEveryRows ?? 20_000;
    this.coalesceMs = options.coalesceMs ?? 10;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * One round: appends up to `batch` rows and deletes them.
   * @returns rows relayed, or -1 when another process holds the relay lock.
   */
  async relayOnce(): Promise<number> {
    const n = await this.relayRound();
    if (n > 0) {
      this.relayed += n;
      this.relayedSinceVacuum += n;
      if (this.vacuumEveryRows > 0 && this.relayedSinceVacuum >= this.vacuumEveryRows) {
        this.relayedSinceVacuum = 0;
        await this.vacuum();
      }
    }
    return n;
  }

  /**
   * Removes the deleted rows (a lazy VACUUM: it does not block inserts or the next round). A
   * failure (e.g. a role that does not own the table) is logged: autovacuum still does it later.
   */
  private async vacuum(): Promise<void> {
    try {
      await this.options.pool.query(`VACUUM (SKIP_LOCKED) ${this.options.table}`);
      this.vacuums++;
    } catch (err) {
      this.logger.warn({ err }, `outbox relay: VACUUM ${this.options.table} failed`);
    }
  }

  private async relayRound(): Promise<number> {
    const { table } = this.options;
    return withTransaction(this.options.pool, async (c) => {
      // The commit that deletes relayed rows need not wait for its WAL flush: if the server
      // loses it, the rows are relayed again, which at-least-once delivery allows.
      const lock = await c.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_xact_lock($1) AS ok, set_config('synchronous_commit', 'off', true)`,
        [this.options.lockKey],
      );
      if (!lock.rows[0]?.ok) return -1;
      // Deleted first, appended next, committed last: a failed append rolls the delete back.
      const rows = await c.query<{ partition_key: string; payload: string }>(
        `WITH d AS (DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} ORDER BY seq LIMIT $1)
           RETURNING seq, partition_key, payload)
         SELECT partition_key, payload FROM d ORDER BY seq`,
        [this.batch],
      );
      if (rows.rows.length === 0) return 0;
      const records: AppendInput[] = rows.rows.map((r) => ({
        partitionKey: r.partition_key,
        data: Buffer.from(r.payload, 'utf8'),
      }));
      await this.options.eventLog.appendBatch(records);
      return rows.rows.length;
    });
  }

  /** Rows still waiting in the outbox. */
  async pending(): Promise<number> {
    const r = await this.options.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.options.table}`,
    );
    return Number(r.rows[0]!.n);
  }

  /** Asks the running loop to look now (after a write). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Starts relaying in the background until `stop()`. */
  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let n: number;
      try {
        this.kicked = false;
        n = await this.relayOnce();
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ err }, 'outbox relay: round failed; retrying');
        await sleep(backoffMs(failures, { baseMs: 50, capMs: 2000 }));
        continue;
      }
      if (n === this.batch) continue;
      if (n > 0 && this.kicked) {
        if (this.coalesceMs > 0) await sleep(this.coalesceMs);
        continue;
      }
      // Nothing left: wait for a kick or the poll. Another process relays (n = -1): it carries
      // this process's rows too, so wait the poll whatever the kicks (trying the lock on every
      // write would cost each instance a transaction per write under load).
      const contended = n === -1;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.pollMs);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.wake = contended ? () => this.stopped && done() : done;
        if ((this.kicked && !contended) || this.stopped) done();
      });
      this.wake = undefined;
    }
  }

  /** Stops after the running round; then relays what is left once (best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    try {
      while ((await this.relayOnce()) > 0);
    } catch (err) {
      this.logger.warn({ err }, 'outbox relay: rows left for another process');
    }
  }
}
