import { z } from 'zod';

/** A boolean switch (`--json`, `--full`): commander gives true or leaves it out. */
export const flag = z.boolean().optional();

/** A whole number ≥ 1 given as text (`--limit 20`). */
export const positiveInt = z.coerce
  .number({ error: 'must be a positive integer' })
  .int('must be a positive integer')
  .min(1, 'must be a positive integer');

/** A DuckDB memory size such as `512MB`, `1GB`, `1.5GiB`. */
export const memorySize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size such as 512MB or 2GB');
