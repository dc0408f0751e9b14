/**
 * The Spark SQL functions and operators the rendered jobs may use, each with the semantics the
 * cleaning rules rely on, where Spark 3.5 documents or implements it, and what DuckDB does with
 * the same call. A rendering that uses anything else fails `test/transform/edge-cases.test.ts`.
 *
 * This is review, not execution: nothing runs Spark on this machine. Sources are the Spark 3.5
 * SQL function reference (`https://spark.apache.org/docs/3.5.0/api/sql/`, anchor = function
 * name) and the Spark source tree at tag v3.5.0 (`sql/catalyst/src/main/scala/...`,
 * `common/unsafe/src/main/java/org/apache/spark/unsafe/types/UTF8String.java`).
 */
export interface SparkFunction {
  /** Lower-case name as it appears before `(` (or the operator keyword). */
  name: string;
  /** What the rendering relies on, in Spark. */
  spark: string;
  /** Spark 3.5 reference: documentation page and/or source file. */
  source: string;
  /** The same call in DuckDB, and why the two agree on the rendered inputs. */
  duckdb: string;
}

const DOC = 'https://spark.apache.org/docs/3.5.0/api/sql/index.html';
const STRING_EXPR =
  'sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/stringExpressions.scala';
const REGEXP_EXPR =
  'sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/regexpExpressions.scala';
const UTF8 = 'common/unsafe/src/main/java/org/apache/spark/unsafe/types/UTF8String.java';

