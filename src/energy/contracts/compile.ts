import { foldText, normalizeColumnName } from '../../core/util/text.js';
import type { DataTest } from '../transform/data-tests.js';
import type { ColumnRule, ColumnSpec, JobDefinition } from '../transform/definitions.js';
import type { ColumnContract, EntityContract } from './contract-schema.js';

/** How ingestion recognises an entity's files and names their columns. */
export interface EntitySource {
  entity: string;
  /** File-name globs, as written in the contract. */
  filePatterns: readonly string[];
  /** Columns that identify the entity's header (after aliases). */
  headerSignature: readonly string[];
  /** Columns every file must carry (after aliases). */
  requiredColumns: readonly string[];
  /** Normalised source spelling → column name. */
  aliases: ReadonlyMap<string, string>;
}

/** One entity of a loaded contract: the contract itself and what it compiles to. */
export interface CompiledEntity {
  /** Contract file it came from (absolute path). */
  file: string;
  contract: EntityContract;
  job: JobDefinition;
  source: EntitySource;
}

/** A glob (`*`, `?`) as a regular expression over folded file names. */
export function globToRegExp(glob: string): RegExp {
  const body = foldText(glob)
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Whether a file name matches one of the entity's patterns (lower case, accents folded). */
export function matchesFileName(source: EntitySource, fileName: string): boolean {
  const folded = foldText(fileName);
  return source.filePatterns.some((p) => globToRegExp(p).test(folded));
}

/**
 * A header's column names with the entity's aliases applied: an alias becomes its column unless
 * the header also carries the column itself (then both are kept as they are).
 *
 * @example applyAliases(source, ['cantidad_kwh']) // → ['cantidad_comprada_kwh']
 */
export function applyAliases(source: EntitySource, columns: readonly string[]): string[] {
  const present = new Set(columns);
  return columns.map((c) => {
    const target = source.aliases.get(c);
    return target && !present.has(target) ? target : c;
  });
}

function ruleOf(c: ColumnContract): ColumnRule {
  switch (c.type) {
    case 'text':
      return { kind: 'text', normalize: c.normalize };
    case 'code':
      return { kind: 'code', canonical: c.values };
    case 'decimal':
      return {
        kind: 'decimal',
        precision: c.precision,
        scale: c.scale,
        ...(c.positive ? { positive: true } : {}),
        formats: c.formats,
      };
    case 'integer':
      return { kind: 'integer' };
    case 'date':
      return { kind: 'date', formats: c.formats };
    case 'identificacion':
      return {
        kind: 'identificacion',
        ...(c.type_column ? { typeColumn: c.type_column } : {}),
        checkDigitColumn: c.check_digit_column,
      };
  }
}

function testOf(t: EntityContract['tests'][number]): DataTest {
  switch (t.type) {
    case 'relationships':
      return {
        type: 'relationships',
        column: t.column,
        ...(t.where ? { where: t.where } : {}),
        to: t.to,
        severity: t.severity,
      };
    default:
      return t;
  }
}

/** Compiles a validated contract into its transform job and its ingestion recognition. */
export function compileEntity(contract: EntityContract, file: string): CompiledEntity {
  const columns: ColumnSpec[] = contract.columns.map((c) => ({
    name: c.name,
    rule: ruleOf(c),
    ...(c.required ? { required: true } : {}),
  }));
  const d = contract.derived;
  const job: JobDefinition = {
    entity: contract.name,
    description: contract.description,
    columns,
    key: {
      columns: contract.key.columns,
      ...(contract.key.hash_fallback ? { hashFallback: contract.key.hash_fallback } : {}),
    },
    ...(d
      ? {
          derived: {
            total: d.total,
            priceCategory: {
              column: d.price_category.column,
              price: d.price_category.price,
              groupBy: d.price_category.group_by,
            },
            counterparty: d.counterparty,
          },
        }
      : {}),
    tests: contract.tests.map(testOf),
  };
  const required = contract.columns.filter((c) => c.required).map((c) => c.name);
  const aliases = new Map<string, string>();
  for (const c of contract.columns) {
    for (const a of c.aliases) aliases.set(normalizeColumnName(a), c.name);
  }
  return {
    file,
    contract,
    job,
    source: {
      entity: contract.name,
      filePatterns: contract.recognize.file_patterns ?? [`${contract.name}*`],
      headerSignature: contract.recognize.header_signature ?? required,
      requiredColumns: required,
      aliases,
    },
  };
}
