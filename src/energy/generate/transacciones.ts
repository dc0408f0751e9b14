/**
 * The transacciones export: the big file (millions of rows). Values come from one
 * {@link TransactionSource}; the clean file is written straight into bytes (no per-row
 * strings), the dirty one through strings, where the dirt is applied.
 */
import { GENERATED_COLUMNS } from '../entities.js';
import {
  breakFieldCount,
  CHUNK_SIZE,
  ChunkWriter,
  fileProfile,
  header,
  type CsvStats,
} from './chunk-writer.js';
import { Dirt, DIRT_RATES, DirtyLines, dirtyCsvField } from './dirt.js';
import { csvField, fixed2, formatSecondOfDay } from './format.js';
import {
  COMPRA_KWH,
  CONSUMO_BASE_ESTRATO,
  ENERGY_PROFILES,
  FACTOR_TARIFA_ESTRATO,
  TARIFA_REFERENCIA,
  UNKNOWN_ENERGY,
  VENTA_RANGOS,
  VENTA_SHARE,
} from './market.js';
import type { ResolvedGenerateOptions } from './options.js';
import { KIND_COMERCIAL, type Population } from './population.js';
import { cumulative, deriveSeed, Prng } from '../../core/util/prng.js';

const MIX_CUM = cumulative(ENERGY_PROFILES.map((p) => p.mixWeight));
const COMPRA_PRECIO_MIN = ENERGY_PROFILES.map((p) => p.precioCompra[0]);
const COMPRA_PRECIO_SPAN = ENERGY_PROFILES.map((p) => p.precioCompra[1] - p.precioCompra[0]);
const VENTA_KWH = [VENTA_RANGOS.COMERCIAL, VENTA_RANGOS.INDUSTRIAL, VENTA_RANGOS.OFICIAL];

/** Draws one transaction after another into its own fields (reused: no allocation per row). */
class TransactionSource {
  /** Second of the day (non-decreasing: the export is in time order). */
  sec = 0;
  venta = false;
  /** Index of the cliente (venta) or proveedor (compra). */
  who = 0;
  /** Hundredths of kWh. */
  kwh = 0;
  /** Hundredths of COP per kWh. */
  precio = 0;
  /** Index into ENERGY_PROFILES. */
  energia = 0;

  private readonly rng: Prng;
  private readonly secondsPerRow: number;
  private readonly nc: number;
  private readonly np: number;

  constructor(
    o: ResolvedGenerateOptions,
    private readonly population: Population,
  ) {
    this.rng = new Prng(deriveSeed(o.seed, `transacciones:${o.date}`));
    this.secondsPerRow = 86_400 / Math.max(o.transacciones, 1);
    this.nc = population.clienteNames.length;
    this.np = population.proveedorNames.length;
    if (o.transacciones > 0 && (this.nc === 0 || this.np === 0)) {
      throw new RangeError('transacciones need at least one cliente and one proveedor');
    }
  }

  next(i: number): void {
    const rng = this.rng;
    this.sec = Math.floor((i + rng.next()) * this.secondsPerRow);
    if (rng.next() < VENTA_SHARE) {
      this.venta = true;
      const who = Math.floor(rng.next() * this.nc);
      this.who = who;
      const kind = this.population.clienteKinds[who]!;
      if (kind < KIND_COMERCIAL) {
        // Residential: consumption and tariff by estrato.
        const u = rng.next();
        const k = CONSUMO_BASE_ESTRATO[kind]! * (0.4 + 2.2 * u * u);
        this.kwh = Math.round(Math.min(1500, Math.max(50, k)) * 100);
        const p = TARIFA_REFERENCIA * FACTOR_TARIFA_ESTRATO[kind]! * (0.95 + 0.1 * rng.next());
        this.precio = Math.round(Math.min(1100, Math.max(600, p)) * 100);
      } else {
        const r = VENTA_KWH[kind - KIND_COMERCIAL]!;
        this.kwh = Math.round(rng.logUniform(r.kwh[0], r.kwh[1]) * 100);
        this.precio = Math.round((r.precio[0] + rng.next() * (r.precio[1] - r.precio[0])) * 100);
      }
      this.energia = rng.weighted(MIX_CUM);
    } else {
      this.venta = false;
      const who = Math.floor(rng.next() * this.np);
      this.who = who;
      const e = this.population.proveedorEnergia[who]!;
      this.energia = e;
      this.kwh = Math.round(rng.logUniform(COMPRA_KWH[0], COMPRA_KWH[1])) * 100;
      this.precio = Math.round((COMPRA_PRECIO_MIN[e]! + rng.next() * COMPRA_PRECIO_SPAN[e]!) * 100);
    }
  }
}

