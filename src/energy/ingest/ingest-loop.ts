import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/log/logger.js';
import { acquireLock, LockBusyError } from '../../core/lock/pid-lock.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import type { EnergyConfig } from '../energy-config.js';
import type { IngestClaims } from './ingest-claims.js';
import { energyContracts, sourcesOf } from '../contracts/load-contracts.js';
import { ingestOnce, type IngestReport } from './ingest.js';

/** A step of the automatic chain that runs after an ingestion that loaded something. */
export interface ChainStep {
  name: string;
  run(signal: AbortSignal): Promise<string | undefined>;
}

export interface PlatformOptions {
  config: EnergyConfig;
  stores: { source: ObjectStore; datalake: ObjectStore };
  /** The ingestion claims shared with every other ingestion worker of these stores. */
  claims: IngestClaims;
  log: Logger;
  /**
   * Steps run, in order, after each ingestion that loaded files (crawl, transform, …), at start
   * and after `requestChain()`.
   */
  chain?: ChainStep[];
  /** Called with each ingestion report that did something. */
  onIngest?: (report: IngestReport) => void;
}

/**
 * The long-running platform inside `corriente up`: polls the landing store on an interval and
 * whenever a file appears (local landing folders are watched), and runs the chain after loads.
 * `stop()` lets the current file and step finish, then returns.
 */
/** A temp file this old belongs to no write in progress. */
const TEMP_FILE_MAX_AGE_MS = 3_600_000;

export class Platform {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /**
   * The chain is due without a new load: at start (a crash may have cut the previous chain short
   * after its ingestion committed) and on every schedule tick (`requestChain`). Each step is
   * incremental, so it processes exactly the raw partitions newer than their processed and
   * warehouse state, and does nothing when there are none.
   */
  private chainDue = true;
  cycles = 0;

  constructor(private readonly options: PlatformOptions) {}

  start(): void {
    const { config, stores, log } = this.options;
    // A landing store kept in a local folder is also watched, so a new file is taken at once.
    const landingFolder = stores.source.localFolder;
    if (landingFolder !== undefined) {
      try {
        this.watcher = watch(landingFolder, { recursive: true }, () => this.trigger(500));
        this.watcher.on('error', (err) =>
          log.warn({ err }, 'landing folder watch failed; polling only'),
        );
      } catch (err) {
        log.warn({ err }, 'cannot watch the landing folder; polling only');
      }
    }
    // Temp files of writes a crash interrupted (never listed, but they take space).
    for (const store of [stores.source, stores.datalake]) {
      if (!store.sweepTempFiles) continue;
      store.sweepTempFiles(TEMP_FILE_MAX_AGE_MS).then(
        (n) => {
          if (n > 0) log.info({ store: store.url, removed: n }, 'removed stale temp files');
        },
        (err: unknown) => log.warn({ err, store: store.url }, 'could not sweep stale temp files'),
      );
    }
    this.schedule(0);
    log.debug({ pollIntervalSeconds: config.ingest.pollIntervalSeconds }, 'ingestion loop started');
  }

  /** Runs the chain at the next cycle even if nothing new is loaded (the schedule's tick). */
  requestChain(): void {
    this.chainDue = true;
    this.trigger();
  }

  /** Runs one cycle now (or right after the running one). */
  trigger(delayMs = 0): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(delayMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.cycle().then(
        () => undefined,
        () => undefined,
      );
      void this.running.finally(() => {
        this.running = undefined;
        const next = this.again ? 200 : this.options.config.ingest.pollIntervalSeconds * 1000;
        this.again = false;
        this.schedule(next);
      });
    }, delayMs);
  }

  /** One ingestion pass, then the chain when something was loaded. Never throws. */
  async cycle(): Promise<IngestReport | undefined> {
    const { config, stores, log } = this.options;
    this.cycles++;
    let release: (() => void) | undefined;
    try {
      release = acquireLock(path.join(config.home, 'locks', 'ingest.lock'));
    } catch (err) {
      if (err instanceof LockBusyError) {
        log.warn(err.message);
        return undefined;
      }
      throw err;
    }
    let report: IngestReport | undefined;
    try {
      report = await ingestOnce(
        {
          ...stores,
          claims: this.options.claims,
          claimTtlMs: config.ingest.claimTtlSeconds * 1000,
          log,
          timezone: config.timezone,
          maxRecordBytes: config.ingest.maxRecordBytes,
          entities: sourcesOf(energyContracts(config)),
        },
        { minFileAgeMs: config.ingest.minFileAgeSeconds * 1000, signal: this.abort.signal },
      );
      const t = report.totals;
      if (t.deferred > 0) this.again = true;
      if (t.loaded + t.duplicate + t.quarantined + t.failed > 0) this.options.onIngest?.(report);
      if (t.loaded > 0 || this.chainDue) {
        this.chainDue = false;
        for (const step of this.options.chain ?? []) {
          if (this.abort.signal.aborted) break;
          try {
            const summary = await step.run(this.abort.signal);
            if (summary) log.info(`${step.name}: ${summary}`);
          } catch (err) {
            log.error(
              { err },
              `${step.name} failed; it will run again after the next load or schedule tick`,
            );
            break;
          }
        }
      }
    } catch (err) {
      log.error({ err }, 'ingestion cycle failed; retrying at the next poll');
    } finally {
      release();
    }
    return report;
  }

  /** Stops polling; waits for work in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    await this.running;
  }
}
