import { isIsoDate, loadDateOf, partitionPath } from '../../core/util/time-zone.js';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import {
  totalCopCents,
  type FxEvent,
  type PriceTick,
  type Recommendation,
  type TransactionExecuted,
} from '../events.js';
import { hashUniform, type ResponseEffect } from './responses.js';
import { SeededRandom } from '../prices/simulated/random.js';
import { SimulatedPriceSource } from '../prices/simulated/simulated-price-source.js';
import { applyPortfolioEvent, PortfolioError, type Portfolio } from '../portfolio/portfolio.js';
import { LoadDates, putRawFiles, RawBatchBuilder } from '../processor/raw-writer.js';
import { decide, drawUser, type Behaviour, type MarketView, type SimUser } from './behaviours.js';

/** Table of the behaviour labels of simulated users. */
export const SIM_USERS_TABLE = 'fx_sim_usuarios';

export interface SimulateOptions {
  datalake: ObjectStore;
  users: number;
  days: number;
  /** @default 1 */
  seed?: number;
  /** Last simulated day, `YYYY-MM-DD` in the time zone. @default yesterday */
  end?: string;
  /** @default 'America/Bogota' */
  timezone?: string;
  /** User ids are `<prefix>-0001`, … @default 'sim' */
  userPrefix?: string;
  logger?: Logger;
  /** @default () => new Date() (only for the default `end`) */
  now?: () => Date;
  /**
   * Realistic noise: scheduled trades (remittances, paydays) at a minute jittered by up to ±45
   * minutes a day and skipped 15 % of the time; the market changes regime (volatility × 0.6–1.8,
   * level ±3 %) at random weeks. `false`: the fixed schedule and one regime. @default true
   */
  noise?: boolean;
  /**
   * Suggestions while simulating (a closed loop): the advisor sees every event as it happens and
   * is asked on each tick during market hours what to suggest; its recommendations are written
   * to the lake, and notified ones (group not `control`) may make the user trade (`effects`).
   */
  advisor?: SimulationAdvisor;
  /** How each behaviour responds to a notified suggestion (with `advisor`). */
  effects?: Readonly<Record<Behaviour, ResponseEffect>>;
}

/** What the simulator asks for suggestions (see `SimulateOptions.advisor`). */
export interface SimulationAdvisor {
  /** Every event of the history, in time order. */
  observe(event: FxEvent): void;
  /** The recommendations at this tick (already observed), possibly none. */
  decide(tick: PriceTick): readonly Recommendation[];
}

export interface SimulateResult {
  from: string;
  to: string;
  users: number;
  accounts: number;
  ticks: number;
  transactions: number;
  files: number;
  byBehaviour: Record<string, number>;
  /** With an advisor: recommendations made (and of them held out), and trades they caused. */
  recommendations?: number;
  heldOut?: number;
  responses?: number;
}

const DAY_MS = 86_400_000;
const MARKET_OPEN = 8 * 60;
const MARKET_CLOSE = 13 * 60;

/**
 * Writes a simulated FX history into the raw lake, one day at a time (memory stays flat): a
 * market (`SimulatedPriceSource`: 1-minute ticks during the Colombian session 8:00–13:00 on
 * weekdays, half-hourly off-hours, hourly on weekends) and `users` customers with distinct
 * behaviours (see `BEHAVIOURS`), each opening an account on the first day. Files use the
 * processor's own writer (`RawBatchBuilder`), so the tables and columns are exactly the stream's;
 * they are named `sim-s<seed>-<YYYYMMDD>.jsonl`, so a re-run with the same seed rewrites the same
 * files. The behaviour of each user goes to `raw/fx_sim_usuarios/` (usuario_id, comportamiento,
 * semilla) to evaluate models. Deterministic for a seed; every transaction passes the
 * portfolio rules (no overdraft).
 *
 * @example
 * await simulateHistory({ datalake, users: 1000, days: 90, seed: 7, end: '2026-03-31' });
 */
