/**
 * The retailer's clientes and proveedores as records, generated deterministically from a seed.
 * Records are produced lazily (clientes can be millions); transactions only need the compact
 * {@link Population} (names and segments).
 */
import { nitCheckDigit } from '../entities.js';
import {
  ENERGY_PROFILES,
  ESTRATO_WEIGHTS,
  SEGMENTO_WEIGHTS,
  SEGMENTOS,
  type Segmento,
} from './market.js';
import {
  APELLIDOS,
  CIUDADES,
  INSTITUCIONES,
  NOMBRES_COMERCIO,
  NOMBRES_HOMBRE,
  NOMBRES_INDUSTRIA,
  NOMBRES_MUJER,
  SANTOS,
  TIPOS_COMERCIO,
  TIPOS_INDUSTRIA,
  type Ciudad,
} from './names.js';
import { cumulative, deriveSeed, Prng } from '../../core/util/prng.js';

export type TipoIdentificacion = 'CC' | 'NIT' | 'CE' | 'PAS';

export interface ClienteRecord {
  tipoIdentificacion: TipoIdentificacion;
  /** Digits (letters too for PAS), without the NIT check digit. */
  identificacion: string;
  nombre: string;
  ciudad: Ciudad;
  segmento: Segmento;
  /** 1–6 for RESIDENCIAL, else `undefined`. */
  estrato: number | undefined;
  /** Days since 1970-01-01. */
  fechaRegistro: number;
}

export interface ProveedorRecord {
  /** Nine digits, without the check digit. */
  nit: string;
  nombre: string;
  /** Index into ENERGY_PROFILES. */
  energia: number;
  ciudad: string;
  /** Capacity in hundredths of MW. */
  capacidadCentiMw: number;
  fechaRegistro: number;
}

/** Writes a NIT with its check digit: `900123456-8`. */
export function formatNit(nit: string): string {
  return `${nit}-${nitCheckDigit(nit)}`;
}

/**
 * A bijection i → [0, m): a few invertible mixing rounds on the smallest power of two ≥ m, with
 * cycle walking back into range. Identification numbers come out unique and scattered without
 * remembering the ones already issued.
 */
function permutation(m: number, seed: number): (i: number) => number {
  let bits = 1;
  while (2 ** bits < m) bits++;
  const mask = 2 ** bits - 1;
  const shift = Math.max(1, bits >>> 1);
  const rng = new Prng(seed);
  const keys = [rng.uint32() & mask, rng.uint32() & mask, rng.uint32() & mask];
  const mix = (x: number): number => {
    for (const key of keys) {
      x = (x + key) & mask;
      x = Math.imul(x, 0x2c1b3c6d | 1) & mask;
      x ^= x >>> shift;
    }
    return x;
  };
  return (i) => {
    let x = mix(i);
    while (x >= m) x = mix(x);
    return x;
  };
}

/** Number ranges: [first, count]. */
const CC_RANGES: readonly (readonly [number, number])[] = [
  [1_000_000_000, 150_000_000], // 10 digits, issued since 2004
  [10_000_000, 90_000_000], // 8 digits
  [1_000_000, 9_000_000], // 7 digits, older citizens
];
const CC_RANGE_WEIGHTS = cumulative([45, 45, 10]);
const CE_RANGE: readonly [number, number] = [100_000, 9_900_000];
const PAS_RANGE: readonly [number, number] = [1_000_000, 9_000_000];
const NIT_RANGE: readonly [number, number] = [800_000_000, 102_000_000];
/** Proveedores take NIT permutation indices from here up, so they never clash with clientes. */
const PROVEEDOR_NIT_BASE = 60_000_000;
const LETRAS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const SEG_CUM = cumulative(SEGMENTO_WEIGHTS);
const ESTRATO_CUM = cumulative(ESTRATO_WEIGHTS);
const CIUDAD_CUM = cumulative(CIUDADES.map((c) => c.peso));
const ENERGIA_CUM = cumulative(ENERGY_PROFILES.map((p) => p.proveedorWeight));

/** How many years back the oldest registrations go. */
const CLIENTE_YEARS = 20;
const PROVEEDOR_YEARS = 25;

