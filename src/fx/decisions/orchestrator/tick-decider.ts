import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import { newEventId, type PriceTick } from '../../events.js';
import type { OrchestratorConfig, PolicyConfig } from './orchestrator-config.js';
import { FEATURE_VERSION } from '../features/feature-names.js';
import { featuresHash, isHeldOut, policyVersion } from './holdout.js';
import {
  decide,
  gateValues,
  SAFETY_RULES,
  SKIP_REASONS,
  weekAfter,
  type PolicyInput,
  type LastSuggestion,
  type PolicyDecision,
  type SkipReason,
} from './policy.js';
import type { FeatureSource, PreferenceLookup } from './ports.js';
import { LastsMirror, type LastChanges } from './lasts-mirror.js';
import { QuietHoursClock } from './quiet-hours.js';
import type { Side } from './reasons.js';
import type { Scorer, UpliftScorer } from './scorer.js';
import { mostProbable, SuggestionsDue } from './suggestions-due.js';
import type { ModelPool, ShadowReport, TickReport, TickTimings } from './tick-report.js';

export type { Decided, ModelPool, ShadowReport, TickReport, TickTimings } from './tick-report.js';

interface Prepared {
  tick: PriceTick;
  atMs: number;
  total: number;
  /** Every user (`userIds()`); row `i` of `x` is user `all[positions[i]]`. */
  all: readonly string[];
  positions: Int32Array;
  n: number;
  x: Float32Array;
  skipped: Record<SkipReason, number>;
  timings: TickTimings;
}

interface Scored {
  scorer: Scorer;
  probs: Float64Array;
  fallback?: string;
}

export interface TickDeciderOptions {
  features: FeatureSource;
  /** The approved model's scorer right now; `undefined` (or absent) → the rules serve. */
  models?: { current(): Scorer | undefined };
  /**
   * The approved uplift model right now, used with `config.rankBy: 'uplift'` (on the model's
   * suggestions; the rules' are ranked by their scores); `undefined` → propensity ranking.
   */
  uplift?: { current(): UpliftScorer | undefined };
  rules: Scorer;
  config: Pick<
    OrchestratorConfig,
    'policy' | 'outcomeHorizonHours' | 'shadowRules' | 'scoreBatchSize'
  > &
    Partial<Pick<OrchestratorConfig, 'holdoutPercent' | 'holdoutSalt' | 'rankBy' | 'minUplift'>> & {
      /** The rules' own threshold. @default 0.6 */
      rules?: Pick<OrchestratorConfig['rules'], 'threshold'>;
    };
  /** The last suggestion of a user (the state store's in-memory view). */
  lastOf: (userId: string) => LastSuggestion | undefined;
  /**
   * The state store's journal of changed last suggestions: the decider mirrors every user's by
   * position (read in order by the gate) and re-reads only the changed ones each tick. Absent
   * (the backtest, tests), every user's is read again each tick.
   */
  lastChanges?: LastChanges;
  preferences?: PreferenceLookup;
  /** Scores model rows for {@link TickDecider.decideAsync}; absent → in the calling thread. */
  pool?: ModelPool;
  logger?: Logger;
  /** Clock for `createdAt` and the ids. @default Date.now */
  now?: () => number;
}

function emptySkips(): Record<SkipReason, number> {
  const skips = {} as Record<SkipReason, number>;
  for (const r of SKIP_REASONS) skips[r] = 0;
  return skips;
}

/** Refusals by a safety rule (logged per user at debug); the others are routine. */
const SAFETY_REFUSALS: ReadonlySet<SkipReason> = new Set<SkipReason>([
  'opted-out',
  'below-cost',
  'reversal',
  'scheduled',
  'weekly-cap',
  'backoff',
  'consent-pending',
]);

