/**
 * A DuckDB value (as `getRowsJS` gives it) as a JSON-ready value: bigint → number when safe,
 * else its decimal string; DATE → `YYYY-MM-DD`; other dates → ISO strings; blobs → base64.
 */
export function toJsonValue(value: unknown, type?: string): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return null;
        return type === 'DATE' ? value.toISOString().slice(0, 10) : value.toISOString();
      }
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (Array.isArray(value)) return value.map((v) => toJsonValue(v));
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonValue(v)]),
      );
    default:
      return value;
  }
}

/** Unique names for a result's columns: a repeated name gets `_2`, `_3`, … */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n}_${count}`;
  });
}
