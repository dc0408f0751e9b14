import { WHITESPACE, WHITESPACE_CLASS, type SqlDialect } from './dialect.js';
import type { ColumnSpec, JobDefinition } from './definitions.js';
import {
  DECIMAL_FORMATS,
  type DateFormat,
  type DecimalFormat,
  type TextStep,
} from '../contracts/contract-schema.js';

/**
 * A job rendered for one engine: three views over `src` (the raw rows, every column text, plus
 * `_archivo_origen`, `_fecha_carga`, `_ingestado_en`, `_fila`), then the processed and the
 * quarantine queries. The engine provides `src`, `rotas` (broken CSV rows: `motivo_rechazo`,
 * `_linea_original` and the lineage columns) and, for jobs with counterparties, `contrapartes`
 * (`tipo_transaccion`, `nombre`, distinct).
 */
export interface RenderedJob {
  views: { name: 'limpio' | 'resuelto' | 'validado'; sql: string }[];
  /**
   * With `mapped`: the mapping tables the `limpio` view joins, one per column whose cleaning
   * depends on its own value alone and costs more than a join probe (text with only `trim` or
   * `upper`, ids among them, is cleaned inline). Each `sql` reads the distinct values of `src`
   * and gives, per value, the cleaned value (`_v_<c>`) and the column's rejection reason
   * (`_r_<c>`): every distinct value is cleaned once, not once per row. Empty otherwise.
   */
  maps: { name: string; column: string; sql: string }[];
  procesado: string;
  cuarentena: string;
  /**
   * What the processed and the quarantine queries read of `validado`, for an engine that
   * materialises the validated rows: the cleaned values, the undeclared extra columns, `_fila`
   * and the reason, the raw declared columns of the rejected rows only (NULL on valid rows, which
   * the quarantine never reads), and instead of the lineage columns `_archivo`, the index of the
   * row's raw file that the engine's `src` then carries (the engine joins the lineage back).
   */
  kept: string;
  /** Columns of the processed table, in order. */
  outputColumns: string[];
  /** Columns of the quarantine table, in order. */
  quarantineColumns: string[];
}

/** Lineage columns on every processed and quarantined row. */
export const LINEAGE_COLUMNS = ['_archivo_origen', '_fecha_carga', '_ingestado_en'] as const;
/** Placeholder the Glue script replaces with the undeclared extra columns it finds at run time. */
export const EXTRAS_MARKER = '/*EXTRAS*/';

const PRICE_CATEGORIES = ['ECONOMICO', 'PROMEDIO', 'COSTOSO'] as const;

interface Rendered {
  l1: [string, string][];
  l2: [string, string][];
  checks: [string, string][];
  outputs: [string, string][];
  /** The cleaned value and the checks depend on the column's own value alone. */
  perValue: boolean;
  /**
   * Cleaning one value costs about what a join probe does (no regex): with mapping tables the
   * column is still cleaned inline, and ids (nearly every value distinct) add no mapping table.
   */
  cheap: boolean;
}

export interface RenderOptions {
  /**
   * Clean each distinct value of the per-value columns once, in mapping tables the `limpio`
   * view joins (see {@link RenderedJob.maps}), and rank only the rows whose business key repeats;
   * same values, reasons and surviving rows as the inline rendering. DuckDB only.
   * @default false
   */
  mapped?: boolean;
}

/**
 * Renders `job` for `d`. `extras` are input columns the job does not declare (kept, trimmed);
 * with `extras === 'marker'` an {@link EXTRAS_MARKER} stands where they go (Glue fills it in).
 */
