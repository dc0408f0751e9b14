import { validateConsumerName, type ConsumerCheckpoint, type Position } from './event-log.js';

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

/**
 * The `EventLog` port's checkpoint methods for one stream over a {@link CheckpointStore}: consumer
 * names are validated, and a position is checked by the adapter's own parser before it is kept.
 * Both adapters delegate to it.
 */
export class StreamCheckpoints {
  constructor(
    private readonly store: CheckpointStore,
    private readonly stream: string,
    /** Throws for a position this adapter could not have produced. */
    private readonly checkPosition: (position: Position) => unknown,
  ) {}

  // async: a bad name rejects the promise, as every EventLog method does, rather than throwing.
  async get(consumer: string): Promise<Position | undefined> {
    validateConsumerName(consumer);
    return this.store.get(this.stream, consumer);
  }

  async set(consumer: string, position: Position): Promise<void> {
    validateConsumerName(consumer);
    this.checkPosition(position);
    await this.store.set(this.stream, consumer, position);
  }

  list(): Promise<ConsumerCheckpoint[]> {
    return this.store.list(this.stream);
  }

  delete(consumer: string): Promise<void> {
    return this.store.delete(this.stream, consumer);
  }
}
