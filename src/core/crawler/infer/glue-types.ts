import type { ColumnType } from '../../catalog/catalog.js';

/**
 * Type inference in Glue's type language. A raw CSV value votes for the narrowest type that
 * Athena would read back unchanged from the raw bytes; the column's type is the widening of
 * every vote. Anything ambiguous is `string`: raw tables describe raw bytes honestly, so a
 * decimal comma (`1.234,5`), a padded number (` 12`), or a leading zero (`007`) is a string.
 */

const INT_RE = /^-?(0|[1-9]\d{0,18})$/;
const DOUBLE_RE = /^-?(0|[1-9]\d*)?\.\d+([eE][-+]?\d+)?$|^-?(0|[1-9]\d*)(\.\d*)?[eE][-+]?\d+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The type a single text value votes for, or `undefined` for an empty value (no vote). */
export function classifyText(value: string): ColumnType | undefined {
  if (value === '') return undefined;
  const first = value.charCodeAt(0);
  // Fast path: most strings start with a letter.
  const maybeNumberOrDate =
    first === 45 /* - */ || first === 46 /* . */ || (first >= 48 && first <= 57);
  if (maybeNumberOrDate) {
    if (INT_RE.test(value)) {
      if (value.length < 19) return 'bigint';
      const n = BigInt(value);
      return n <= INT64_MAX && n >= INT64_MIN ? 'bigint' : 'string';
    }
    if (DOUBLE_RE.test(value)) return Number.isFinite(Number(value)) ? 'double' : 'string';
    const d = DATE_RE.exec(value);
    if (d) return validDate(d[1]!, d[2]!, d[3]!) ? 'date' : 'string';
    const t = TIMESTAMP_RE.exec(value);
    if (t) return validDate(t[1]!, t[2]!, t[3]!) ? 'timestamp' : 'string';
    return 'string';
  }
  const lower = value.length <= 5 ? value.toLowerCase() : '';
  if (lower === 'true' || lower === 'false') return 'boolean';
  return 'string';
}

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return (
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d)
  );
}

const INT_DIGITS: Record<string, number> = { tinyint: 3, smallint: 5, int: 10, bigint: 19 };
const INT_RANK = ['tinyint', 'smallint', 'int', 'bigint'];
const DECIMAL_RE = /^decimal\((\d+),\s*(\d+)\)$/;

/**
 * The narrowest type that holds values of both types.
 * @example widenType('bigint', 'double') // → 'double'
 * @example widenType('decimal(10,2)', 'bigint') // → 'decimal(21,2)'
 * @example widenType('date', 'bigint') // → 'string'
 */
export function widenType(a: ColumnType | undefined, b: ColumnType | undefined): ColumnType {
  if (a === undefined) return b ?? 'string';
  if (b === undefined || a === b) return a;
  if (a === 'string' || b === 'string') return 'string';
  const ia = INT_RANK.indexOf(a);
  const ib = INT_RANK.indexOf(b);
  if (ia >= 0 && ib >= 0) return INT_RANK[Math.max(ia, ib)]!;
  const da = DECIMAL_RE.exec(a);
  const db = DECIMAL_RE.exec(b);
  const floating = (t: string) => t === 'float' || t === 'double';
  if ((ia >= 0 || da || floating(a)) && (ib >= 0 || db || floating(b))) {
    if (floating(a) || floating(b)) return a === 'float' && b === 'float' ? 'float' : 'double';
    // Decimals (and integers as decimal(n,0)) widen to hold both integer parts and scales.
    const [pa, sa] = da ? [Number(da[1]), Number(da[2])] : [INT_DIGITS[a]!, 0];
    const [pb, sb] = db ? [Number(db[1]), Number(db[2])] : [INT_DIGITS[b]!, 0];
    const scale = Math.max(sa, sb);
    const precision = Math.min(38, Math.max(pa - sa, pb - sb) + scale);
    return `decimal(${precision},${scale})`;
  }
  if ((a === 'date' && b === 'timestamp') || (a === 'timestamp' && b === 'date')) {
    return 'timestamp';
  }
  return 'string';
}

/**
 * DuckDB's type name (from `DESCRIBE`) as a Glue type.
 * @example duckDbTypeToGlue('DECIMAL(18,2)') // → 'decimal(18,2)'
 */
export function duckDbTypeToGlue(duckType: string): ColumnType {
  const t = duckType.trim().toUpperCase();
  if (t.endsWith('[]')) return `array<${duckDbTypeToGlue(t.slice(0, -2))}>`;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${dec[1]},${dec[2]})`;
  switch (t) {
    case 'VARCHAR':
    case 'UUID':
    case 'ENUM':
      return 'string';
    case 'TINYINT':
      return 'tinyint';
    case 'SMALLINT':
    case 'UTINYINT':
      return 'smallint';
    case 'INTEGER':
    case 'USMALLINT':
      return 'int';
    case 'BIGINT':
    case 'UINTEGER':
      return 'bigint';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'BLOB':
      return 'binary';
    default:
      if (t.startsWith('TIMESTAMP')) return 'timestamp';
      // HUGEINT, UBIGINT, TIME, INTERVAL, STRUCT, MAP, …: no lossless Glue primitive.
      return 'string';
  }
}
