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
  'below-threshold' | 'no-funds' | 'quiet-hours' | 'cooldown' | 'repeat' | 'deferred';

export type PolicyDecision =
  | {
      action: 'suggest';
      side: Side;
      probability: number;
      amountUsdCents: number;
      /** Ask for a BUY, bid for a SELL. */
      priceCopCents: number;
    }
  | { action: 'skip'; why: SkipReason; side?: Side };

const BELOW: PolicyDecision = { action: 'skip', why: 'below-threshold' };
const NO_FUNDS: PolicyDecision = { action: 'skip', why: 'no-funds' };

/**
 * Whole USD that can be suggested on `side`: the typical ticket (or the default one), at least
 * the minimum, capped by what the balance allows at the quoted price; 0 when that cap is under
 * the minimum.
 */
export function suggestedAmountUsd(
  side: Side,
  input: Pick<
    PolicyInput,
    'copCents' | 'usdCents' | 'typicalTicketUsdCents' | 'bidCopCents' | 'askCopCents'
  >,
  config: Pick<PolicyConfig, 'minAmountUsd' | 'defaultTicketUsd'>,
): number {
  const ticket =
    input.typicalTicketUsdCents !== undefined && input.typicalTicketUsdCents > 0
      ? Math.round(input.typicalTicketUsdCents / 100)
      : config.defaultTicketUsd;
  // D whole dollars at P centavos per USD cost D × P centavos.
  const cap =
    side === 'BUY'
      ? Math.floor(input.copCents / input.askCopCents)
      : Math.floor(input.usdCents / 100);
  const amount = Math.min(Math.max(ticket, config.minAmountUsd), cap);
  return amount >= config.minAmountUsd ? amount : 0;
}

/**
 * The notification policy, pure: turns one user's scores into a suggestion or a reason not to.
 * In order: a side whose probability reaches its threshold (the likelier first) and that the
 * balances allow (BUY needs COP, SELL needs USD, for at least the minimum amount); not in quiet
 * hours (the user's own, else the default; in their time zone); not within the cooldown of the
 * last suggestion; and not the same side again while nothing material changed (price moved less
 * than `repeatPriceMovePct` and the same balances).
 *
 * @example
 * const d = decide({ pBuy: 0.8, pSell: 0.1, copCents, usdCents, …, last: undefined, quietHours: undefined }, config.policy, new QuietHoursClock());
 * if (d.action === 'suggest') console.log(d.side, d.amountUsdCents);
 */
export function decide(
  input: PolicyInput,
  config: PolicyConfig,
  clock: QuietHoursClock,
): PolicyDecision {
  const buyOk = input.pBuy >= config.thresholds.buy;
  const sellOk = input.pSell >= config.thresholds.sell;
  if (!buyOk && !sellOk) return BELOW;
  // The likelier side first; the other only when it reaches its threshold too.
  const first: Side = buyOk && (!sellOk || input.pSell <= input.pBuy) ? 'BUY' : 'SELL';
  let side: Side | undefined = first;
  let amount = suggestedAmountUsd(first, input, config);
  if (amount === 0) {
    side = undefined;
    if (buyOk && sellOk) {
      const second: Side = first === 'BUY' ? 'SELL' : 'BUY';
      amount = suggestedAmountUsd(second, input, config);
      if (amount > 0) side = second;
    }
  }
  if (!side) return NO_FUNDS;
  const quiet = input.quietHours === undefined ? config.quietHours : input.quietHours;
  if (quiet && clock.isQuiet(quiet, input.atMs))
    return { action: 'skip', why: 'quiet-hours', side };
  const last = input.last;
  if (last && input.atMs - last.atMs < config.cooldownHours * 3_600_000) {
    return { action: 'skip', why: 'cooldown', side };
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
  return {
    action: 'suggest',
    side,
    probability: side === 'BUY' ? input.pBuy : input.pSell,
    amountUsdCents: amount * 100,
    priceCopCents: price,
  };
}

/** What the gate reads: the policy input without the scores and the typical ticket. */
export type GateInput = Omit<PolicyInput, 'pBuy' | 'pSell' | 'typicalTicketUsdCents'>;

/**
 * Why a user can get no suggestion at this tick whatever the scores say, or `undefined` when
 * the scores decide. The checks of {@link decide} that do not depend on the probabilities, in
 * its order: neither side affordable for the minimum amount (`no-funds`), quiet hours,
 * cooldown. Scoring such users is wasted work: for any `pBuy`/`pSell`, `decide` skips them
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
): SkipReason | undefined {
  // `suggestedAmountUsd` is 0 exactly when the balance caps the side under the minimum.
  if (
    Math.floor(copCents / askCopCents) < config.minAmountUsd &&
    Math.floor(usdCents / 100) < config.minAmountUsd
  ) {
    return 'no-funds';
  }
  if (quiet) return 'quiet-hours';
  if (atMs - lastAtMs < config.cooldownHours * 3_600_000) return 'cooldown';
  return undefined;
}