export function renderJob(
  job: JobDefinition,
  d: SqlDialect,
  extras: readonly string[] | 'marker' = [],
  /** Relation the processed and quarantine queries read (the validated rows with `_fila`). */
  validated = 'validado',
  options: RenderOptions = {},
): RenderedJob {
  const q = d.ident;
  const parts = job.columns.map((c) => renderColumn(c, d, options.mapped ?? false));
  const outputs = parts.flatMap((p) => p.outputs);
  const selectList = (items: [string, string][]): string =>
    items.map(([alias, expr]) => `    ${expr} AS ${q(alias)}`).join(',\n');
  const caseOf = (checks: [string, string][], indent: string): string =>
    `CASE\n${checks.map(([cond, reason]) => `${indent}    WHEN ${cond} THEN ${reason}`).join('\n')}\n${indent}END`;

  const maps: RenderedJob['maps'] = [];
  let limpio: string;
  let motivo: string;
  const l2 = parts.flatMap((p) => p.l2);
  if (options.mapped) {
    // The first matching check of the inline CASE is the first non-NULL per-column reason:
    // every column's checks stay in their order, and the columns in theirs.
    const joins: string[] = [];
    const l1: [string, string][] = [];
    const reasons: string[] = [];
    job.columns.forEach((spec, i) => {
      const p = parts[i]!;
      if (!p.perValue || p.cheap) {
        l1.push(...p.l1);
        if (p.checks.length) reasons.push(caseOf(p.checks, '        '));
        return;
      }
      const name = `_map_${i}`;
      const c = q(spec.name);
      const values = selectList(p.l1);
      const reason = p.checks.length ? caseOf(p.checks, '    ') : `CAST(NULL AS ${d.text})`;
      maps.push({
        name,
        column: spec.name,
        sql:
          `SELECT\n    l.${c},\n${p.l1.map(([alias]) => `    l.${q(alias)}`).join(',\n')},\n    ${reason} AS ${q(`_r_${spec.name}`)}\n` +
          `FROM (\n  SELECT\n    s.${c},\n${values}\n  FROM (SELECT DISTINCT ${c} FROM src) s\n) l`,
      });
      const m = `m${i}`;
      joins.push(`LEFT JOIN ${name} ${m} ON s.${c} IS NOT DISTINCT FROM ${m}.${c}`);
      for (const [alias] of p.l1) l1.push([alias, `${m}.${q(alias)}`]);
      if (p.checks.length) {
        l1.push([`_r_${spec.name}`, `${m}.${q(`_r_${spec.name}`)}`]);
        reasons.push(`r.${q(`_r_${spec.name}`)}`);
      }
    });
    limpio = `SELECT\n    s.*${l1.length ? `,\n${selectList(l1)}` : ''}\nFROM src s${joins.map((j) => `\n${j}`).join('')}`;
    motivo = reasons.length
      ? `coalesce(\n        ${reasons.join(',\n        ')}\n    )`
      : `CAST(NULL AS ${d.text})`;
  } else {
    limpio = `SELECT\n    s.*,\n${selectList(parts.flatMap((p) => p.l1))}\nFROM src s`;
    const checks = parts.flatMap((p) => p.checks);
    motivo =
      checks.length === 0
        ? `CAST(NULL AS ${d.text})`
        : `CASE\n${checks.map(([cond, reason]) => `        WHEN ${cond} THEN ${reason}`).join('\n')}\n    END`;
  }
  const resuelto = l2.length
    ? `SELECT\n    l.*,\n${selectList(l2)}\nFROM limpio l`
    : 'SELECT * FROM limpio';
  const validado = `SELECT\n    r.*,\n    ${motivo} AS motivo_rechazo\nFROM resuelto r`;

  // Business key: the latest ingestion wins, then the latest row of the file.
  const keyCols = job.key.columns.map((c) => q(`_v_${c}`));
  const partitionBy = job.key.hashFallback
    ? [
        `coalesce(${keyCols.map((k) => `CAST(${k} AS ${d.text})`).join(', ')}, ${d.rowHash(job.key.hashFallback.map((c) => q(`_v_${c}`)))})`,
      ]
    : keyCols;
  const ranked = (from: string): string =>
    `SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, ${partitionBy.join(', ')} ` +
    `ORDER BY _ingestado_en DESC, _fila DESC) AS _rn\n    FROM ${from}\n    WHERE v.motivo_rechazo IS NULL`;
  const dedup: string[] = [];
  let unico: string;
  if (options.mapped) {
    // Same ranking, run only over the rows whose key may repeat (few): those whose key hash
    // repeats, a hash collision only adding rows the ranking keeps. The older versions are the
    // rows it does not rank first; every other valid row is kept as it is.
    const keyHash = `hash(${partitionBy.join(', ')})`;
    dedup.push(
      `repetidas AS (\n  SELECT _fecha_carga AS _k_fecha, ${keyHash} AS _k_hash\n  FROM ${validated}\n` +
        `  WHERE motivo_rechazo IS NULL\n  GROUP BY ALL\n  HAVING count(*) > 1\n)`,
      `perdedores AS (\n  SELECT _fila AS _p_fila FROM (\n    ${ranked(
        `${validated} v\n    JOIN repetidas r ON r._k_fecha = v._fecha_carga AND r._k_hash = ${keyHash}`,
      )}\n  ) t\n  WHERE _rn > 1\n)`,
    );
    unico =
      `SELECT v.* FROM ${validated} v\n  LEFT JOIN perdedores p ON p._p_fila = v._fila\n` +
      `  WHERE v.motivo_rechazo IS NULL AND p._p_fila IS NULL`;
  } else {
    unico = `SELECT * FROM (\n    ${ranked(`${validated} v`)}\n  ) t\n  WHERE _rn = 1`;
  }
  const extraNames = extras === 'marker' ? [] : extras;
  const extraProcessed =
    extras === 'marker'
      ? [EXTRAS_MARKER]
      : extraNames.map((x) => `    nullif(${d.trimWs(`u.${q(x)}`)}, '') AS ${q(x)}`);
  const outCols: string[] = outputs.map(([name]) => name);
  const selectOut: string[] = outputs.map(([name, expr]) => `    u.${expr} AS ${q(name)}`);
  selectOut.push(...extraProcessed);
  outCols.push(...extraNames);
  // Mapped (DuckDB): the valid rows are scanned again rather than copied (the copy costs more).
  const unicoCte = options.mapped ? 'AS NOT MATERIALIZED' : d.materializedCte;
  const ctes = [...dedup, `unico ${unicoCte} (\n  ${unico}\n)`];
  let from = 'unico u';
  const derived = job.derived;
  if (derived) {
    const price = q(`_v_${derived.priceCategory.price}`);
    // Terciles in DOUBLE in both engines (DuckDB's quantile of a DECIMAL is a DECIMAL, Spark's
    // percentile is always a DOUBLE), and the price compared as a DOUBLE too.
    const priceD = (alias: string): string => `CAST(${alias}${price} AS ${d.double})`;
    const group = q(`_v_${derived.priceCategory.groupBy}`);
    ctes.push(
      `umbrales AS (\n  SELECT _fecha_carga AS _u_fecha, ${group} AS _u_grupo, ` +
        `${d.quantile(priceD(''), 1 / 3)} AS _u_p1, ${d.quantile(priceD(''), 2 / 3)} AS _u_p2\n` +
        `  FROM unico\n  GROUP BY _fecha_carga, ${group}\n)`,
    );
    from +=
      `\nJOIN umbrales m ON m._u_fecha = u._fecha_carga AND m._u_grupo = u.${group}` +
      `\nLEFT JOIN contrapartes k ON k.tipo_transaccion = u.${q(`_v_${derived.counterparty.type}`)} ` +
      `AND k.nombre = u.${q(`_v_${derived.counterparty.name}`)}`;
    const [econ, prom, cost] = PRICE_CATEGORIES;
    selectOut.push(
      `    CAST(u.${q(`_v_${derived.total.quantity}`)} * u.${q(`_v_${derived.total.price}`)} AS ${d.decimal(38, 7)}) AS ${q(derived.total.column)}`,
      `    CASE WHEN ${priceD('u.')} <= m._u_p1 THEN ${d.str(econ)} WHEN ${priceD('u.')} <= m._u_p2 THEN ${d.str(prom)} ` +
        `ELSE ${d.str(cost)} END AS ${q(derived.priceCategory.column)}`,
      `    (k.nombre IS NOT NULL) AS ${q(derived.counterparty.column)}`,
    );
    outCols.push(derived.total.column, derived.priceCategory.column, derived.counterparty.column);
  }
  selectOut.push(...LINEAGE_COLUMNS.map((c) => `    u.${q(c)}`));
  outCols.push(...LINEAGE_COLUMNS);
  const procesado = `WITH ${ctes.join(',\n')}\nSELECT\n${selectOut.join(',\n')}\nFROM ${from}`;

  const rawCols = [...job.columns.map((c) => c.name), ...extraNames];
  const rawSelect = rawCols.map((c) => `    v.${q(c)}`);
  const nullSelect = rawCols.map((c) => `    CAST(NULL AS ${d.text}) AS ${q(c)}`);
  if (extras === 'marker') {
    rawSelect.push('/*EXTRAS_RAW*/');
    nullSelect.push('/*EXTRAS_NULL*/');
  }
  const tail = ['motivo_rechazo', '_linea_original', ...LINEAGE_COLUMNS];
  const cuarentena =
    `SELECT\n${rawSelect.join(',\n')},\n    v.motivo_rechazo,\n    CAST(NULL AS ${d.text}) AS _linea_original,\n` +
    `${LINEAGE_COLUMNS.map((c) => `    v.${q(c)}`).join(',\n')}\nFROM ${validated} v\nWHERE v.motivo_rechazo IS NOT NULL\n` +
    `UNION ALL\nSELECT\n${nullSelect.join(',\n')},\n    b.motivo_rechazo,\n    b._linea_original,\n` +
    `${LINEAGE_COLUMNS.map((c) => `    b.${q(c)}`).join(',\n')}\nFROM rotas b`;

  const keptCols = [
    ...new Set(outputs.map(([, expr]) => expr)),
    ...job.columns.map(
      (c) => `CASE WHEN motivo_rechazo IS NOT NULL THEN ${q(c.name)} END AS ${q(c.name)}`,
    ),
    ...extraNames.map(q),
    '_archivo',
    '_fila',
    'motivo_rechazo',
  ];
  const kept = `SELECT\n${keptCols.map((c) => `    ${c}`).join(',\n')}\nFROM validado`;

  return {
    maps,
    kept,
    views: [
      { name: 'limpio', sql: limpio },
      { name: 'resuelto', sql: resuelto },
      { name: 'validado', sql: validado },
    ],
    procesado,
    cuarentena,
    outputColumns: outCols,
    quarantineColumns: [...rawCols, ...tail],
  };
}

