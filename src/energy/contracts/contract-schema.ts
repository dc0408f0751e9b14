/**
 * The source-contract file format (`contracts/*.yaml`): each source entity the retailer exports,
 * how to recognise its files, how to clean each column, its deduplication key and its data tests.
 * `docs/contracts.md` documents every key.
 */
import { z } from 'zod';

/** Entity and column names: lower-case SQL identifiers, as `normalizeColumnName` produces them. */
const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a lower-case name: letters, digits and _');

const severity = z.enum(['error', 'warn']).default('error');

/** Text normalisation steps, applied in this order whatever order they are listed in. */
export const TEXT_STEPS = ['trim', 'collapse_spaces', 'fold_accents', 'upper'] as const;
export type TextStep = (typeof TEXT_STEPS)[number];

/** Number formats a decimal column accepts. */
export const DECIMAL_FORMATS = [
  /** `1234.5`, `.5` */
  'punto_decimal',
  /** `1234,5` and `1.234,5` (dots as thousands separators) */
  'coma_decimal',
  /** `1.234.567`: dots as thousands separators, no decimals */
  'miles_con_punto',
] as const;
export type DecimalFormat = (typeof DECIMAL_FORMATS)[number];

/** Date formats a date column accepts (`YYYY` year, `MM` month, `DD` day, zero-padded). */
export const DATE_FORMATS = [
  'YYYY-MM-DD',
  'DD/MM/YYYY',
  'DD-MM-YYYY',
  'YYYY/MM/DD',
  'YYYYMMDD',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const columnBase = {
  name: identifier,
  /** The header must carry the column and every row must have a value. @default false */
  required: z.boolean().default(false),
  /** Other spellings of the column name in source headers (normalised like headers are). */
  aliases: z.array(z.string().min(1)).default([]),
  description: z.string().optional(),
};

export const columnContractSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...columnBase,
    type: z.literal('text'),
    /** @default [trim] */
    normalize: z.array(z.enum(TEXT_STEPS)).default(['trim']),
  }),
  z.strictObject({
    ...columnBase,
    type: z.literal('code'),
    /** Canonical value → spellings (compared upper case, accents folded, letters and digits only). */
    values: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
  }),
  z.strictObject({
    ...columnBase,
    type: z.literal('decimal'),
    precision: z.number().int().min(1).max(38),
    scale: z.number().int().min(0).max(37),
    /** Zero and negative values reject the row. @default false */
    positive: z.boolean().default(false),
    formats: z
      .array(z.enum(DECIMAL_FORMATS))
      .min(1)
      .default([...DECIMAL_FORMATS]),
  }),
  z.strictObject({ ...columnBase, type: z.literal('integer') }),
  z.strictObject({
    ...columnBase,
    type: z.literal('date'),
    formats: z.array(z.enum(DATE_FORMATS)).min(1).default(['YYYY-MM-DD']),
  }),
  z.strictObject({
    ...columnBase,
    type: z.literal('identificacion'),
    /** Column holding the id type (`NIT` triggers the check digit); omit when always a NIT. */
    type_column: identifier.optional(),
    /** Output column of the NIT check digit (kept when sent, computed when not). */
    check_digit_column: identifier,
  }),
]);
export type ColumnContract = z.output<typeof columnContractSchema>;

export const dataTestContractSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('unique'), columns: z.array(identifier).min(1), severity }),
  z.strictObject({ type: z.literal('not_null'), columns: z.array(identifier).min(1), severity }),
  z.strictObject({
    type: z.literal('accepted_values'),
    column: identifier,
    values: z.array(z.string()).min(1),
    severity,
  }),
  z.strictObject({
    type: z.literal('relationships'),
    column: identifier,
    where: z.strictObject({ column: identifier, equals: z.string() }).optional(),
    to: z.strictObject({ entity: identifier, column: identifier }),
    severity,
  }),
  z.strictObject({ type: z.literal('row_count'), severity }),
]);
export type DataTestContract = z.output<typeof dataTestContractSchema>;

/** Values computed from the cleaned columns (the `transacciones` job's). */
const derivedSchema = z.strictObject({
  total: z.strictObject({ column: identifier, quantity: identifier, price: identifier }),
  price_category: z.strictObject({ column: identifier, price: identifier, group_by: identifier }),
  counterparty: z.strictObject({
    column: identifier,
    name: identifier,
    type: identifier,
    sources: z
      .array(z.strictObject({ type: z.string(), entity: identifier, column: identifier }))
      .min(1),
  }),
});

export const entityContractSchema = z.strictObject({
  name: identifier.refine((n) => !n.startsWith('fx_'), 'fx_ names belong to the FX platform'),
  description: z.string().min(1),
  recognize: z
    .strictObject({
      /**
       * Globs (`*`, `?`) matched against the file name, lower case and accents folded.
       * @default ['<name>*']
       */
      file_patterns: z.array(z.string().min(1)).optional(),
      /** Columns that identify the entity's header. @default its required columns */
      header_signature: z.array(identifier).optional(),
    })
    .prefault({}),
  columns: z.array(columnContractSchema).min(1),
  key: z.strictObject({
    columns: z.array(identifier).min(1),
    /** When every key column is empty, a hash of these cleaned columns is the key. */
    hash_fallback: z.array(identifier).optional(),
  }),
  derived: derivedSchema.optional(),
  tests: z.array(dataTestContractSchema).default([]),
});
export type EntityContract = z.output<typeof entityContractSchema>;

/** The file's top level; entities are validated one by one so errors can name them. */
export const contractFileSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only contract format version)' }),
  entities: z.array(z.unknown()).default([]),
  /**
   * More source spellings for columns of entities declared in any contract file (the shipped
   * ones included): entity → column → aliases.
   */
  aliases: z
    .record(identifier, z.record(identifier, z.array(z.string().min(1)).min(1)))
    .default({}),
});
export type ExtraAliases = z.output<typeof contractFileSchema>['aliases'];