interface TxLayout {
  idPrefix: string;
  idWidth: number;
  datePrefix: string;
}

function layoutOf(o: ResolvedGenerateOptions): TxLayout {
  return {
    idPrefix: `TX${o.date.replaceAll('-', '')}-`,
    idWidth: Math.max(8, String(o.transacciones).length),
    datePrefix: `${o.date} `,
  };
}

export function* transaccionesChunks(
  o: ResolvedGenerateOptions,
  stats: CsvStats,
  population: Population,
): Generator<Buffer> {
  if (o.dirty) yield* dirtyChunks(o, stats, population);
  else yield* cleanChunks(o, stats, population);
}

const SEMI = 0x3b;
const DOT = 0x2e;
const ZERO = 0x30;
/** Room past CHUNK_SIZE for the row that fills a chunk (names are far shorter). */
const ROW_MAX = 4096;

/**
 * Clean file: UTF-8, LF. Every row is written byte by byte into the chunk: names and other
 * fixed texts are encoded once up front, numbers are written digit by digit.
 */
function* cleanChunks(
  o: ResolvedGenerateOptions,
  stats: CsvStats,
  population: Population,
): Generator<Buffer> {
  const src = new TransactionSource(o, population);
  const { idPrefix, idWidth, datePrefix } = layoutOf(o);
  const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
  const clientes = population.clienteNames.map((n) => bytes(`;Venta;${csvField(n)};`));
  const proveedores = population.proveedorNames.map((n) => bytes(`;Compra;${csvField(n)};`));
  const energias = ENERGY_PROFILES.map((p) => bytes(`;${p.display}\n`));
  const idBytes = bytes(idPrefix);
  const ts = bytes(`;${datePrefix}00:00:00`);
  const tsTime = ts.length - 8;
  const longest = Math.max(
    0,
    ...clientes.map((b) => b.length),
    ...proveedores.map((b) => b.length),
  );
  const capacity = CHUNK_SIZE + ROW_MAX + longest;

  const out = new ByteChunk(capacity);
  out.off = out.buf.write(`${header('transacciones', undefined)}\n`, 0, 'utf8');
  let lastSec = -1;
  const n = o.transacciones;
  for (let i = 0; i < n; i++) {
    src.next(i);
    if (src.sec !== lastSec) {
      lastSec = src.sec;
      ts.write(formatSecondOfDay(src.sec), tsTime, 'latin1');
    }
    out.copy(idBytes);
    out.int(i + 1, idWidth);
    out.copy(ts);
    out.copy(src.venta ? clientes[src.who]! : proveedores[src.who]!);
    out.fixed2(src.kwh);
    out.byte(SEMI);
    out.fixed2(src.precio);
    out.copy(energias[src.energia]!);
    if (out.off >= CHUNK_SIZE) {
      stats.rows = i + 1;
      stats.bytes += out.off;
      yield out.take();
    }
  }
  stats.rows = n;
  stats.bytes += out.off;
  yield out.take();
}

/** A chunk being filled byte by byte; `take` hands it over and starts a fresh one. */
class ByteChunk {
  buf: Buffer;
  off = 0;