function renderColumn(spec: ColumnSpec, d: SqlDialect, mapped: boolean): Rendered {
  const q = d.ident;
  const c = spec.name;
  const raw = q(c);
  const v = q(`_v_${c}`);
  const trimmed = `nullif(${d.trimWs(raw)}, '')`;
  const shown = `concat(${d.str(`${c} `)}, %, ${d.str(': "')}, coalesce(${d.trimWs(raw)}, ''), '"')`;
  const reason = (what: string): string => shown.replace('%', d.str(what));
  const out: Rendered = {
    l1: [],
    l2: [],
    checks: [],
    outputs: [[c, v]],
    perValue: spec.rule.kind !== 'identificacion',
    cheap:
      spec.rule.kind === 'text' &&
      spec.rule.normalize.every((step) => step === 'trim' || step === 'upper'),
  };
  const rule = spec.rule;
  if (mapped && out.cheap && rule.kind === 'text') {
    // Cleaned inline on every row: the trim (DuckDB's is slow with a character set) only runs on
    // values that hold whitespace; without any, trimming changes nothing. Upper case keeps a
    // value empty or not, so "empty" is the cleaned value being NULL.
    const steps = rule.normalize;
    const hasWs = [...WHITESPACE].map((ch) => d.contains(raw, ch)).join(' OR ');
    const untrimmed = normalizeText(
      raw,
      steps.filter((s) => s !== 'trim'),
      d,
    );
    out.l1.push([
      `_v_${c}`,
      steps.includes('trim')
        ? `CASE WHEN ${hasWs} THEN ${normalizeText(raw, steps, d)} ELSE ${untrimmed} END`
        : untrimmed,
    ]);
    if (spec.required) out.checks.push([`${v} IS NULL`, d.str(`${c} vacío`)]);
    return out;
  }
  if (spec.required) out.checks.push([`${trimmed} IS NULL`, d.str(`${c} vacío`)]);
  switch (rule.kind) {
    case 'text':
      out.l1.push([`_v_${c}`, normalizeText(raw, rule.normalize, d)]);
      break;
    case 'date':
      out.l1.push([`_v_${c}`, parseDate(trimmed, rule.formats, d)]);
      out.checks.push([
        `${trimmed} IS NOT NULL AND ${v} IS NULL`,
        reason('no es una fecha válida'),
      ]);
      break;
    case 'code': {
      const folded = d.regexpReplaceAll(`upper(${d.foldAccents(raw)})`, '[^A-Z0-9]', '');
      const whens = Object.entries(rule.canonical).flatMap(([canonical, synonyms]) =>
        synonyms.map((s) => `WHEN ${d.str(s)} THEN ${d.str(canonical)}`),
      );
      out.l1.push([`_v_${c}`, `CASE ${folded} ${whens.join(' ')} END`]);
      out.checks.push([`${trimmed} IS NOT NULL AND ${v} IS NULL`, reason('desconocido')]);
      break;
    }
    case 'decimal': {
      const type = d.decimal(rule.precision, rule.scale);
      out.l1.push([`_v_${c}`, parseDecimal(trimmed, type, d, rule.formats)]);
      out.checks.push([`${trimmed} IS NOT NULL AND ${v} IS NULL`, reason('no numérico')]);
      if (rule.positive) out.checks.push([`${v} <= 0`, reason('debe ser mayor que cero')]);
      break;
    }
    case 'integer':
      out.l1.push([`_v_${c}`, parseInteger(trimmed, d)]);
      out.checks.push([`${trimmed} IS NOT NULL AND ${v} IS NULL`, reason('no es un entero')]);
      break;
    case 'identificacion': {
      const dvRaw = q(`_l1_${c}_dv`);
      const base = q(`_l1_${c}_base`);
      const digits = q(`_l1_${c}_digitos`);
      const alnum = q(`_l1_${c}_alnum`);
      const dv = q(`_v_${rule.checkDigitColumn}`);
      out.l1.push(
        [`_l1_${c}_dv`, `nullif(${d.regexpExtract(raw, `-${WS}*([0-9])${WS}*\\z`, 1)}, '')`],
        [
          `_l1_${c}_base`,
          `nullif(${d.regexpReplaceAll(d.regexpReplaceAll(raw, `-${WS}*[0-9]${WS}*\\z`, ''), '[^0-9]', '')}, '')`,
        ],
        [`_l1_${c}_digitos`, `nullif(${d.regexpReplaceAll(raw, '[^0-9]', '')}, '')`],
        [`_l1_${c}_alnum`, `nullif(${d.regexpReplaceAll(`upper(${raw})`, '[^A-Z0-9]', '')}, '')`],
      );
      const type = rule.typeColumn ? q(`_v_${rule.typeColumn}`) : undefined;
      const isNit = type ? `${type} = 'NIT'` : 'TRUE';
      out.l2.push(
        [
          `_v_${c}`,
          type
            ? `CASE WHEN ${isNit} THEN ${base} WHEN ${type} = 'PAS' THEN ${alnum} ELSE ${digits} END`
            : base,
        ],
        [
          `_v_${rule.checkDigitColumn}`,
          `CASE WHEN ${isNit} AND length(${base}) <= 15 THEN ${d.nitCheckDigit(base)} END`,
        ],
      );
      out.outputs.push([rule.checkDigitColumn, dv]);
      out.checks.push(
        [`${trimmed} IS NOT NULL AND ${v} IS NULL`, reason('no válida')],
        [`${isNit} AND length(${v}) > 15`, reason('demasiado larga')],
        [
          `${isNit} AND ${dvRaw} IS NOT NULL AND CAST(${dvRaw} AS ${d.integer}) <> ${dv}`,
          `concat(${d.str(`dígito de verificación incorrecto en ${c}: "`)}, ${d.trimWs(raw)}, ${d.str('" (esperado ')}, CAST(${dv} AS ${d.text}), ')')`,
        ],
      );
      break;
    }
  }
  return out;
}

