import { startConsumerLoop } from '../../../core/event-log/consumer-loop.js';
import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import {
  type EventLog,
  type EventRecord,
  type Position,
} from '../../../core/event-log/event-log.js';
import {
  fxEventSchema,
  newEventId,
  type FxEvent,
  type PriceTick,
  type Recommendation,
} from '../../events.js';
import { isValidFxEvent } from '../../processor/fast-validate.js';
import { consentRequestOf, notificationOf } from './notification.js';
import { defaultOrchestratorConfig, type OrchestratorConfig } from './orchestrator-config.js';
import type { BatchNotifier, FeatureSource, PreferenceLookup } from './ports.js';
import { rulesScorer } from './rules-scorer.js';
import type { Scorer, UpliftScorer } from './scorer.js';
import type { OrchestratorState } from './orchestrator-state.js';
import { ParallelScoring } from './parallel-scoring.js';
import { TickDecider, type TickReport, type TickTimings } from './tick-decider.js';

/** The orchestrator's default consumer name on the EventLog (its checkpoint). */
export const ORCHESTRATOR_CONSUMER = 'fx-orchestrator';

export interface OrchestratorOptions {
  log: EventLog;
  /** The online feature store; every event read is observed by it. */
  features: FeatureSource;
  /** The approved model's scorer (e.g. `modelScorerSource(handle, names)`); absent → rules. */
  models?: { current(): Scorer | undefined };
  /** The approved uplift model (`fx.orchestrator.rankBy: uplift`, e.g. `upliftScorerSource`). */
  uplift?: { current(): UpliftScorer | undefined };
  /** Where suggestions go (a burst through `notifyMany` when it has one); absent → log only. */
  notifier?: BatchNotifier;
  preferences?: PreferenceLookup;
  state: OrchestratorState;
  /** `fx.orchestrator`. @default the schema's defaults */
  config?: OrchestratorConfig;
  logger?: Logger;
  /** Wall clock (tick freshness, `createdAt`). @default Date.now */
  now?: () => number;
  /** Aborting it stops the live orchestrator as `stop()` does. */
  signal?: AbortSignal;
  /** Called after each tick decided (status displays, benchmarks, tests). */
  onTick?: (outcome: TickOutcome) => void;
  /**
   * GBDT predict worker threads besides the calling one (a pool started with the orchestrator,
   * closed when it stops); 0 scores in the calling thread.
   * @default os.availableParallelism() - 1, at least 1
   */
  scoringWorkers?: number;
  /** Records per read. @default 1000 */
  readMax?: number;
  /** Pause after a failed step (live mode). @default 1000 */
  retryDelayMs?: number;
  /**
   * Decide one made-up tick at start and throw it away, so the first real tick runs compiled
   * code. @default true
   */
  warmUp?: boolean;
}

/** Where one tick's time went, decision and hand-off (milliseconds). */
export interface TickOutcomeTimings extends TickTimings {
  /** The decisions and outbox in the orchestrator's state. */
  recordMs: number;
  /** The Recommendation events in the log. */
  appendMs: number;
  /** Every notification durably queued by the notifier. */
  notifyMs: number;
}

/** One tick handled: what was decided, appended and notified. */
export interface TickOutcome extends Omit<TickReport, 'decided' | 'timings'> {
  timings: TickOutcomeTimings;
  recommendations: Recommendation[];
  notified: number;
  notifyFailures: number;
  /** `performance.now()` when the page holding the tick was read, and when all was handed on. */
  readAt: number;
  doneAt: number;
}

/** Counters since start. */
export interface OrchestratorStats {
  events: number;
  ticks: number;
  /** Ticks decided on; the others were superseded by a newer tick in the same read, or stale. */
  decided: number;
  superseded: number;
  stale: number;
  /** Records that are not valid FX events (skipped; the processor quarantines them). */
  invalid: number;
  recommendations: number;
  byScorer: { model: number; reglas: number };
  /**
   * Suggestions due but over a tick's cap (`policy.maxPerTick`), summed over ticks: a user
   * deferred on three ticks counts three times.
   */
  deferred: number;
  /** Ticks where the model failed and the rules served. */
  fallbacks: number;
  notified: number;
  notifyFailures: number;
  /** Outbox entries re-appended or re-notified at start. */
  recovered: number;
  /** Suggestions of users in the holdout: recorded (`control`) but not notified. */
  heldOut: number;
  /** Consent requests sent (users asked before their first suggestion). */
  consentRequests: number;
  checkpoint: Position | undefined;
  lastError: string | undefined;
}

