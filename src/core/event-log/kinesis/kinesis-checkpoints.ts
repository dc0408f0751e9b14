import type { CheckpointStore } from '../checkpoint-store.js';
import {
  EventLogValidationError,
  validateConsumerName,
  type ConsumerCheckpoint,
  type Position,
} from '../event-log.js';
import {
  formatKinesisPosition,
  parseKinesisPosition,
  type ShardPositions,
} from './kinesis-position.js';

/** Shard ids as Kinesis names them; a per-shard row is `<consumer>.<shard id>`. */
const SHARD_ROW = /^(.+)\.(shardId-[A-Za-z0-9_-]+)$/;

/**
 * A Kinesis stream's consumer checkpoints, whole or per shard. Consumers sharing a stream by
 * lease checkpoint each shard in its own row (`<consumer>.<shard id>`), so instances never
 * overwrite each other's shards; the whole-stream view of a consumer is its whole row with
 * its shard rows laid over it, so readers of the whole position (reconcile, status) see every
 * shard's progress.
 */
export class KinesisCheckpoints {
  constructor(
    private readonly store: CheckpointStore,
    private readonly stream: string,
  ) {}

  private async rowsOf(consumer: string): Promise<{ whole?: string; shards: ShardPositions }> {
    const shards: ShardPositions = {};
    let whole: string | undefined;
    for (const c of await this.store.list(this.stream)) {
      if (c.consumer === consumer) whole = c.position;
      const m = SHARD_ROW.exec(c.consumer);
      if (m && m[1] === consumer) {
        const seq = parseKinesisPosition(c.position)[m[2]!];
        if (seq !== undefined) shards[m[2]!] = seq;
      }
    }
    return whole === undefined ? { shards } : { whole, shards };
  }

  /** The whole-stream position: the whole row with every shard row laid over it. */
  async get(consumer: string): Promise<Position | undefined> {
    validateConsumerName(consumer);
    const { whole, shards } = await this.rowsOf(consumer);
    if (whole === undefined && Object.keys(shards).length === 0) return undefined;
    return formatKinesisPosition({ ...(whole ? parseKinesisPosition(whole) : {}), ...shards });
  }

  /** Sets the whole position; shard rows are brought in line with it. */
  async set(consumer: string, position: Position): Promise<void> {
    validateConsumerName(consumer);
    const wanted = parseKinesisPosition(position);
    await this.store.set(this.stream, consumer, position);
    const { shards } = await this.rowsOf(consumer);
    for (const shardId of Object.keys(shards)) {
      const seq = wanted[shardId];
      if (seq === undefined) await this.store.delete(this.stream, rowName(consumer, shardId));
      else {
        await this.store.set(
          this.stream,
          rowName(consumer, shardId),
          formatKinesisPosition({ [shardId]: seq }),
        );
      }
    }
  }

  /** One consumer's position in one shard (its shard row, else its whole row's entry). */
  async getShard(consumer: string, shardId: string): Promise<Position | undefined> {
    validateConsumerName(consumer);
    const own = await this.store.get(this.stream, rowName(consumer, shardId));
    if (own !== undefined) return own;
    const whole = await this.store.get(this.stream, consumer);
    const seq = whole === undefined ? undefined : parseKinesisPosition(whole)[shardId];
    return seq === undefined ? undefined : formatKinesisPosition({ [shardId]: seq });
  }

  /** Sets one shard's row; the position may name only that shard. */
  async setShard(consumer: string, shardId: string, position: Position): Promise<void> {
    validateConsumerName(consumer);
    const parsed = parseKinesisPosition(position);
    const other = Object.keys(parsed).find((s) => s !== shardId);
    if (other !== undefined) {
      throw new EventLogValidationError(
        `a checkpoint of shard ${shardId} cannot hold a position of shard ${other}`,
      );
    }
    await this.store.set(this.stream, rowName(consumer, shardId), position);
  }

  async deleteShard(consumer: string, shardId: string): Promise<void> {
    validateConsumerName(consumer);
    await this.store.delete(this.stream, rowName(consumer, shardId));
  }

  /** Every consumer once, with its whole-stream position. */
  async list(): Promise<ConsumerCheckpoint[]> {
    const byConsumer = new Map<string, { position: ShardPositions; updatedAt: Date }>();
    const rows = await this.store.list(this.stream);
    // Whole rows first, so shard rows lay over them.
    const ordered = [
      ...rows.filter((r) => !SHARD_ROW.test(r.consumer)),
      ...rows.filter((r) => SHARD_ROW.test(r.consumer)),
    ];
    for (const r of ordered) {
      const m = SHARD_ROW.exec(r.consumer);
      const consumer = m ? m[1]! : r.consumer;
      const entry = byConsumer.get(consumer) ?? { position: {}, updatedAt: r.updatedAt };
      const parsed = parseKinesisPosition(r.position);
      if (m) {
        const seq = parsed[m[2]!];
        if (seq !== undefined) entry.position[m[2]!] = seq;
      } else Object.assign(entry.position, parsed);
      if (r.updatedAt > entry.updatedAt) entry.updatedAt = r.updatedAt;
      byConsumer.set(consumer, entry);
    }
    return [...byConsumer.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([consumer, e]) => ({
        consumer,
        position: formatKinesisPosition(e.position),
        updatedAt: e.updatedAt,
      }));
  }

  /** Forgets the consumer: its whole row and every shard row. */
  async delete(consumer: string): Promise<void> {
    validateConsumerName(consumer);
    const { shards } = await this.rowsOf(consumer);
    for (const shardId of Object.keys(shards)) {
      await this.store.delete(this.stream, rowName(consumer, shardId));
    }
    await this.store.delete(this.stream, consumer);
  }
}

function rowName(consumer: string, shardId: string): string {
  const name = `${consumer}.${shardId}`;
  validateConsumerName(name);
  return name;
}
