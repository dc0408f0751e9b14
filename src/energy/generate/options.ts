/**
 * Options of the generator and validation of `corriente generate`'s arguments (zod), kept apart
 * from the generator core and from the command handler.
 */
import { z } from 'zod';
import { parseIsoDate } from './format.js';

/** Limits that keep a run sane: clientes and proveedores names are held in memory. */
export const GENERATE_LIMITS = {
  clientes: 5_000_000,
  proveedores: 100_000,
  transacciones: 1_000_000_000,
} as const;

const isoDate = z
  .string({ error: 'is required (a date YYYY-MM-DD)' })
  .refine((s) => parseIsoDate(s) !== undefined, { error: 'must be a real date YYYY-MM-DD' });

const count = (max: number) =>
  z
    .number()
    .int({ error: 'must be a non-negative integer' })
    .min(0, { error: 'must be a non-negative integer' })
    .max(max, { error: `must be at most ${max}` });

/** The generator's options, validated, with their defaults. */
export const generateOptionsSchema = z
  .object({
    /** Export date; transactions fall on this day and it names the files. */
    date: isoDate,
    /** @default 42 */
    seed: z
      .number()
      .int({ error: 'must be a non-negative integer' })
      .min(0, { error: 'must be a non-negative integer' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' })
      .default(42),
    /** @default 1000 */
    clientes: count(GENERATE_LIMITS.clientes).default(1000),
    /** @default 40 */
    proveedores: count(GENERATE_LIMITS.proveedores).default(40),
    /** @default 20000 */
    transacciones: count(GENERATE_LIMITS.transacciones).default(20_000),
    /** Add the dirt real exports carry. @default false */
    dirty: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.transacciones > 0) {
      for (const k of ['clientes', 'proveedores'] as const) {
        if (o[k] < 1) {
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: 'must be at least 1 when --transacciones is more than 0',
          });
        }
      }
    }
  });

/** What callers pass (everything but `date` optional). */
export type GenerateOptions = z.input<typeof generateOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedGenerateOptions = z.output<typeof generateOptionsSchema>;

/** Thrown for invalid options or arguments; the message names each bad one. */
export class GenerateArgsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'GenerateArgsError';
  }
}

function problemsOf(error: z.ZodError, raw: Record<string, unknown>): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '';
    const got = key && raw[key] !== undefined ? ` (got ${JSON.stringify(raw[key])})` : '';
    return key ? `--${key} ${issue.message}${got}` : issue.message;
  });
}

/**
 * Validates options and applies defaults.
 * @throws GenerateArgsError
 * @example resolveGenerateOptions({ date: '2026-11-27' }).transacciones // → 20000
 */
export function resolveGenerateOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const r = generateOptionsSchema.safeParse(options);
  if (!r.success)
    throw new GenerateArgsError(problemsOf(r.error, options as Record<string, unknown>));
  return r.data;
}

const intArg = z
  .string()
  .regex(/^\d+(_\d{3})*$/, { error: 'must be a non-negative integer' })
  .transform((s) => Number(s.replaceAll('_', '')))
  .optional();

/** Raw `corriente generate` options as commander hands them over (strings and flags). */
const generateArgsSchema = z.object({
  date: isoDate,
  out: z.string().min(1, { error: 'must not be empty' }).optional(),
  seed: intArg,
  clientes: intArg,
  proveedores: intArg,
  transacciones: intArg,
  dirty: z.boolean().optional(),
  json: z.boolean().optional(),
});

export interface GenerateArgs {
  options: ResolvedGenerateOptions;
  /** Local folder to write to instead of the source store. */
  out: string | undefined;
  /** Print one JSON object instead of one line per file. */
  json: boolean;
}

/**
 * Parses and validates `corriente generate`'s options.
 * @throws GenerateArgsError listing every problem, e.g. `--date must be a real date YYYY-MM-DD (got "2026-02-30")`
 * @example parseGenerateArgs({ date: '2026-11-27', transacciones: '1_000_000' }).options.transacciones // → 1000000
 */
export function parseGenerateArgs(raw: Record<string, unknown>): GenerateArgs {
  const r = generateArgsSchema.safeParse(raw);
  if (!r.success) throw new GenerateArgsError(problemsOf(r.error, raw));
  const { out, json, ...rest } = r.data;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const parsed = generateOptionsSchema.safeParse(defined);
  if (!parsed.success) throw new GenerateArgsError(problemsOf(parsed.error, raw));
  return { options: parsed.data, out, json: json ?? false };
}