/** What the rules' shadow of a tick compares with: the tick's rows and the model's sides. */
interface ShadowInput {
  p: Prepared;
  /** Per scored user: 0 silent, 1 BUY, 2 SELL (the model's policy decision before the cap). */
  modelSides: Uint8Array;
  /** The last suggestion of each user suggested to at this tick, before it (the state moves on). */
  lastBefore: Map<string, LastSuggestion | undefined>;
}

const SIDE_CODE = { BUY: 1, SELL: 2 } as const;
const SIDE_OF = [null, 'BUY', 'SELL'] as const;

const SILENT: PolicyDecision = { action: 'skip', why: 'below-threshold' };
const NO_PORTFOLIO: PolicyDecision = { action: 'skip', why: 'no-funds' };

/**
 * Decides one price tick for every user the feature source knows. Users the policy must skip
 * whatever their scores (no funds, quiet hours, cooldown: see `gate`) are counted and left out;
 * the others get their vectors in one batch (in shared memory), scored by the model (in batches
 * of `scoreBatchSize`, or by the parallel predictor in `decideAsync`; the rules without a model
 * or when the model throws), the policy per user, and reasons for those who get a suggestion. With a model
 * and `shadowRules`, the rules score the same vectors and their decisions are compared.
 * The same code serves `corriente up` and the backtest (which passes a simulated clock).
 */
export class TickDecider {
  private x: Float32Array = new Float32Array(new SharedArrayBuffer(0));
  private positions = new Int32Array(0);
  private readonly due = new SuggestionsDue();
  /** See {@link input}. */
  private readonly scratch: PolicyInput = {
    pBuy: 0,
    pSell: 0,
    copCents: 0,
    usdCents: 0,
    typicalTicketUsdCents: undefined,
    buyTicketUsdCents: undefined,
    sellTicketUsdCents: undefined,
    avgCostCopCents: 0,
    lastBuyMs: NaN,
    lastSellMs: NaN,
    recommendations: 'on',
    scheduledSide: undefined,
    wantsReminders: false,
    bidCopCents: 0,
    askCopCents: 0,
    atMs: 0,
    last: undefined,
    quietHours: undefined,
  };
  private readonly lasts: LastsMirror;
  private poolProbs = new Float64Array(new SharedArrayBuffer(0));
  /** Per suggestion due this tick, its predicted uplift (with `rankBy: 'uplift'`). */
  private upliftRank = new Float64Array(0);
  private probs = new Float64Array(0);
  private shadowProbs = new Float64Array(0);
  private readonly clock = new QuietHoursClock();
  private rulesPolicyCache: PolicyConfig | undefined;
  /** The last tick's shadow, until {@link compareShadow} (or the next tick) takes it. */
  private pendingShadow: ShadowInput | undefined;
  /** While the shadow is compared: the last suggestions as they were before its tick. */
  private lastOverride: Map<string, LastSuggestion | undefined> | undefined;
  private logger: Logger;
  private readonly now: () => number;
  /** Columns of the days since the last BUY / SELL in the vectors (-1: not computed). */
  private readonly daysBuyCol: number;
  private readonly daysSellCol: number;
  /** Columns of the quincena habit (-1: not computed). */
  private readonly buyQuincenaCol: number;
  private readonly sellQuincenaCol: number;
  private readonly hoursToQuincenaCol: number;
  /** See {@link policyVersion}. */
  readonly policyVersion: string;

  constructor(private readonly o: TickDeciderOptions) {
    this.logger = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.daysBuyCol = o.features.featureNames.indexOf('dias_desde_ultima_compra');
    this.daysSellCol = o.features.featureNames.indexOf('dias_desde_ultima_venta');
    this.buyQuincenaCol = o.features.featureNames.indexOf('fraccion_compras_quincena');
    this.sellQuincenaCol = o.features.featureNames.indexOf('fraccion_ventas_quincena');
    this.hoursToQuincenaCol = o.features.featureNames.indexOf('horas_hasta_quincena_habitual');
    this.policyVersion = policyVersion(o.config);
    this.lasts = new LastsMirror(
      o.lastOf,
      (userId) => o.features.positionOf(userId),
      o.lastChanges,
    );
  }

