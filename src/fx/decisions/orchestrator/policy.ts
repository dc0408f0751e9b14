import type { PolicyConfig } from './orchestrator-config.js';
import type { QuietHoursClock, QuietHoursWindow } from './quiet-hours.js';
import type { Side } from './reasons.js';

/** The last suggestion made to a user: what cooldown and repeat checks compare with. */
export interface LastSuggestion {
  id: string;
  side: Side;
  atMs: number;
  /** The price quoted then (ask for BUY, bid for SELL), COP centavos. */
  priceCopCents: number;
  /** The balances then. */
  copCents: number;
  usdCents: number;
  /**
   * Times of the suggestions made in the 7 days up to this one (this one included), oldest
   * first: what the weekly cap counts. Absent (older state): this one only.
   */
  weekMs?: number[];
  /** Suggestions ignored in a row before this one (no trade of their side within the horizon). */
  ignoredStreak?: number;
  /** No new suggestion before this time (the weekly cap); absent: none. */
  holdUntilMs?: number;
}

/** One user at one tick, as the policy sees it. */
export interface PolicyInput {
  /** P(BUY), P(SELL) from the scorer. */
  pBuy: number;
  pSell: number;
  copCents: number;
  usdCents: number;
  /** The user's typical ticket in USD cents; `undefined` without trades. */
  typicalTicketUsdCents: number | undefined;
  /**
   * The typical ticket of the user's own BUYs / SELLs (USD cents): the amount suggested on a
   * side comes from that side's history. `undefined`: no trade of that side (the default ticket).
   * Absent fields (older callers): the typical ticket of both sides.
   */
  buyTicketUsdCents?: number | undefined;
  sellTicketUsdCents?: number | undefined;
  /** The user's average cost of the USD held, COP centavos per USD; 0 or absent = unknown. */
  avgCostCopCents?: number;
  /** Times of the user's last BUY / SELL; NaN or absent = none known. */
  lastBuyMs?: number;
  lastSellMs?: number;
  /**
   * Whether the user wants recommendations: `'on'` (or absent), `'off'` (no suggestion), or
   * `'pending'`: never asked, the suggestion becomes a consent request (`consent-pending`).
   */
  recommendations?: 'on' | 'off' | 'pending';
  /**
   * The side the user trades on schedule within the next day (a quincena habit: at least half of
   * that side's trades on quincena days, and the next quincena within 24 h), if any: a
   * suggestion of it would tell them what they do anyway. Absent: none.
   */
  scheduledSide?: Side | undefined;
  /** The user asked for reminders of their scheduled trades (then they are suggested). */
  wantsReminders?: boolean;
  bidCopCents: number;
  askCopCents: number;
  /** The decision's time (the tick's event time). */
  atMs: number;
  last: LastSuggestion | undefined;
  /**
   * The user's quiet hours: `undefined` = no preference (the policy's default applies),
   * `null` = the user wants none.
   */
  quietHours: QuietHoursWindow | null | undefined;
}

/**
 * Why a user got no suggestion, in the order the policy checks; `deferred`: the suggestion was
 * due but the tick's cap (`maxPerTick`) was reached by more probable ones.
 */
export type SkipReason =
  | 'below-threshold'
  | 'opted-out'
  | 'no-funds'
  | 'below-cost'
  | 'reversal'
  | 'scheduled'
  | 'quiet-hours'
  | 'cooldown'
  | 'weekly-cap'
  | 'backoff'
  | 'repeat'
  | 'consent-pending'
  | 'low-uplift'
  | 'deferred';

/** Every skip reason, in the order the policy checks them (reports list them so). */
export const SKIP_REASONS: readonly SkipReason[] = [
  'below-threshold',
  'opted-out',
  'no-funds',
  'below-cost',
  'reversal',
  'scheduled',
  'quiet-hours',
  'cooldown',
  'weekly-cap',
  'backoff',
  'repeat',
  'consent-pending',
  'low-uplift',
  'deferred',
];

/**
 * The safety rules a suggestion passed, recorded with it (audit): the amount rule, the cost
 * rule (SELL), the reversal rule, quiet hours, cooldown, weekly cap, back-off, repeat, consent.
 */
