import { z } from 'zod';
import type { Channel, QuietHours } from './notifier.js';

/** A user's notification preferences. */
export interface Preferences {
  channels: Record<Channel, boolean>;
  /**
   * `null`: not set, the orchestrator's default window applies (also for preferences stored
   * before this distinction, whose `null` could mean either); `'none'`: the user wants none.
   */
  quietHours: QuietHours | 'none' | null;
  /**
   * Whether the user wants recommendations at all (apart from the channels): `null` = never
   * asked (the orchestrator asks for consent before the first), `'on'` = consented, `'off'`.
   */
  recommendations: 'on' | 'off' | null;
  /** Suggestions of trades the user makes on schedule (quincena, remittances) as reminders. */
  scheduledReminders: boolean;
  /** IANA time zone of the user (quiet hours default to it). */
  timezone: string;
  language: 'es' | 'en';
}

/** Preferences of a user who never set any. */
export const DEFAULT_PREFERENCES: Preferences = {
  channels: { inApp: true, webPush: true, webhook: true, mobilePush: true },
  quietHours: null,
  recommendations: null,
  scheduledReminders: false,
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
 * preferences. `quietHours`: a window; `'none'` (or `null`, as before) for no quiet hours;
 * `'default'` to go back to the platform's default window. A field left out keeps its value:
 * the default window holds until the user changes `quietHours` itself.
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
    .or(z.enum(['none', 'default']))
    .nullable()
    .optional(),
  /** `'off'` stops recommendations whatever the channels; `'on'` consents to them. */
  recommendations: z.enum(['on', 'off']).optional(),
  /** `true`: also suggest the trades the user makes on schedule (as reminders). */
  scheduledReminders: z.boolean().optional(),
  timezone: timeZone.optional(),
  language: z.enum(['es', 'en']).optional(),
});
export type PreferencesUpdate = z.infer<typeof preferencesUpdateSchema>;

/** Applies an update; quiet hours without a zone take the user's time zone. */
export function mergePreferences(current: Preferences, update: PreferencesUpdate): Preferences {
  const timezone = update.timezone ?? current.timezone;
  let quietHours = current.quietHours;
  if (update.quietHours === null || update.quietHours === 'none') quietHours = 'none';
  else if (update.quietHours === 'default') quietHours = null;
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
    recommendations: update.recommendations ?? current.recommendations ?? null,
    scheduledReminders: update.scheduledReminders ?? current.scheduledReminders ?? false,
    timezone,
    language: update.language ?? current.language,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