  /** Decides `tick` (the features must have observed it), scoring synchronously. Appends nothing. */
  decide(tick: PriceTick): TickReport {
    const p = this.prepare(tick);
    const t = performance.now();
    let scored: Scored;
    try {
      const scorer = this.o.models?.current() ?? this.o.rules;
      scored = { scorer, probs: this.check(scorer, this.score(scorer, p.x, p.n), p.n) };
    } catch (err) {
      scored = this.fallback(err, tick, p);
    }
    const report = this.finish(p, scored, t);
    report.shadow = this.compareShadow();
    if (!report.shadow) delete report.shadow;
    return report;
  }

  /**
   * Decides `tick` as {@link decide} does, with identical results, but a model scorer's rows go
   * to the parallel predictor when one was given (the live orchestrator's path), and the rules'
   * shadow is left out of the report: call {@link compareShadow} once the decisions are handed
   * on, before the next tick (it reads this tick's rows).
   */
  async decideAsync(tick: PriceTick): Promise<TickReport> {
    const p = this.prepare(tick);
    const t = performance.now();
    let scored: Scored;
    try {
      const scorer = this.o.models?.current() ?? this.o.rules;
      let probs: Float64Array;
      if (this.o.pool && scorer.model && p.n > 0) {
        // The pool returns the trees' raw probabilities; the scorer calibrates them as `score` does.
        probs = await this.o.pool.predict(scorer.model, p.x, p.n, this.sharedProbs(p.n));
        scorer.calibrate?.(probs, p.n);
      } else probs = this.score(scorer, p.x, p.n);
      scored = { scorer, probs: this.check(scorer, probs, p.n) };
    } catch (err) {
      scored = this.fallback(err, tick, p);
    }
    return this.finish(p, scored, t);
  }

  /**
   * Decides `tick` as {@link decideAsync} does, shadow included, throws the result away and logs
   * nothing: before the first real tick, so that it finds the code compiled, its buffers
   * allocated and the last suggestions mirrored. Errors are the caller's to ignore.
   */
  async rehearse(tick: PriceTick): Promise<void> {
    const logger = this.logger;
    this.logger = silentLogger;
    try {
      await this.decideAsync(tick);
      this.compareShadow();
    } finally {
      this.logger = logger;
    }
  }

  /** Gates every user, then computes the vectors of those the scores can still decide. */
  private prepare(tick: PriceTick): Prepared {
    const { features, config } = this.o;
    // A shadow not compared (its tick failed after the decision) would read rows overwritten now.
    this.pendingShadow = undefined;
    const t0 = performance.now();
    const atMs = Date.parse(tick.observedAt);
    const all = features.userIds();
    const skipped = emptySkips();
    if (this.positions.length < all.length) this.positions = new Int32Array(all.length);
    const positions = this.positions;
    this.lasts.sync(all);
    // Typed arrays read in order: one object per user would be a cache miss per user.
    const { copCents, usdCents } = features.balancesByPosition();
    const lastAt = this.lasts.atMs;
    const holdUntil = this.lasts.holdUntilMs;
    const prefs = this.o.preferences;
    const byDefault = config.policy.quietHours;
    const quietByDefault = byDefault !== null && this.clock.isQuiet(byDefault, atMs);
    let n = 0;
    for (let k = 0; k < all.length; k++) {
      const cop = copCents[k]!;
      const own = prefs?.quietHours(all[k]!);
      const why =
        cop !== cop // no portfolio
          ? 'no-funds'
          : gateValues(
              cop,
              usdCents[k]!,
              tick.askCopCents,
              atMs,
              lastAt[k]!,
              own === undefined ? quietByDefault : own !== null && this.clock.isQuiet(own, atMs),
              config.policy,
              holdUntil[k]!,
            );
      if (why) skipped[why]++;
      else positions[n++] = k;
    }
    const t1 = performance.now();
    const nf = features.featureNames.length;
    if (this.x.length < n * nf) {
      // Shared memory: the parallel predictor's workers read the rows without a copy.
      this.x = new Float32Array(new SharedArrayBuffer(Math.ceil(n * 1.25) * nf * 4));
    }
    const x = n > 0 ? features.vectorsAt(positions, n, atMs, this.x) : this.x;
    const t2 = performance.now();
    return {
      tick,
      atMs,
      total: all.length,
      all,
      positions,
      n,
      x,
      skipped,
      timings: { gateMs: t1 - t0, vectorsMs: t2 - t1, scoreMs: 0, policyMs: 0, shadowMs: 0 },
    };
  }

