import type {
  FxEvent,
  PriceTick,
  RecommendationReason,
  TransactionExecuted,
} from '../../events.js';
import type { Logger } from '../../../core/log/logger.js';
import { silentLogger } from '../../../core/log/logger.js';
import { LakeHistory, OnlineFeatureStore, type TickColumns } from '../features/index.js';
import type { OrchestratorConfig } from './orchestrator-config.js';
import type { LastSuggestion } from './policy.js';
import { rulesScorer } from './rules-scorer.js';
import { modelScorer, type ScoringModel } from './scorer.js';
import { midAverager, type PriceOutcome } from '../training/product-metrics.js';
import { TickDecider } from './tick-decider.js';

export interface BacktestOptions {
  /** The datalake's local folder (it holds `raw/fx_*`). */
  lakeDir: string;
  /** First and last day replayed, `YYYY-MM-DD` in `timezone` (both inclusive). */
  from: string;
  to: string;
  /** @default 'America/Bogota' */
  timezone?: string;
  /** `fx.orchestrator`: the policy, the rules and the outcome horizon. */
  config: OrchestratorConfig;
  /**
   * A model to replay; without one the rules decide. `trainingRange` (ISO instants, the range
   * its training read): a window overlapping it is refused unless `allowInSample`.
   */
  model?: {
    model: ScoringModel;
    version: string;
    group?: string;
    trainingRange?: { from: string; to: string };
  };
  /**
   * Replay a window that overlaps the model's training range anyway: its precision is then
   * in-sample (the model has seen those days) and the report says so. @default false
   */
  allowInSample?: boolean;
  /**
   * Decide on at most one tick per this many minutes of market time (the live orchestrator
   * decides every tick; the cooldown makes most of those silent). @default 15
   */
  everyMinutes?: number;
  logger?: Logger;
  /** Called for each suggestion the replay makes (analysis, tests). */
  onSuggestion?: (s: BacktestSuggestion) => void;
}

/** One suggestion of the replay. */
export interface BacktestSuggestion {
  userId: string;
  side: 'BUY' | 'SELL';
  atMs: number;
  probability: number;
  amountUsdCents: number;
  origin: 'model' | 'reglas';
  /** The reasons the user would have read. */
  reasons: RecommendationReason[];
  hit: boolean;
  /** The price of the trade that made it a hit (the ask for a BUY, the bid for a SELL). */
  executedPriceCopCents?: number;
}

/** Suggestions and hits (the user traded that side within the horizon). */
export interface BacktestCount {
  suggestions: number;
  hits: number;
  /** hits / suggestions; `null` without suggestions. */
  precision: number | null;
}

export interface BacktestReport {
  from: string;
  to: string;
  /** The model's training range when known (`null`: the rules, or a model file without it). */
  trainingRange: { from: string; to: string } | null;
  /** The window overlaps the training range (`--allow-in-sample`): in-sample figures. */
  inSample: boolean;
  scorer: 'model' | 'reglas';
  version: string;
  horizonHours: number;
  ticksDecided: number;
  users: number;
  /** Users with at least one suggestion, by user id. */
  perUser: ({ userId: string } & BacktestCount)[];
  total: BacktestCount;
  bySide: Record<'BUY' | 'SELL', BacktestCount>;
  byOrigin: Record<'model' | 'reglas', BacktestCount>;
  /** The model's probabilities were calibrated (a calibration stored with the model). */
  calibrated: boolean;
  /** Suggestions per user known to the replay per week of the window (after the policy). */
  suggestionsPerUserWeek: number;
  /**
   * Hits' executed price (spread included) against the average mid of the next 24 h after the
   * suggestion; positive: the customer did better than that average.
   */
  priceOutcome: Record<'BUY' | 'SELL', PriceOutcome>;
}

const DAY_MS = 86_400_000;

/** Thrown when the window overlaps the model's training range without `allowInSample`. */
export class InSampleWindowError extends Error {
  constructor(from: string, to: string, range: { from: string; to: string }) {
    super(
      `the window ${from} … ${to} overlaps the model's training range ${range.from} … ${range.to}: its figures would be in-sample (the model has seen those days); choose days after ${range.to.slice(0, 10)} or pass --allow-in-sample`,
    );
    this.name = 'InSampleWindowError';
  }
}
/** Time the replay reads from the lake at once. */
const WINDOW_MS = 7 * DAY_MS;

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tick `i` of the lake's columns as an event; the ask is taken as symmetric to the bid. */
function tickEvent(t: TickColumns, i: number): PriceTick {
  const mid = t.midCopCents[i]!;
  const bid = t.bidCopCents[i]!;
  const at = new Date(t.timesMs[i]!).toISOString();
  return {
    type: 'PriceTick',
    version: 1,
    id: t.ids[i]!,
    source: 'backtest',
    bidCopCents: bid,
    askCopCents: 2 * mid - bid,
    midCopCents: mid,
    observedAt: at,
    ingestedAt: at,
  };
}

