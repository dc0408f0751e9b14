import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { foldText, normalizeColumnName } from '../../core/util/text.js';
import { decode, inspectStream, splitLine } from '../ingest/inspect.js';
import { DATE_FORMATS, type DateFormat, type DecimalFormat } from './contract-schema.js';

/** What `corriente contracts infer` found in a sample file. */
export interface InferredContract {
  encoding: string;
  delimiter: string;
  /** Data rows read for the inference (at most `maxRows`). */
  sampledRows: number;
  /** Single columns, or pairs, unique and never empty in the sample. */
  candidateKeys: string[][];
  /** The draft, as a contract file's object (`version`, `entities: [one]`). */
  contract: Record<string, unknown>;
}

export interface InferOptions {
  /** Data rows to sample. @default 10000 */
  maxRows?: number;
}

const DATE_TESTS: Record<DateFormat, RegExp> = {
  'YYYY-MM-DD': /^\d{4}-\d{2}-\d{2}$/,
  'YYYY/MM/DD': /^\d{4}\/\d{2}\/\d{2}$/,
  'DD/MM/YYYY': /^\d{2}\/\d{2}\/\d{4}$/,
  'DD-MM-YYYY': /^\d{2}-\d{2}-\d{4}$/,
  YYYYMMDD: /^(19|20)\d{6}$/,
};
const INTEGER = /^[+-]?\d+$/;
const POINT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const COMMA = /^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$/;
const THOUSANDS = /^[+-]?\d{1,3}(\.\d{3}){2,}$/;
/** At most this many distinct folded values (and repeated ones) make a column a code. */
const MAX_CODES = 12;

/** The entity name a file suggests: `Medidores_2026-01-02.csv` → `medidores`. */
export function entityNameFromFile(file: string): string {
  const stem = normalizeColumnName(path.basename(file, path.extname(file)));
  const name = /^[a-z][a-z_]*[a-z]/.exec(stem)?.[0] ?? 'entidad';
  return name.replace(/_+$/, '');
}

function inferColumn(
  name: string,
  values: string[],
  rows: number,
  isKey: boolean,
): Record<string, unknown> {
  const present = values.filter((v) => v !== '');
  const required = rows > 0 && present.length === rows;
  const base: Record<string, unknown> = { name };
  const done = (extra: Record<string, unknown>): Record<string, unknown> => ({
    ...base,
    ...extra,
    ...(required ? { required: true } : {}),
  });
  if (present.length === 0) return done({ type: 'text', normalize: ['trim'] });
  const dates = DATE_FORMATS.filter((f) => present.every((v) => DATE_TESTS[f].test(v)));
  if (dates.length > 0 && !present.every((v) => INTEGER.test(v) && !/^(19|20)\d{6}$/.test(v))) {
    return done({ type: 'date', formats: dates.slice(0, 1) });
  }
  if (present.every((v) => INTEGER.test(v))) {
    // Leading zeros are identifiers, not numbers.
    if (present.some((v) => /^0\d/.test(v))) return done({ type: 'text', normalize: ['trim'] });
    return done({ type: 'integer' });
  }
  const formats: DecimalFormat[] = [];
  if (present.some((v) => POINT.test(v))) formats.push('punto_decimal');
  if (present.some((v) => COMMA.test(v))) formats.push('coma_decimal');
  if (present.some((v) => THOUSANDS.test(v))) formats.push('miles_con_punto');
  if (present.every((v) => POINT.test(v) || COMMA.test(v) || THOUSANDS.test(v))) {
    const scale = Math.max(
      0,
      ...present.map((v) => (v.split(/[.,]/).length === 2 ? v.split(/[.,]/)[1]!.length : 0)),
    );
    return done({
      type: 'decimal',
      precision: 18,
      scale: Math.min(Math.max(scale, 2), 6),
      ...(present.every((v) => !v.startsWith('-') && !/^[+]?[0.,]+$/.test(v))
        ? { positive: true }
        : {}),
      formats,
    });
  }
  // A text column unique in the sample is an identifier: kept as sent (trimmed).
  if (isKey) return done({ type: 'text', normalize: ['trim'] });
  // Spellings compare as codes do: upper case, accents folded, letters and digits only.
  const folded = new Set(
    present.map((v) =>
      foldText(v)
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, ''),
    ),
  );
  if (folded.size <= MAX_CODES && present.length >= folded.size * 3 && folded.size > 0) {
    const values = Object.fromEntries([...folded].sort().map((k) => [k, [k]]));
    return done({ type: 'code', values });
  }
  return done({ type: 'text', normalize: ['trim', 'collapse_spaces', 'fold_accents', 'upper'] });
}