  /** The rules serve this tick: the model threw (or returned nonsense). */
  private fallback(err: unknown, tick: PriceTick, p: Prepared): Scored {
    this.logger.error({ err, tick: tick.id }, 'model scoring failed; the rules serve this tick');
    const scorer = this.o.rules;
    return {
      scorer,
      probs: this.check(scorer, this.score(scorer, p.x, p.n), p.n),
      fallback: (err as Error).message,
    };
  }

  /**
   * The policy per scored user; then, over the cap (`maxPerTick`), the most probable suggestions
   * are kept and the others deferred; reasons and events for the kept ones.
   */
  private finish(p: Prepared, scored: Scored, scoreStart: number): TickReport {
    const { features, config } = this.o;
    const { tick, atMs, all, positions, n, x } = p;
    const { scorer, probs, fallback } = scored;
    const nf = features.featureNames.length;
    const t = performance.now();
    p.timings.scoreMs = t - scoreStart;
    const withShadow = scorer.kind === 'model' && config.shadowRules;
    const modelSides = withShadow ? new Uint8Array(n) : undefined;

    const report: TickReport = {
      tickId: tick.id,
      users: p.total,
      scored: n,
      scorer: scorer.kind === 'model' ? 'model' : 'reglas',
      version: scorer.version,
      ...(fallback !== undefined ? { fallback } : {}),
      decided: [],
      skipped: p.skipped,
      timings: p.timings,
    };
    const policy = scorer.kind === 'model' ? config.policy : this.rulesPolicy();
    const due = this.due.reserve(n);
    const uplift =
      config.rankBy === 'uplift' && scorer.kind === 'model' ? this.o.uplift?.current() : undefined;
    const minUplift = config.minUplift ?? 0;
    if (uplift && this.upliftRank.length < n) this.upliftRank = new Float64Array(n);
    const refusals: { userId: string; rule: SkipReason; side?: Side }[] = [];
    const logRefusals = this.logger.isLevelEnabled('debug');
    let m = 0;
    for (let i = 0; i < n; i++) {
      let d = this.decideRow(p, i, probs, policy);
      if (uplift && d.action === 'suggest') {
        const u = uplift.uplift(x.subarray(i * nf, (i + 1) * nf), d.side);
        if (u < minUplift) d = { action: 'skip', why: 'low-uplift', side: d.side };
        else this.upliftRank[m] = u;
      }
      if (d.action === 'suggest') {
        due.row[m] = i;
        due.side[m] = SIDE_CODE[d.side];
        due.probability[m] = d.probability;
        due.amount[m] = d.amountUsdCents;
        due.price[m] = d.priceCopCents;
        due.ignored[m] = d.ignoredStreak;
        m++;
        if (modelSides) modelSides[i] = SIDE_CODE[d.side];
      } else {
        report.skipped[d.why]++;
        if (d.why === 'consent-pending') (report.consentRequests ??= []).push(all[positions[i]!]!);
        if (logRefusals && refusals.length < 200 && SAFETY_REFUSALS.has(d.why)) {
          refusals.push({
            userId: all[positions[i]!]!,
            rule: d.why,
            ...(d.side ? { side: d.side } : {}),
          });
        }
      }
    }
    if (refusals.length > 0) {
      this.logger.debug({ tick: tick.id, refusals }, 'fx policy: suggestions refused by rule');
    }
    const cap = config.policy.maxPerTick;
    const kept =
      cap > 0 && m > cap
        ? mostProbable(uplift ? this.upliftRank : due.probability, m, cap)
        : undefined;
    if (kept) report.skipped.deferred += m - cap;
    const createdMs = this.now();
    const createdAt = new Date(createdMs).toISOString();
    const expiresAt = new Date(createdMs + config.outcomeHorizonHours * 3_600_000).toISOString();
    const count = kept ? kept.length : m;
    const holdoutPercent = config.holdoutPercent ?? 0;
    const holdoutSalt = config.holdoutSalt ?? '';
    for (let j = 0; j < count; j++) {
      const k = kept ? kept[j]! : j;
      const i = due.row[k]!;
      const side = SIDE_OF[due.side[k]!]!;
      const probability = due.probability[k]!;
      const priceCopCents = due.price[k]!;
      const userId = all[positions[i]!]!;
      const row = x.subarray(i * nf, (i + 1) * nf);
      const balances = features.balancesByPosition();
      const copCents = balances.copCents[positions[i]!]!;
      const usdCents = balances.usdCents[positions[i]!]!;
      const id = newEventId(createdMs);
      const before = this.lastOverride?.get(userId) ?? this.lasts.at(positions[i]!);
      const week = weekAfter(before, atMs, policy.maxPerWeek);
      const heldOut = isHeldOut(userId, holdoutSalt, holdoutPercent);
      if (heldOut) report.heldOut = (report.heldOut ?? 0) + 1;
      report.decided.push({
        event: {
          type: 'Recommendation',
          version: 1,
          id,
          userId,
          side,
          probability,
          scorer: report.scorer,
          ...(scorer.group !== undefined ? { modelGroup: scorer.group } : {}),
          modelVersion: scorer.version,
          priceTickId: tick.id,
          priceCopCents,
          suggestedAmountUsdCents: due.amount[k]!,
          reasons: scorer.reasons(row, side, probability),
          spreadCostCopCents: Math.max(
            0,
            Math.round(
              ((side === 'BUY'
                ? tick.askCopCents - tick.midCopCents
                : tick.midCopCents - tick.bidCopCents) *
                due.amount[k]!) /
                100,
            ),
          ),
          group: heldOut ? 'control' : 'tratamiento',
          audit: {
            features: Array.from(row, (v) => (Number.isFinite(v) ? v : null)),
            featureVersion: FEATURE_VERSION,
            featuresHash: featuresHash(row),
            copCents,
            usdCents,
            policyVersion: this.policyVersion,
            rules: uplift ? [...SAFETY_RULES, `uplift:${uplift.version}`] : [...SAFETY_RULES],
          },
          createdAt,
          expiresAt,
          ingestedAt: createdAt,
        },
        last: {
          id,
          side,
          atMs,
          priceCopCents,
          copCents,
          usdCents,
          weekMs: week.weekMs,
          ignoredStreak: due.ignored[k]!,
          ...(week.holdUntilMs !== undefined ? { holdUntilMs: week.holdUntilMs } : {}),
        },
      });
    }
    this.pendingShadow = modelSides
      ? {
          p,
          modelSides,
          lastBefore: new Map(
            report.decided.map((d) => [d.event.userId, this.o.lastOf(d.event.userId)]),
          ),
        }
      : undefined;
    p.timings.policyMs = performance.now() - t;
    return report;
  }