function personName(rng: Prng): string {
  const pool = rng.chance(0.5) ? NOMBRES_HOMBRE : NOMBRES_MUJER;
  const first = rng.pick(pool);
  let nombres: string = first;
  if (rng.chance(0.35)) {
    const second = rng.pick(pool);
    if (second !== first) nombres = `${first} ${second}`;
  }
  return `${nombres} ${rng.pick(APELLIDOS)} ${rng.pick(APELLIDOS)}`;
}

function commercialName(rng: Prng): string {
  const tipo = rng.pick(TIPOS_COMERCIO);
  const suffix = rng.chance(0.82) ? 'S.A.S.' : 'S.A.';
  const r = rng.next();
  if (r < 0.04) return `${tipo} "${rng.pick(NOMBRES_COMERCIO)}" ${suffix}`;
  if (r < 0.2) return `${tipo} ${rng.pick(APELLIDOS)} ${rng.pick(APELLIDOS)} ${suffix}`;
  return `${tipo} ${rng.pick(NOMBRES_COMERCIO)} ${suffix}`;
}

function industrialName(rng: Prng): string {
  const base = `${rng.pick(TIPOS_INDUSTRIA)} ${rng.pick(NOMBRES_INDUSTRIA)}`;
  return `${base} ${rng.chance(0.5) ? 'S.A.' : 'S.A.S.'}`;
}

function officialName(rng: Prng, ciudad: Ciudad): string {
  const r = rng.next();
  if (r < 0.25) return `Alcaldía de ${ciudad.nombre}`;
  if (r < 0.45) return `Hospital ${rng.pick(SANTOS)} E.S.E.`;
  if (r < 0.7) return `Institución Educativa ${rng.pick(INSTITUCIONES)}`;
  if (r < 0.85) return `Empresas Públicas de ${ciudad.nombre} E.S.P.`;
  if (ciudad.departamento.startsWith('Bogotá')) return `Secretaría Distrital de Salud de Bogotá`;
  return `Gobernación de ${ciudad.departamento}`;
}

/**
 * Every cliente, in file order. Same seed → same clientes, whatever the export date (only the
 * registration dates, which must precede it, move with the date).
 */
export function* clienteRecords(
  seed: number,
  count: number,
  dateDay: number,
): Generator<ClienteRecord> {
  const rng = new Prng(deriveSeed(seed, 'clientes'));
  const ids = {
    cc: CC_RANGES.map(([, m], k) => permutation(m, deriveSeed(seed, `cc${k}`))),
    ce: permutation(CE_RANGE[1], deriveSeed(seed, 'ce')),
    pas: permutation(PAS_RANGE[1], deriveSeed(seed, 'pas')),
    nit: permutation(NIT_RANGE[1], deriveSeed(seed, 'nit')),
  };
  const used = { cc: [0, 0, 0], ce: 0, pas: 0, nit: 0 };
  const span = CLIENTE_YEARS * 365;
  for (let i = 0; i < count; i++) {
    const segmento = SEGMENTOS[rng.weighted(SEG_CUM)] as Segmento;
    const ciudad = CIUDADES[rng.weighted(CIUDAD_CUM)] as Ciudad;
    let tipo: TipoIdentificacion;
    let nombre: string;
    let estrato: number | undefined;
    if (segmento === 'RESIDENCIAL') {
      const r = rng.next();
      tipo = r < 0.93 ? 'CC' : r < 0.98 ? 'CE' : 'PAS';
      nombre = personName(rng);
      estrato = rng.weighted(ESTRATO_CUM) + 1;
    } else if (segmento === 'COMERCIAL') {
      tipo = rng.chance(0.25) ? 'CC' : 'NIT';
      nombre = tipo === 'CC' ? personName(rng) : commercialName(rng);
    } else {
      tipo = 'NIT';
      nombre = segmento === 'INDUSTRIAL' ? industrialName(rng) : officialName(rng, ciudad);
    }
    let identificacion: string;
    if (tipo === 'CC') {
      const k = rng.weighted(CC_RANGE_WEIGHTS);
      const [first] = CC_RANGES[k] as readonly [number, number];
      identificacion = String(first + (ids.cc[k] as (i: number) => number)(used.cc[k]!++));
    } else if (tipo === 'CE') {
      identificacion = String(CE_RANGE[0] + ids.ce(used.ce++));
    } else if (tipo === 'PAS') {
      const letters = LETRAS[rng.int(0, 25)]! + LETRAS[rng.int(0, 25)]!;
      identificacion = letters + String(PAS_RANGE[0] + ids.pas(used.pas++));
    } else {
      identificacion = String(NIT_RANGE[0] + ids.nit(used.nit++));
    }
    const fechaRegistro = dateDay - 1 - Math.floor(rng.next() * span);
    yield {
      tipoIdentificacion: tipo,
      identificacion,
      nombre,
      ciudad,
      segmento,
      estrato,
      fechaRegistro,
    };
  }
}

