import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { sleep } from '../util/retry.js';
import type { LeaseStore } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';

/** What a leader runs: stopped when leadership ends. */
export interface LeaderWork {
  stop(): Promise<void>;
}

export interface LeadershipOptions {
  store: LeaseStore;
  /** The lease every candidate competes for. @example 'fx-orchestrator/fx-events' */
  name: string;
  /** This candidate: unique per process. */
  owner: string;
  /** Lease time: a dead leader is replaced within about this long. */
  ttlMs: number;
  /** Starts the singleton's work once this candidate leads. */
  lead: () => Promise<LeaderWork>;
  logger?: Logger;
  /** Told when this candidate starts or stops leading (status, tests). */
  onChange?: (leading: boolean) => void;
  /** @default performance.now */
  now?: () => number;
}

export interface Leadership {
  /** Whether this candidate leads now. */
  readonly leading: boolean;
  /** Stops the work (if leading), gives the lease back and stops competing. */
  stop(): Promise<void>;
}

/**
 * A singleton elected by lease, with standbys: every candidate runs this; the one holding the
 * lease runs `lead()`, renewing every third of the TTL; the others try to take the lease at the
 * same pace, so a dead leader's work restarts elsewhere within the TTL (plus one interval). A
 * leader that cannot renew (lost the lease, or the store is unreachable until its own deadline
 * is near) stops its work first.
 *
 * @example
 * const l = startLeadership({ store, name: 'fx-collector', owner, ttlMs: 15_000,
 *   lead: async () => ({ stop: startPriceCollector(...) }) });
 * await l.stop();
 */
export function startLeadership(o: LeadershipOptions): Leadership {
  const log = (o.logger ?? silentLogger).child({ lease: o.name });
  const keeper = new LeaseKeeper({
    store: o.store,
    name: o.name,
    owner: o.owner,
    ttlMs: o.ttlMs,
    ...(o.now ? { now: o.now } : {}),
  });
  const interval = Math.max(20, Math.floor(o.ttlMs / 3));
  const abort = new AbortController();
  let work: LeaderWork | undefined;

  const depose = async (why: string): Promise<void> => {
    const w = work;
    work = undefined;
    log.warn(`no longer leading (${why}); stopping`);
    try {
      await w?.stop();
    } catch (err) {
      log.error({ err }, 'stopping the leader work failed');
    }
    keeper.drop();
    o.onChange?.(false);
  };

  const round = async (): Promise<void> => {
    if (work) {
      try {
        if (!(await keeper.renew())) return depose('the lease changed hands');
      } catch (err) {
        log.warn({ err }, 'could not renew the lease');
      }
      if (!keeper.held(interval)) await depose('the lease could not be renewed in time');
      return;
    }
    let won = false;
    try {
      won = await keeper.acquire();
    } catch (err) {
      log.warn({ err }, 'could not ask for the lease');
    }
    if (!won || abort.signal.aborted) return;
    try {
      work = await o.lead();
      log.info({ token: keeper.lease?.token }, 'leading');
      o.onChange?.(true);
    } catch (err) {
      log.error({ err }, 'could not start the leader work; giving the lease back');
      await keeper.release().catch(() => {});
    }
  };

  const running = (async () => {
    while (!abort.signal.aborted) {
      await round();
      await sleep(interval, abort.signal);
    }
  })();

  return {
    get leading() {
      return work !== undefined;
    },
    async stop() {
      abort.abort();
      await running;
      if (work) {
        const w = work;
        work = undefined;
        await w.stop();
        o.onChange?.(false);
      }
      await keeper.release().catch((err: unknown) => log.warn({ err }, 'could not release'));
    },
  };
}