  /**
   * The rules' shadow of the last tick decided: they score the same rows and their policy
   * decisions are compared with the model's (disagreements logged at debug). `undefined` when
   * the last tick had no shadow (the rules served, or `shadowRules` is off) or it was already
   * compared. Its time is added to the tick's `shadowMs`.
   */
  compareShadow(): ShadowReport | undefined {
    const pending = this.pendingShadow;
    if (!pending) return undefined;
    this.pendingShadow = undefined;
    const t = performance.now();
    const { p, modelSides, lastBefore } = pending;
    const { tick, all, positions, n } = p;
    const rules = this.o.rules;
    const shadow = this.check(rules, this.score(rules, p.x, n, 'shadowProbs'), n);
    // A gated user is silent whoever scores: the rules agree.
    const report: ShadowReport = {
      agree: p.total - n,
      modelOnly: 0,
      rulesOnly: 0,
      differentSide: 0,
    };
    const differences: { userId: string; model: Side | null; rules: Side | null }[] = [];
    const policy = this.rulesPolicy();
    // The rules decide on the state the model decided on, not the one its suggestions left.
    this.lastOverride = lastBefore;
    for (let i = 0; i < n; i++) {
      const userId = all[positions[i]!]!;
      const r = this.decideRow(p, i, shadow, policy);
      const ms = SIDE_OF[modelSides[i]!]!;
      const rs = r.action === 'suggest' ? r.side : null;
      if (ms === rs) report.agree++;
      else {
        if (ms && rs) report.differentSide++;
        else if (ms) report.modelOnly++;
        else report.rulesOnly++;
        if (differences.length < 200) differences.push({ userId, model: ms, rules: rs });
      }
    }
    this.lastOverride = undefined;
    if (differences.length > 0 && this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ tick: tick.id, differences }, 'model and rules disagree (shadow)');
    }
    p.timings.shadowMs += performance.now() - t;
    return report;
  }

  /** A shared buffer for `n` rows of probabilities, reused across ticks. */
  private sharedProbs(n: number): Float64Array {
    if (this.poolProbs.length < n * 3) {
      this.poolProbs = new Float64Array(new SharedArrayBuffer(Math.ceil(n * 1.25) * 3 * 8));
    }
    return this.poolProbs;
  }

  /** Scores `n` rows synchronously, in batches of `scoreBatchSize`, into `buffer`. */
  private score(
    scorer: Scorer,
    x: Float32Array,
    n: number,
    buffer: 'probs' | 'shadowProbs' = 'probs',
  ): Float64Array {
    if (this[buffer].length < n * 3) this[buffer] = new Float64Array(Math.ceil(n * 1.25) * 3);
    const out = this[buffer];
    const nf = this.o.features.featureNames.length;
    const batch = this.o.config.scoreBatchSize;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const part = scorer.score(
        x.subarray(start * nf, (start + rows) * nf),
        rows,
        out.subarray(start * 3, (start + rows) * 3),
      );
      // A scorer may return its own array instead of filling `out`.
      if (part.buffer !== out.buffer || part.byteOffset !== out.byteOffset + start * 24) {
        out.set(part.subarray(0, rows * 3), start * 3);
      }
    }
    return out;
  }

  /** @throws Error when a probability is not in [0, 1] (a broken model: the rules serve). */
  private check(scorer: Scorer, probs: Float64Array, n: number): Float64Array {
    for (let k = 0; k < n * 3; k++) {
      const v = probs[k]!;
      if (!(v >= 0 && v <= 1)) {
        throw new Error(
          `${scorer.kind} ${scorer.version} returned probability ${v} for row ${Math.floor(k / 3)}`,
        );
      }
    }
    return probs;
  }

  /**
   * What the gate and the policy read of a user at a tick, written into one reused object: the
   * gate and the policy read it and keep nothing of it, and 100,000 users a tick would otherwise
   * allocate 100,000 objects (old-space garbage that raises the peak RSS).
   */
  private input(
    userId: string,
    position: number,
    tick: PriceTick,
    atMs: number,
    pBuy: number,
    pSell: number,
    typicalTicketUsdCents: number | undefined,
    row: Float32Array,
    rowStart: number,
  ): PolicyInput {
    const s = this.scratch;
    const features = this.o.features;
    const balances = features.balancesByPosition();
    s.pBuy = pBuy;
    s.pSell = pSell;
    s.copCents = balances.copCents[position]!;
    s.usdCents = balances.usdCents[position]!;
    s.typicalTicketUsdCents = typicalTicketUsdCents;
    if (features.sideTicketAt) {
      s.buyTicketUsdCents = features.sideTicketAt(position, 1);
      s.sellTicketUsdCents = features.sideTicketAt(position, 2);
    } else {
      s.buyTicketUsdCents = typicalTicketUsdCents;
      s.sellTicketUsdCents = typicalTicketUsdCents;
    }
    s.avgCostCopCents = features.portfolioAt(position)?.avgCostCopCents ?? 0;
    s.lastBuyMs = this.daysBuyCol < 0 ? NaN : atMs - row[rowStart + this.daysBuyCol]! * 86_400_000;
    s.lastSellMs =
      this.daysSellCol < 0 ? NaN : atMs - row[rowStart + this.daysSellCol]! * 86_400_000;
    const prefs = this.o.preferences;
    const wants = prefs?.recommendations ? prefs.recommendations(userId) : 'on';
    s.recommendations = wants ?? 'pending';
    s.scheduledSide = this.scheduledSide(row, rowStart);
    s.wantsReminders = prefs?.scheduledReminders ? prefs.scheduledReminders(userId) : false;
    s.bidCopCents = tick.bidCopCents;
    s.askCopCents = tick.askCopCents;
    s.atMs = atMs;
    s.last = this.lastOverride?.has(userId)
      ? this.lastOverride.get(userId)
      : this.lasts.at(position);
    s.quietHours = this.o.preferences?.quietHours(userId);
    return s;
  }

  /**
   * The side the row's user trades on schedule within a day (see `PolicyInput.scheduledSide`):
   * at least half of that side's trades on quincena days and the next quincena within 24 h.
   */
  private scheduledSide(row: Float32Array, rowStart: number): Side | undefined {
    if (this.hoursToQuincenaCol < 0) return undefined;
    const hours = row[rowStart + this.hoursToQuincenaCol]!;
    if (!(hours < 24)) return undefined;
    const buy = this.buyQuincenaCol < 0 ? NaN : row[rowStart + this.buyQuincenaCol]!;
    const sell = this.sellQuincenaCol < 0 ? NaN : row[rowStart + this.sellQuincenaCol]!;
    if (sell >= 0.5 && !(buy > sell)) return 'SELL';
    if (buy >= 0.5) return 'BUY';
    return undefined;
  }

  /** The policy with the rules scorer's own thresholds (its scores are points, not probabilities). */
  private rulesPolicy(): PolicyConfig {
    const { policy, rules } = this.o.config;
    const threshold = rules?.threshold ?? 0.6;
    return (this.rulesPolicyCache ??= {
      ...policy,
      thresholds: { buy: threshold, sell: threshold },
    });
  }

  /** The policy for scored row `i` of `p`, with its probabilities in `probs` (n × 3). */
  private decideRow(p: Prepared, i: number, probs: Float64Array, policy: PolicyConfig) {
    const k = p.positions[i]!;
    return this.decideUser(
      p.all[k]!,
      k,
      probs[3 * i + 1]!,
      probs[3 * i + 2]!,
      p.tick,
      p.atMs,
      policy,
      p.x,
      i * this.o.features.featureNames.length,
    );
  }

  private decideUser(
    userId: string,
    position: number,
    pBuy: number,
    pSell: number,
    tick: PriceTick,
    atMs: number,
    policy: PolicyConfig,
    row: Float32Array,
    rowStart: number,
  ): PolicyDecision {
    if (pBuy < policy.thresholds.buy && pSell < policy.thresholds.sell) return SILENT;
    const cop = this.o.features.balancesByPosition().copCents[position]!;
    if (cop !== cop) return NO_PORTFOLIO;
    const ticket = this.o.features.typicalTicketAt(position);
    return decide(
      this.input(userId, position, tick, atMs, pBuy, pSell, ticket, row, rowStart),
      policy,
      this.clock,
      this.o.config.outcomeHorizonHours,
    );
  }
}
