import type { SeededRandom } from '../prices/simulated/random.js';
import type { Portfolio } from '../portfolio/portfolio.js';

/**
 * The simulated users' behaviours (the label written to `fx_sim_usuarios.comportamiento`):
 * - `compra_en_caidas`: buys USD when the mid falls well below its recent average; takes profit
 *   when the bid is well above its average cost.
 * - `momentum`: buys when the short average rises above the long one, sells when it falls below.
 * - `remesas`: receives remittances in USD and sells a fixed amount on the 1st and the 15th (the
 *   next weekday when those fall on a weekend).
 * - `ahorro_quincenal`: converts part of the salary into USD on paydays (the 15th and the last day
 *   of the month, or the weekday before).
 * - `aleatorio`: trades at random times (off-hours too), random side and size.
 */
export const BEHAVIOURS = [
  'compra_en_caidas',
  'momentum',
  'remesas',
  'ahorro_quincenal',
  'aleatorio',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** A user's fixed traits, drawn once from the seed. */
export interface SimUser {
  userId: string;
  behaviour: Behaviour;
  /** Opening balances. */
  copCents: number;
  usdCents: number;
  /** Minute of the trading session (0–299) at which scheduled trades happen. */
  minuteOfSession: number;
  /** Threshold (fraction) of the dip / momentum / take-profit rules. */
  threshold: number;
  /** Fixed USD cents of a remittance, or COP centavos of a salary conversion. */
  amount: number;
  /** Fraction of a balance a rule trades. */
  fraction: number;
  /** Minimum milliseconds between two rule-driven trades. */
  cooldownMs: number;
  /** Offset of the user's events inside a minute, so ids never tie. */
  offsetMs: number;
  /**
   * Today's minute of the scheduled trade (the noise: a jittered `minuteOfSession`, or -2 when
   * the user skips this payday / remittance); absent: `minuteOfSession`.
   */
  todayMinute?: number;
}

/** The market as a user sees it at one tick. */
export interface MarketView {
  ms: number;
  bidCopCents: number;
  askCopCents: number;
  midCopCents: number;
  /** Exponential moving averages of the mid over ~15 and ~120 market ticks. */
  emaShort: number;
  emaLong: number;
  marketHours: boolean;
  /** Minute of the session (0–299) during market hours, else -1. */
  sessionMinute: number;
  /** A scheduled-trade day for `remesas` / `ahorro_quincenal`. */
  remittanceDay: boolean;
  paydayDay: boolean;
}

export function drawUser(
  rng: SeededRandom,
  index: number,
  prefix: string,
  weights = WEIGHTS,
): SimUser {
  const behaviour = pick(rng, weights);
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();
  const int = (lo: number, hi: number): number => Math.floor(u(lo, hi));
  const user: SimUser = {
    userId: `${prefix}-${String(index + 1).padStart(4, '0')}`,
    behaviour,
    copCents: int(2_000_000, 40_000_000) * 100,
    usdCents: int(0, 3000) * 100,
    minuteOfSession: int(0, 300),
    threshold: u(0.003, 0.009),
    amount: 0,
    fraction: u(0.1, 0.35),
    cooldownMs: int(6, 72) * 3_600_000,
    offsetMs: (index % 1500) * 37 + 1,
  };
  if (behaviour === 'remesas') {
    user.amount = int(150, 1500) * 100;
    user.usdCents = user.amount * int(8, 14);
    user.copCents = int(200_000, 2_000_000) * 100;
  } else if (behaviour === 'ahorro_quincenal') {
    user.amount = int(300_000, 3_000_000) * 100;
    user.copCents = user.amount * int(8, 14);
  }
  return user;
}

const WEIGHTS: [Behaviour, number][] = [
  ['compra_en_caidas', 0.22],
  ['momentum', 0.22],
  ['remesas', 0.18],
  ['ahorro_quincenal', 0.18],
  ['aleatorio', 0.2],
];

function pick(rng: SeededRandom, weights: [Behaviour, number][]): Behaviour {
  let x = rng.uniform() * weights.reduce((s, [, w]) => s + w, 0);
  for (const [b, w] of weights) {
    x -= w;
    if (x < 0) return b;
  }
  return weights.at(-1)![0];
}

/** A decision: trade this many USD cents on this side. */
export interface Decision {
  side: 'BUY' | 'SELL';
  usdCents: number;
}

/** USD cents `copCents` buys at `ask` (centavos per USD), whole dollars. */
function usdFor(copCents: number, askCopCents: number): number {
  return Math.floor((copCents * 100) / askCopCents / 100) * 100;
}

/**
 * What `user` does at this tick, given the portfolio and the last trade time; `undefined` for
 * nothing. Balances are checked by the caller against the exact fold.
 */
export function decide(
  user: SimUser,
  p: Portfolio,
  lastTradeMs: number,
  m: MarketView,
  rng: SeededRandom,
): Decision | undefined {
  const cooled = m.ms - lastTradeMs >= user.cooldownMs;
  switch (user.behaviour) {
    case 'compra_en_caidas': {
      if (!m.marketHours || !cooled) return undefined;
      if (m.midCopCents < m.emaLong * (1 - user.threshold) && rng.uniform() < 0.15) {
        const usd = usdFor(p.copCents * user.fraction, m.askCopCents);
        return usd >= 1000 ? { side: 'BUY', usdCents: usd } : undefined;
      }
      if (
        p.usdCents >= 1000 &&
        p.avgCostCopCents > 0 &&
        m.bidCopCents > p.avgCostCopCents * (1 + user.threshold * 1.5) &&
        rng.uniform() < 0.05
      ) {
        return { side: 'SELL', usdCents: Math.max(100, Math.floor(p.usdCents / 200) * 100) };
      }
      return undefined;
    }
    case 'momentum': {
      if (!m.marketHours || !cooled) return undefined;
      const t = user.threshold / 3;
      if (m.emaShort > m.emaLong * (1 + t) && rng.uniform() < 0.1) {
        const usd = usdFor(p.copCents * user.fraction, m.askCopCents);
        return usd >= 1000 ? { side: 'BUY', usdCents: usd } : undefined;
      }
      if (m.emaShort < m.emaLong * (1 - t) && p.usdCents >= 1000 && rng.uniform() < 0.1) {
        return {
          side: 'SELL',
          usdCents: Math.floor((p.usdCents * user.fraction * 1.5) / 100) * 100 || 100,
        };
      }
      return undefined;
    }
    case 'remesas': {
      if (!m.remittanceDay || m.sessionMinute !== (user.todayMinute ?? user.minuteOfSession))
        return undefined;
      const usd = Math.min(user.amount, p.usdCents);
      return usd >= 100 ? { side: 'SELL', usdCents: usd } : undefined;
    }
    case 'ahorro_quincenal': {
      if (!m.paydayDay || m.sessionMinute !== (user.todayMinute ?? user.minuteOfSession))
        return undefined;
      const usd = usdFor(Math.min(user.amount, p.copCents), m.askCopCents);
      return usd >= 100 ? { side: 'BUY', usdCents: usd } : undefined;
    }
    case 'aleatorio': {
      // About one trade every two days, at any hour.
      if (rng.uniform() >= (m.marketHours ? 0.0012 : 0.004)) return undefined;
      const usd = Math.floor(10 + rng.uniform() * 490) * 100;
      if (rng.uniform() < 0.5) return { side: 'BUY', usdCents: usd };
      return p.usdCents >= 100 ? { side: 'SELL', usdCents: Math.min(usd, p.usdCents) } : undefined;
    }
  }
}
