import type { Readable } from 'node:stream';
import type { Column, TextEncoding } from '../../catalog/catalog.js';
import { normalizeColumnName } from '../../util/text.js';
import { classifyText, widenType } from './glue-types.js';
import type { FileSchema } from './file-schema.js';

/** Delimiters tried, in order of preference on a tie (`;` is the lake's convention). */
const DELIMITERS = [';', ',', '\t', '|'] as const;
/** Lines read before choosing the delimiter. */
const SNIFF_LINES = 50;

/**
 * Infers a CSV file's layout and column types by streaming every row once.
 *
 * - Encoding: a UTF-8 BOM, else strict UTF-8 decoding; the first invalid byte restarts the scan
 *   as Latin-1 (a second pass only for Latin-1 files).
 * - Delimiter: of `; , \t |`, the one giving the most consistent field count (≥ 2) over the
 *   first {@link SNIFF_LINES} lines.
 * - Header: the first record is a header when every cell is a non-empty, distinct string;
 *   otherwise columns are named `col0`, `col1`, … as Glue does.
 * - Types: every value of the first `MAX_TYPED_ROWS` records votes (see `classifyText`); a column's type is the widening
 *   of all votes, `string` when there is no value at all.
 *
 * @param open returns a fresh stream of the file's bytes (called twice for Latin-1 files).
 */
/**
 * Records of a file whose values vote for the column types. Parsing is the crawler's costly part
 * (a JS CSV parse); half a million records settle the types of daily exports, and a 1 GB file is
 * then crawled in seconds instead of minutes. The whole file is still checked to be UTF-8.
 */
export const MAX_TYPED_ROWS = 500_000;

export async function inferCsvSchema(open: () => Promise<Readable>): Promise<FileSchema> {
  const utf8 = await scan(await open(), 'utf-8');
  return utf8 ?? (await scan(await open(), 'latin-1'))!;
}

/** `undefined` when the bytes are not valid UTF-8 (only when scanning as UTF-8). */
async function scan(stream: Readable, as: 'utf-8' | 'latin-1'): Promise<FileSchema | undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let head = Buffer.alloc(0);
  let sniffBuffer = '';
  let lineBreaks = 0;
  let scanner: TypeScanner | undefined;
  const feed = (text: string, final: boolean): void => {
    if (scanner) {
      scanner.push(text);
      return;
    }
    sniffBuffer += text;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineBreaks++;
    if (lineBreaks > SNIFF_LINES || final) {
      scanner = new TypeScanner(sniffDelimiter(firstLines(sniffBuffer, SNIFF_LINES)));
      scanner.push(sniffBuffer);
      sniffBuffer = '';
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (head.length < 3) head = Buffer.concat([head, chunk.subarray(0, 3 - head.length)]);
      if (scanner && scanner.rowCount >= MAX_TYPED_ROWS) {
        // Types come from the first MAX_TYPED_ROWS records; the rest is only checked to be UTF-8.
        if (as === 'latin-1') break;
        decoder.decode(chunk, { stream: true });
        continue;
      }
      feed(
        as === 'utf-8' ? decoder.decode(chunk, { stream: true }) : chunk.toString('latin1'),
        false,
      );
    }
    feed(as === 'utf-8' ? decoder.decode() : '', true);
  } catch (err) {
    if (as === 'utf-8' && err instanceof TypeError) {
      stream.destroy();
      return undefined;
    }
    throw err;
  }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const encoding: TextEncoding = as === 'latin-1' ? 'latin-1' : bom ? 'utf-8-bom' : 'utf-8';
  return scanner!.finish(encoding);
}

/** The first `n` complete lines of `text` (all of it when it has fewer). */
function firstLines(text: string, n: number): string {
  let end = -1;
  for (let i = 0; i < n; i++) {
    const next = text.indexOf('\n', end + 1);
    if (next < 0) return text;
    end = next;
  }
  return text.slice(0, end + 1);
}

/** Picks the delimiter with the most consistent field count over the sample lines. */
export function sniffDelimiter(sample: string): string {
  let best: { delimiter: string; consistency: number; fields: number } | undefined;
  for (const delimiter of DELIMITERS) {
    const records: string[][] = [];
    const parser = new CsvParser(delimiter, (r) => records.push(r));
    parser.push(sample);
    parser.end();
    const counts = records.filter((r) => !isEmptyRecord(r)).map((r) => r.length);
    const fields = counts[0] ?? 0;
    if (fields < 2) continue;
    const consistency = counts.filter((c) => c === fields).length / counts.length;
    if (
      !best ||
      consistency > best.consistency ||
      (consistency === best.consistency && fields > best.fields)
    ) {
      best = { delimiter, consistency, fields };
    }
  }
  return best?.delimiter ?? DELIMITERS[0];
}

