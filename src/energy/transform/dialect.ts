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
  /**
   * Removes the leading and trailing characters of {@link WHITESPACE} (ASCII whitespace and the
   * no-break space U+00A0), never anything else: the engines' own `trim` differ (Spark's removes
   * the ASCII space only), so both render the character set explicitly.
   */
  trimWs(expr: string): string;
  /**
   * Folds accents the same way in both engines: Latin-1 and Latin Extended-A letters through one
   * `translate` table ({@link ACCENT_FROM} → {@link ACCENT_TO}), then combining marks (NFD input,
   * U+0300–U+036F) removed by a regex. `BOGOTÁ`, `BOGOTA\u0301` → `BOGOTA`; `Šibenik` → `Sibenik`.
   */
  foldAccents(expr: string): string;
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
  date: string;
  integer: string;
  double: string;
  text: string;
}

const NIT_WEIGHTS = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
const NIT_WEIGHTS_DUCKDB = `[${NIT_WEIGHTS.join(', ')}]`;
const NIT_WEIGHTS_SPARK = `array(${NIT_WEIGHTS.join(', ')})`;

/**
 * What "whitespace" means to every cleaning rule: tab, LF, VT, FF, CR, space and the no-break
 * space (U+00A0, common at the end of cells in Excel and Latin-1 exports).
 */
export const WHITESPACE = '\t\n\u000b\f\r \u00a0';
/** {@link WHITESPACE} as a regex character class, written the same for RE2 and java.util.regex. */
export const WHITESPACE_CLASS = '[\\t\\n\\x{0B}\\f\\r \\x{A0}]';
/** Combining diacritical marks (what NFD input carries after its base letter). */
export const COMBINING_MARKS_CLASS = '[\\x{300}-\\x{36F}]';

/**
 * Letters of Latin-1 Supplement (U+00C0–U+00FF) and Latin Extended-A (U+0100–U+017F) whose
 * canonical decomposition is an ASCII letter plus marks (`Á`, `Š`, `Ž`, `Č`, `ő`…), and the
 * few without a decomposition that Spanish and Central European names use (`Ł`, `Đ`, `Ø`, `Ħ`,
 * `ı`, `Ŧ`). Letters that fold to two (`ß`, `Æ`, `Œ`) are left as they are.
 */
function accentTable(): { from: string; to: string } {
  let from = '';
  let to = '';
  const extra: Record<string, string> = {
    Ł: 'L',
    ł: 'l',
    Đ: 'D',
    đ: 'd',
    Ø: 'O',
    ø: 'o',
    Ħ: 'H',
    ħ: 'h',
    ı: 'i',
    Ŧ: 'T',
    ŧ: 't',
  };
  for (let cp = 0xc0; cp <= 0x17f; cp++) {
    const ch = String.fromCodePoint(cp);
    const base = extra[ch] ?? ch.normalize('NFD').replace(/\p{M}/gu, '');
    if (base !== ch && /^[A-Za-z]$/.test(base)) {
      from += ch;
      to += base;
    }
  }
  return { from, to };
}
const ACCENTS = accentTable();
export const ACCENT_FROM = ACCENTS.from;
export const ACCENT_TO = ACCENTS.to;

const duckStr = (value: string): string => `'${value.replace(/'/g, "''")}'`;
/** Control characters as `chr(n)` so the rendered SQL stays one readable line. */
const duckChars = (value: string): string =>
  [...value]
    .map((ch) => (ch >= ' ' && ch !== '\u00a0' ? duckStr(ch) : `chr(${ch.codePointAt(0)})`))
    .join(' || ');

