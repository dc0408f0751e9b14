/**
 * The retailer's market: energy types, customer segments and realistic kWh/COP ranges
 * (Colombian wholesale market, 2025–2026 orders of magnitude).
 */
import type { TIPOS_ENERGIA } from '../entities.js';

export type TipoEnergia = (typeof TIPOS_ENERGIA)[number];

export interface EnergyProfile {
  /** Canonical code (entities.ts). */
  code: TipoEnergia;
  /** How clean exports spell it. */
  display: string;
  /** Other spellings dirty exports use (all fold to the same canonical type, or are known abbreviations). */
  variants: readonly string[];
  /** Share of proveedores of this type. */
  proveedorWeight: number;
  /** Share of the energy sold (the national generation mix). */
  mixWeight: number;
  /** Wholesale purchase price range, COP/kWh. */
  precioCompra: readonly [number, number];
  /** Plant capacity range, MW. */
  capacidadMw: readonly [number, number];
  /** Proveedor name templates; `{}` is replaced by a place (lower-cased after `Termo`). */
  nombres: readonly string[];
  lugares: readonly string[];
  ciudades: readonly string[];
}

export const ENERGY_PROFILES: readonly EnergyProfile[] = [
  {
    code: 'HIDROELECTRICA',
    display: 'Hidroeléctrica',
    variants: [
      'Hidroelectrica',
      'HIDROELÉCTRICA',
      'HIDRO',
      'hidro',
      'hidroelectrica',
      'Hidráulica',
    ],
    proveedorWeight: 30,
    mixWeight: 66,
    precioCompra: [200, 450],
    capacidadMw: [10, 1200],
    nombres: [
      'Generadora Hidroeléctrica {} S.A. E.S.P.',
      'Hidroeléctrica del Río {} S.A.S. E.S.P.',
      'Central Hidroeléctrica {} S.A. E.S.P.',
      'Pequeña Central Hidroeléctrica {} S.A.S. E.S.P.',
    ],
    lugares: [
      'Sinú',
      'Porce',
      'Nare',
      'Bata',
      'Sogamoso',
      'Guavio',
      'Chivor',
      'Betania',
      'Urrá',
      'La Miel',
      'Calima',
      'Anchicayá',
      'Prado',
      'Amoyá',
      'San Carlos',
      'Jaguas',
      'Playas',
      'Tasajera',
      'Salvajina',
      'El Quimbo',
      'Guatapé',
      'Hidroituango',
      'Florida',
      'Caracolí',
      'Samaná',
    ],
    ciudades: ['Guatapé', 'Ituango', 'Gigante', 'San Carlos', 'Gachalá', 'Montería', 'Neiva'],
  },
  {
    code: 'TERMICA',
    display: 'Térmica',
    variants: ['Termica', 'TÉRMICA', 'TERMO', 'termica', 'Termoeléctrica'],
    proveedorWeight: 20,
    mixWeight: 22,
    precioCompra: [400, 600],
    capacidadMw: [50, 800],
    nombres: [
      'Termo{} S.A. E.S.P.',
      'Termoeléctrica {} S.A.S. E.S.P.',
      'Central Térmica {} S.A. E.S.P.',
    ],
    lugares: [
      'Candelaria',
      'Flores',
      'Centro',
      'Yopal',
      'Sierra',
      'Valle',
      'Tasajero',
      'Paipa',
      'Guajira',
      'Barranquilla',
      'Dorada',
      'Cartagena',
      'Norte',
      'Caribe',
      'Magdalena',
      'Zipa',
      'Palenque',
      'Morichal',
      'Sinú',
      'Cesar',
    ],
    ciudades: ['Barranquilla', 'Cartagena', 'Yopal', 'Cúcuta', 'Paipa', 'Puerto Nare', 'Zipaquirá'],
  },
  {
    code: 'SOLAR',
    display: 'Solar',
    variants: ['SOLAR', 'solar', 'Solar fotovoltaica', 'Fotovoltaica'],
    proveedorWeight: 25,
    mixWeight: 7,
    precioCompra: [220, 380],
    capacidadMw: [5, 200],
    nombres: [
      'Parque Solar {} S.A.S. E.S.P.',
      'Granja Solar {} S.A.S. E.S.P.',
      'Energía Solar {} S.A. E.S.P.',
    ],
    lugares: [
      'El Paso',
      'La Loma',
      'Castilla',
      'Yumbo',
      'El Espinal',
      'Sabanalarga',
      'Baranoa',
      'San Juan',
      'La Sierpe',
      'Bosques de Bolívar',
      'Guayepo',
      'Puerto Libertador',
      'La Dorada',
      'Tepuy',
      'Caracolí',
      'Valledupar',
      'Montelíbano',
      'Girardot',
      'Cerritos',
      'Sahagún',
    ],
    ciudades: [
      'Valledupar',
      'El Paso',
      'Yumbo',
      'El Espinal',
      'Montería',
      'Sabanalarga',
      'Riohacha',
    ],
  },
  {
    code: 'EOLICA',
    display: 'Eólica',
    variants: ['Eolica', 'EÓLICA', 'eolica', 'EOLICA', 'Eólico', 'eólica'],
    proveedorWeight: 12,
    mixWeight: 3,
    precioCompra: [230, 400],
    capacidadMw: [10, 300],
    nombres: ['Parque Eólico {} S.A.S. E.S.P.', 'Eólica {} S.A.S. E.S.P.'],
    lugares: [
      'Jepírachi',
      'Guajira I',
      'Alpha',
      'Beta',
      'Windpeshi',
      'Camelias',
      'Acacia',
      'Chemesky',
      'Tumawind',
      'Irraipa',
      'Carrizal',
      'Apotolorru',
      'Musichi',
      'Jotomana',
      'Ishasimana',
    ],
    ciudades: ['Uribia', 'Maicao', 'Riohacha', 'Manaure'],
  },
  {
    code: 'BIOMASA',
    display: 'Biomasa',
    variants: ['BIOMASA', 'biomasa', 'Bio masa'],
    proveedorWeight: 10,
    mixWeight: 1.5,
    precioCompra: [300, 500],
    capacidadMw: [2, 50],
    nombres: ['Ingenio {} S.A.', 'Bioenergía {} S.A.S. E.S.P.'],
    lugares: [
      'Manuelita',
      'Riopaila',
      'Providencia',
      'Mayagüez',
      'Incauca',
      'Castilla',
      'La Cabaña',
      'Pichichí',
      'Risaralda',
      'Carmelita',
      'María Luisa',
      'Sancarlos',
      'del Cauca',
      'Puerto López',
    ],
    ciudades: ['Palmira', 'Tuluá', 'Candelaria', 'Puerto Tejada', 'Pradera', 'Puerto López'],
  },
  {
    code: 'GEOTERMICA',
    display: 'Geotérmica',
    variants: ['Geotermica', 'GEOTÉRMICA', 'geotermica', 'GEO'],
    proveedorWeight: 3,
    mixWeight: 0.5,
    precioCompra: [350, 550],
    capacidadMw: [5, 50],
    nombres: ['Geotérmica {} S.A.S. E.S.P.', 'Central Geotérmica {} S.A. E.S.P.'],
    lugares: [
      'Nevado del Ruiz',
      'Azufral',
      'Paipa',
      'Cumbal',
      'Tufiño',
      'Chiles',
      'Galeras',
      'Machín',
    ],
    ciudades: ['Manizales', 'Pasto', 'Paipa', 'Villamaría', 'Cumbal'],
  },
];