/** Parses records and keeps one running type per column. */
class TypeScanner {
  private readonly parser: CsvParser;
  private header: string[] | undefined;
  private hasHeader = false;
  private types: (string | undefined)[] = [];
  private rows = 0;
  private brokenRows = 0;

  /** Records seen so far. */
  get rowCount(): number {
    return this.rows;
  }

  constructor(readonly delimiter: string) {
    this.parser = new CsvParser(delimiter, (record) => this.onRecord(record));
  }

  push(text: string): void {
    this.parser.push(text);
  }

  private onRecord(record: string[]): void {
    if (isEmptyRecord(record)) return;
    if (!this.header) {
      this.hasHeader = looksLikeHeader(record);
      this.header = this.hasHeader ? record : record.map((_, i) => `col${i}`);
      this.types = record.map(() => undefined);
      if (this.hasHeader) return;
    }
    this.rows++;
    if (record.length !== this.types.length) this.brokenRows++;
    const n = Math.min(record.length, this.types.length);
    for (let i = 0; i < n; i++) {
      const vote = classifyText(record[i]!);
      if (vote !== undefined && this.types[i] !== 'string') {
        this.types[i] = widenType(this.types[i], vote);
      }
    }
  }

  finish(encoding: TextEncoding): FileSchema {
    this.parser.end();
    const names = columnNames(this.header ?? []);
    const columns: Column[] = names.map((name, i) => ({ name, type: this.types[i] ?? 'string' }));
    return {
      format: 'csv',
      columns,
      formatParameters: {
        delimiter: this.delimiter,
        header: this.hasHeader,
        encoding,
        quoted: this.parser.quoted,
      },
      rows: this.rows,
      brokenRows: this.brokenRows,
    };
  }
}

function isEmptyRecord(record: string[]): boolean {
  return record.length === 1 && record[0]!.trim() === '';
}

function looksLikeHeader(record: string[]): boolean {
  const seen = new Set<string>();
  for (const cell of record) {
    const text = cell.replace(/^\uFEFF/, '').trim();
    if (text === '' || classifyText(text) !== 'string' || seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}

/** Header cells → Glue column names: normalised, unique, never empty. */
export function columnNames(header: string[]): string[] {
  const used = new Set<string>();
  return header.map((cell, i) => {
    const base = normalizeColumnName(cell) || `col${i}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

/**
 * An incremental RFC 4180 parser: `"` quotes fields, `""` escapes a quote, CRLF, LF and lone
 * CR end records. A quote inside an unquoted field is kept as text (dirty exports have them).
 */
export class CsvParser {
  /** True once any field was quoted. */
  quoted = false;
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quoteSeen = false; // a `"` inside quotes: either an escape or the closing quote
  private fieldStarted = false;
  private afterCr = false;
  private readonly special: RegExp;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: (record: string[]) => void,
  ) {
    this.special = new RegExp(`[${delimiter.replace(/[\\\]^-]/g, '\\$&')}\r\n"]`, 'g');
  }

  push(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.afterCr) {
        this.afterCr = false;
        if (text.charCodeAt(i) === 10) {
          i++;
          continue;
        }
      }
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (text.charCodeAt(i) === 34) {
            this.field += '"';
            i++;
            continue;
          }
          this.inQuotes = false; // that quote closed the field: read on as unquoted
        } else {
          const q = text.indexOf('"', i);
          if (q < 0) {
            this.field += text.slice(i);
            return;
          }
          this.field += text.slice(i, q);
          this.quoteSeen = true;
          i = q + 1;
          continue;
        }
      }
      // Unquoted: jump to the next delimiter, line end or quote.
      this.special.lastIndex = i;
      const match = this.special.exec(text);
      const j = match ? match.index : n;
      if (j > i) {
        this.field += text.slice(i, j);
        this.fieldStarted = true;
      }
      if (!match) return;
      i = j + 1;
      const ch = text[j];
      if (ch === this.delimiter) {
        this.record.push(this.field);
        this.field = '';
        this.fieldStarted = false;
      } else if (ch === '"') {
        if (!this.fieldStarted) {
          this.inQuotes = true;
          this.quoted = true;
        } else {
          this.field += '"';
        }
        this.fieldStarted = true;
      } else {
        this.record.push(this.field);
        this.field = '';
        this.fieldStarted = false;
        this.emit();
        if (ch === '\r') this.afterCr = true;
      }
    }
  }

  end(): void {
    if (this.inQuotes && this.quoteSeen) this.inQuotes = false;
    if (this.field !== '' || this.record.length > 0 || this.inQuotes) {
      this.record.push(this.field);
      this.field = '';
      this.emit();
    }
    this.inQuotes = false;
  }

  private emit(): void {
    const record = this.record;
    this.record = [];
    this.onRecord(record);
  }
}
