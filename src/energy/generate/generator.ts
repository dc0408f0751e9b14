/**
 * The generator core: streaming, deterministic CSV exports of the retailer's clientes,
 * proveedores and transacciones. Rows are produced chunk by chunk (~128 KiB) only as the
 * consumer reads, so memory stays flat however many transactions are asked for; only the
 * counterparties' names are held.
 */
import { Readable } from 'node:stream';
import type { BuiltinEntity } from '../entities.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { dayOf, fileProfile, type CsvStats } from './chunk-writer.js';
import type { FileEncoding, LineEnding } from './dirt.js';
import {
  resolveGenerateOptions,
  type GenerateOptions,
  type ResolvedGenerateOptions,
} from './options.js';
import { clientesChunks, proveedoresChunks } from './parties.js';
import { buildPopulation, type Population } from './population.js';
import { transaccionesChunks } from './transacciones.js';

export { fileProfile, type CsvStats };

/** One written export. */
export interface GeneratedFile {
  entity: BuiltinEntity;
  /** Object key, e.g. `transacciones_2026-11-27.csv`. */
  key: string;
  /** Data rows (header and empty lines excluded; duplicates and broken rows included). */
  rows: number;
  bytes: number;
  encoding: FileEncoding;
  lineEnding: LineEnding;
}

/** `clientes_2026-11-27.csv`. */
export function exportKey(entity: BuiltinEntity, date: string): string {
  return `${entity}_${date}.csv`;
}

function populationFor(o: ResolvedGenerateOptions): Population {
  return buildPopulation(o.seed, o.clientes, o.proveedores, dayOf(o));
}

/** The counterparties (names, segments) transactions reference, for the given options. */
export function populationOf(options: GenerateOptions): Population {
  return populationFor(resolveGenerateOptions(options));
}

/**
 * The bytes of one entity's export, chunk by chunk (each well under 1 MiB). Lazy: rows are
 * generated only as chunks are pulled. `stats` is updated as chunks are produced.
 *
 * @param population the counterparties transactions reference; built from the options when
 *   omitted (pass it when generating several files to build it once).
 * @example
 * for (const chunk of generateCsvChunks('transacciones', { date: '2026-11-27' })) out.write(chunk);
 */
export function* generateCsvChunks(
  entity: BuiltinEntity,
  options: GenerateOptions,
  stats: CsvStats = { rows: 0, bytes: 0 },
  population?: Population,
): Generator<Buffer> {
  const o = resolveGenerateOptions(options);
  if (entity === 'clientes') yield* clientesChunks(o, stats);
  else if (entity === 'proveedores') yield* proveedoresChunks(o, stats);
  else yield* transaccionesChunks(o, stats, population ?? populationFor(o));
}

/**
 * One entity's export as a byte stream with backpressure (chunks are generated only when the
 * consumer reads), ready for `ObjectStore.put`.
 */
export function generateCsvStream(
  entity: BuiltinEntity,
  options: GenerateOptions,
  stats?: CsvStats,
  population?: Population,
): Readable {
  return Readable.from(generateCsvChunks(entity, options, stats, population), {
    objectMode: false,
  });
}

/**
 * Writes `clientes_<date>.csv`, `proveedores_<date>.csv` and `transacciones_<date>.csv` into a
 * store, streaming (atomic per file, as every ObjectStore `put` is). Same options → same bytes.
 *
 * @example
 * const files = await generateExports(new LocalFsObjectStore({ root: '/tmp/gen' }), {
 *   date: '2026-11-27', transacciones: 1_000_000, dirty: true,
 * });
 */
export async function generateExports(
  store: ObjectStore,
  options: GenerateOptions,
): Promise<GeneratedFile[]> {
  const o = resolveGenerateOptions(options);
  const population = o.transacciones > 0 ? populationFor(o) : undefined;
  const files: GeneratedFile[] = [];
  for (const entity of ['clientes', 'proveedores', 'transacciones'] as const) {
    const stats: CsvStats = { rows: 0, bytes: 0 };
    const key = exportKey(entity, o.date);
    const profile = fileProfile(entity, o);
    const charset = profile.encoding === 'latin1' ? 'iso-8859-1' : 'utf-8';
    await store.put(key, generateCsvStream(entity, o, stats, population), {
      contentType: `text/csv; charset=${charset}`,
    });
    files.push({ entity, key, rows: stats.rows, bytes: stats.bytes, ...profile });
  }
  return files;
}
