import type { ConsumerCheckpoint, Position } from './event-log.js';

/**
 * Where named consumers keep their durable positions, per stream. The disk log keeps them in
 * small files beside its segments ({@link FileCheckpointStore}); Kinesis has no place for them,
 * so its adapter takes a store (SQLite locally, DynamoDB on AWS).
 *
 * `set` resolves only once the checkpoint is durable; a crash leaves the old or the new value.
 */
export interface CheckpointStore {
  get(stream: string, consumer: string): Promise<Position | undefined>;
  set(stream: string, consumer: string, position: Position): Promise<void>;
  list(stream: string): Promise<ConsumerCheckpoint[]>;
  /** Deleting a missing checkpoint is not an error. */
  delete(stream: string, consumer: string): Promise<void>;
  close(): Promise<void>;
}
