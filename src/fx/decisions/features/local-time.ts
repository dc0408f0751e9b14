import { ZoneClock } from '../../../core/util/time-zone.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BUCKET_MS = 15 * 60_000; // ZoneClock's offset granularity

/** The calendar features of an instant in the users' time zone. */
export interface LocalTime {
  /** Fractional hour of the local day, 0 ≤ h < 24. */
  horaLocal: number;
  /** 0 = Monday … 6 = Sunday. */
  diaSemana: number;
  /** 1..31. */
  diaDelMes: number;
  /**
   * Local midnights (as UTC instants) of the next two quincena days counting today: the
   * quincena calendar is public, so tomorrow's is known at the instant (see {@link isQuincena}).
   */
  quincenasMs: readonly [number, number];
}

/** Days a quincena search looks ahead (two quincenas are never further apart than this). */
const QUINCENA_SEARCH_DAYS = 40;

/**
 * Whether a local date (days since 1970-01-01 in the local calendar) is a Colombian payday
 * ("quincena"): the 15th or the last day of the month, or the Friday before when that falls on
 * a weekend (the usual payroll convention; public holidays are not modelled).
 */
export function isQuincena(localDay: number): boolean {
  const d = new Date(localDay * DAY_MS);
  const dow = d.getUTCDay();
  if (dow === 0 || dow === 6) return false;
  const dom = d.getUTCDate();
  const lastDom = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const isPay = (x: number): boolean => x === 15 || x === lastDom;
  return isPay(dom) || (dow === 5 && (isPay(dom + 1) || isPay(dom + 2)));
}

/** The calendar features of one IANA time zone, over the shared {@link ZoneClock}. */
export class LocalClock extends ZoneClock {
  /** The local hour, weekday and day of month of `ms`. */
  at(ms: number): LocalTime {
    const local = ms + this.offsetMs(ms);
    const day = Math.floor(local / DAY_MS);
    const d = new Date(local);
    const offset = local - ms;
    let q0 = NaN;
    let q1 = NaN;
    for (let k = day; k <= day + QUINCENA_SEARCH_DAYS && q1 !== q1; k++) {
      if (!isQuincena(k)) continue;
      if (q0 !== q0) q0 = k * DAY_MS - offset;
      else q1 = k * DAY_MS - offset;
    }
    return {
      horaLocal: (local - day * DAY_MS) / HOUR_MS,
      diaSemana: (d.getUTCDay() + 6) % 7,
      diaDelMes: d.getUTCDate(),
      quincenasMs: [q0, q1],
    };
  }

  /** The local hour (fractional) of `ms`, and whether its local date is a quincena. */
  tradeCalendar(ms: number): { hour: number; quincena: boolean } {
    const local = ms + this.offsetMs(ms);
    const day = Math.floor(local / DAY_MS);
    return {
      hour: (local - day * DAY_MS) / HOUR_MS,
      quincena: isQuincena(day),
    };
  }

  /**
   * Instants in [fromMs, toMs] that fall on a local hour `h` with `h % everyHours === 0`
   * (counting local hours since the epoch, so steps that do not divide 24 stay regular).
   * @example clock.sampleTimes(from, to, 3) // local 00:00, 03:00, …, 21:00 of each day
   */
  sampleTimes(fromMs: number, toMs: number, everyHours: number): number[] {
    const out: number[] = [];
    if (!Number.isInteger(everyHours) || everyHours < 1) {
      throw new RangeError(`everyHours must be a positive integer, got ${everyHours}`);
    }
    // Candidates every quarter hour cover zones with half- and quarter-hour offsets.
    for (let ms = Math.ceil(fromMs / BUCKET_MS) * BUCKET_MS; ms <= toMs; ms += BUCKET_MS) {
      const local = ms + this.offsetMs(ms);
      if (local % HOUR_MS !== 0) continue;
      if ((local / HOUR_MS) % everyHours === 0) out.push(ms);
    }
    return out;
  }
}
