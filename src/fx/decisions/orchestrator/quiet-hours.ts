import { ZoneClock } from '../../../core/util/time-zone.js';

/** Quiet hours: local wall-clock `HH:MM`–`HH:MM` in an IANA zone; may cross midnight. */
export interface QuietHoursWindow {
  start: string;
  end: string;
  timezone: string;
}

/** `HH:MM` → minutes, memoised (at most 1,440 entries): asked per user and tick. */
const minutesMemo = new Map<string, number>();
function minutesOf(hhmm: string): number {
  let m = minutesMemo.get(hhmm);
  if (m === undefined) {
    m = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    if (minutesMemo.size < 2000) minutesMemo.set(hhmm, m);
  }
  return m;
}

/**
 * Local minute of the day per time zone, memoised per UTC minute: the policy asks it for 100,000
 * users per tick. Each zone's offset comes from the shared {@link ZoneClock}.
 */
export class QuietHoursClock {
  private readonly zones = new Map<string, ZoneClock>();
  private readonly cache = new Map<string, number>();
  private cachedMinute = NaN;

  /** Minutes since local midnight (0–1439) at `atMs` in `timezone`. */
  minuteOfDay(timezone: string, atMs: number): number {
    const minute = Math.floor(atMs / 60_000);
    if (minute !== this.cachedMinute) {
      this.cache.clear();
      this.cachedMinute = minute;
    }
    let m = this.cache.get(timezone);
    if (m === undefined) {
      let zone = this.zones.get(timezone);
      if (!zone) {
        zone = new ZoneClock(timezone);
        this.zones.set(timezone, zone);
      }
      m = zone.minuteOfDay(minute * 60_000);
      this.cache.set(timezone, m);
    }
    return m;
  }

  /** Whether `atMs` falls in `q` (start inclusive, end exclusive). */
  isQuiet(q: QuietHoursWindow, atMs: number): boolean {
    const now = this.minuteOfDay(q.timezone, atMs);
    const start = minutesOf(q.start);
    const end = minutesOf(q.end);
    return start < end ? now >= start && now < end : now >= start || now < end;
  }
}
