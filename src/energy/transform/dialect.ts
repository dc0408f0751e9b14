/**
 * The SQL primitives that differ between the engines a job definition renders to. A job is
 * written once against this interface; DuckDB runs it embedded, Spark SQL runs it on Glue.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'spark';
  /** Quotes an identifier. */
  ident(name: string): string;
  /** Quotes a string literal. */
  str(value: string): string;
  /** A regular-expression literal (Spark SQL string literals unescape backslashes). */
  regex(pattern: string): string;
  /** Replaces every match. */
  regexpReplaceAll(expr: string, pattern: string, replacement: string): string;
  /** Group `group` of the first match, `''` when none. */
  regexpExtract(expr: string, pattern: string, group: number): string;
  /** Whether the whole value matches. */
  regexpFullMatch(expr: string, pattern: string): string;
  /** Removes diacritics: `BOGOTÁ` → `BOGOTA`. */
  stripAccents(expr: string): string;
  /** A cast that yields NULL instead of failing. */
  tryCast(expr: string, type: string): string;
  /** Whether `expr` contains `needle` (a plain string). */
  contains(expr: string, needle: string): string;
  /**
   * DIAN's NIT check digit (modulo 11 with weights 3, 7, 13, …) of a digits-only expression.
   * Same algorithm as `nitCheckDigit` in `energy/entities.ts`.
   */
  nitCheckDigit(digits: string): string;
  /** A stable hash (hex text) of the values, used as a business key when a row has no id. */
  rowHash(exprs: readonly string[]): string;
  /** Continuous quantile aggregate. */
  quantile(expr: string, q: number): string;
  /** `WITH name AS MATERIALIZED (…)` where the engine supports it. */
  materializedCte: string;
  decimal(precision: number, scale: number): string;
  timestamp: string;
  integer: string;
  text: string;
}

const NIT_WEIGHTS = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
const NIT_WEIGHTS_DUCKDB = `[${NIT_WEIGHTS.join(', ')}]`;
const NIT_WEIGHTS_SPARK = `array(${NIT_WEIGHTS.join(', ')})`;

/** DuckDB: `strip_accents`, RE2 regexes, `TRY_CAST`, 1-based lists. */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  ident: (name) => `"${name.replace(/"/g, '""')}"`,
  str: (value) => `'${value.replace(/'/g, "''")}'`,
  regex: (pattern) => `'${pattern.replace(/'/g, "''")}'`,
  regexpReplaceAll: (e, p, r) =>
    `regexp_replace(${e}, ${duckDbDialect.regex(p)}, ${duckDbDialect.str(r)}, 'g')`,
  regexpExtract: (e, p, g) => `regexp_extract(${e}, ${duckDbDialect.regex(p)}, ${g})`,
  regexpFullMatch: (e, p) => `regexp_full_match(${e}, ${duckDbDialect.regex(p)})`,
  stripAccents: (e) => `strip_accents(${e})`,
  tryCast: (e, t) => `TRY_CAST(${e} AS ${t})`,
  contains: (e, needle) => `contains(${e}, ${duckDbDialect.str(needle)})`,
  // The remainder is bound once through a one-element list so the expression is not repeated.
  nitCheckDigit: (d) =>
    `list_transform([list_sum(list_transform(range(length(${d})), i -> CAST(substr(${d}, length(${d}) - i::INTEGER, 1) AS INTEGER) * ${NIT_WEIGHTS_DUCKDB}[i + 1])) % 11], r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[1]`,
  rowHash: (exprs) =>
    `md5(concat_ws(chr(31), ${exprs.map((e) => `coalesce(CAST(${e} AS VARCHAR), chr(0))`).join(', ')}))`,
  quantile: (e, q) => `quantile_cont(${e}, ${q})`,
  materializedCte: 'AS MATERIALIZED',
  decimal: (p, s) => `DECIMAL(${p}, ${s})`,
  timestamp: 'TIMESTAMP',
  integer: 'INTEGER',
  text: 'VARCHAR',
};

/**
 * Spark SQL (Glue 5, Spark 3.5). Spark has no `strip_accents`: `translate` maps the Latin-1 and
 * Latin Extended-A letters Spanish text uses, which covers what the retailer's exports contain.
 */
const ACCENTED = 'ÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇÝáàâäãåéèêëíìîïóòôöõúùûüñçýÿ';
const PLAIN = 'AAAAAAEEEEIIIIOOOOOUUUUNCYaaaaaaeeeeiiiiooooouuuuncyy';

const sparkStr = (value: string): string =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const sparkDialect: SqlDialect = {
  name: 'spark',
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  str: sparkStr,
  regex: sparkStr,
  regexpReplaceAll: (e, p, r) => `regexp_replace(${e}, ${sparkStr(p)}, ${sparkStr(r)})`,
  regexpExtract: (e, p, g) => `regexp_extract(${e}, ${sparkStr(p)}, ${g})`,
  regexpFullMatch: (e, p) => `(${e} RLIKE ${sparkStr(`^(?:${p})$`)})`,
  stripAccents: (e) => `translate(${e}, ${sparkStr(ACCENTED)}, ${sparkStr(PLAIN)})`,
  tryCast: (e, t) => `try_cast(${e} AS ${t})`,
  contains: (e, needle) => `(instr(${e}, ${sparkStr(needle)}) > 0)`,
  nitCheckDigit: (d) =>
    `transform(array(pmod(aggregate(sequence(0, length(${d}) - 1), 0, (acc, i) -> acc + CAST(substring(${d}, length(${d}) - i, 1) AS INT) * element_at(${NIT_WEIGHTS_SPARK}, i + 1)), 11)), r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[0]`,
  rowHash: (exprs) =>
    `md5(concat_ws(chr(31), ${exprs.map((e) => `coalesce(CAST(${e} AS STRING), chr(0))`).join(', ')}))`,
  quantile: (e, q) => `percentile(${e}, ${q})`,
  materializedCte: 'AS',
  decimal: (p, s) => `DECIMAL(${p}, ${s})`,
  timestamp: 'TIMESTAMP',
  integer: 'INT',
  text: 'STRING',
};
