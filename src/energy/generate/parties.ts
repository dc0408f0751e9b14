/** The clientes and proveedores exports (small files: one row per record). */
import { GENERATED_COLUMNS, nitCheckDigit } from '../entities.js';
import {
  breakFieldCount,
  ChunkWriter,
  dayOf,
  fileProfile,
  header,
  type CsvStats,
} from './chunk-writer.js';
import { Dirt, DIRT_RATES, DirtyLines, dirtyCsvField } from './dirt.js';
import { csvField, fixed2, formatEpochDay } from './format.js';
import { ENERGY_PROFILES, UNKNOWN_ENERGY } from './market.js';
import type { ResolvedGenerateOptions } from './options.js';
import { clienteRecords, proveedorRecords } from './population.js';
import { deriveSeed, Prng } from '../../core/util/prng.js';

export function* clientesChunks(o: ResolvedGenerateOptions, stats: CsvStats): Generator<Buffer> {
  const profile = fileProfile('clientes', o);
  const out = new ChunkWriter(profile, stats);
  const dirt = o.dirty
    ? new Dirt(new Prng(deriveSeed(o.seed, `dirt:clientes:${o.date}`)))
    : undefined;
  const lines = dirt
    ? new DirtyLines(dirt.rng, profile, GENERATED_COLUMNS.clientes.length)
    : undefined;
  out.add(header('clientes', dirt) + (lines ? lines.eol() : '\n'));
  for (const c of clienteRecords(o.seed, o.clientes, dayOf(o))) {
    const isNit = c.tipoIdentificacion === 'NIT';
    const estrato = c.estrato === undefined ? '' : String(c.estrato);
    if (!dirt || !lines) {
      const id = isNit
        ? `${c.identificacion}-${nitCheckDigit(c.identificacion)}`
        : c.identificacion;
      out.add(
        `${c.tipoIdentificacion};${id};${csvField(c.nombre)};${c.ciudad.nombre};${c.ciudad.departamento};${c.segmento};${estrato};${formatEpochDay(c.fechaRegistro)}\n`,
      );
      stats.rows++;
    } else {
      const rng = dirt.rng;
      const id = isNit
        ? dirt.nit(c.identificacion, nitCheckDigit(c.identificacion))
        : c.tipoIdentificacion === 'PAS'
          ? dirt.text(c.identificacion, 0.02)
          : dirt.cedula(c.identificacion);
      const fields = [
        dirt.tipoIdentificacion(c.tipoIdentificacion),
        id,
        dirt.text(c.nombre),
        dirt.ciudad(c.ciudad.nombre),
        dirt.text(c.ciudad.departamento),
        dirt.text(c.segmento, 0.03),
        estrato,
        formatEpochDay(c.fechaRegistro),
      ].map((f) => dirtyCsvField(rng, f));
      if (rng.chance(DIRT_RATES.broken)) {
        const kind = rng.int(0, 3);
        if (kind === 0) breakFieldCount(rng, fields);
        else if (kind === 1) fields[1] = '';
        else if (kind === 2) fields[0] = rng.pick(['TI', 'XX', 'RC', 'OTRO']);
        else fields[2] = '';
      }
      out.add(lines.emit(fields.join(';')));
      stats.rows += lines.rows;
    }
    if (out.full) yield out.take();
  }
  if (lines) {
    out.add(lines.end());
    stats.rows += lines.rows;
  }
  yield out.take();
}

export function* proveedoresChunks(o: ResolvedGenerateOptions, stats: CsvStats): Generator<Buffer> {
  const profile = fileProfile('proveedores', o);
  const out = new ChunkWriter(profile, stats);
  const dirt = o.dirty
    ? new Dirt(new Prng(deriveSeed(o.seed, `dirt:proveedores:${o.date}`)))
    : undefined;
  const lines = dirt
    ? new DirtyLines(dirt.rng, profile, GENERATED_COLUMNS.proveedores.length)
    : undefined;
  out.add(header('proveedores', dirt) + (lines ? lines.eol() : '\n'));
  for (const p of proveedorRecords(o.seed, o.proveedores, dayOf(o))) {
    const energia = ENERGY_PROFILES[p.energia]!;
    const dv = nitCheckDigit(p.nit);
    const capacidad = fixed2(p.capacidadCentiMw);
    const fecha = formatEpochDay(p.fechaRegistro);
    if (!dirt || !lines) {
      out.add(
        `${p.nit}-${dv};${csvField(p.nombre)};${energia.display};${p.ciudad};${capacidad};${fecha}\n`,
      );
      stats.rows++;
    } else {
      const rng = dirt.rng;
      const fields = [
        dirt.nit(p.nit, dv),
        dirt.text(p.nombre),
        dirt.energia(energia),
        dirt.ciudad(p.ciudad),
        dirt.amount(p.capacidadCentiMw, capacidad),
        fecha,
      ].map((f) => dirtyCsvField(rng, f));
      if (rng.chance(DIRT_RATES.broken * 3)) {
        const kind = rng.int(0, 2);
        if (kind === 0) breakFieldCount(rng, fields);
        else if (kind === 1) fields[2] = rng.pick(UNKNOWN_ENERGY);
        else fields[4] = rng.pick(['N/A', '-5.00', '0', '']);
      }
      out.add(lines.emit(fields.join(';')));
      stats.rows += lines.rows;
    }
    if (out.full) yield out.take();
  }
  if (lines) {
    out.add(lines.end());
    stats.rows += lines.rows;
  }
  yield out.take();
}
