import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { sleep } from '../util/retry.js';
import type { LeaseStore } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';

/** The work on one leased shard. */
export interface ShardWorker {
  /** Finishes cleanly (flush, checkpoint) while the lease is still held. */
  stop(): Promise<void>;
  /** Drops the work at once, committing nothing more: the lease is lost. */
  abandon(): Promise<void>;
}

export interface ShardLeasesOptions {
  store: LeaseStore;
  /** Prefix of this group's leases. @example 'fx-processor/fx-events' */
  group: string;
  /** This instance: unique per process. */
  owner: string;
  /** Lease time: a dead instance's shards are taken over within about this long. */
  ttlMs: number;
  /** The shards to share (listed again every round). */
  shards: () => Promise<string[]>;
  /** Starts the work on a shard this instance just leased; `keeper.held()` says if it still is. */
  start: (shardId: string, keeper: LeaseKeeper) => Promise<ShardWorker>;
  logger?: Logger;
  /** Told after a round that changed the shards held (status, tests). */
  onChange?: (held: string[]) => void;
  /** @default performance.now */
  now?: () => number;
}

export interface ShardLeases {
  /** The shards this instance works on now. */
  held(): string[];
  /** Stops every worker cleanly, gives their leases back and leaves the group. */
  stop(): Promise<void>;
}

/** Lease names carry the owner in members' leases: keep only the characters names allow. */
function nameSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 120);
}

/**
 * Shares a stream's shards among instances by lease: every instance runs this with the same
 * `group`; each shard is worked by at most one instance at a time. Every third of the TTL an
 * instance renews its shards (abandoning any it lost), announces itself with a member lease,
 * and takes free or expired shards up to its fair share (shards ÷ live members, rounded up),
 * giving back one shard a round while it holds more than that, so a new instance gets work and a
 * dead one's shards are taken over within about the TTL.
 *
 * @example
 * const shared = startShardLeases({ store, group: 'fx-processor/fx-events', owner, ttlMs: 15_000,
 *   shards: () => log.shardIds(), start: (id, keeper) => startWorker(log.shard(id), keeper) });
 */
export function startShardLeases(o: ShardLeasesOptions): ShardLeases {
  const log = (o.logger ?? silentLogger).child({ leaseGroup: o.group });
  const keeperOf = (name: string): LeaseKeeper =>
    new LeaseKeeper({
      store: o.store,
      name,
      owner: o.owner,
      ttlMs: o.ttlMs,
      ...(o.now ? { now: o.now } : {}),
    });
  const shardPrefix = `${o.group}/shards/`;
  const memberPrefix = `${o.group}/members/`;
  const member = keeperOf(`${memberPrefix}${nameSafe(o.owner)}`);
  const interval = Math.max(20, Math.floor(o.ttlMs / 3));
  const workers = new Map<string, { keeper: LeaseKeeper; worker: ShardWorker }>();
  const abort = new AbortController();

  const lose = async (shardId: string, why: string): Promise<void> => {
    const w = workers.get(shardId);
    if (!w) return;
    workers.delete(shardId);
    log.warn({ shardId }, `lost shard (${why}); abandoning its work`);
    w.keeper.drop();
    await w.worker.abandon().catch((err: unknown) => log.error({ err, shardId }, 'abandon failed'));
  };

  const giveBack = async (shardId: string): Promise<void> => {
    const w = workers.get(shardId);
    if (!w) return;
    workers.delete(shardId);
    try {
      await w.worker.stop();
    } catch (err) {
      log.error({ err, shardId }, 'stopping a shard worker failed');
    }
    await w.keeper.release().catch((err: unknown) => log.warn({ err, shardId }, 'release failed'));
  };

  const round = async (): Promise<void> => {
    const before = [...workers.keys()].join(',');
    try {
      await member.acquire();
    } catch (err) {
      log.warn({ err }, 'could not renew the member lease');
    }
    for (const [shardId, w] of [...workers]) {
      try {
        if (!(await w.keeper.renew())) {
          await lose(shardId, 'it changed hands');
          continue;
        }
      } catch (err) {
        log.warn({ err, shardId }, 'could not renew a shard lease');
      }
      if (!w.keeper.held(interval)) await lose(shardId, 'it could not be renewed in time');
    }
    if (abort.signal.aborted) return;
    let shards: string[];
    let leases: Awaited<ReturnType<LeaseStore['list']>>;
    let members: number;
    try {
      shards = await o.shards();
      leases = await o.store.list(shardPrefix);
      members = (await o.store.list(memberPrefix)).filter((m) => !m.expired).length;
    } catch (err) {
      log.warn({ err }, 'could not list shards or leases');
      return;
    }
    const fair = Math.ceil(shards.length / Math.max(1, members));
    const taken = new Set(leases.filter((l) => !l.expired).map((l) => l.name));
    for (const shardId of shards) {
      if (workers.size >= fair || abort.signal.aborted) break;
      const name = `${shardPrefix}${shardId}`;
      if (workers.has(shardId) || taken.has(name)) continue;
      const keeper = keeperOf(name);
      try {
        if (!(await keeper.acquire())) continue;
      } catch (err) {
        log.warn({ err, shardId }, 'could not ask for a shard lease');
        continue;
      }
      try {
        const worker = await o.start(shardId, keeper);
        workers.set(shardId, { keeper, worker });
        log.info({ shardId, token: keeper.lease?.token }, 'took a shard');
      } catch (err) {
        log.error({ err, shardId }, 'could not start a shard worker; giving the shard back');
        await keeper.release().catch(() => {});
      }
    }
    if (workers.size > fair) {
      const extra = [...workers.keys()].at(-1)!;
      log.info({ shardId: extra, fair }, 'giving a shard back to balance the group');
      await giveBack(extra);
    }
    const after = [...workers.keys()].join(',');
    if (after !== before) o.onChange?.([...workers.keys()]);
  };

  const running = (async () => {
    while (!abort.signal.aborted) {
      await round();
      await sleep(interval, abort.signal);
    }
  })();

  return {
    held: () => [...workers.keys()],
    async stop() {
      abort.abort();
      await running;
      for (const shardId of [...workers.keys()]) await giveBack(shardId);
      await member.release().catch(() => {});
      o.onChange?.([]);
    },
  };
}
