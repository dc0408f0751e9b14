import { z } from 'zod';
import type { Channel, QuietHours } from './notifier.js';

/** A user's notification preferences. */
export interface Preferences {
  channels: Record<Channel, boolean>;
  quietHours: QuietHours | null;
  /** IANA time zone of the user (quiet hours default to it). */
  timezone: string;
  language: 'es' | 'en';
}

/** Preferences of a user who never set any. */
export const DEFAULT_PREFERENCES: Preferences = {
  channels: { inApp: true, webPush: true, webhook: true, mobilePush: true },
  quietHours: null,
  timezone: 'America/Bogota',
  language: 'es',
};

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');
const timeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'is not a known IANA time zone (e.g. America/Bogota)' });

/**
 * Body of `PUT /preferences`: every field optional, merged over the stored (or default)
 * preferences; `quietHours: null` removes quiet hours.
 */
export const preferencesUpdateSchema = z.strictObject({
  channels: z
    .strictObject({
      inApp: z.boolean().optional(),
      webPush: z.boolean().optional(),
      webhook: z.boolean().optional(),
      mobilePush: z.boolean().optional(),
    })
    .optional(),
  quietHours: z
    .strictObject({ start: hhmm, end: hhmm, timezone: timeZone.optional() })
    .refine((q) => q.start !== q.end, { message: 'start and end must differ' })
    .nullable()
    .optional(),
  timezone: timeZone.optional(),
  language: z.enum(['es', 'en']).optional(),
});
export type PreferencesUpdate = z.infer<typeof preferencesUpdateSchema>;

/** Applies an update; quiet hours without a zone take the user's time zone. */
export function mergePreferences(current: Preferences, update: PreferencesUpdate): Preferences {
  const timezone = update.timezone ?? current.timezone;
  let quietHours = current.quietHours;
  if (update.quietHours === null) quietHours = null;
  else if (update.quietHours) {
    quietHours = {
      start: update.quietHours.start,
      end: update.quietHours.end,
      timezone: update.quietHours.timezone ?? timezone,
    };
  }
  return {
    channels: { ...current.channels, ...stripUndefined(update.channels ?? {}) },
    quietHours,
    timezone,
    language: update.language ?? current.language,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
