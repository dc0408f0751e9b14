import {
  EventLogValidationError,
  validateConsumerName,
  type AppendInput,
  type AppendResult,
  type ConsumerCheckpoint,
  type EventLog,
  type Position,
  type ReadOptions,
  type ReadResult,
} from '../event-log.js';
import type { KinesisCheckpoints } from './kinesis-checkpoints.js';
import { formatKinesisPosition, parseKinesisPosition } from './kinesis-position.js';

/** What a view needs of its `KinesisEventLog` (an interface, so the two files do not import each other). */
export interface ShardedKinesisLog extends Pick<
  EventLog,
  'stream' | 'append' | 'appendBatch' | 'waitForRecords'
> {
  readonly consumerCheckpoints: KinesisCheckpoints;
  readShards(
    from: Position | undefined,
    options: ReadOptions,
    only: string | undefined,
  ): Promise<ReadResult>;
}

/**
 * One shard of a `KinesisEventLog`, for consumers that share a stream by lease: `read`
 * returns only this shard's records, positions name only this shard, and checkpoints go to the
 * consumer's row of this shard (`<consumer>.<shard id>`). A consumer that had checkpointed the
 * whole stream continues from its whole checkpoint's entry for this shard.
 *
 * Caveat: a view does not wait for a parent shard after a reshard (the whole-stream `read`
 * does), so records of one key may be read out of order across a reshard.
 */
export class KinesisShardView implements EventLog {
  readonly stream: string;

  constructor(
    private readonly log: ShardedKinesisLog,
    readonly shardId: string,
  ) {
    this.stream = log.stream;
    if (!/^shardId-[A-Za-z0-9_-]{1,64}$/.test(shardId)) {
      throw new EventLogValidationError(`${JSON.stringify(shardId)} is not a Kinesis shard id`);
    }
  }

  append(record: AppendInput): Promise<AppendResult> {
    return this.log.append(record);
  }

  appendBatch(records: readonly AppendInput[]): Promise<AppendResult[]> {
    return this.log.appendBatch(records);
  }

  async read(from?: Position, options: ReadOptions = {}): Promise<ReadResult> {
    if (from !== undefined) this.checkOwn(from);
    return this.log.readShards(from, options, this.shardId);
  }

  waitForRecords(
    after: Position | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.log.waitForRecords(after, timeoutMs, signal);
  }

  async trimHorizon(): Promise<Position> {
    return formatKinesisPosition({});
  }

  async shardIds(): Promise<string[]> {
    return [this.shardId];
  }

  shard(shardId: string): EventLog {
    if (shardId !== this.shardId) {
      throw new EventLogValidationError(`this view reads ${this.shardId} only, not ${shardId}`);
    }
    return this;
  }

  getCheckpoint(consumer: string): Promise<Position | undefined> {
    return this.log.consumerCheckpoints.getShard(consumer, this.shardId);
  }

  setCheckpoint(consumer: string, position: Position): Promise<void> {
    return this.log.consumerCheckpoints.setShard(consumer, this.shardId, position);
  }

  async listCheckpoints(): Promise<ConsumerCheckpoint[]> {
    const out: ConsumerCheckpoint[] = [];
    for (const c of await this.log.consumerCheckpoints.list()) {
      const seq = parseKinesisPosition(c.position)[this.shardId];
      if (seq !== undefined) {
        out.push({ ...c, position: formatKinesisPosition({ [this.shardId]: seq }) });
      }
    }
    return out;
  }

  deleteCheckpoint(consumer: string): Promise<void> {
    validateConsumerName(consumer);
    return this.log.consumerCheckpoints.deleteShard(consumer, this.shardId);
  }

  /** The view owns nothing: the log stays open. */
  async close(): Promise<void> {}

  private checkOwn(position: Position): void {
    const other = Object.keys(parseKinesisPosition(position)).find((s) => s !== this.shardId);
    if (other !== undefined) {
      throw new EventLogValidationError(
        `a view of ${this.shardId} cannot read from a position of shard ${other}`,
      );
    }
  }
}