/**
 * A trade at `ms` makes hits of the user's open suggestions of its side made before it within
 * the horizon; suggestions the horizon has passed are closed.
 */
function markHits(
  open: Map<string, BacktestSuggestion[]>,
  tx: TransactionExecuted,
  ms: number,
  horizonMs: number,
): void {
  const list = open.get(tx.userId);
  if (!list) return;
  const left = list.filter((s) => {
    if (ms > s.atMs + horizonMs) return false;
    if (s.side === tx.side && ms > s.atMs) {
      s.hit = true;
      s.executedPriceCopCents = tx.priceCopCents;
    }
    return !s.hit;
  });
  if (left.length > 0) open.set(tx.userId, left);
  else open.delete(tx.userId);
}

/** UTC milliseconds of local midnight starting `date` in `timeZone`. */
export function localMidnightMs(date: string, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const offset = (ms: number): number => {
    const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - ms;
  };
  const wall = Date.parse(`${date}T00:00:00Z`);
  let ms = wall - offset(wall);
  ms = wall - offset(ms); // once more, for a DST change between the guess and midnight
  return ms;
}

function count(suggestions: number, hits: number): BacktestCount {
  return { suggestions, hits, precision: suggestions === 0 ? null : hits / suggestions };
}

/**
 * Replays the lake's history (prices, accounts, transactions) through the same feature store,
 * scorer and policy as the live orchestrator, on a simulated clock, without appending or
 * notifying: which suggestions each user would have received in `[from, to]`, and how many
 * were hits (the user traded that side within the outcome horizon). The history before `from`
 * warms the features up. The lake holds the bid and the mid of each tick; the ask is taken as
 * symmetric (`2 × mid − bid`).
 *
 * @example
 * const r = await backtest({ lakeDir, from: '2026-01-01', to: '2026-01-31', config: config.fx.orchestrator });
 * console.log(r.total.precision);
 */
