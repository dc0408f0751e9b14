import { partitionPath } from '../../core/util/time-zone.js';
import { isIsoDate, loadDateOf } from '../../core/util/time-zone.js';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { totalCopCents, type FxEvent, type TransactionExecuted } from '../events.js';
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
        result.accounts++;
      });
    }
    const cal = calendar(day);
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
        const d = decide(user, p, lastTrade[i]!, view, rng);
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
        result.transactions++;
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
