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
 * users per tick, and formatting a date in a zone is the costly part. All zones in use have
 * offsets of whole minutes.
 */
export class LocalClock {
  private readonly formats = new Map<string, Intl.DateTimeFormat>();
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
      m = this.compute(timezone, minute * 60_000);
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

  private compute(timezone: string, ms: number): number {
    let f = this.formats.get(timezone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: timezone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      this.formats.set(timezone, f);
    }
    let h = 0;
    let m = 0;
    for (const p of f.formatToParts(ms)) {
      if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') m = Number(p.value);
    }
    return h * 60 + m;
  }
}
