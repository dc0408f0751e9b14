import type { LeaseStore } from '../../core/lease/lease.js';
import { startShardLeases, type ShardLeases } from '../../core/lease/shard-leases.js';
import { silentLogger } from '../../core/log/logger.js';
import {
  startStreamProcessor,
  STREAM_PROCESSOR_CONSUMER,
  type StreamProcessorOptions,
  type StreamProcessorStats,
} from './stream-processor.js';

export interface SharedStreamProcessorOptions extends Omit<StreamProcessorOptions, 'leaseHeld'> {
  /** Where the shard leases live (the state store every instance shares). */
  leases: LeaseStore;
  /** This instance: unique per process. */
  owner: string;
  /** `fx.leaseSeconds` in ms: a dead instance's shards are taken over within about this long. */
  leaseMs: number;
  /** Told when the shards this instance reads change. */
  onShards?: (held: string[]) => void;
}

export interface SharedStreamProcessor {
  /** Counters summed over every shard this instance has read since start. */
  stats(): StreamProcessorStats & { shards: string[] };
  /** The shards this instance reads now. */
  shards(): string[];
  /** Flushes and checkpoints every shard's batch, gives the leases back and stops. */
  stop(): Promise<void>;
}

const COUNTERS = [
  'batches',
  'records',
  'transactions',
  'ticks',
  'accounts',
  'invalid',
  'applied',
  'duplicates',
  'rejected',
  'files',
] as const;

/**
 * The stream processor as one of many instances: the stream's shards are shared by lease
 * (`fx-processor/<stream>/shards/<shard>` in the state store), and this instance runs a
 * {@link startStreamProcessor} on each shard it holds, reading only that shard and checkpointing
 * it in its own row. A batch is committed only while its shard's lease is safely held; a lost
 * lease abandons the buffered batch, and the taker re-cuts any planned batch exactly (the lake
 * files are rewritten identically and portfolios drop repeated event ids).
 *
 * @example
 * const p = startSharedStreamProcessor({ log, datalake, portfolios, leases, owner, leaseMs: 15_000 });
 * await p.stop();
 */
export function startSharedStreamProcessor(o: SharedStreamProcessorOptions): SharedStreamProcessor {
  const consumer = o.consumer ?? STREAM_PROCESSOR_CONSUMER;
  const logger = o.logger ?? silentLogger;
  const live = new Map<string, () => StreamProcessorStats>();
  const done: StreamProcessorStats[] = [];
  // Commit only with a third of the lease left: time for the batch's writes before it ends.
  const margin = Math.floor(o.leaseMs / 3);
  const leases: ShardLeases = startShardLeases({
    store: o.leases,
    group: `fx-processor/${o.log.stream}`,
    owner: o.owner,
    ttlMs: o.leaseMs,
    shards: () => o.log.shardIds(),
    logger,
    ...(o.onShards ? { onChange: o.onShards } : {}),
    start: async (shardId, keeper) => {
      const p = await startStreamProcessor({
        ...o,
        consumer,
        log: o.log.shard(shardId),
        logger: logger.child({ shardId }),
        leaseHeld: () => keeper.held(margin),
      });
      live.set(shardId, p.stats);
      const finish = async (how: 'stop' | 'abandon'): Promise<void> => {
        try {
          await p[how]();
        } finally {
          done.push(p.stats());
          live.delete(shardId);
        }
      };
      return { stop: () => finish('stop'), abandon: () => finish('abandon') };
    },
  });
  return {
    shards: () => leases.held(),
    stats: () => {
      const current = [...live.values()].map((s) => s());
      const all = [...done, ...current];
      const sum: StreamProcessorStats & { shards: string[] } = {
        batches: 0,
        records: 0,
        transactions: 0,
        ticks: 0,
        accounts: 0,
        invalid: 0,
        applied: 0,
        duplicates: 0,
        rejected: 0,
        files: 0,
        checkpoint: undefined,
        lastBatchAt: undefined,
        lastError: undefined,
        shards: leases.held(),
      };
      for (const s of all) {
        for (const k of COUNTERS) sum[k] += s[k];
        if (s.lastBatchAt && (!sum.lastBatchAt || s.lastBatchAt > sum.lastBatchAt)) {
          sum.lastBatchAt = s.lastBatchAt;
        }
      }
      sum.lastError = current.find((s) => s.lastError)?.lastError;
      return sum;
    },
    stop: () => leases.stop(),
  };
}