/** DuckDB: RE2 regexes, `TRY_CAST`, 1-based lists. */
export const duckDbDialect: SqlDialect = {
  name: 'duckdb',
  ident: (name) => `"${name.replace(/"/g, '""')}"`,
  str: duckStr,
  regex: duckStr,
  regexpReplaceAll: (e, p, r) => `regexp_replace(${e}, ${duckStr(p)}, ${duckStr(r)}, 'g')`,
  regexpExtract: (e, p, g) => `regexp_extract(${e}, ${duckStr(p)}, ${g})`,
  regexpFullMatch: (e, p) => `regexp_full_match(${e}, ${duckStr(p)})`,
  trimWs: (e) => `trim(${e}, ${duckChars(WHITESPACE)})`,
  foldAccents: (e) =>
    duckDbDialect.regexpReplaceAll(
      `translate(${e}, ${duckStr(ACCENT_FROM)}, ${duckStr(ACCENT_TO)})`,
      COMBINING_MARKS_CLASS,
      '',
    ),
  tryCast: (e, t) => `TRY_CAST(${e} AS ${t})`,
  contains: (e, needle) => `contains(${e}, ${duckChars(needle)})`,
  // The remainder is bound once through a one-element list so the expression is not repeated.
  // `list_sum` of INTEGERs is a HUGEINT: the digit is cast back to INTEGER (Parquet INT32).
  nitCheckDigit: (d) =>
    `CAST(list_transform([list_sum(list_transform(range(length(${d})), i -> CAST(substr(${d}, length(${d}) - i::INTEGER, 1) AS INTEGER) * ${NIT_WEIGHTS_DUCKDB}[i + 1])) % 11], r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[1] AS INTEGER)`,
  rowHash: (exprs) =>
    `md5(concat_ws(chr(31), ${exprs.map((e) => `coalesce(CAST(${e} AS VARCHAR), chr(0))`).join(', ')}))`,
  quantile: (e, q) => `quantile_cont(${e}, ${q})`,
  materializedCte: 'AS MATERIALIZED',
  decimal: (p, s) => `DECIMAL(${p}, ${s})`,
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  integer: 'INTEGER',
  double: 'DOUBLE',
  text: 'VARCHAR',
};

/**
 * A Spark SQL string literal. Spark unescapes backslashes in literals
 * (`spark.sql.parser.escapedStringLiterals` is false by default), so they are doubled; control
 * characters and the no-break space are written as `\uXXXX`, which the same unescaping reads.
 */
const sparkStr = (value: string): string =>
  `'${value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/[^\u0020-\u009f\u00a1-\uffff]/gu, (ch) => {
      const cp = ch.codePointAt(0)!;
      // Control characters and the no-break space only; astral letters are left as they are.
      return cp > 0xffff ? ch : `\\u${cp.toString(16).padStart(4, '0')}`;
    })}'`;

/** Spark SQL (Glue 5, Spark 3.5): java.util.regex regexes, ANSI `try_cast`, 0-based arrays. */
export const sparkDialect: SqlDialect = {
  name: 'spark',
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  str: sparkStr,
  regex: sparkStr,
  regexpReplaceAll: (e, p, r) => `regexp_replace(${e}, ${sparkStr(p)}, ${sparkStr(r)})`,
  regexpExtract: (e, p, g) => `regexp_extract(${e}, ${sparkStr(p)}, ${g})`,
  // RLIKE finds a match anywhere: anchored explicitly; `\z` (not `$`, which java.util.regex also
  // matches before a final line break) ends the input in both regex engines.
  regexpFullMatch: (e, p) => `(${e} RLIKE ${sparkStr(`^(?:${p})\\z`)})`,
  trimWs: (e) => `trim(BOTH ${sparkStr(WHITESPACE)} FROM ${e})`,
  foldAccents: (e) =>
    sparkDialect.regexpReplaceAll(
      `translate(${e}, ${sparkStr(ACCENT_FROM)}, ${sparkStr(ACCENT_TO)})`,
      COMBINING_MARKS_CLASS,
      '',
    ),
  tryCast: (e, t) => `try_cast(${e} AS ${t})`,
  contains: (e, needle) => `(instr(${e}, ${sparkStr(needle)}) > 0)`,
  nitCheckDigit: (d) =>
    `CAST(transform(array(pmod(aggregate(sequence(0, length(${d}) - 1), 0, (acc, i) -> acc + CAST(substring(${d}, length(${d}) - i, 1) AS INT) * element_at(${NIT_WEIGHTS_SPARK}, i + 1)), 11)), r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[0] AS INT)`,
  rowHash: (exprs) =>
    `md5(concat_ws(chr(31), ${exprs.map((e) => `coalesce(CAST(${e} AS STRING), chr(0))`).join(', ')}))`,
  quantile: (e, q) => `percentile(${e}, ${q})`,
  materializedCte: 'AS',
  decimal: (p, s) => `DECIMAL(${p}, ${s})`,
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  integer: 'INT',
  double: 'DOUBLE',
  text: 'STRING',
};