const WS = WHITESPACE_CLASS;

/**
 * A text column's normalisation: the listed steps, always in the order collapse inner whitespace,
 * trim, fold accents, upper case; empty → NULL. Every step set yields the same text in both
 * engines; the full set is {@link cleanText}, `['trim']` only trims.
 */
export function normalizeText(expr: string, steps: readonly TextStep[], d: SqlDialect): string {
  const has = (s: TextStep): boolean => steps.includes(s);
  let e = expr;
  if (has('collapse_spaces')) e = collapseSpaces(e, d);
  if (has('trim')) e = d.trimWs(e);
  if (has('fold_accents')) e = d.foldAccents(e);
  if (has('upper')) e = `upper(${e})`;
  return `nullif(${e}, '')`;
}

/** Inner whitespace (NBSP included) collapsed to one space. */
function collapseSpaces(expr: string, d: SqlDialect): string {
  // The regex only runs on values that have something to collapse (it is the costly step).
  const needsCollapse = ['  ', ...[...WHITESPACE].filter((ch) => ch !== ' ')]
    .map((ch) => d.contains(expr, ch))
    .join(' OR ');
  return `CASE WHEN ${needsCollapse} THEN ${d.regexpReplaceAll(expr, `${WS}+`, ' ')} ELSE ${expr} END`;
}

