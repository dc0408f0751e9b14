import {
  TIPOS_ENERGIA,
  TIPOS_IDENTIFICACION,
  TIPOS_TRANSACCION,
  type EnergyEntity,
} from '../entities.js';
import type { DataTest } from './data-tests.js';

/**
 * How one source column is cleaned. Every rule keeps the source column name; a rule that derives
 * a second value (the NIT check digit) adds a new column.
 */
export type ColumnRule =
  /** Trim, collapse inner whitespace, upper case, strip accents; empty → NULL. Names keep their spaces. */
  | { kind: 'text' }
  /** Trim only; empty → NULL (ids, dates kept as sent). */
  | { kind: 'keep' }
  /** A closed set: the folded value (letters and digits only) is looked up among synonyms; unknown → rejected. */
  | { kind: 'code'; canonical: Readonly<Record<string, readonly string[]>> }
  /** Decimal commas and thousands separators accepted; cast to `DECIMAL(precision, scale)`. */
  | { kind: 'decimal'; precision: number; scale: number; positive?: boolean }
  | { kind: 'integer' }
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

const ID_TYPES: Record<(typeof TIPOS_IDENTIFICACION)[number], readonly string[]> = {
  CC: ['CC', 'CEDULA', 'CEDULADECIUDADANIA', 'CEDULACIUDADANIA', 'CEDCIUDADANIA'],
  NIT: ['NIT', 'NUMERODEIDENTIFICACIONTRIBUTARIA'],
  CE: ['CE', 'CEDULADEEXTRANJERIA', 'CEDULAEXTRANJERIA', 'EXTRANJERIA'],
  PAS: ['PAS', 'PASAPORTE', 'PA', 'PP', 'PASSPORT'],
};

const ENERGY_TYPES: Record<(typeof TIPOS_ENERGIA)[number], readonly string[]> = {
  HIDROELECTRICA: ['HIDROELECTRICA', 'HIDROELECTRICO', 'HIDRO', 'HIDRAULICA', 'HIDRICA'],
  SOLAR: ['SOLAR', 'FOTOVOLTAICA', 'SOLARFOTOVOLTAICA'],
  EOLICA: ['EOLICA', 'EOLICO'],
  TERMICA: ['TERMICA', 'TERMICO', 'TERMOELECTRICA'],
  BIOMASA: ['BIOMASA'],
  GEOTERMICA: ['GEOTERMICA', 'GEOTERMIA'],
};

const TRANSACTION_TYPES: Record<(typeof TIPOS_TRANSACCION)[number], readonly string[]> = {
  COMPRA: ['COMPRA', 'COMPRAS', 'C'],
  VENTA: ['VENTA', 'VENTAS', 'V'],
};

/** `clientes`: one row per (tipo_identificacion, identificacion). */
export const clientesJob: JobDefinition = {
  entity: 'clientes',
  description: 'Clientes de la comercializadora, limpios y sin duplicados',
  columns: [
    { name: 'tipo_identificacion', rule: { kind: 'code', canonical: ID_TYPES }, required: true },
    {
      name: 'identificacion',
      rule: {
        kind: 'identificacion',
        typeColumn: 'tipo_identificacion',
        checkDigitColumn: 'digito_verificacion',
      },
      required: true,
    },
    { name: 'nombre', rule: { kind: 'text' }, required: true },
    { name: 'ciudad', rule: { kind: 'text' }, required: true },
    { name: 'departamento', rule: { kind: 'text' } },
    { name: 'segmento', rule: { kind: 'text' } },
    { name: 'estrato', rule: { kind: 'integer' } },
    { name: 'fecha_registro', rule: { kind: 'keep' } },
  ],
  key: { columns: ['tipo_identificacion', 'identificacion'] },
  tests: [
    { type: 'unique', columns: ['tipo_identificacion', 'identificacion'], severity: 'error' },
    {
      type: 'not_null',
      columns: ['tipo_identificacion', 'identificacion', 'nombre'],
      severity: 'error',
    },
    {
      type: 'accepted_values',
      column: 'tipo_identificacion',
      values: TIPOS_IDENTIFICACION,
      severity: 'error',
    },
    { type: 'row_count', severity: 'error' },
  ],
};

