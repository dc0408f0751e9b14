import type { PgQueryable } from '../../state/postgres/index.js';
import type { CheckpointStore } from '../checkpoint-store.js';
import {
  validateConsumerName,
  validateStreamName,
  type ConsumerCheckpoint,
  type Position,
} from '../event-log.js';

/**
 * Consumer checkpoints in PostgreSQL (`corriente_event_log_checkpoints`), shared by every
 * instance of a consumer: what lets a processor on another machine continue a dead one's shard.
 * A resolved `set` is committed.
 *
 * @example const checkpoints = new PostgresCheckpointStore({ pool });
 */
export class PostgresCheckpointStore implements CheckpointStore {
  private readonly db: PgQueryable;

  /** @param options.pool a pool of the state database; the caller closes it */
  constructor(options: { pool: PgQueryable }) {
    this.db = options.pool;
  }

  async get(stream: string, consumer: string): Promise<Position | undefined> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    const r = await this.db.query<{ position: string }>(
      'SELECT position FROM corriente_event_log_checkpoints WHERE stream = $1 AND consumer = $2',
      [stream, consumer],
    );
    return r.rows[0]?.position;
  }

  async set(stream: string, consumer: string, position: Position): Promise<void> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    await this.db.query(
      `INSERT INTO corriente_event_log_checkpoints (stream, consumer, position, updated_at)
       VALUES ($1, $2, $3, clock_timestamp())
       ON CONFLICT (stream, consumer)
       DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      [stream, consumer, position],
    );
  }

  async list(stream: string): Promise<ConsumerCheckpoint[]> {
    validateStreamName(stream);
    const r = await this.db.query<{ consumer: string; position: string; updated_at: Date }>(
      `SELECT consumer, position, updated_at FROM corriente_event_log_checkpoints
       WHERE stream = $1 ORDER BY consumer COLLATE "C"`,
      [stream],
    );
    return r.rows.map((row) => ({
      consumer: row.consumer,
      position: row.position,
      updatedAt: new Date(row.updated_at),
    }));
  }

  async delete(stream: string, consumer: string): Promise<void> {
    validateStreamName(stream);
    validateConsumerName(consumer);
    await this.db.query(
      'DELETE FROM corriente_event_log_checkpoints WHERE stream = $1 AND consumer = $2',
      [stream, consumer],
    );
  }

  /** The pool belongs to the caller. */
  async close(): Promise<void> {}
}
