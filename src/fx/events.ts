import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';

/**
 * FX platform events. Every event has a schema `version`, a unique sortable `id` (a ULID),
 * its event time and its ingestion time (`ingestedAt`, set when appended to the log).
 *
 * Money is integers of minor units, never floats: USD in cents (`…UsdCents`) and COP in
 * centavos (`…CopCents`, 1 COP = 100 centavos), so sums never drift. A COP total is
 * `round(amountUsdCents × priceCopCents / 100)` centavos (see `totalCopCents`).
 */
const ulidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');
const instant = z.iso.datetime({ offset: true });
const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A positive integer amount of minor units. */
const positiveCents = z.number().int().positive().max(1e13);

export const priceTickSchema = z
  .object({
    type: z.literal('PriceTick'),
    version: z.literal(1),
    id: ulidSchema,
    /** Where the quote came from, e.g. `simulated`, `replay:precios.csv`, `http:banrep`. */
    source: z.string().min(1).max(100),
    /** COP centavos per USD. bid ≤ mid ≤ ask. */
    bidCopCents: positiveCents,
    askCopCents: positiveCents,
    midCopCents: positiveCents,
    observedAt: instant,
    ingestedAt: instant,
  })
  .refine((t) => t.bidCopCents <= t.midCopCents && t.midCopCents <= t.askCopCents, {
    message: 'prices must satisfy bid ≤ mid ≤ ask',
  });
export type PriceTick = z.infer<typeof priceTickSchema>;

export const accountOpenedSchema = z.object({
  type: z.literal('AccountOpened'),
  version: z.literal(1),
  id: ulidSchema,
  userId: z.string().min(1).max(64),
  /** Opening balances. */
  copCents: cents,
  usdCents: cents,
  openedAt: instant,
  ingestedAt: instant,
});
export type AccountOpened = z.infer<typeof accountOpenedSchema>;

export const transactionExecutedSchema = z
  .object({
    type: z.literal('TransactionExecuted'),
    version: z.literal(1),
    id: ulidSchema,
    userId: z.string().min(1).max(64),
    side: z.enum(['BUY', 'SELL']),
    amountUsdCents: positiveCents,
    /** The price applied: the ask for a BUY, the bid for a SELL. */
    priceCopCents: positiveCents,
    totalCopCents: positiveCents,
    /** Id of the PriceTick the price came from. */
    priceTickId: ulidSchema.optional(),
    /** The client's Idempotency-Key and a hash of the request body. */
    idempotencyKey: z.string().min(1).max(200).optional(),
    requestHash: z.string().optional(),
    executedAt: instant,
    ingestedAt: instant,
  })
  .refine((t) => t.totalCopCents === totalCopCents(t.amountUsdCents, t.priceCopCents), {
    message: 'totalCopCents must equal round(amountUsdCents × priceCopCents / 100)',
  });
export type TransactionExecuted = z.infer<typeof transactionExecutedSchema>;

/** One reason of a recommendation: a stable code (a feature name or a rule) and its Spanish text. */
export const recommendationReasonSchema = z.object({
  /** @example 'retorno_24h' */
  code: z.string().min(1).max(64),
  /** @example 'El dólar bajó 1,8 % hoy y sueles comprar en bajadas' */
  texto: z.string().min(1).max(300),
});
export type RecommendationReason = z.infer<typeof recommendationReasonSchema>;

/**
 * A suggestion to buy or sell dollars sent to one user (issue 7), appended by the inference
 * orchestrator with the user id as partition key. Not a portfolio event: it moves no money.
 */
