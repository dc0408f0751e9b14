/** Low-level text formatting for the generated CSV files, kept allocation-light for speed. */

/** `00`..`99`. */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) =>
  i < 10 ? `0${i}` : String(i),
);

const NEEDS_QUOTES = /[;"\r\n]/;

/**
 * One CSV field, RFC 4180 style with `;` as delimiter: quoted (inner quotes doubled) only when
 * it contains `;`, `"`, CR or LF.
 * @example csvField('Restaurante "El Fogón" S.A.S.') // → '"Restaurante ""El Fogón"" S.A.S."'
 */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A non-negative amount in hundredths as `1234.50` (dot decimal, no thousands separators). */
export function fixed2(hundredths: number): string {
  const whole = Math.floor(hundredths / 100);
  return `${whole}.${PAD2[hundredths - whole * 100]}`;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a real `YYYY-MM-DD` date, or `undefined` for anything else. */
export function parseIsoDate(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return t / DAY_MS;
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function formatEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `HH:MM:SS` of a second of the day. */
export function formatSecondOfDay(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec - h * 3600) / 60);
  return `${PAD2[h]}:${PAD2[m]}:${PAD2[sec - h * 3600 - m * 60]}`;
}

/** Removes Spanish accents (keeps `ñ`/`Ñ` half the time, as real exports do, when `keepEnye`). */
export function stripAccents(s: string, keepEnye = true): string {
  return s.replace(/[áéíóúüÁÉÍÓÚÜñÑ]/g, (c) => {
    if (keepEnye && (c === 'ñ' || c === 'Ñ')) return c;
    return c.normalize('NFD').charAt(0);
  });
}