/** Trim, collapse inner whitespace (NBSP included) to one space, fold accents, upper case; empty → NULL. */
export function cleanText(expr: string, d: SqlDialect): string {
  return normalizeText(expr, ['trim', 'collapse_spaces', 'fold_accents', 'upper'], d);
}

/** Where year, month and day sit in each accepted date format (1-based, for `substring`). */
const DATE_LAYOUTS: Record<DateFormat, { pattern: string; y: number; m: number; d: number }> = {
  'YYYY-MM-DD': { pattern: '[0-9]{4}-[0-9]{2}-[0-9]{2}', y: 1, m: 6, d: 9 },
  'YYYY/MM/DD': { pattern: '[0-9]{4}/[0-9]{2}/[0-9]{2}', y: 1, m: 6, d: 9 },
  'DD/MM/YYYY': { pattern: '[0-9]{2}/[0-9]{2}/[0-9]{4}', y: 7, m: 4, d: 1 },
  'DD-MM-YYYY': { pattern: '[0-9]{2}-[0-9]{2}-[0-9]{4}', y: 7, m: 4, d: 1 },
  YYYYMMDD: { pattern: '[0-9]{8}', y: 1, m: 5, d: 7 },
};

/**
 * Dates in the accepted formats: the text that matched a format is rearranged into ISO
 * `YYYY-MM-DD` and cast (`try_cast`, NULL for impossible dates such as `2026-02-30`) in both
 * engines, so neither engine's own date parser (which differ in leniency) decides.
 */