export async function simulateHistory(options: SimulateOptions): Promise<SimulateResult> {
  const tz = options.timezone ?? 'America/Bogota';
  const seed = options.seed ?? 1;
  const prefix = options.userPrefix ?? 'sim';
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(options.users) || options.users < 1 || options.users > 9999) {
    throw new RangeError(`users must be an integer from 1 to 9999, got ${options.users}`);
  }
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660) {
    throw new RangeError(`days must be an integer from 1 to 3660, got ${options.days}`);
  }
  if (!/^[a-z][a-z0-9]{0,15}$/.test(prefix)) {
    throw new RangeError(`userPrefix must be 1–16 lower-case letters and digits, got ${prefix}`);
  }
  const now = options.now?.() ?? new Date();
  const end = options.end ?? addDays(loadDateOf(now, tz), -1);
  if (!isIsoDate(end)) throw new RangeError(`end must be a date YYYY-MM-DD, got ${end}`);
  const from = addDays(end, -(options.days - 1));

  const rng = new SeededRandom(seed);
  const idRng = new SeededRandom(seed ^ 0x5bd1e995);
  const market = new SimulatedPriceSource({ seed, name: 'simulado' });
  const dates = new LoadDates(tz);
  const users: SimUser[] = [];
  for (let i = 0; i < options.users; i++) users.push(drawUser(rng, i, prefix));
  const portfolios: (Portfolio | undefined)[] = users.map(() => undefined);
  const lastTrade: number[] = users.map(() => -Infinity);
  const result: SimulateResult = {
    from,
    to: end,
    users: users.length,
    accounts: 0,
    ticks: 0,
    transactions: 0,
    files: 0,
    byBehaviour: {},
  };
  for (const u of users)
    result.byBehaviour[u.behaviour] = (result.byBehaviour[u.behaviour] ?? 0) + 1;

  const id = (ms: number): string => ulidAt(ms, idRng);
  let emaShort = 0;
  let emaLong = 0;
  let txSeq = 0;
  const noise = options.noise !== false;
  const noiseRng = new SeededRandom(seed ^ 0x2545f491);
  const advisor = options.advisor;
  const effects = options.effects;
  const userIndex = new Map(users.map((u, i) => [u.userId, i]));
  /** Per user, a response due: the suggestion's side and amount, and when. */
  const responses: ({ atMs: number; side: 'BUY' | 'SELL'; usdCents: number } | undefined)[] =
    users.map(() => undefined);
  if (advisor) {
    result.recommendations = 0;
    result.heldOut = 0;
    result.responses = 0;
  }

  for (let day = from; day <= end; day = addDays(day, 1)) {
    const events: FxEvent[] = [];
    const dayStart = zonedMs(day, 0, tz);
    if (day === from) {
      users.forEach((u, i) => {
        const ms = dayStart + u.offsetMs;
        const at = new Date(ms).toISOString();
        const opened: FxEvent = {
          type: 'AccountOpened',
          version: 1,
          id: id(ms),
          userId: u.userId,
          copCents: u.copCents,
          usdCents: u.usdCents,
          openedAt: at,
          ingestedAt: new Date(ms + 20).toISOString(),
        };
        portfolios[i] = applyPortfolioEvent(undefined, opened);
        events.push(opened);
        advisor?.observe(opened);
        result.accounts++;
      });
    }
    const cal = calendar(day);
    if (noise) {
      // A new regime some weeks (on Mondays): calmer or wilder, a dearer or cheaper dollar.
      if (new Date(`${day}T00:00:00Z`).getUTCDay() === 1 && noiseRng.uniform() < 0.35) {
        market.setRegime(0.6 + 1.2 * noiseRng.uniform(), (noiseRng.uniform() - 0.5) * 0.06);
      }
      for (const u of users) {
        if (u.behaviour !== 'remesas' && u.behaviour !== 'ahorro_quincenal') continue;
        const skip = hashUniform(seed, `${u.userId}|${day}|skip`) < 0.15;
        const jitter = Math.round((hashUniform(seed, `${u.userId}|${day}|jitter`) - 0.5) * 90);
        u.todayMinute = skip ? -2 : Math.min(299, Math.max(0, u.minuteOfSession + jitter));
      }
    }
    for (const minute of tickMinutes(cal.weekday)) {
      const ms = zonedMs(day, minute, tz);
      const q = market.step(ms);
      const tickId = id(ms);
      events.push({
        type: 'PriceTick',
        version: 1,
        id: tickId,
        source: q.source,
        bidCopCents: q.bidCopCents,
        askCopCents: q.askCopCents,
        midCopCents: q.midCopCents,
        observedAt: q.observedAt,
        ingestedAt: new Date(ms + 150).toISOString(),
      });
      result.ticks++;
      const marketOpen = cal.weekday && minute >= MARKET_OPEN && minute <= MARKET_CLOSE;
      if (advisor) {
        advisor.observe(events.at(-1)!);
        if (marketOpen) {
          for (const r of advisor.decide(events.at(-1) as PriceTick)) {
            events.push(r);
            result.recommendations!++;
            if (r.group === 'control') {
              result.heldOut!++;
              continue;
            }
            const i = userIndex.get(r.userId);
            const user = i === undefined ? undefined : users[i];
            const effect = user && effects?.[user.behaviour];
            if (!effect || !(noiseRng.uniform() < effect.probability)) continue;
            const [lo, hi] = effect.delayMinutes;
            const delay = lo + (hi - lo) * noiseRng.uniform();
            responses[i!] = {
              atMs: ms + delay * 60_000,
              side: r.side,
              usdCents: r.suggestedAmountUsdCents,
            };
          }
        }
      }
      emaShort = emaShort === 0 ? q.midCopCents : emaShort + (q.midCopCents - emaShort) * (2 / 16);
      emaLong = emaLong === 0 ? q.midCopCents : emaLong + (q.midCopCents - emaLong) * (2 / 121);
      const marketHours = cal.weekday && minute >= MARKET_OPEN && minute <= MARKET_CLOSE;
      const view: MarketView = {
        ms,
        bidCopCents: q.bidCopCents,
        askCopCents: q.askCopCents,
        midCopCents: q.midCopCents,
        emaShort,
        emaLong,
        marketHours,
        sessionMinute: marketHours ? minute - MARKET_OPEN : -1,
        remittanceDay: cal.remittanceDay,
        paydayDay: cal.paydayDay,
      };
      for (let i = 0; i < users.length; i++) {
        const user = users[i]!;
        const p = portfolios[i]!;
        const due = responses[i];
        let d = decide(user, p, lastTrade[i]!, view, rng);
        let responded = false;
        if (!d && due && due.atMs <= ms) {
          // The user acts on the suggestion (at this tick's price).
          responses[i] = undefined;
          d = {
            side: due.side,
            usdCents:
              due.side === 'SELL'
                ? Math.min(due.usdCents, Math.floor(p.usdCents / 100) * 100)
                : due.usdCents,
          };
          responded = true;
        }
        if (!d || d.usdCents <= 0) continue;
        const price = d.side === 'BUY' ? q.askCopCents : q.bidCopCents;
        const at = ms + user.offsetMs + 200;
        const tx: TransactionExecuted = {
          type: 'TransactionExecuted',
          version: 1,
          id: id(at),
          userId: user.userId,
          side: d.side,
          amountUsdCents: d.usdCents,
          priceCopCents: price,
          totalCopCents: totalCopCents(d.usdCents, price),
          priceTickId: tickId,
          idempotencyKey: `${user.userId}-${++txSeq}`,
          executedAt: new Date(at).toISOString(),
          ingestedAt: new Date(at + 5 + Math.floor(idRng.uniform() * 80)).toISOString(),
        };
        try {
          portfolios[i] = applyPortfolioEvent(p, tx);
        } catch (err) {
          if (err instanceof PortfolioError) continue; // would overdraw: the user does not trade
          throw err;
        }
        lastTrade[i] = at;
        events.push(tx);
        advisor?.observe(tx);
        result.transactions++;
        if (responded) result.responses!++;
      }
    }
    events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const builder = new RawBatchBuilder(dates);
    for (const e of events) builder.add(e);
    const files = builder.files(`sim-s${seed}-${day.replaceAll('-', '')}`);
    await putRawFiles(options.datalake, files);
    result.files += files.length;
    logger.debug({ day, events: events.length }, 'simulated FX day written');
  }

  const labels = users
    .map((u) =>
      JSON.stringify({ usuario_id: u.userId, comportamiento: u.behaviour, semilla: seed }),
    )
    .join('\n');
  await options.datalake.put(
    `raw/${SIM_USERS_TABLE}/${partitionPath(from)}/sim-s${seed}.jsonl`,
    `${labels}\n`,
    { contentType: 'application/x-ndjson' },
  );
  result.files++;
  logger.info({ ...result }, 'simulated FX history written');
  return result;
}

