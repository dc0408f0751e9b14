import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .refine(isTimeZone, { message: 'is not a known IANA time zone (e.g. America/Bogota)' });

/** The notification policy: when a score becomes a suggestion (see `policy.ts`). */
export const policyConfigSchema = z
  .strictObject({
    /**
     * Probability a class needs before it is suggested. The model's probabilities are calibrated
     * and only ~7–12 % of users trade within a day, so 0.6 would almost never be reached; 0.35 is
     * the training metrics' threshold too (`fx.model.training.notificationThreshold`).
     * @default { buy: 0.35, sell: 0.35 }
     */
    thresholds: z
      .strictObject({
        /** @default 0.35 */
        buy: z.number().gt(0).max(1).default(0.35),
        /** @default 0.35 */
        sell: z.number().gt(0).max(1).default(0.35),
      })
      .prefault({}),
    /** At most one suggestion per user in this many hours. @default 6 */
    cooldownHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(6),
    /**
     * No suggestion in this local window (may cross midnight); a user's own quiet hours win.
     * `null`: none by default. @default { start: '21:00', end: '07:00', timezone: 'America/Bogota' }
     */
    quietHours: z
      .strictObject({ start: hhmm, end: hhmm, timezone: timeZone.default('America/Bogota') })
      .refine((q) => q.start !== q.end, { message: 'start and end must differ' })
      .nullable()
      .default({ start: '21:00', end: '07:00', timezone: 'America/Bogota' }),
    /** Smallest suggested amount, whole USD; less than that is not suggested. @default 10 */
    minAmountUsd: z.number().int().positive().default(10),
    /** Amount suggested on a side the user never traded, whole USD. @default 100 */
    defaultTicketUsd: z.number().int().positive().default(100),
    /**
     * The suggested amount (the typical ticket of that side's own trades) is capped at this
     * percentage of the relevant balance: COP for a BUY, USD for a SELL. @default 30
     */
    maxBalancePct: z.number().gt(0).max(100).default(30),
    /** No SELL suggested while the bid is below the user's average cost. @default true */
    noSellBelowAverageCost: z.boolean().default(true),
    /**
     * No suggestion that reverses a trade of the user's last this many hours (a SELL after a
     * BUY, a BUY after a SELL): a round trip costs the spread. 0: off. @default 48
     */
    reversalHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(48),
    /** At most this many suggestions per user in any 7 days. @default 2 */
    maxPerWeek: z.number().int().positive().max(1000).default(2),
    /**
     * After a suggestion ignored (no trade of its side within the outcome horizon), the next
     * waits this many hours since it, doubled for each further one ignored in a row. 0: off.
     * @default 72
     */
    backoffHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(72),
    /**
     * A user who was never asked (preferences `recommendations: null`) gets a consent request
     * instead of the first suggestion; `false` treats them as consenting. @default true
     */
    requireConsent: z.boolean().default(true),
    /**
     * No suggestion of a trade the user makes on schedule anyway (a quincena habit on that side,
     * the quincena within 24 h: remittances, salary conversions), unless they asked for
     * reminders (preferences `scheduledReminders`). The propensity model finds these users
     * easily and a suggestion changes nothing for them. @default true
     */
    excludeScheduled: z.boolean().default(true),
    /**
     * The same side is not suggested again while the price moved less than this (percent) since
     * the last suggestion and the balances did not change. @default 1
     */
    repeatPriceMovePct: z.number().min(0).max(100).default(1),
    /**
     * At most this many new suggestions per tick, the most probable first; the others are
     * `deferred`: not in cooldown, they are scored again on the next tick, at its price. It
     * bounds a burst (a start with no cooldowns, a market shock) so that the channels (SNS
     * rates, push services, users' webhook servers) and the tick's own latency stay in bounds,
     * and the suggestions roll out over a few ticks instead of all at once. With a 6 h cooldown
     * and 100,000 users the steady flow averages under 300 per one-minute tick. 0: no limit.
     * @default 1000
     */
    maxPerTick: z.number().int().min(0).default(1000),
  })
  .prefault({});

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** The rules scorer (`reglas-v1`): serves without an approved model, and runs as a shadow. */
export const rulesConfigSchema = z
  .strictObject({
    /**
     * Score a side needs under the rules (their scores add up rule weights from a base of 0.2,
     * so one signal alone stays under it). @default 0.6
     */
    threshold: z.number().gt(0).max(1).default(0.6),
    /** A 24 h fall of the dollar of at least this (percent) favours a BUY. @default 1 */
    dropPct: z.number().positive().max(50).default(1),
    /** A 24 h rise of at least this (percent) favours a SELL. @default 1 */
    risePct: z.number().positive().max(50).default(1),
    /** An unrealized gain of at least this (percent) favours a SELL. @default 3 */
    gainPct: z.number().positive().max(100).default(3),
  })
  .prefault({});