export interface Orchestrator {
  /** Finishes the current step and stops. */
  stop(): Promise<void>;
  stats(): OrchestratorStats;
}

function parseEvent(record: EventRecord): FxEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(record.data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (isValidFxEvent(value)) return value;
  const parsed = fxEventSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const APPEND_CHUNK = 5000;

/** How `JSON.stringify` starts a Recommendation (its first key is `type`). */
const RECOMMENDATION_PREFIX = Buffer.from('{"type":"Recommendation",', 'utf8');

/**
 * The event of a record, `'recommendation'` for one the orchestrator appended itself (nothing
 * the features use: recognised by its first bytes, not parsed), `undefined` when invalid.
 */
function readEvent(record: EventRecord): FxEvent | 'recommendation' | undefined {
  const d = record.data;
  if (
    d.length > RECOMMENDATION_PREFIX.length &&
    RECOMMENDATION_PREFIX.compare(d, 0, RECOMMENDATION_PREFIX.length) === 0
  ) {
    return 'recommendation';
  }
  return parseEvent(record);
}

/**
 * The inference orchestrator's core: a named, checkpointed consumer of the EventLog. Every
 * event goes to the feature store; on each PriceTick (the newest of a read, so a lagging
 * orchestrator skips superseded ticks; and only while fresh) it decides for every user (see
 * {@link TickDecider}), records the decisions with an outbox in its state, appends the
 * `Recommendation` events (partition key = user id), hands each to the notifier, then
 * checkpoints. A crash at any point neither loses nor duplicates a recommendation in the log
 * (see `SqliteOrchestratorState`).
 */
export class OrchestratorCore {
  readonly config: OrchestratorConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly decider: TickDecider;
  private readonly pool: ParallelScoring;
  private cursor: Position | undefined;
  private readonly unnotified = new Map<string, Recommendation>();
  /** A tick observed but not decided yet (a failed step decides it first when retried). */
  private pendingTick: { tick: PriceTick; readAt: number } | undefined;
  /** An append failed: the outbox must be finished before anything else. */
  private dirty = false;
  readonly stats: OrchestratorStats = {
    events: 0,
    ticks: 0,
    decided: 0,
    superseded: 0,
    stale: 0,
    invalid: 0,
    recommendations: 0,
    byScorer: { model: 0, reglas: 0 },
    deferred: 0,
    fallbacks: 0,
    notified: 0,
    notifyFailures: 0,
    recovered: 0,
    heldOut: 0,
    consentRequests: 0,
    checkpoint: undefined,
    lastError: undefined,
  };

  constructor(private readonly o: OrchestratorOptions) {
    this.config = o.config ?? defaultOrchestratorConfig();
    this.logger = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.pool = new ParallelScoring(o.scoringWorkers, this.logger);
    this.decider = this.newDecider();
  }

  private newDecider(): TickDecider {
    const o = this.o;
    return new TickDecider({
      pool: this.pool,
      features: o.features,
      ...(o.models ? { models: o.models } : {}),
      ...(o.uplift ? { uplift: o.uplift } : {}),
      rules: rulesScorer(o.features.featureNames, this.config.rules),
      config: this.config,
      lastOf: (u) => o.state.last(u),
      lastChanges: {
        cursor: () => o.state.lastsCursor(),
        changedSince: (c) => o.state.lastsChangedSince(c),
      },
      ...(o.preferences ? { preferences: o.preferences } : {}),
      logger: this.logger,
      now: this.now,
    });
  }

  /**
   * Decides a tick that never happened, for every user, and throws the result away (nothing is
   * recorded, appended or notified; errors are ignored: the real ticks report them). The first
   * real tick then runs compiled code like the ticks after it, instead of paying the JIT's warm-up
   * (about 100 ms of 600 for 100,000 users), and finds the decider's buffers allocated and the
   * last suggestions mirrored.
   */
  private async warmUp(): Promise<void> {
    if (this.o.warmUp === false || this.o.features.userIds().length === 0) return;
    const at = new Date(this.now()).toISOString();
    const price = 400_000;
    const tick: PriceTick = {
      type: 'PriceTick',
      version: 1,
      id: 'calentamiento',
      source: 'calentamiento',
      bidCopCents: price,
      askCopCents: price,
      midCopCents: price,
      observedAt: at,
      ingestedAt: at,
    };
    try {
      await this.decider.rehearse(tick);
    } catch {
      // Only a warm-up.
    }
  }

  private get consumer(): string {
    return this.config.consumer;
  }

  /** Reads the checkpoint and finishes what a previous run left in the outbox. */
  async init(): Promise<void> {
    this.cursor = await this.o.log.getCheckpoint(this.consumer);
    this.stats.checkpoint = this.cursor;
    let model;
    try {
      model = this.o.models?.current()?.model;
    } catch {
      // A model that does not fit: each tick logs it and falls back to the rules.
    }
    if (model) await this.pool.start(model);
    await this.recover();
    await this.warmUp();
  }

  /** Stops the predict workers (after the last step). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Finishes the outbox: entries whose append was not acknowledged are appended unless the log
   * already holds them (after the checkpoint), then every entry is notified.
   */
  private async recover(): Promise<void> {
    const outbox = await this.o.state.outbox();
    if (outbox.length === 0) return;
    const unconfirmed = new Map(
      outbox.filter((e) => !e.appended).map((e) => [e.event.id, e.event]),
    );
    if (unconfirmed.size > 0) {
      // Appended before the crash? Then the log holds them after the checkpoint.
      let from = this.stats.checkpoint;
      while (unconfirmed.size > 0) {
        const page = await this.o.log.read(from, { max: 5000 });
        if (page.records.length === 0) break;
        from = page.next;
        for (const r of page.records) {
          if (!r.data.includes('"Recommendation"')) continue;
          const e = parseEvent(r);
          if (e?.type === 'Recommendation') unconfirmed.delete(e.id);
        }
      }
      await this.append([...unconfirmed.values()]);
      await this.o.state.markAppended(outbox.filter((e) => !e.appended).map((e) => e.event.id));
    }
    this.stats.recovered += outbox.length;
    await this.notify(outbox.map((e) => e.event));
    this.logger.info({ recovered: outbox.length }, 'fx orchestrator: finished the outbox');
  }

  /** The cursor after the last record handled. */
  get position(): Position | undefined {
    return this.cursor;
  }

  /**
   * Reads and handles one page of the log, then checkpoints.
   * @returns the number of records read (0: nothing new).
   */
  async step(): Promise<number> {
    if (this.dirty) {
      await this.recover();
      this.dirty = false;
    }
    if (this.pendingTick) await this.handleTick(this.pendingTick.tick, this.pendingTick.readAt);
    if (this.unnotified.size > 0) await this.notify([...this.unnotified.values()]);
    const page = await this.o.log.read(this.cursor, { max: this.o.readMax ?? 1000 });
    if (page.records.length === 0) return 0;
    const readAt = performance.now();
    const events = page.records.map(readEvent);
    let lastTick = -1;
    events.forEach((e, i) => {
      if (e !== 'recommendation' && e?.type === 'PriceTick') lastTick = i;
    });
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      // The cursor moves past each record as it is observed: a failed step resumes after it.
      this.cursor = page.records[i]!.next;
      this.stats.events++;
      if (!e) {
        this.stats.invalid++;
        continue;
      }
      // Recommendations carry nothing the features use.
      if (e === 'recommendation' || e.type === 'Recommendation') continue;
      this.o.features.observe(e);
      if (e.type !== 'PriceTick') continue;
      this.stats.ticks++;
      if (i !== lastTick) this.stats.superseded++;
      else if (this.now() - Date.parse(e.observedAt) > this.config.maxTickAgeSeconds * 1000) {
        this.stats.stale++;
      } else {
        this.pendingTick = { tick: e, readAt };
        await this.handleTick(e, readAt);
      }
    }
    await this.o.log.setCheckpoint(this.consumer, page.next);
    this.stats.checkpoint = page.next;
    return page.records.length;
  }

  private async handleTick(tick: PriceTick, readAt: number): Promise<void> {
    const report = await this.decider.decideAsync(tick);
    const events = report.decided.map((d) => d.event);
    const t0 = performance.now();
    // One serialization: the outbox row and the log record are the same bytes.
    const json = events.map((e) => JSON.stringify(e));
    // Decision and outbox first: after a crash the outbox, not luck, says what was sent.
    await this.o.state.record(report.decided, json);
    this.pendingTick = undefined;
    const t1 = performance.now();
    try {
      await this.appendJson(events, json);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
    const t2 = performance.now();
    const failuresBefore = this.stats.notifyFailures;
    const notified = await this.notify(events);
    // Rows notified are gone from the outbox. Until the checkpoint passes this page, a restart
    // finds these events in the log after it; past it, only `appended` says they are there.
    const left = events.filter((e) => this.unnotified.has(e.id)).map((e) => e.id);
    if (left.length > 0) await this.o.state.markAppended(left);
    if (report.consentRequests) await this.askConsent(report.consentRequests);
    const doneAt = performance.now();
    // The rules' shadow is diagnostics, not a decision: after the hand-off, off its latency.
    const shadow = this.decider.compareShadow();
    if (shadow) report.shadow = shadow;
    const s = this.stats;
    s.decided++;
    s.recommendations += events.length;
    s.byScorer[report.scorer] += events.length;
    s.deferred += report.skipped.deferred;
    s.heldOut += report.heldOut ?? 0;
    if (report.fallback !== undefined) s.fallbacks++;
    if (report.shadow) {
      // Every tick (every 2 s in the demo): debug, so the operator's log stays readable.
      this.logger.debug(
        { tick: tick.id, ...report.shadow, version: report.version },
        'fx orchestrator: rules shadow',
      );
    }
    const { decided: _decided, timings, ...rest } = report;
    this.o.onTick?.({
      ...rest,
      timings: { ...timings, recordMs: t1 - t0, appendMs: t2 - t1, notifyMs: doneAt - t2 },
      recommendations: events,
      notified,
      notifyFailures: s.notifyFailures - failuresBefore,
      readAt,
      doneAt,
    });
  }

  private async append(events: readonly Recommendation[]): Promise<void> {
    await this.appendJson(
      events,
      events.map((e) => JSON.stringify(e)),
    );
  }

  /** Appends `events` (partition key = user id) as the bytes of `json`. */
  private async appendJson(
    events: readonly Recommendation[],
    json: readonly string[],
  ): Promise<void> {
    for (let i = 0; i < events.length; i += APPEND_CHUNK) {
      const end = Math.min(events.length, i + APPEND_CHUNK);
      const records = [];
      for (let k = i; k < end; k++) {
        records.push({ partitionKey: events[k]!.userId, data: Buffer.from(json[k]!, 'utf8') });
      }
      await this.o.log.appendBatch(records);
    }
  }

  /**
   * Asks the users not asked before whether they want recommendations (once each; a failed
   * request is logged and asked again at their next due suggestion).
   */
  private async askConsent(userIds: readonly string[]): Promise<void> {
    const notifier = this.o.notifier;
    if (!notifier) return;
    const state = this.o.state;
    const fresh = await state.notConsentAsked(userIds);
    if (fresh.length === 0) return;
    const nowMs = this.now();
    const at = new Date(nowMs).toISOString();
    const prefs = this.o.preferences;
    const requests = fresh.map((u) =>
      consentRequestOf(u, newEventId(nowMs), at, prefs?.language?.(u)),
    );
    try {
      if (notifier.notifyMany) await notifier.notifyMany(requests);
      else await Promise.all(requests.map((r) => notifier.notify(r)));
    } catch (err) {
      this.logger.warn({ err, users: fresh.length }, 'consent requests failed; will ask again');
      return;
    }
    await state.markConsentAsked(fresh, nowMs);
    this.stats.consentRequests += fresh.length;
  }

  /**
   * Hands each to the notifier; failures stay in the outbox and are retried next step. Held-out
   * (`control`) recommendations are recorded and appended but never notified.
   */
  private async notify(all: readonly Recommendation[]): Promise<number> {
    if (all.length === 0) return 0;
    const control = all.filter((e) => e.group === 'control');
    if (control.length > 0) {
      await this.o.state.complete(control.map((e) => e.id));
      for (const e of control) this.unnotified.delete(e.id);
    }
    const events = control.length > 0 ? all.filter((e) => e.group !== 'control') : all;
    if (events.length === 0) return 0;
    const notifier = this.o.notifier;
    if (!notifier) {
      await this.o.state.complete(events.map((e) => e.id));
      return 0;
    }
    const prefs = this.o.preferences;
    const requests = events.map((e) => notificationOf(e, prefs?.language?.(e.userId)));
    const results: PromiseSettledResult<void>[] = notifier.notifyMany
      ? await notifier.notifyMany(requests).then(
          () => requests.map(() => ({ status: 'fulfilled', value: undefined }) as const),
          (reason: unknown) => requests.map(() => ({ status: 'rejected', reason }) as const),
        )
      : await Promise.allSettled(requests.map((r) => notifier.notify(r)));
    const done: string[] = [];
    results.forEach((r, i) => {
      const e = events[i]!;
      if (r.status === 'fulfilled') {
        done.push(e.id);
        this.unnotified.delete(e.id);
      } else {
        this.stats.notifyFailures++;
        if (!this.unnotified.has(e.id)) {
          this.logger.warn(
            { err: r.reason, recommendation: e.id },
            'notification failed; will retry',
          );
        }
        this.unnotified.set(e.id, e);
      }
    });
    await this.o.state.complete(done);
    this.stats.notified += done.length;
    return done.length;
  }
}

/**
 * Handles everything the log holds after the orchestrator's checkpoint, then returns its
 * counters. What tests and one-shot commands run.
 */
export async function processOrchestratorAvailable(
  options: Omit<OrchestratorOptions, 'retryDelayMs'>,
): Promise<OrchestratorStats> {
  const core = new OrchestratorCore(options);
  try {
    await core.init();
    while (!options.signal?.aborted && (await core.step()) > 0) {
      /* next page */
    }
  } finally {
    await core.close();
  }
  return { ...core.stats };
}

/**
 * Starts the orchestrator (the inference-orchestrator Lambda's role in process): follows the
 * log as consumer `fx.orchestrator.consumer`, deciding on each fresh tick. Failures are logged
 * and retried after `retryDelayMs`; the checkpoint moves only after a page is fully handled.
 *
 * @example
 * const orchestrator = await startOrchestrator({ log, features, models, notifier, preferences, state, config });
 * // …
 * await orchestrator.stop();
 */
export async function startOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const core = new OrchestratorCore(options);
  const logger = options.logger ?? silentLogger;
  try {
    await core.init();
  } catch (err) {
    await core.close();
    throw err;
  }
  const loop = startConsumerLoop({
    step: async () => {
      const n = await core.step();
      core.stats.lastError = undefined;
      return n === 0 ? 1000 : 0;
    },
    waitForRecords: (ms, signal) => options.log.waitForRecords(core.position, ms, signal),
    onError: (err) => {
      core.stats.lastError = (err as Error).message;
      logger.error({ err }, 'fx orchestrator step failed; retrying');
    },
    retryDelayMs: options.retryDelayMs ?? 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ ...core.stats, byScorer: { ...core.stats.byScorer } }),
    stop: () => {
      stopped ??= (async () => {
        await loop.stop();
        await core.close();
      })();
      return stopped;
    },
  };
}
