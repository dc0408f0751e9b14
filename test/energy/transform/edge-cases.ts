/**
 * One rule, one table, two engines: every cleaning rule of the job definitions with its expected
 * behaviour on the edge inputs real exports carry. `edge-cases.test.ts` runs the table through
 * DuckDB and checks the Spark rendering of the same jobs uses only the functions whose Spark
 * semantics `src/transform/spark/spark-functions.ts` documents.
 */
import type { EnergyEntity } from '../../../src/energy/entities.js';

export interface RuleCase {
  /** The rule kind under test, as in `ColumnRule['kind']`. */
  rule: 'text' | 'keep' | 'code' | 'decimal' | 'integer' | 'identificacion';
  entity: EnergyEntity;
  /** The source column whose value varies. */
  column: string;
  input: string | null;
  /** Other source columns of the row (the rest get valid defaults). */
  row?: Record<string, string>;
  /** Cleaned values expected (by output column), when the row is kept. */
  value?: Record<string, string | number | null>;
  /** The rejection reason expected, when the row is quarantined. */
  rejected?: string;
  why: string;
}

const NBSP = '\u00a0';
const ACUTE = '\u0301'; // combining acute accent (NFD input)
const TILDE = '\u0303';

/** A valid row per job; each case changes one column. */
export const DEFAULT_ROWS: Record<EnergyEntity, Record<string, string>> = {
  clientes: {
    tipo_identificacion: 'CC',
    identificacion: '123',
    nombre: 'ANA',
    ciudad: 'CALI',
    departamento: '',
    segmento: '',
    estrato: '',
    fecha_registro: '',
  },
  proveedores: {
    nit: '900123456',
    nombre_proveedor: 'EMPRESA',
    tipo_energia: 'SOLAR',
    ciudad: '',
    capacidad_mw: '10',
    fecha_registro: '',
  },
  transacciones: {
    id_transaccion: 'T1',
    fecha_transaccion: '2026-11-27',
    tipo_transaccion: 'VENTA',
    nombre_cliente_proveedor: 'ANA',
    cantidad_comprada_kwh: '10',
    precio_kwh_cop: '100',
    tipo_energia: 'SOLAR',
  },
};