export const SAFETY_RULES = [
  'monto-historial-lado',
  'tope-saldo',
  'costo-promedio',
  'no-revertir',
  'no-programadas',
  'horas-silencio',
  'enfriamiento',
  'tope-semanal',
  'espera-ignoradas',
  'no-repetir',
  'consentimiento',
] as const;

export type PolicyDecision =
  | {
      action: 'suggest';
      side: Side;
      probability: number;
      amountUsdCents: number;
      /** Ask for a BUY, bid for a SELL. */
      priceCopCents: number;
      /** Suggestions ignored in a row before this one (see {@link ignoredStreak}). */
      ignoredStreak: number;
    }
  | { action: 'skip'; why: SkipReason; side?: Side };

const BELOW: PolicyDecision = { action: 'skip', why: 'below-threshold' };
const NO_FUNDS: PolicyDecision = { action: 'skip', why: 'no-funds' };
const OPTED_OUT: PolicyDecision = { action: 'skip', why: 'opted-out' };

/**
 * Whole USD that can be suggested on `side`: the typical ticket of that side's own trades (else
 * the default ticket), at least the minimum, capped at `maxBalancePct` of the relevant balance
 * (COP for a BUY at the ask, USD for a SELL); 0 when that cap is under the minimum.
 */
export function suggestedAmountUsd(
  side: Side,
  input: Pick<
    PolicyInput,
    | 'copCents'
    | 'usdCents'
    | 'typicalTicketUsdCents'
    | 'buyTicketUsdCents'
    | 'sellTicketUsdCents'
    | 'bidCopCents'
    | 'askCopCents'
  >,
  config: Pick<PolicyConfig, 'minAmountUsd' | 'defaultTicketUsd' | 'maxBalancePct'>,
): number {
  const own = side === 'BUY' ? 'buyTicketUsdCents' : 'sellTicketUsdCents';
  const sideTicket = own in input ? input[own] : input.typicalTicketUsdCents;
  const ticket =
    sideTicket !== undefined && sideTicket > 0
      ? Math.round(sideTicket / 100)
      : config.defaultTicketUsd;
  // D whole dollars at P centavos per USD cost D × P centavos.
  const pct = config.maxBalancePct / 100;
  const cap =
    side === 'BUY'
      ? Math.floor((input.copCents * pct) / input.askCopCents)
      : Math.floor((input.usdCents * pct) / 100);
  const amount = Math.min(Math.max(ticket, config.minAmountUsd), cap);
  return amount >= config.minAmountUsd ? amount : 0;
}

/**
 * Why `side` must not be suggested whatever its probability, or `undefined`: a SELL below the
 * user's average cost (`below-cost`: they would realize a loss), a suggestion that reverses
 * a trade of the last `reversalHours` (`reversal`: a round trip costs the spread twice), and a
 * trade the user makes on schedule anyway (`scheduled`, unless they asked for reminders).
 */
function sideRefusal(
  side: Side,
  input: PolicyInput,
  config: PolicyConfig,
): 'below-cost' | 'reversal' | 'scheduled' | undefined {
  if (side === 'SELL' && config.noSellBelowAverageCost) {
    const cost = input.avgCostCopCents ?? 0;
    if (cost > 0 && input.bidCopCents < cost) return 'below-cost';
  }
  const opposite = side === 'BUY' ? input.lastSellMs : input.lastBuyMs;
  if (
    opposite !== undefined &&
    opposite === opposite &&
    input.atMs - opposite < config.reversalHours * 3_600_000
  ) {
    return 'reversal';
  }
  if (config.excludeScheduled && input.scheduledSide === side && !input.wantsReminders) {
    return 'scheduled';
  }
  return undefined;
}

/**
 * Suggestions ignored in a row, counting the last one: it was ignored when its horizon has
 * passed and the user made no trade of its side since it. 0 without a last suggestion.
 */
