import { z } from 'zod';

/** Largest USD amount of one transaction. */
export const MAX_AMOUNT_USD = 1_000_000;

/** Exactly a whole number of cents: 150.25 yes; 9.999999999 or 1e-9 no (refused, never rounded). */
const twoDecimals = (v: number): boolean => Math.round(v * 100) / 100 === v;

/** Smallest USD amount of one transaction: one cent. */
export const MIN_AMOUNT_USD = 0.01;

/** Body of `POST /transactions`. */
export const transactionRequestSchema = z.strictObject({
  side: z.enum(['BUY', 'SELL']),
  amountUsd: z
    .number()
    .min(MIN_AMOUNT_USD)
    .max(MAX_AMOUNT_USD)
    .refine(twoDecimals, { message: 'must have at most two decimals' }),
});

/** `Idempotency-Key`: 1–200 printable ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const ulid = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a cursor returned by the API');

export const transactionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ulid.optional(),
});

/** Longest range of `GET /prices`. */
export const MAX_PRICE_RANGE_DAYS = 31;

export const pricesQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  cursor: z
    .string()
    .regex(/^\d+\.[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a cursor returned by the API')
    .optional(),
});

/** Body of `POST /admin/users`: opening balances in units (COP, USD). */
export const createUserRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  cop: z
    .number()
    .nonnegative()
    .max(1e13)
    .refine(twoDecimals, 'must have at most two decimals')
    .default(0),
  usd: z
    .number()
    .nonnegative()
    .max(1e13)
    .refine(twoDecimals, 'must have at most two decimals')
    .default(0),
});

export const usersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^u_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a cursor returned by the API')
    .optional(),
});

// Response shapes (documentation; responses are built in fx-routes.ts).

export const transactionSchema = z.object({
  id: z.string().describe('ULID of the TransactionExecuted event'),
  side: z.enum(['BUY', 'SELL']),
  amountUsd: z.number(),
  priceCop: z.number().describe('COP per USD applied: the ask for a BUY, the bid for a SELL'),
  totalCop: z.number(),
  executedAt: z.string().describe('ISO 8601'),
});

export const transactionPageSchema = z.object({
  transactions: z.array(transactionSchema),
  nextCursor: z.string().optional(),
});

export const portfolioSchema = z.object({
  userId: z.string(),
  usd: z.number(),
  cop: z.number(),
  avgCostCop: z.number().describe('weighted-average cost of the USD held, COP per USD'),
  costBasisCop: z.number(),
  unrealizedPnlCop: z.number().nullable().describe('null without a price'),
  realizedPnlCop: z.number(),
  bidCop: z.number().nullable(),
  askCop: z.number().nullable(),
  valuedAt: z.string().nullable().describe('observedAt of the price used'),
  priceStale: z.boolean(),
  buyCount: z.number().int(),
  sellCount: z.number().int(),
  openedAt: z.string(),
  lastTransactionAt: z.string().nullable(),
});

export const priceSchema = z.object({
  id: z.string(),
  source: z.string(),
  bidCop: z.number(),
  askCop: z.number(),
  midCop: z.number(),
  observedAt: z.string(),
});

export const latestPriceSchema = priceSchema.extend({
  ageSeconds: z.number(),
  stale: z.boolean(),
});

export const pricePageSchema = z.object({
  prices: z.array(priceSchema),
  nextCursor: z.string().optional(),
});

export const userSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });

export const createdUserSchema = userSchema.extend({
  token: z.string().describe('the API token; shown once'),
  cop: z.number(),
  usd: z.number(),
});

export const userPageSchema = z.object({
  users: z.array(userSchema),
  nextCursor: z.string().optional(),
});

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown());
