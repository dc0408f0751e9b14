import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Column } from '../../catalog/catalog.js';
import { widenType } from './glue-types.js';
import type { FileSchema } from './file-schema.js';

/**
 * Infers the columns of a JSON-lines file from every line: top-level keys in order of first
 * appearance; integers → `bigint`, other numbers → `double`, booleans, strings; nested objects
 * and arrays are kept as `string` (their JSON text).
 */
export async function inferJsonLinesSchema(stream: Readable): Promise<FileSchema> {
  const types = new Map<string, string | undefined>();
  let rows = 0;
  let brokenRows = 0;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    rows++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      brokenRows++;
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      brokenRows++;
      continue;
    }
    for (const [key, v] of Object.entries(value)) {
      const vote = jsonType(v);
      const name = key.toLowerCase();
      types.set(name, vote === undefined ? types.get(name) : widenType(types.get(name), vote));
    }
  }
  const columns: Column[] = [...types].map(([name, type]) => ({ name, type: type ?? 'string' }));
  return { format: 'json', columns, formatParameters: { encoding: 'utf-8' }, rows, brokenRows };
}

function jsonType(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'bigint' : 'double';
  return 'string';
}