/** The behaviours drawn for a seed, without simulating (for evaluation helpers). */
export function simulatedBehaviours(
  users: number,
  seed = 1,
  userPrefix = 'sim',
): Map<string, Behaviour> {
  const rng = new SeededRandom(seed);
  const out = new Map<string, Behaviour>();
  for (let i = 0; i < users; i++) {
    const u = drawUser(rng, i, userPrefix);
    out.set(u.userId, u.behaviour);
  }
  return out;
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

interface DayCalendar {
  weekday: boolean;
  remittanceDay: boolean;
  paydayDay: boolean;
}

function calendar(date: string): DayCalendar {
  const d = new Date(`${date}T00:00:00Z`);
  const dow = d.getUTCDay();
  const dom = d.getUTCDate();
  const lastDom = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const weekday = dow >= 1 && dow <= 5;
  const isRemit = (x: number): boolean => x === 1 || x === 15;
  const isPay = (x: number): boolean => x === 15 || x === lastDom;
  return {
    weekday,
    // The 1st / 15th, or the Monday after when they fall on a weekend.
    remittanceDay:
      weekday && (isRemit(dom) || (dow === 1 && (isRemit(dom - 1) || isRemit(dom - 2)))),
    // The 15th / last day, or the Friday before when they fall on a weekend.
    paydayDay: weekday && (isPay(dom) || (dow === 5 && (isPay(dom + 1) || isPay(dom + 2)))),
  };
}

/** Minutes of the local day with a tick. */
function tickMinutes(weekday: boolean): number[] {
  const out: number[] = [];
  if (!weekday) {
    for (let m = 0; m < 1440; m += 60) out.push(m);
    return out;
  }
  for (let m = 0; m < MARKET_OPEN; m += 30) out.push(m);
  for (let m = MARKET_OPEN; m <= MARKET_CLOSE; m++) out.push(m);
  for (let m = MARKET_CLOSE + 30; m < 1440; m += 30) out.push(m);
  return out;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The UTC instant of `minutes` after local midnight of `date` in `timeZone`. */
function zonedMs(date: string, minutes: number, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
  let ms = guess - offsetAt(guess, timeZone);
  ms = guess - offsetAt(ms, timeZone);
  return ms;
}

function offsetAt(ms: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  return local - Math.floor(ms / 60_000) * 60_000;
}

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID for `ms` whose random part comes from `rng` (deterministic). */
function ulidAt(ms: number, rng: SeededRandom): string {
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = B32[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += B32[Math.floor(rng.uniform() * 32)]!;
  return time + rand;
}
