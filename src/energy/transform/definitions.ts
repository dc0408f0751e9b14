import type { DateFormat, DecimalFormat, TextStep } from '../contracts/contract-schema.js';
import type { EnergyEntity } from '../entities.js';
import type { DataTest } from './data-tests.js';

/**
 * How one source column is cleaned. Every rule keeps the source column name; a rule that derives
 * a second value (the NIT check digit) adds a new column.
 */
export type ColumnRule =
  /**
   * Text with the listed normalisation steps (always applied in the order trim, collapse inner
   * whitespace, fold accents, upper case); empty → NULL. `['trim']` keeps ids and dates as sent.
   */
  | { kind: 'text'; normalize: readonly TextStep[] }
  /** A closed set: the folded value (letters and digits only) is looked up among synonyms; unknown → rejected. */
  | { kind: 'code'; canonical: Readonly<Record<string, readonly string[]>> }
  /** Decimal commas and thousands separators accepted; cast to `DECIMAL(precision, scale)`. */
  | {
      kind: 'decimal';
      precision: number;
      scale: number;
      positive?: boolean;
      /** @default every format */
      formats?: readonly DecimalFormat[];
    }
  | { kind: 'integer' }
  /** A calendar date written in one of `formats`; cast to `DATE`. */
  | { kind: 'date'; formats: readonly DateFormat[] }
  /**
   * An identification number: digits only; for NITs the check digit (after the last `-`) is kept
   * apart in `checkDigitColumn` and verified; when absent it is computed. `typeColumn` names the
   * column holding the id type (`NIT` triggers the check digit); omit it when always a NIT.
   */
  | { kind: 'identificacion'; typeColumn?: string; checkDigitColumn: string };

export interface ColumnSpec {
  name: string;
  rule: ColumnRule;
  /** An empty value rejects the row. @default false */
  required?: boolean;
}

/** The derived values of a transaction job. */
export interface TransactionDerivations {
  /** `total = quantity × price`. */
  total: { column: string; quantity: string; price: string };
  /** Terciles of `price` per load date and `groupBy` → `ECONOMICO` / `PROMEDIO` / `COSTOSO`. */
  priceCategory: { column: string; price: string; groupBy: string };
  /**
   * `column` is true when `name` is a known cliente (for `VENTA`) or proveedor (for `COMPRA`),
   * checked against the processed tables.
   */
  counterparty: {
    column: string;
    name: string;
    type: string;
    /** Where each transaction type's counterparties are listed. */
    sources: readonly { type: string; entity: EnergyEntity; column: string }[];
  };
}

/** A transform job: one source entity, cleaned into its processed table. */
export interface JobDefinition {
  entity: EnergyEntity;
  description: string;
  /** Declared columns, in output order. Undeclared extra columns are kept, trimmed. */
  columns: readonly ColumnSpec[];
  /**
   * Business key: the latest version of a key wins (latest ingestion, then latest row).
   * `hashFallback`: when every key column is empty, a hash of these cleaned columns is the key.
   */
  key: { columns: readonly string[]; hashFallback?: readonly string[] };
  derived?: TransactionDerivations;
  /** Data tests, run after every job run on the new partition before it replaces the old one. */
  tests: readonly DataTest[];
}

/**
 * Looks a job up by entity. @throws when `jobs` has none for it.
 * @example jobFor('clientes', builtinJobs()).key.columns // → ['tipo_identificacion', 'identificacion']
 */
export function jobFor(entity: EnergyEntity, jobs: readonly JobDefinition[]): JobDefinition {
  const job = jobs.find((j) => j.entity === entity);
  if (!job) throw new Error(`no transform job for entity ${entity}`);
  return job;
}

/** Processed tables a job reads (counterparties, relationships), as `[entity, column]` pairs. */
export function jobReferences(job: JobDefinition): { entity: EnergyEntity; column: string }[] {
  const refs = new Map<string, { entity: EnergyEntity; column: string }>();
  for (const s of job.derived?.counterparty.sources ?? []) refs.set(`${s.entity}.${s.column}`, s);
  for (const t of job.tests) {
    if (t.type === 'relationships') refs.set(`${t.to.entity}.${t.to.column}`, t.to);
  }
  return [...refs.values()];
}