/** Spellings no transform should accept as an energy type (dirty mode's broken rows). */
export const UNKNOWN_ENERGY = [
  'Nuclear',
  'Mareomotriz',
  'Otra',
  'N/A',
  'Gas natural',
  '???',
] as const;

export const SEGMENTOS = ['RESIDENCIAL', 'COMERCIAL', 'INDUSTRIAL', 'OFICIAL'] as const;
export type Segmento = (typeof SEGMENTOS)[number];
export const SEGMENTO_WEIGHTS = [82, 12, 4, 2];

/** Residential share by estrato 1–6. */
export const ESTRATO_WEIGHTS = [22, 35, 25, 9, 5, 4];

/** Typical monthly residential consumption by estrato, kWh. */
export const CONSUMO_BASE_ESTRATO = [120, 145, 175, 220, 300, 420];

/** Residential tariff factor by estrato (subsidies for 1–3, contribution for 5–6). */
export const FACTOR_TARIFA_ESTRATO = [0.78, 0.82, 0.92, 1.0, 1.18, 1.2];

/** Regulated reference tariff, COP/kWh. */
export const TARIFA_REFERENCIA = 860;

/** Sale ranges by segment (kWh, COP/kWh); residential uses the estrato tables instead. */
export const VENTA_RANGOS: Record<
  Exclude<Segmento, 'RESIDENCIAL'>,
  { kwh: [number, number]; precio: [number, number] }
> = {
  COMERCIAL: { kwh: [300, 40_000], precio: [880, 1_080] },
  INDUSTRIAL: { kwh: [5_000, 1_500_000], precio: [480, 820] },
  OFICIAL: { kwh: [1_000, 150_000], precio: [760, 960] },
};

/**
 * Purchase block range, kWh (log-uniform). Calibrated so a day's purchases cover its sales plus
 * ~8% losses: with 15% purchases and a mean sale of ~11,000 kWh, the mean block is ~68,000 kWh.
 */
export const COMPRA_KWH: readonly [number, number] = [4_000, 300_000];

/** Share of transactions that are sales. */
export const VENTA_SHARE = 0.85;
