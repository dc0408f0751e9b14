/**
 * Local time in an IANA time zone: the one module every product uses for load dates (the lake's
 * partitions), calendar features and quiet hours.
 */

const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;

/**
 * The calendar date of `instant` in `timeZone`, as `YYYY-MM-DD`.
 * @example loadDateOf(new Date('2026-01-02T03:00:00Z'), 'America/Bogota') // → '2026-01-01'
 */
export function loadDateOf(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** The Hive-style partition of a load date, as Glue and Athena read it. */
/** `2026-01-02` → `year=2026/month=01/day=02`. */
export function partitionPath(loadDate: string): string {
  const [y, m, d] = loadDate.split('-');
  return `year=${y}/month=${m}/day=${d}`;
}

/**
 * The wall clock of one IANA time zone. The UTC offset is memoised per quarter hour (every zone
 * changes offset on a quarter hour at the latest), so the per-call cost is a map lookup.
 *
 * @example new ZoneClock('America/Bogota').minuteOfDay(Date.parse('2026-01-01T12:00:00Z')) // → 420
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  /** @throws RangeError for an unknown time zone. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Milliseconds to add to a UTC instant to get the local wall-clock time (as a UTC instant). */
  offsetMs(ms: number): number {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const at = bucket * BUCKET_MS;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(at))) p[part.type] = Number(part.value);
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /** Minutes since local midnight (0–1439) at `ms`. */
  minuteOfDay(ms: number): number {
    const local = ms + this.offsetMs(ms);
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / 60_000);
  }
}