function candidateKeys(names: string[], columns: string[][], rows: number): string[][] {
  if (rows < 2) return [];
  const uniq = (idx: number[]): boolean => {
    const seen = new Set<string>();
    for (let r = 0; r < rows; r++) {
      const parts = idx.map((i) => columns[i]![r] ?? '');
      if (parts.some((p) => p === '')) return false;
      const k = parts.join('\u001f');
      if (seen.has(k)) return false;
      seen.add(k);
    }
    return true;
  };
  const singles = names.map((_, i) => i).filter((i) => uniq([i]));
  if (singles.length) return singles.map((i) => [names[i]!]);
  const pairs: string[][] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      if (uniq([a, b])) pairs.push([names[a]!, names[b]!]);
    }
  }
  return pairs.slice(0, 5);
}

/**
 * Drafts a contract from a sample file for a person to edit: the delimiter and encoding
 * ingestion would detect, a type per column (integer, decimal with the formats seen, date with
 * the format every value matches, a code when few values repeat, else text), required columns
 * (never empty in the sample) and candidate keys (unique, never empty).
 *
 * @example const draft = await inferContract('medidores.csv'); stringify(draft.contract)
 */
export async function inferContract(
  file: string,
  options: InferOptions = {},
): Promise<InferredContract> {
  const maxRows = options.maxRows ?? 10_000;
  const inspection = await inspectStream(createReadStream(file));
  if (inspection.problem) throw new Error(`${file}: ${inspection.problem.detail}`);
  const encoding = inspection.encoding!;
  const delimiter = inspection.delimiter!;
  // Sample: the first lines (a quoted line break inside a field is rare in exports; such a
  // line is split wrongly here, which only makes a draft less exact).
  const head: Buffer[] = [];
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    head.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 16 << 20) break;
  }
  let text = decode(Buffer.concat(head), encoding);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (size > 16 << 20) lines.pop(); // possibly cut
  const names = inspection.header.map(normalizeColumnName);
  const data = lines.slice(1, maxRows + 1).map((l) => splitLine(l, delimiter));
  const columns = names.map((_, i) => data.map((r) => (r[i] ?? '').trim()));
  const entity = entityNameFromFile(file);
  const keys = candidateKeys(names, columns, data.length);
  const contract = {
    version: 1,
    entities: [
      {
        name: entity,
        description: `Borrador inferido de ${path.basename(file)}; revíselo antes de usarlo`,
        recognize: { file_patterns: [`${entity}*`] },
        columns: names.map((n, i) =>
          inferColumn(
            n,
            columns[i]!,
            data.length,
            keys.length > 0 && keys.some((k) => k.length === 1 && k[0] === n),
          ),
        ),
        key: { columns: keys[0] ?? names.slice(0, 1) },
        tests: [
          ...(keys[0] ? [{ type: 'unique', columns: keys[0], severity: 'error' }] : []),
          { type: 'row_count', severity: 'error' },
        ],
      },
    ],
  };
  return { encoding, delimiter, sampledRows: data.length, candidateKeys: keys, contract };
}

/** The draft as YAML, with what was detected as comments. */
export function formatInferred(file: string, inferred: InferredContract): string {
  const keys = inferred.candidateKeys.map((k) => k.join(' + ')).join('; ') || 'none found';
  return (
    `# Draft contract inferred from ${path.basename(file)}: review it before use.\n` +
    `# encoding: ${inferred.encoding}, delimiter: ${JSON.stringify(inferred.delimiter)}, ` +
    `rows sampled: ${inferred.sampledRows}\n` +
    `# candidate keys: ${keys}\n` +
    stringify(inferred.contract, { aliasDuplicateObjects: false })
  );
}