/** Every proveedor, in file order; names are unique (a numeral is added on a clash). */
export function* proveedorRecords(
  seed: number,
  count: number,
  dateDay: number,
): Generator<ProveedorRecord> {
  const rng = new Prng(deriveSeed(seed, 'proveedores'));
  const nit = permutation(NIT_RANGE[1], deriveSeed(seed, 'nit'));
  const names = new Set<string>();
  const span = PROVEEDOR_YEARS * 365;
  for (let i = 0; i < count; i++) {
    const energia = rng.weighted(ENERGIA_CUM);
    const p = ENERGY_PROFILES[energia]!;
    const template = rng.pick(p.nombres);
    const lugar = rng.pick(p.lugares);
    let nombre = '';
    for (let n = 1; nombre === '' || names.has(nombre); n++) {
      const place = n === 1 ? lugar : `${lugar} ${romanNumeral(n)}`;
      nombre = template.replace('{}', template.includes('Termo{}') ? place.toLowerCase() : place);
    }
    names.add(nombre);
    const [minMw, maxMw] = p.capacidadMw;
    yield {
      nit: String(NIT_RANGE[0] + nit(PROVEEDOR_NIT_BASE + i)),
      nombre,
      energia,
      ciudad: rng.pick(p.ciudades),
      capacidadCentiMw: Math.round(rng.logUniform(minMw, maxMw) * 100),
      fechaRegistro: dateDay - 30 - Math.floor(rng.next() * span),
    };
  }
}

function romanNumeral(n: number): string {
  const table: [number, string][] = [
    [1000, 'M'],
    [900, 'CM'],
    [500, 'D'],
    [400, 'CD'],
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ];
  let out = '';
  for (const [v, s] of table) {
    while (n >= v) {
      out += s;
      n -= v;
    }
  }
  return out;
}

/** What transactions need to reference their counterparties. */
export interface Population {
  clienteNames: string[];
  /** 0–5: residential estrato 1–6; 6 COMERCIAL, 7 INDUSTRIAL, 8 OFICIAL. */
  clienteKinds: Uint8Array;
  proveedorNames: string[];
  /** Index into ENERGY_PROFILES. */
  proveedorEnergia: Uint8Array;
}

export const KIND_COMERCIAL = 6;
export const KIND_INDUSTRIAL = 7;
export const KIND_OFICIAL = 8;

export function buildPopulation(
  seed: number,
  clientes: number,
  proveedores: number,
  dateDay: number,
): Population {
  const clienteNames: string[] = [];
  const clienteKinds = new Uint8Array(clientes);
  let i = 0;
  for (const c of clienteRecords(seed, clientes, dateDay)) {
    clienteNames.push(c.nombre);
    clienteKinds[i++] =
      c.segmento === 'RESIDENCIAL'
        ? (c.estrato ?? 1) - 1
        : c.segmento === 'COMERCIAL'
          ? KIND_COMERCIAL
          : c.segmento === 'INDUSTRIAL'
            ? KIND_INDUSTRIAL
            : KIND_OFICIAL;
  }
  const proveedorNames: string[] = [];
  const proveedorEnergia = new Uint8Array(proveedores);
  i = 0;
  for (const p of proveedorRecords(seed, proveedores, dateDay)) {
    proveedorNames.push(p.nombre);
    proveedorEnergia[i++] = p.energia;
  }
  return { clienteNames, clienteKinds, proveedorNames, proveedorEnergia };
}