  constructor(private readonly capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  byte(b: number): void {
    this.buf[this.off++] = b;
  }

  copy(from: Buffer): void {
    const buf = this.buf;
    const off = this.off;
    const len = from.length;
    if (len > 32) buf.set(from, off);
    else for (let k = 0; k < len; k++) buf[off + k] = from[k]!;
    this.off = off + len;
  }

  /** A non-negative integer, left-padded with zeros to `width`. */
  int(value: number, width: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    const len = digits > width ? digits : width;
    const buf = this.buf;
    const off = this.off;
    for (let k = len - 1; k >= 0; k--) {
      const q = Math.floor(value / 10);
      buf[off + k] = ZERO + value - q * 10;
      value = q;
    }
    this.off = off + len;
  }

  /** Hundredths as `1234.05`. */
  fixed2(hundredths: number): void {
    const whole = Math.floor(hundredths / 100);
    this.int(whole, 1);
    const cents = hundredths - whole * 100;
    const tens = Math.floor(cents / 10);
    const buf = this.buf;
    buf[this.off] = DOT;
    buf[this.off + 1] = ZERO + tens;
    buf[this.off + 2] = ZERO + cents - tens * 10;
    this.off += 3;
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.off);
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.off = 0;
    return out;
  }
}

/** Dirty file: the same values, written as strings so each field can carry its dirt. */
function* dirtyChunks(
  o: ResolvedGenerateOptions,
  stats: CsvStats,
  population: Population,
): Generator<Buffer> {
  const profile = fileProfile('transacciones', o);
  const out = new ChunkWriter(profile, stats);
  const src = new TransactionSource(o, population);
  const dirt = new Dirt(new Prng(deriveSeed(o.seed, `dirt:transacciones:${o.date}`)));
  const rng = dirt.rng;
  const lines = new DirtyLines(rng, profile, GENERATED_COLUMNS.transacciones.length);
  const { idPrefix, idWidth, datePrefix } = layoutOf(o);
  out.add(header('transacciones', dirt) + lines.eol());
  const n = o.transacciones;
  let lastSec = -1;
  let ts = '';
  for (let i = 0; i < n; i++) {
    src.next(i);
    if (src.sec !== lastSec) {
      lastSec = src.sec;
      ts = datePrefix + formatSecondOfDay(src.sec);
    }
    const id = idPrefix + String(i + 1).padStart(idWidth, '0');
    const name = src.venta
      ? population.clienteNames[src.who]!
      : population.proveedorNames[src.who]!;
    // Draw order matters for determinism: keep it field by field.
    const tipo = dirtyCsvField(rng, dirt.tipoTransaccion(src.venta ? 'Venta' : 'Compra'));
    const nombre = dirtyCsvField(rng, dirt.text(name, 0.04));
    const kwh = dirt.amount(src.kwh, fixed2(src.kwh));
    const precio = dirt.amount(src.precio, fixed2(src.precio));
    const energia = dirtyCsvField(rng, dirt.energia(ENERGY_PROFILES[src.energia]!));
    let row: string;
    if (rng.chance(DIRT_RATES.broken)) {
      const fields = [id, ts, tipo, nombre, kwh, precio, energia];
      breakRow(rng, fields);
      row = fields.join(';');
    } else {
      row = `${id};${ts};${tipo};${nombre};${kwh};${precio};${energia}`;
    }
    out.add(lines.emit(row));
    stats.rows += lines.rows;
    if (out.full) yield out.take();
  }
  out.add(lines.end());
  stats.rows += lines.rows;
  yield out.take();
}

/** The broken rows of a transactions export. */
function breakRow(rng: Prng, fields: string[]): void {
  switch (rng.int(0, 5)) {
    case 0:
      breakFieldCount(rng, fields);
      break;
    case 1:
      fields[4] = `-${fields[4]}`; // negative quantity
      break;
    case 2:
      fields[4] = rng.pick(['0', '0.00', '0,00']);
      break;
    case 3:
      fields[5] = rng.pick(['N/A', '#¡VALOR!', 'n/a', '']);
      break;
    case 4:
      fields[6] = rng.pick(UNKNOWN_ENERGY);
      break;
    default:
      fields[5] = `-${fields[5]}`; // negative price
  }
}
