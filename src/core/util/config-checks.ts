import { Cron } from 'croner';

/** True when `expr` is a cron expression croner accepts (config keys that schedule work). */
export function isValidCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** True when `tz` is an IANA time zone the runtime knows, e.g. `America/Bogota`. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
