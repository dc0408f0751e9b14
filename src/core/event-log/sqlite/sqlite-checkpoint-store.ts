import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckpointStore } from '../checkpoint-store.js';
import {
  type ConsumerCheckpoint,
  type Position,
  validateConsumerName,
  validateStreamName,
} from '../event-log.js';

interface Row {
  consumer: string;
  position: string;
  updated_at: number;
}

/**
 * Checkpoints in a SQLite file (WAL, `synchronous=FULL`, so a resolved `set` is durable).
 * Used by the Kinesis adapter when it runs locally; several streams share one file.
 *
 * @example
 * const checkpoints = new SqliteCheckpointStore({ path: path.join(home, 'state', 'checkpoints.sqlite') });
 */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;

  readonly file: string;

  /** @param options.path a database file, or `:memory:` (tests) */
  constructor(options: { path: string }) {
    const file = options.path;
    this.file = file;
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS event_log_checkpoints (
      stream TEXT NOT NULL,
      consumer TEXT NOT NULL,
      position TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (stream, consumer)
    ) WITHOUT ROWID`);
  }

  async get(stream: string, consumer: string): Promise<Position | undefined> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    const row = this.db
      .prepare<[string, string], Pick<Row, 'position'>>(
        'SELECT position FROM event_log_checkpoints WHERE stream = ? AND consumer = ?',
      )
      .get(stream, consumer);
    return row?.position;
  }

  async set(stream: string, consumer: string, position: Position): Promise<void> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    this.db
      .prepare(
        `INSERT INTO event_log_checkpoints (stream, consumer, position, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream, consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      )
      .run(stream, consumer, position, Date.now());
  }

  async list(stream: string): Promise<ConsumerCheckpoint[]> {
    validateStreamName(stream);
    return this.db
      .prepare<[string], Row>(
        'SELECT consumer, position, updated_at FROM event_log_checkpoints WHERE stream = ? ORDER BY consumer',
      )
      .all(stream)
      .map((r) => ({
        consumer: r.consumer,
        position: r.position,
        updatedAt: new Date(r.updated_at),
      }));
  }

  async delete(stream: string, consumer: string): Promise<void> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    this.db
      .prepare('DELETE FROM event_log_checkpoints WHERE stream = ? AND consumer = ?')
      .run(stream, consumer);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