export function ignoredStreak(
  input: Pick<PolicyInput, 'last' | 'lastBuyMs' | 'lastSellMs' | 'atMs'>,
  horizonHours: number,
): number {
  const last = input.last;
  if (!last) return 0;
  const traded = last.side === 'BUY' ? input.lastBuyMs : input.lastSellMs;
  if (traded !== undefined && traded === traded && traded > last.atMs) return 0;
  if (input.atMs - last.atMs < horizonHours * 3_600_000) return last.ignoredStreak ?? 0;
  return (last.ignoredStreak ?? 0) + 1;
}

/**
 * The notification policy, pure: turns one user's scores into a suggestion or a reason not to,
 * each refusal naming its rule. In order: a side whose probability reaches its threshold (the
 * likelier first); the user did not turn recommendations off; the balances allow it (at most
 * `maxBalancePct` of the balance, at least the minimum); a SELL not below the average cost and
 * no reversal of a trade of the last `reversalHours` (a side refused so gives way to the other
 * one when that one reaches its threshold too); not in quiet hours (the user's own, else the
 * default); not within the cooldown; at most `maxPerWeek` suggestions in 7 days; after ignored
 * suggestions, a back-off doubling from `backoffHours`; not the same side again while nothing
 * material changed; and, for a user never asked, a consent request instead (`consent-pending`).
 *
 * @example
 * const d = decide({ pBuy: 0.8, pSell: 0.1, copCents, usdCents, …, last: undefined, quietHours: undefined }, config.policy, new QuietHoursClock());
 * if (d.action === 'suggest') console.log(d.side, d.amountUsdCents);
 */
export function decide(
  input: PolicyInput,
  config: PolicyConfig,
  clock: QuietHoursClock,
  horizonHours = 24,
): PolicyDecision {
  const buyOk = input.pBuy >= config.thresholds.buy;
  const sellOk = input.pSell >= config.thresholds.sell;
  if (!buyOk && !sellOk) return BELOW;
  if (input.recommendations === 'off') return OPTED_OUT;
  // The likelier side first; the other only when it reaches its threshold too.
  const first: Side = buyOk && (!sellOk || input.pSell <= input.pBuy) ? 'BUY' : 'SELL';
  const sides: Side[] = buyOk && sellOk ? [first, first === 'BUY' ? 'SELL' : 'BUY'] : [first];
  let side: Side | undefined;
  let amount = 0;
  let refusal: SkipReason | undefined;
  for (const candidate of sides) {
    const a = suggestedAmountUsd(candidate, input, config);
    if (a === 0) {
      refusal ??= 'no-funds';
      continue;
    }
    const why = sideRefusal(candidate, input, config);
    if (why) {
      if (refusal === undefined || refusal === 'no-funds') refusal = why;
      continue;
    }
    side = candidate;
    amount = a;
    break;
  }
  if (!side)
    return refusal === 'no-funds' ? NO_FUNDS : { action: 'skip', why: refusal!, side: first };
  const quiet = input.quietHours === undefined ? config.quietHours : input.quietHours;
  if (quiet && clock.isQuiet(quiet, input.atMs))
    return { action: 'skip', why: 'quiet-hours', side };
  const last = input.last;
  if (last && input.atMs - last.atMs < config.cooldownHours * 3_600_000) {
    return { action: 'skip', why: 'cooldown', side };
  }
  if (last && weekCount(last, input.atMs) >= config.maxPerWeek) {
    return { action: 'skip', why: 'weekly-cap', side };
  }
  const ignored = ignoredStreak(input, horizonHours);
  if (
    last &&
    ignored > 0 &&
    input.atMs - last.atMs < config.backoffHours * 3_600_000 * 2 ** Math.min(ignored - 1, 8)
  ) {
    return { action: 'skip', why: 'backoff', side };
  }
  const price = side === 'BUY' ? input.askCopCents : input.bidCopCents;
  if (
    last &&
    last.side === side &&
    last.copCents === input.copCents &&
    last.usdCents === input.usdCents &&
    Math.abs(price - last.priceCopCents) < (last.priceCopCents * config.repeatPriceMovePct) / 100
  ) {
    return { action: 'skip', why: 'repeat', side };
  }
  if (input.recommendations === 'pending' && config.requireConsent) {
    return { action: 'skip', why: 'consent-pending', side };
  }
  return {
    action: 'suggest',
    side,
    probability: side === 'BUY' ? input.pBuy : input.pSell,
    amountUsdCents: amount * 100,
    priceCopCents: price,
    ignoredStreak: ignored,
  };
}

