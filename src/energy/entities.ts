/**
 * The energy lake's source entities: what the retailer's system exports.
 * Column names are the source's own (Spanish, snake_case) and are kept downstream.
 */
export { foldText, normalizeColumnName } from '../core/util/text.js';

/**
 * The built-in source entities, declared in the shipped contract (`contracts/energia.yaml`); the
 * generator, the warehouse and the saved queries know them. Contract files may declare more.
 */
export const ENERGY_ENTITIES = ['clientes', 'proveedores', 'transacciones'] as const;
/** A source entity name: a built-in one or one declared in a contract file. */
export type EnergyEntity = string;
/** One of the built-in entities. */
export type BuiltinEntity = (typeof ENERGY_ENTITIES)[number];

/**
 * The full header `corriente generate` writes: the required columns plus plausible extras.
 * Real files may carry other extras; they are kept.
 */
export const GENERATED_COLUMNS: Record<BuiltinEntity, readonly string[]> = {
  clientes: [
    'tipo_identificacion',
    'identificacion',
    'nombre',
    'ciudad',
    'departamento',
    'segmento',
    'estrato',
    'fecha_registro',
  ],
  proveedores: [
    'nit',
    'nombre_proveedor',
    'tipo_energia',
    'ciudad',
    'capacidad_mw',
    'fecha_registro',
  ],
  transacciones: [
    'id_transaccion',
    'fecha_transaccion',
    'tipo_transaccion',
    'nombre_cliente_proveedor',
    'cantidad_comprada_kwh',
    'precio_kwh_cop',
    'tipo_energia',
  ],
};

/**
 * Canonical energy types (upper case, no accents). Sources write them in many spellings
 * (`Hidroeléctrica`, `hidro`, `EÓLICA`, …); the transform maps them here or rejects the row.
 */
export const TIPOS_ENERGIA = [
  'HIDROELECTRICA',
  'SOLAR',
  'EOLICA',
  'TERMICA',
  'BIOMASA',
  'GEOTERMICA',
] as const;

/** Canonical identification types: cédula de ciudadanía, NIT, cédula de extranjería, pasaporte. */
export const TIPOS_IDENTIFICACION = ['CC', 'NIT', 'CE', 'PAS'] as const;

/** `COMPRA`: the retailer buys kWh from a proveedor; `VENTA`: it sells kWh to a cliente. */
export const TIPOS_TRANSACCION = ['COMPRA', 'VENTA'] as const;

/**
 * NIT check digit (DIAN's modulo-11 algorithm).
 * @example nitCheckDigit('900123456') // → 8
 */
export function nitCheckDigit(nit: string): number {
  const weights = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
  const digits = nit.replace(/\D/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    sum += Number(digits[digits.length - 1 - i]) * (weights[i] ?? 0);
  }
  const r = sum % 11;
  return r > 1 ? 11 - r : r;
}