export const SPARK_FUNCTIONS: readonly SparkFunction[] = [
  {
    name: 'trim',
    spark:
      '`trim(BOTH chars FROM s)` removes leading and trailing characters that belong to the set `chars` (code points), nothing else; plain `trim(s)` removes only U+0020, so it is never rendered.',
    source: `${DOC}#trim; ${UTF8} (trim(UTF8String trimString))`,
    duckdb:
      '`trim(s, chars)`: same set semantics on code points; both get the explicit set tab, LF, VT, FF, CR, space, U+00A0.',
  },
  {
    name: 'regexp_replace',
    spark:
      'Replaces every match of a java.util.regex pattern. Patterns are written with explicit classes (`[\\t\\n\\x{0B}\\f\\r \\x{A0}]`, `[\\x{300}-\\x{36F}]`, `[^0-9]`), never `\\s` or `$`, whose meaning differs between java.util.regex and RE2.',
    source: `${DOC}#regexp_replace; ${REGEXP_EXPR} (RegExpReplace)`,
    duckdb:
      "`regexp_replace(s, p, r, 'g')` with RE2: the same classes, `\\x{…}` and `\\z` are valid in both syntaxes.",
  },
  {
    name: 'regexp_extract',
    spark:
      'Group `n` of the first match; an empty string when nothing matches (`regexp_extract(s, p, 1)`).',
    source: `${DOC}#regexp_extract; ${REGEXP_EXPR} (RegExpExtract)`,
    duckdb: '`regexp_extract(s, p, n)`: also an empty string when nothing matches.',
  },
  {
    name: 'rlike',
    spark:
      '`s RLIKE p` is true when `p` is found anywhere (Matcher.find): the rendering anchors it as `^(?:p)\\z`, so it is a full match; `\\z` because java.util.regex `$` also matches before a final line break.',
    source: `${DOC}#rlike; ${REGEXP_EXPR} (RLike)`,
    duckdb: '`regexp_full_match(s, p)` (RE2 FullMatch).',
  },
  {
    name: 'translate',
    spark:
      'Replaces each code point found in `from` by the code point at the same position in `to`.',
    source: `${DOC}#translate; ${STRING_EXPR} (StringTranslate), ${UTF8} (translate)`,
    duckdb:
      '`translate(s, from, to)`: same, per code point. Both get the same Latin-1 + Latin Extended-A table (DuckDB `strip_accents` is not used: it folds a different set).',
  },
  {
    name: 'upper',
    spark:
      'Upper case; ASCII fast path, otherwise java.lang.String.toUpperCase. Applied after accent folding, so the letters the rules compare are ASCII.',
    source: `${DOC}#upper; ${UTF8} (toUpperCase)`,
    duckdb:
      '`upper(s)` (utf8proc). Letters outside the fold table (ß, ﬁ) may differ: Java upper-cases ß to SS, DuckDB keeps ß.',
  },
  {
    name: 'instr',
    spark: '1-based position of the first occurrence of a plain substring; 0 when absent.',
    source: `${DOC}#instr; ${STRING_EXPR} (StringInstr)`,
    duckdb: '`contains(s, needle)`: the rendering only tests `instr(…) > 0`.',
  },
  {
    name: 'nullif',
    spark: '`nullif(a, b)`: NULL when a = b, else a.',
    source: `${DOC}#nullif`,
    duckdb: '`nullif(a, b)`: same.',
  },
  {
    name: 'coalesce',
    spark: 'First non-NULL argument.',
    source: `${DOC}#coalesce`,
    duckdb: 'Same.',
  },
  {
    name: 'concat',
    spark: 'Concatenation; NULL if any argument is NULL.',
    source: `${DOC}#concat`,
    duckdb:
      "`concat` skips NULL arguments instead; every rendered `concat` gets non-NULL arguments (`coalesce(…, '')`, or a branch where the value is known non-NULL).",
  },
  {
    name: 'concat_ws',
    spark: 'Joins with a separator, skipping NULLs (the rendering coalesces every part first).',
    source: `${DOC}#concat_ws`,
    duckdb: 'Same.',
  },
  {
    name: 'replace',
    spark: 'Replaces every occurrence of a plain string.',
    source: `${DOC}#replace`,
    duckdb: 'Same.',
  },
  {
    name: 'length',
    spark: 'Number of characters (code points) of a string.',
    source: `${DOC}#length; ${UTF8} (numChars)`,
    duckdb: '`length`: number of characters; only applied to digit strings.',
  },
  {
    name: 'substring',
    spark: '`substring(s, pos, len)`, 1-based.',
    source: `${DOC}#substring`,
    duckdb: '`substr(s, pos, len)`, 1-based.',
  },
  {
    name: 'try_cast',
    spark:
      'ANSI cast that yields NULL instead of failing (Spark ≥ 3.2). STRING → INT refuses `3.0` (ANSI), so only `[+-]?[0-9]+` text reaches it; STRING → DECIMAL(p,s) rounds HALF_UP to the scale and is NULL on overflow; only plain decimal text reaches it.',
    source: `${DOC}#try_cast; sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/TryCast.scala, Cast.scala`,
    duckdb:
      '`TRY_CAST`: rounds half away from zero (= HALF_UP) and is NULL on overflow; on `3.7` → INTEGER it would round to 4, which is why the rendering never lets such text reach it.',
  },
  {
    name: 'cast',
    spark:
      'Explicit casts between numeric types, DECIMAL → DOUBLE (BigDecimal.doubleValue, correctly rounded) and to STRING.',
    source: `${DOC}#cast; sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/Cast.scala`,
    duckdb:
      'DECIMAL(18,4) → DOUBLE divides the unscaled integer by 10^4, correctly rounded for values below 2^53 / 10^4.',
  },
  {
    name: 'percentile',
    spark:
      'Exact percentile of a numeric column with linear interpolation between the closest ranks; the result is a DOUBLE.',
    source: `${DOC}#percentile; sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/aggregate/Percentile.scala`,
    duckdb:
      '`quantile_cont` over the same DOUBLE: same interpolation. The rendering casts the price to DOUBLE in both engines, for the boundaries and for the comparison.',
  },
  {
    name: 'row_number',
    spark: 'Window function: 1, 2, … in the window order.',
    source: `${DOC}#row_number`,
    duckdb: 'Same; the order (`_ingestado_en DESC, _fila DESC`) is total in both engines.',
  },
  {
    name: 'md5',
    spark: 'Hex MD5 of the UTF-8 bytes.',
    source: `${DOC}#md5`,
    duckdb: 'Same.',
  },
  {
    name: 'chr',
    spark: '`chr(n)`: the character with code n (n < 256).',
    source: `${DOC}#chr`,
    duckdb: 'Same for the codes used (0, 31).',
  },
  {
    name: 'transform',
    spark: 'Maps a lambda over an array.',
    source: `${DOC}#transform`,
    duckdb: '`list_transform`.',
  },
  {
    name: 'array',
    spark: 'Array constructor; `arr[0]` is the first element.',
    source: `${DOC}#array`,
    duckdb: 'List literal `[…]`, 1-based.',
  },
  {
    name: 'aggregate',
    spark: 'Folds an array with a start value and a lambda.',
    source: `${DOC}#aggregate`,
    duckdb: '`list_sum(list_transform(…))`.',
  },
  {
    name: 'sequence',
    spark: '`sequence(a, b)`: integers a..b inclusive.',
    source: `${DOC}#sequence`,
    duckdb: '`range(n)` (0..n-1).',
  },
  {
    name: 'element_at',
    spark: '`element_at(arr, i)`, 1-based.',
    source: `${DOC}#element_at`,
    duckdb: '`list[i]`, 1-based.',
  },
  {
    name: 'pmod',
    spark: 'Positive modulo.',
    source: `${DOC}#pmod`,
    duckdb: '`%` on a non-negative sum.',
  },
  {
    name: 'count',
    spark: 'Row count (data tests).',
    source: `${DOC}#count`,
    duckdb: 'Same.',
  },
  {
    name: 'sum',
    spark: 'Sum (data tests: excess rows per duplicated key).',
    source: `${DOC}#sum`,
    duckdb: 'Same.',
  },
];

/** SQL keywords that are followed by `(` without being functions. */
export const SQL_KEYWORDS = new Set([
  'as',
  'in',
  'over',
  'from',
  'select',
  'and',
  'or',
  'not',
  'exists',
  'when',
  'then',
  'else',
  'on',
  'join',
  'by',
  'where',
  'union',
  'all',
  'having',
  // types written with a precision, e.g. DECIMAL(18, 3)
  'decimal',
]);

/**
 * Names called as functions in `sql` (string literals and quoted identifiers removed), plus the
 * `RLIKE` operator.
 */
export function functionsUsed(sql: string): string[] {
  const bare = sql
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/`(?:[^`]|``)*`/g, '_q')
    .replace(/--[^\n]*/g, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const name = m[1]!.toLowerCase();
    if (!SQL_KEYWORDS.has(name)) names.add(name);
  }
  if (/\bRLIKE\b/i.test(bare)) names.add('rlike');
  return [...names].sort();
}