export async function backtest(options: BacktestOptions): Promise<BacktestReport> {
  const tz = options.timezone ?? 'America/Bogota';
  const logger = options.logger ?? silentLogger;
  const fromMs = localMidnightMs(options.from, tz);
  const toMs = localMidnightMs(options.to, tz) + DAY_MS; // end of the last day
  if (!(toMs > fromMs)) throw new RangeError(`--to ${options.to} is before --from ${options.from}`);
  const range = options.model?.trainingRange;
  const inSample =
    range !== undefined && fromMs < Date.parse(range.to) && toMs > Date.parse(range.from);
  if (inSample && !options.allowInSample) {
    throw new InSampleWindowError(options.from, options.to, range);
  }
  const everyMs = (options.everyMinutes ?? 15) * 60_000;
  const horizonMs = options.config.outcomeHorizonHours * 3_600_000;
  const features = new OnlineFeatureStore({ timezone: tz });
  const rules = rulesScorer(features.featureNames, options.config.rules);
  const scorer = options.model
    ? modelScorer(
        {
          model: options.model.model,
          version: options.model.version,
          ...(options.model.group ? { group: options.model.group } : {}),
        },
        features.featureNames,
      )
    : rules;
  const lasts = new Map<string, LastSuggestion>();
  let clock = 0;
  const decider = new TickDecider({
    features,
    models: { current: () => (scorer.kind === 'model' ? scorer : undefined) },
    rules,
    config: { ...options.config, shadowRules: false },
    lastOf: (u) => lasts.get(u),
    logger,
    now: () => clock,
  });
  const suggestions: BacktestSuggestion[] = [];
  /** Per user, the suggestions a later trade could still make hits, oldest first. */
  const open = new Map<string, BacktestSuggestion[]>();
  let ticksDecided = 0;
  let nextDecision = fromMs;
  let midAverage: ((fromMs: number, toMs: number) => number | undefined) | undefined;

  const lake = await LakeHistory.open({ lakeDir: options.lakeDir });
  try {
    const ticks = await lake.ticks();
    midAverage = midAverager(ticks);
    const accounts = await lake.accounts();
    const range = await lake.timeRange();
    // The history streams by windows of time, in (time, id) order as the live log would have
    // delivered it: features observe what happened before `to`; trades until `to` plus the
    // horizon only tell which suggestions were hits.
    const endMs = Math.min(range ? range.lastMs + 1 : fromMs, toMs + horizonMs);
    let ti = 0;
    const accountsByTime = accounts
      .map((e) => ({ ms: Date.parse(e.openedAt), e }))
      .sort((a, b) => a.ms - b.ms || compareIds(a.e.id, b.e.id));
    let ai = 0;
    for (let w0 = range ? range.firstMs : endMs; w0 < endMs; w0 += WINDOW_MS) {
      const w1 = Math.min(w0 + WINDOW_MS, endMs);
      const window: { ms: number; e: FxEvent }[] = [];
      for (; ai < accountsByTime.length && accountsByTime[ai]!.ms < w1; ai++) {
        window.push(accountsByTime[ai]!);
      }
      for (const e of await lake.transactionsBetween(w0, w1)) {
        window.push({ ms: Date.parse(e.executedAt), e });
      }
      for (; ti < ticks.ids.length && ticks.timesMs[ti]! < w1; ti++) {
        window.push({ ms: ticks.timesMs[ti]!, e: tickEvent(ticks, ti) });
      }
      window.sort((a, b) => a.ms - b.ms || compareIds(a.e.id, b.e.id));
      for (let i = 0; i < window.length; i++) {
        const { ms, e } = window[i]!;
        if (e.type === 'TransactionExecuted') markHits(open, e, ms, horizonMs);
        if (ms >= toMs) continue;
        features.observe(e);
        if (e.type !== 'PriceTick' || ms < nextDecision) continue;
        // Only the newest tick of a moment is decided on, as a lagging live orchestrator does.
        if (window[i + 1]?.ms === ms) continue;
        nextDecision = ms + everyMs;
        clock = ms;
        ticksDecided++;
        const report = decider.decide(e);
        for (const d of report.decided) {
          lasts.set(d.event.userId, d.last);
          const s: BacktestSuggestion = {
            userId: d.event.userId,
            side: d.event.side,
            atMs: ms,
            probability: d.event.probability,
            amountUsdCents: d.event.suggestedAmountUsdCents,
            origin: report.scorer,
            reasons: d.event.reasons,
            hit: false,
          };
          suggestions.push(s);
          const list = open.get(s.userId);
          if (list) list.push(s);
          else open.set(s.userId, [s]);
        }
      }
    }
  } finally {
    lake.close();
  }

  const perUser = new Map<string, { s: number; h: number }>();
  const side = { BUY: { s: 0, h: 0 }, SELL: { s: 0, h: 0 } };
  const origin = { model: { s: 0, h: 0 }, reglas: { s: 0, h: 0 } };
  for (const s of suggestions) {
    const hit = s.hit;
    options.onSuggestion?.(s);
    const u = perUser.get(s.userId) ?? { s: 0, h: 0 };
    perUser.set(s.userId, u);
    for (const c of [u, side[s.side], origin[s.origin]]) {
      c.s++;
      if (hit) c.h++;
    }
  }
  const hits = suggestions.length === 0 ? 0 : side.BUY.h + side.SELL.h;
  const advantages = { BUY: [] as number[], SELL: [] as number[] };
  for (const s of suggestions) {
    if (s.executedPriceCopCents === undefined) continue;
    const avg = midAverage?.(s.atMs, s.atMs + DAY_MS);
    if (avg === undefined) continue;
    const p = s.executedPriceCopCents;
    advantages[s.side].push(s.side === 'BUY' ? (avg - p) / avg : (p - avg) / avg);
  }
  const usersKnown = features.userIds().length;
  const weeks = (toMs - fromMs) / (7 * DAY_MS);
  return {
    from: options.from,
    to: options.to,
    trainingRange: range ?? null,
    inSample,
    scorer: scorer.kind === 'model' ? 'model' : 'reglas',
    version: scorer.version,
    horizonHours: options.config.outcomeHorizonHours,
    ticksDecided,
    users: usersKnown,
    perUser: [...perUser]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([userId, c]) => ({ userId, ...count(c.s, c.h) })),
    total: count(suggestions.length, hits),
    bySide: { BUY: count(side.BUY.s, side.BUY.h), SELL: count(side.SELL.s, side.SELL.h) },
    byOrigin: {
      model: count(origin.model.s, origin.model.h),
      reglas: count(origin.reglas.s, origin.reglas.h),
    },
    calibrated: scorer.calibrate !== undefined,
    suggestionsPerUserWeek: usersKnown ? suggestions.length / usersKnown / weeks : 0,
    priceOutcome: { BUY: priceOutcome(advantages.BUY), SELL: priceOutcome(advantages.SELL) },
  };
}

function priceOutcome(values: number[]): PriceOutcome {
  if (values.length === 0) return { trades: 0, meanAdvantagePct: null, medianAdvantagePct: null };
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const r3 = (v: number): number => Math.round(v * 100_000) / 1000;
  return { trades: values.length, meanAdvantagePct: r3(mean), medianAdvantagePct: r3(median) };
}