export const RULE_CASES: readonly RuleCase[] = [
  // ---- text: trim, collapse, fold accents, upper; empty → NULL -------------------------------
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: `  josé   pérez${NBSP}`,
    value: { nombre: 'JOSE PEREZ' },
    why: 'outer spaces and a trailing NBSP trimmed (Spark trim() alone keeps NBSP)',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: `${NBSP}María${NBSP}Núñez${NBSP}`,
    value: { nombre: 'MARIA NUNEZ' },
    why: 'NBSP between words collapses to one space',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: 'Ana\t\tLucía\r\nGómez',
    value: { nombre: 'ANA LUCIA GOMEZ' },
    why: 'tabs and a quoted line break inside a value collapse to one space',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'ciudad',
    input: `Bogota${ACUTE}`,
    value: { ciudad: 'BOGOTA' },
    why: 'NFD input: the combining mark after the base letter is removed',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: `Nun${TILDE}ez Mun${ACUTE}oz`,
    value: { nombre: 'NUNEZ MUNOZ' },
    why: 'NFD ñ and ó fold like their composed forms',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: 'Šimić Žužek Čapek Łukasz Dvořák Ősz',
    value: { nombre: 'SIMIC ZUZEK CAPEK LUKASZ DVORAK OSZ' },
    why: 'Latin Extended-A letters fold (translate alone on Latin-1 missed them)',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'departamento',
    input: `${NBSP} \t`,
    value: { departamento: null },
    why: 'whitespace only → NULL (not required: the row is kept)',
  },
  {
    rule: 'text',
    entity: 'clientes',
    column: 'nombre',
    input: `${NBSP}`,
    rejected: 'nombre vacío',
    why: 'a required text that is only NBSP is empty',
  },
  // ---- keep: trim only; dates in every accepted format are kept as sent ----------------------
  ...[
    '2026-11-27',
    '27/11/2026',
    '27-11-2026',
    '2026/11/27',
    '27/11/2026 10:11:12',
    '27/11/2026 10:11',
  ].map((date): RuleCase => ({
    rule: 'keep',
    entity: 'transacciones',
    column: 'fecha_transaccion',
    input: `${NBSP}${date} `,
    value: { fecha_transaccion: date },
    why: `date ${date}: trimmed (NBSP too), kept as text; the warehouse parses it`,
  })),
  {
    rule: 'keep',
    entity: 'transacciones',
    column: 'fecha_transaccion',
    input: '',
    value: { fecha_transaccion: null },
    why: 'empty → NULL',
  },
  // ---- code: folded letters and digits looked up among synonyms ------------------------------
  {
    rule: 'code',
    entity: 'clientes',
    column: 'tipo_identificacion',
    input: `Cédula de Ciudadanía${NBSP}`,
    value: { tipo_identificacion: 'CC' },
    why: 'accents, spaces and NBSP removed before the lookup',
  },
  {
    rule: 'code',
    entity: 'clientes',
    column: 'tipo_identificacion',
    input: `Ce${ACUTE}dula`,
    value: { tipo_identificacion: 'CC' },
    why: 'NFD accent folded before the lookup',
  },
  {
    rule: 'code',
    entity: 'proveedores',
    column: 'tipo_energia',
    input: 'Hidroeléctrica',
    value: { tipo_energia: 'HIDROELECTRICA' },
    why: 'synonym lookup after folding',
  },
  {
    rule: 'code',
    entity: 'proveedores',
    column: 'tipo_energia',
    input: 'Nuclear',
    rejected: 'tipo_energia desconocido: "Nuclear"',
    why: 'unknown value rejected with the trimmed text',
  },
  // ---- decimal: decimal comma, thousands separators; anything else rejected ------------------
  ...(
    [
      ['3.0', '3.000'],
      ['3,7', '3.700'],
      ['1.234,5', '1234.500'],
      ['1.234.567', '1234567.000'],
      ['1234.5', '1234.500'],
      ['1.2345', '1.235'],
      ['0,0005', '0.001'],
      [`${NBSP}12,5${NBSP}`, '12.500'],
      ['.5', '0.500'],
      ['+7', '7.000'],
    ] as const
  ).map(([input, value]): RuleCase => ({
    rule: 'decimal',
    entity: 'proveedores',
    column: 'capacidad_mw',
    input,
    value: { capacidad_mw: value },
    why: `${JSON.stringify(input)} → ${value} (DECIMAL(12,3), half away from zero)`,
  })),
  ...['1e3', 'NaN', '12 5', '1,234,5', 'abc', '--1'].map((input): RuleCase => ({
    rule: 'decimal',
    entity: 'proveedores',
    column: 'capacidad_mw',
    input,
    rejected: `capacidad_mw no numérico: "${input}"`,
    why: 'not a number as exported: no exponent, no NaN, no inner spaces',
  })),
  {
    rule: 'decimal',
    entity: 'proveedores',
    column: 'capacidad_mw',
    input: '',
    value: { capacidad_mw: null },
    why: 'empty numeric (not required) → NULL, row kept',
  },
  {
    rule: 'decimal',
    entity: 'transacciones',
    column: 'cantidad_comprada_kwh',
    input: '',
    rejected: 'cantidad_comprada_kwh vacío',
    why: 'empty required numeric rejected',
  },
  {
    rule: 'decimal',
    entity: 'proveedores',
    column: 'capacidad_mw',
    input: '-3',
    rejected: 'capacidad_mw debe ser mayor que cero: "-3"',
    why: 'positive rule',
  },
  {
    rule: 'decimal',
    entity: 'proveedores',
    column: 'capacidad_mw',
    input: '1234567890123',
    rejected: 'capacidad_mw no numérico: "1234567890123"',
    why: 'overflow of DECIMAL(12,3) is NULL in both try_casts, so rejected',
  },
  // ---- integer: digits, or digits followed by .0 / ,0 ----------------------------------------
  ...(
    [
      ['3', 3],
      ['3.0', 3],
      ['3,00', 3],
      [` 4${NBSP}`, 4],
      ['+2', 2],
    ] as const
  ).map(([input, value]): RuleCase => ({
    rule: 'integer',
    entity: 'clientes',
    column: 'estrato',
    input,
    value: { estrato: value },
    why: `${JSON.stringify(input)} → ${value} (Spark try_cast refuses "3.0": only digits reach it)`,
  })),
  ...['3.7', '3,7', '1e3', 'tres', '99999999999'].map((input): RuleCase => ({
    rule: 'integer',
    entity: 'clientes',
    column: 'estrato',
    input,
    rejected: `estrato no es un entero: "${input}"`,
    why: 'not a whole number (DuckDB TRY_CAST would round 3.7 to 4), or out of INTEGER range',
  })),
  {
    rule: 'integer',
    entity: 'clientes',
    column: 'estrato',
    input: '',
    value: { estrato: null },
    why: 'empty numeric → NULL',
  },
  // ---- identificacion: digits only; NIT check digit kept apart, verified, or computed -------
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: '900.123.456-8',
    row: { tipo_identificacion: 'NIT' },
    value: { identificacion: '900123456', digito_verificacion: 8 },
    why: 'NIT with its check digit: digits kept, digit verified, an INTEGER',
  },
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: `900123456 - 8${NBSP}`,
    row: { tipo_identificacion: 'NIT' },
    value: { identificacion: '900123456', digito_verificacion: 8 },
    why: 'spaces and NBSP around the dash and the digit',
  },
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: '900123456-7',
    row: { tipo_identificacion: 'NIT' },
    rejected: 'dígito de verificación incorrecto en identificacion: "900123456-7" (esperado 8)',
    why: 'wrong check digit rejected',
  },
  {
    rule: 'identificacion',
    entity: 'proveedores',
    column: 'nit',
    input: '800197268',
    value: { nit: '800197268', digito_verificacion: 4 },
    why: 'a NIT without check digit gets it computed',
  },
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: `1.234.567${NBSP}`,
    value: { identificacion: '1234567', digito_verificacion: null },
    why: 'a cédula: digits only, no check digit',
  },
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: 'ab-12 345',
    row: { tipo_identificacion: 'Pasaporte' },
    value: { identificacion: 'AB12345', digito_verificacion: null },
    why: 'a passport keeps letters and digits, upper-cased',
  },
  {
    rule: 'identificacion',
    entity: 'clientes',
    column: 'identificacion',
    input: 'abc',
    rejected: 'identificacion no válida: "abc"',
    why: 'no digits in a cédula',
  },
];

