import type { z } from 'zod';
import { UsageError } from './usage-error.js';

/**
 * The one way a command reads its flags: commander's raw values (strings, booleans, arrays)
 * through a zod schema. Anything the schema refuses becomes a one-line UsageError (exit code 2)
 * naming each bad flag, e.g. `--limit: must be a positive integer`.
 *
 * @example
 * const args = parseFlags(z.strictObject({ limit: positiveInt.default(20), json: flag }), opts);
 * @throws UsageError
 */
export function parseFlags<S extends z.ZodType>(schema: S, opts: unknown): z.output<S> {
  const parsed = schema.safeParse(opts);
  if (!parsed.success) throw UsageError.fromZod(parsed.error);
  return parsed.data;
}