const WEEK_MS = 7 * 86_400_000;

/** Suggestions of the 7 days before `atMs` (the last one's list, or the last one alone). */
function weekCount(last: LastSuggestion, atMs: number): number {
  const list = last.weekMs ?? [last.atMs];
  let n = 0;
  for (const t of list) if (atMs - t < WEEK_MS) n++;
  return n;
}

/**
 * The weekly-cap bookkeeping of a new suggestion at `atMs` after `last`: the times of the 7 days
 * up to it, and when the cap lets the next one through (absent while under the cap).
 */
export function weekAfter(
  last: LastSuggestion | undefined,
  atMs: number,
  maxPerWeek: number,
): { weekMs: number[]; holdUntilMs?: number } {
  const weekMs = [...(last ? (last.weekMs ?? [last.atMs]) : []), atMs].filter(
    (t) => atMs - t < WEEK_MS,
  );
  if (weekMs.length > maxPerWeek) weekMs.splice(0, weekMs.length - maxPerWeek);
  return weekMs.length >= maxPerWeek
    ? { weekMs, holdUntilMs: weekMs[weekMs.length - maxPerWeek]! + WEEK_MS }
    : { weekMs };
}

/** What the gate reads: the policy input without the scores and the typical ticket. */
export type GateInput = Pick<
  PolicyInput,
  'copCents' | 'usdCents' | 'bidCopCents' | 'askCopCents' | 'atMs' | 'last' | 'quietHours'
>;

/**
 * Why a user can get no suggestion at this tick whatever the scores say, or `undefined` when
 * the scores decide. The checks of {@link decide} that do not depend on the probabilities, in
 * its order: neither side affordable for the minimum amount (`no-funds`), quiet hours,
 * cooldown, the weekly cap (`holdUntilMs` of the last suggestion). Scoring such users is wasted work: for any `pBuy`/`pSell`, `decide` skips them
 * (with `below-threshold` when no side reaches its threshold, else with this reason).
 *
 * @example
 * if (gate(input, config.policy, clock) === undefined) scoreIt(user);
 */
export function gate(
  input: GateInput,
  config: PolicyConfig,
  clock: QuietHoursClock,
): SkipReason | undefined {
  const quiet = input.quietHours === undefined ? config.quietHours : input.quietHours;
  return gateValues(
    input.copCents,
    input.usdCents,
    input.askCopCents,
    input.atMs,
    input.last ? input.last.atMs : -Infinity,
    quiet !== null && clock.isQuiet(quiet, input.atMs),
    config,
    input.last?.holdUntilMs ?? -Infinity,
  );
}

/**
 * {@link gate} over plain values, for the pass over every user at a tick (no input object):
 * `lastAtMs` is the time of the last suggestion, `-Infinity` for none; `quiet` whether the
 * user's quiet hours (their own, else the policy's) hold at `atMs` (the default window's answer
 * is the same for every user without their own: the caller asks it once per tick).
 */
export function gateValues(
  copCents: number,
  usdCents: number,
  askCopCents: number,
  atMs: number,
  lastAtMs: number,
  quiet: boolean,
  config: PolicyConfig,
  holdUntilMs = -Infinity,
): SkipReason | undefined {
  // `suggestedAmountUsd` is 0 exactly when the balance caps the side under the minimum.
  const pct = config.maxBalancePct / 100;
  if (
    Math.floor((copCents * pct) / askCopCents) < config.minAmountUsd &&
    Math.floor((usdCents * pct) / 100) < config.minAmountUsd
  ) {
    return 'no-funds';
  }
  if (quiet) return 'quiet-hours';
  if (atMs - lastAtMs < config.cooldownHours * 3_600_000) return 'cooldown';
  if (atMs < holdUntilMs) return 'weekly-cap';
  return undefined;
}