/** Terciles: price → category, per load date and energy type. */
export interface TercileCase {
  prices: string[];
  categories: string[];
  why: string;
}

export const TERCILE_CASES: readonly TercileCase[] = [
  {
    prices: ['100', '200', '300'],
    categories: ['ECONOMICO', 'PROMEDIO', 'COSTOSO'],
    why: 'boundaries interpolate between ranks (DOUBLE in both engines)',
  },
  {
    prices: ['100,5', '100,5', '100,5'],
    categories: ['ECONOMICO', 'ECONOMICO', 'ECONOMICO'],
    why: 'equal prices sit on both boundaries: all ECONOMICO',
  },
  {
    prices: ['0,1', '0,2', '0,3', '0,4'],
    categories: ['ECONOMICO', 'ECONOMICO', 'PROMEDIO', 'COSTOSO'],
    why: 'decimal prices that are not exact in binary compare as the same DOUBLE on both sides',
  },
];

/** Headers as exported → column names the job reads (`fileColumns`). */
export const HEADER_CASES: readonly { header: string[]; columns: string[]; why: string }[] = [
  {
    header: ['nit', '', 'nit', '_id', 'motivo_rechazo', 'notas'],
    columns: ['nit', 'columna_2', 'columna_3', 'col_id', 'colmotivo_rechazo', 'notas'],
    why: 'blank, repeated, `_`-prefixed and reserved headers renamed',
  },
  {
    header: ['', ''],
    columns: ['columna_1', 'columna_2'],
    why: 'two blank headers',
  },
];