export type RulesConfig = z.infer<typeof rulesConfigSchema>;

/** Configuration of the inference orchestrator and its notification policy (issue 7), mounted at `fx.orchestrator`. */
export const orchestratorConfigSchema = z
  .strictObject({
    /** Run the orchestrator inside `corriente up`. @default true */
    enabled: z.boolean().default(true),
    /** Its consumer name (checkpoint) on the event log. @default 'fx-orchestrator' */
    consumer: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1–128 characters of A–Z a–z 0–9 _ . -')
      .default('fx-orchestrator'),
    /** Its state (last suggestion per user, outbox), relative to the home. @default 'fx/orchestrator.db' */
    statePath: z.string().min(1).default('fx/orchestrator.db'),
    /** The model group served from the registry. @default 'fx-recomendaciones' */
    modelGroup: z.string().min(1).max(100).default('fx-recomendaciones'),
    /** Users scored per model call. @default 8192 */
    scoreBatchSize: z.number().int().min(1).max(1_000_000).default(8192),
    /**
     * Ticks older than this (against the wall clock) are observed but not decided on: after a
     * downtime, nobody is told to buy at an hour-old price. @default 300
     */
    maxTickAgeSeconds: z.number().positive().default(300),
    /** A suggestion converts when the user trades that side within this many hours. @default 24 */
    outcomeHorizonHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(24),
    /** Log the rules' would-be decisions beside the model's. @default true */
    shadowRules: z.boolean().default(true),
    /**
     * Percentage of users held out at random (sticky per user: a hash of the user id and
     * `holdoutSalt`): they are scored and their suggestions recorded as `retenida` ("would have
     * been suggested") but not notified, so the outcomes compare treated with held-out users
     * (lift). 0: no holdout. @default 10
     */
    holdoutPercent: z.number().min(0).max(100).default(10),
    /** Salt of the holdout hash: a new salt draws a new holdout group. @default 'holdout-1' */
    holdoutSalt: z.string().min(1).max(100).default('holdout-1'),
    /**
     * What selects and ranks the suggestions that pass the policy: `propensity` (the probability
     * of trading that side), or `uplift`, the approved uplift model of `fx.model.uplift.group`
     * (`corriente fx train --uplift`): a suggestion is kept only when its predicted uplift
     * (treated minus held-out probability) is at least `minUplift`, and the per-tick cap keeps the
     * largest uplifts. Without an approved uplift model the propensity ranking stays.
     * @default 'propensity'
     */
    rankBy: z.enum(['propensity', 'uplift']).default('propensity'),
    /** With `rankBy: uplift`, the smallest predicted uplift suggested (0.02 = 2 points). @default 0 */
    minUplift: z.number().min(-1).max(1).default(0),
    policy: policyConfigSchema,
    rules: rulesConfigSchema,
  })
  .prefault({});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;

/** The defaults, for library callers and tests. */
export function defaultOrchestratorConfig(): OrchestratorConfig {
  return orchestratorConfigSchema.parse(undefined);
}