export const recommendationSchema = z
  .object({
    type: z.literal('Recommendation'),
    version: z.literal(1),
    id: ulidSchema,
    userId: z.string().min(1).max(64),
    side: z.enum(['BUY', 'SELL']),
    /** The scorer's probability of the suggested side, 0–1. */
    probability: z.number().min(0).max(1),
    /** Who decided: the approved model, or the rules when no model serves. */
    scorer: z.enum(['model', 'reglas']),
    /** The model group of the registry (absent for the rules). */
    modelGroup: z.string().min(1).max(100).optional(),
    /** The model version, or the rules' version (`reglas-v1`). */
    modelVersion: z.string().min(1).max(100),
    /** The PriceTick the decision was made on. */
    priceTickId: ulidSchema,
    /** The price quoted to the user: the ask for a BUY, the bid for a SELL. */
    priceCopCents: positiveCents,
    suggestedAmountUsdCents: positiveCents,
    /** At most three, the strongest first. */
    reasons: z.array(recommendationReasonSchema).max(3),
    /**
     * What the spread costs the user on the suggested amount, against the mid price: (ask − mid)
     * × amount for a BUY, (mid − bid) × amount for a SELL, COP centavos. Shown in the message.
     */
    spreadCostCopCents: z.number().int().nonnegative().optional(),
    /**
     * `tratamiento`: notified; `control`: the user is in the random holdout, the suggestion was
     * decided and recorded ("would have been suggested") but not notified. Absent: before the
     * holdout existed (notified).
     */
    group: z.enum(['tratamiento', 'control']).optional(),
    /** What produced it (audit): the vector, the balances, the policy and the rules it passed. */
    audit: z
      .object({
        /** The feature vector scored, in `featureVersion`'s order (NaN written as null). */
        features: z.array(z.number().nullable()).max(500),
        featureVersion: z.string().min(1).max(100),
        /** SHA-256 (hex, first 16) of the vector's float32 bytes. */
        featuresHash: z.string().min(1).max(64),
        copCents: z.number(),
        usdCents: z.number(),
        policyVersion: z.string().min(1).max(100),
        /** The safety rules checked and passed, by name (`SAFETY_RULES`). */
        rules: z.array(z.string().min(1).max(64)).max(50),
      })
      .optional(),
    createdAt: instant,
    /** End of the outcome horizon: a trade on that side until then counts as a conversion. */
    expiresAt: instant,
    ingestedAt: instant,
  })
  .refine((r) => Date.parse(r.expiresAt) > Date.parse(r.createdAt), {
    message: 'expiresAt must be after createdAt',
    path: ['expiresAt'],
  });
export type Recommendation = z.infer<typeof recommendationSchema>;

export const fxEventSchema = z.union([
  priceTickSchema,
  accountOpenedSchema,
  transactionExecutedSchema,
  recommendationSchema,
]);
export type FxEvent = z.infer<typeof fxEventSchema>;

/** COP centavos for `amountUsdCents` at `priceCopCents` per USD, rounded half away from zero. */
export function totalCopCents(amountUsdCents: number, priceCopCents: number): number {
  // Both < 1e13 would overflow doubles; amounts are capped so the product stays exact.
  const product = amountUsdCents * priceCopCents;
  if (!Number.isSafeInteger(product))
    throw new RangeError('amount × price exceeds the exact range');
  return Math.round(product / 100);
}

// The ulid library draws one `crypto.getRandomValues` per character (16 calls per new
// millisecond): half the cost of filling the event log in the processor benchmark. The same
// CSPRNG, drawn 4 KiB at a time.
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;
function pooledRandom(): number {
  if (randomAt === randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  return randomPool[randomAt++]! / 256;
}
const ulid = monotonicFactory(pooledRandom);

/** A new unique, time-sortable event id (monotonic within a process). */
export function newEventId(now: number = Date.now()): string {
  return ulid(now);
}

/** `123456` centavos → `1234.56`; for JSON responses (display only, never for arithmetic). */
export function centsToNumber(c: number): number {
  return c / 100;
}

/**
 * `150.25` → `15025`. Refuses more than two decimals, non-finite and non-positive values.
 * @throws RangeError with a message fit for an API error.
 */
export function numberToCents(value: number, what = 'amount'): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${what} must be a positive number`);
  const c = Math.round(value * 100);
  if (Math.abs(c - value * 100) > 1e-6)
    throw new RangeError(`${what} must have at most two decimals`);
  if (!Number.isSafeInteger(c) || c > 1e11) throw new RangeError(`${what} is too large`);
  return c;
}
