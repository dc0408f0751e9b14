/** Shared plumbing of the entity writers: chunking, encodings, file profiles, headers. */
import { GENERATED_COLUMNS, type BuiltinEntity } from '../entities.js';
import { CLEAN_PROFILE, dirtyProfiles, type Dirt, type FileProfile } from './dirt.js';
import { parseIsoDate } from './format.js';
import type { ResolvedGenerateOptions } from './options.js';
import { deriveSeed, Prng } from '../../core/util/prng.js';

/** A chunk is handed over once this many characters (or bytes) are pending. */
export const CHUNK_SIZE = 128 * 1024;
export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Counters a chunk generator updates as it goes. */
export interface CsvStats {
  /** Data rows (header and empty lines excluded; duplicates and broken rows included). */
  rows: number;
  bytes: number;
}

/** Encoding and line ends of an entity's file (clean: UTF-8 without BOM, LF). */
export function fileProfile(entity: BuiltinEntity, options: ResolvedGenerateOptions): FileProfile {
  if (!options.dirty) return CLEAN_PROFILE;
  const [c, p, t] = dirtyProfiles(new Prng(deriveSeed(options.seed, 'dirt:profiles')));
  return entity === 'clientes' ? c : entity === 'proveedores' ? p : t;
}

/**
 * Collects rows as text and hands them over as one encoded chunk (the BOM before the first)
 * once {@link CHUNK_SIZE} characters are pending. Appending to a string and encoding it once
 * is cheaper in V8 than a `Buffer.write` per row.
 */
export class ChunkWriter {
  private text = '';
  private first = true;

  constructor(
    private readonly profile: FileProfile,
    private readonly stats: CsvStats,
  ) {}

  add(text: string): void {
    this.text += text;
  }

  get full(): boolean {
    return this.text.length >= CHUNK_SIZE;
  }

  take(): Buffer {
    const latin1 = this.profile.encoding === 'latin1';
    let buf = Buffer.from(this.text, latin1 ? 'latin1' : 'utf8');
    if (this.first && this.profile.encoding === 'utf8-bom') buf = Buffer.concat([BOM, buf]);
    this.first = false;
    this.text = '';
    this.stats.bytes += buf.length;
    return buf;
  }
}

/** Days since 1970-01-01 of the export date. */
export function dayOf(options: ResolvedGenerateOptions): number {
  const day = parseIsoDate(options.date);
  if (day === undefined) throw new RangeError(`not a real date YYYY-MM-DD: ${options.date}`);
  return day;
}

export function header(entity: BuiltinEntity, dirt: Dirt | undefined): string {
  const cols = GENERATED_COLUMNS[entity];
  return dirt ? dirt.header(cols) : cols.join(';');
}

/** Breaks a finished row the way broken exports do: a field lost or one too many. */
export function breakFieldCount(rng: Prng, fields: string[]): void {
  if (rng.chance(0.5)) fields.pop();
  else fields.push(rng.chance(0.5) ? '' : 'VER OBSERVACIONES');
}