/** `proveedores`: one row per nombre_proveedor. */
export const proveedoresJob: JobDefinition = {
  entity: 'proveedores',
  description: 'Proveedores (generadores) de energía, limpios y sin duplicados',
  columns: [
    { name: 'nit', rule: { kind: 'identificacion', checkDigitColumn: 'digito_verificacion' } },
    { name: 'nombre_proveedor', rule: { kind: 'text' }, required: true },
    { name: 'tipo_energia', rule: { kind: 'code', canonical: ENERGY_TYPES }, required: true },
    { name: 'ciudad', rule: { kind: 'text' } },
    { name: 'capacidad_mw', rule: { kind: 'decimal', precision: 12, scale: 3, positive: true } },
    { name: 'fecha_registro', rule: { kind: 'keep' } },
  ],
  key: { columns: ['nombre_proveedor'] },
  tests: [
    { type: 'unique', columns: ['nombre_proveedor'], severity: 'error' },
    { type: 'not_null', columns: ['nombre_proveedor', 'tipo_energia'], severity: 'error' },
    { type: 'accepted_values', column: 'tipo_energia', values: TIPOS_ENERGIA, severity: 'error' },
    { type: 'row_count', severity: 'error' },
  ],
};

/** `transacciones`: compras and ventas of kWh, priced and categorised. */
export const transaccionesJob: JobDefinition = {
  entity: 'transacciones',
  description: 'Compras y ventas de energía, tipadas, con precio total y categoría de precio',
  columns: [
    { name: 'id_transaccion', rule: { kind: 'keep' } },
    { name: 'fecha_transaccion', rule: { kind: 'keep' } },
    {
      name: 'tipo_transaccion',
      rule: { kind: 'code', canonical: TRANSACTION_TYPES },
      required: true,
    },
    { name: 'nombre_cliente_proveedor', rule: { kind: 'text' }, required: true },
    {
      name: 'cantidad_comprada_kwh',
      rule: { kind: 'decimal', precision: 18, scale: 3, positive: true },
      required: true,
    },
    {
      name: 'precio_kwh_cop',
      rule: { kind: 'decimal', precision: 18, scale: 4, positive: true },
      required: true,
    },
    { name: 'tipo_energia', rule: { kind: 'code', canonical: ENERGY_TYPES }, required: true },
  ],
  key: {
    columns: ['id_transaccion'],
    hashFallback: [
      'fecha_transaccion',
      'tipo_transaccion',
      'nombre_cliente_proveedor',
      'cantidad_comprada_kwh',
      'precio_kwh_cop',
      'tipo_energia',
    ],
  },
  derived: {
    total: {
      column: 'precio_total_cop',
      quantity: 'cantidad_comprada_kwh',
      price: 'precio_kwh_cop',
    },
    priceCategory: { column: 'categoria_precio', price: 'precio_kwh_cop', groupBy: 'tipo_energia' },
    counterparty: {
      column: 'contraparte_conocida',
      name: 'nombre_cliente_proveedor',
      type: 'tipo_transaccion',
      sources: [
        { type: 'VENTA', entity: 'clientes', column: 'nombre' },
        { type: 'COMPRA', entity: 'proveedores', column: 'nombre_proveedor' },
      ],
    },
  },
  tests: [
    { type: 'unique', columns: ['id_transaccion'], severity: 'error' },
    {
      type: 'not_null',
      columns: [
        'tipo_transaccion',
        'nombre_cliente_proveedor',
        'cantidad_comprada_kwh',
        'precio_kwh_cop',
        'tipo_energia',
        'precio_total_cop',
        'categoria_precio',
      ],
      severity: 'error',
    },
    {
      type: 'accepted_values',
      column: 'tipo_transaccion',
      values: TIPOS_TRANSACCION,
      severity: 'error',
    },
    { type: 'accepted_values', column: 'tipo_energia', values: TIPOS_ENERGIA, severity: 'error' },
    {
      type: 'accepted_values',
      column: 'categoria_precio',
      values: ['ECONOMICO', 'PROMEDIO', 'COSTOSO'],
      severity: 'error',
    },
    {
      type: 'relationships',
      column: 'nombre_cliente_proveedor',
      where: { column: 'tipo_transaccion', equals: 'VENTA' },
      to: { entity: 'clientes', column: 'nombre' },
      severity: 'warn',
    },
    {
      type: 'relationships',
      column: 'nombre_cliente_proveedor',
      where: { column: 'tipo_transaccion', equals: 'COMPRA' },
      to: { entity: 'proveedores', column: 'nombre_proveedor' },
      severity: 'warn',
    },
    { type: 'row_count', severity: 'error' },
  ],
};

/** The three jobs, in dependency order (transacciones checks counterparties against the others). */
export const JOBS: readonly JobDefinition[] = [clientesJob, proveedoresJob, transaccionesJob];

export function jobFor(entity: EnergyEntity, jobs: readonly JobDefinition[] = JOBS): JobDefinition {
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
