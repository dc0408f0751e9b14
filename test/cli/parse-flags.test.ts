import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flag, memorySize, positiveInt } from '../../src/cli/flag-schemas.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { UsageError } from '../../src/cli/usage-error.js';

const schema = z.strictObject({
  limit: positiveInt.max(100).default(20),
  memoryLimit: memorySize.optional(),
  entity: z.enum(['clientes', 'proveedores', 'transacciones']).optional(),
  json: flag,
});

function refusal(opts: Record<string, unknown>): string {
  try {
    parseFlags(schema, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(opts)}`);
}

describe('parseFlags', () => {
  it('turns commander values into typed flags, with defaults', () => {
    expect(parseFlags(schema, {})).toEqual({ limit: 20 });
    expect(
      parseFlags(schema, { limit: '7', memoryLimit: '512MB', entity: 'clientes', json: true }),
    ).toEqual({ limit: 7, memoryLimit: '512MB', entity: 'clientes', json: true });
  });

  it.each([
    [{ limit: 'abc' }, '--limit: must be a positive integer'],
    [{ limit: '0' }, '--limit: must be a positive integer'],
    [{ limit: '2.5' }, '--limit: must be a positive integer'],
    [{ limit: '1000' }, '--limit:'],
    [{ memoryLimit: 'lots' }, '--memory-limit: must be a size such as 512MB or 2GB'],
    [{ entity: 'facturas' }, '--entity:'],
    [{ bogus: 1 }, 'arguments:'],
  ])('refuses %j with one line naming the flag', (opts, message) => {
    const text = refusal(opts);
    expect(text).toContain(message);
    expect(text).not.toContain('\n');
  });

  it('names every bad flag on the same line', () => {
    const text = refusal({ limit: 'x', memoryLimit: 'y' });
    expect(text).toMatch(/--limit: .*; --memory-limit: /);
  });
});