export function parseDate(trimmed: string, formats: readonly DateFormat[], d: SqlDialect): string {
  const whens = formats.map((f) => {
    const l = DATE_LAYOUTS[f];
    const iso = `concat(substring(${trimmed}, ${l.y}, 4), '-', substring(${trimmed}, ${l.m}, 2), '-', substring(${trimmed}, ${l.d}, 2))`;
    return `WHEN ${d.regexpFullMatch(trimmed, l.pattern)} THEN ${d.tryCast(iso, d.date)}`;
  });
  return `CASE ${whens.join(' ')} END`;
}

/**
 * Whole numbers: digits with an optional sign, and the `3.0` / `3,00` spreadsheets write for
 * them. `3.7`, `3,7`, `1e3` are not integers (NULL, the row is rejected). Only the digits reach
 * the cast, so DuckDB (which would round `3.7` to 4) and Spark's ANSI `try_cast` (which refuses
 * `3.0`) see the same text.
 */
export function parseInteger(trimmed: string, d: SqlDialect): string {
  return (
    `CASE WHEN ${d.regexpFullMatch(trimmed, '[+-]?[0-9]+([.,]0+)?')} ` +
    `THEN ${d.tryCast(d.regexpExtract(trimmed, '^([+-]?[0-9]+)', 1), d.integer)} END`
  );
}

/**
 * Numbers as exported: `1234.5`, `1234,5` (decimal comma), `1.234,5` (dot thousands, comma
 * decimals), `1.234.567` (dot thousands only). A single dot is a decimal point. Anything else
 * (exponents, `NaN`, spaces inside) is NULL, and the row is rejected: only text that matched a
 * pattern reaches the cast, so both engines cast the same plain decimal text.
 */
export function parseDecimal(
  trimmed: string,
  type: string,
  d: SqlDialect,
  formats: readonly DecimalFormat[] = DECIMAL_FORMATS,
): string {
  const whens: string[] = [];
  if (formats.includes('coma_decimal')) {
    whens.push(
      `WHEN ${d.contains(trimmed, ',')} THEN ` +
        `CASE WHEN ${d.regexpFullMatch(trimmed, '[+-]?([0-9]{1,3}(\\.[0-9]{3})+|[0-9]*),[0-9]+')} ` +
        `THEN ${d.tryCast(`replace(replace(${trimmed}, '.', ''), ',', '.')`, type)} END`,
    );
  }
  if (formats.includes('punto_decimal')) {
    whens.push(
      `WHEN ${d.regexpFullMatch(trimmed, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)')} THEN ${d.tryCast(trimmed, type)}`,
    );
  } else {
    whens.push(
      `WHEN ${d.regexpFullMatch(trimmed, '[+-]?[0-9]+')} THEN ${d.tryCast(trimmed, type)}`,
    );
  }
  if (formats.includes('miles_con_punto')) {
    whens.push(
      `WHEN ${d.regexpFullMatch(trimmed, '[+-]?[0-9]{1,3}(\\.[0-9]{3}){2,}')} ` +
        `THEN ${d.tryCast(`replace(${trimmed}, '.', '')`, type)}`,
    );
  }
  return `CASE ${whens.join(' ')} END`;
}
