import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { Sha256Thread } from '../../core/util/sha256-thread.js';
import type { Encoding } from './manifest.js';

/** What one streaming read of a landing file tells about it. */
export interface Inspection {
  sha256: string;
  bytes: number;
  /** Records after the header; empty lines are not counted. 0 when there is no header. */
  rows: number;
  /** Undefined when the file is not text (see `problem`). */
  encoding?: Encoding;
  delimiter?: string;
  lineEnding: 'lf' | 'crlf';
  /** Header cells, decoded and trimmed. */
  header: string[];
  /** Bytes of the longest record (line ends excluded; quoted line breaks included). */
  longestRecordBytes: number;
  /** Why the file cannot be read as a delimited text file, if it cannot. */
  problem?: InspectionProblem;
}

export interface InspectOptions {
  /**
   * A record (header included) longer than this makes the file `record_too_long`: the CSV
   * readers downstream cannot take it. @default 1 MiB
   */
  maxRecordBytes?: number;
  /**
   * Hash in a worker thread, beside the thread that scans and passes the bytes on (two cores
   * instead of one). Worth its start-up (tens of milliseconds) for files of some megabytes.
   * @default false
   */
  parallelHash?: boolean;
  /**
   * `inspectFile` only: hash in this thread (given before the file is ready, it boots
   * meanwhile), as with `parallelHash`. It is ended when the inspection ends or fails; a caller
   * that never calls `inspectFile` ends it itself (`abort`).
   */
  hashThread?: Sha256Thread;
}

/** @see InspectOptions.maxRecordBytes */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

export type InspectionProblem =
  | { code: 'empty'; detail: string }
  | { code: 'not_text'; detail: string }
  | { code: 'undecodable'; detail: string }
  | { code: 'no_delimiter'; detail: string }
  | { code: 'record_too_long'; detail: string };

const HEAD_LIMIT = 256 * 1024;
const SAMPLE_LINES = 50;
const DELIMITERS = [';', ',', '\t', '|'] as const;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** Bytes after which a quote opens a quoted field: line starts and candidate delimiters. */
const FIELD_START = new Set([-1, LF, CR, 0x3b, 0x2c, 0x09, 0x7c]);

/**
 * Reads a stream once: hashes it, counts records (quote-aware), checks the encoding, and detects
 * the delimiter and header from the first lines. Memory use is bounded (a 256 KiB head sample).
 */
export async function inspectStream(
  stream: Readable,
  options: InspectOptions = {},
): Promise<Inspection> {
  const thread = options.parallelHash ? new Sha256Thread() : undefined;
  const inspector = new Inspector({ ...options, hash: !thread });
  try {
    for await (const c of stream) {
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      // The thread gets its copy first and hashes it while this thread scans the same bytes.
      const hashed = thread?.update(chunk);
      inspector.update(chunk);
      await hashed;
    }
    return inspector.finish(await thread?.digest());
  } catch (err) {
    await thread?.abort();
    throw err;
  }
}

/** Bytes read at a time by `inspectFile` without a hash thread. */
const FILE_CHUNK = 1 << 20;

/**
 * Inspects an open file from its start, as `inspectStream` does, without a stream: the bytes are
 * read into buffers used again and again (no fresh allocation per chunk, no garbage). With
 * `parallelHash` they are read straight into the hash thread's shared slots: the thread hashes a
 * slot while this thread inspects the same bytes and the next slot is being read.
 */
export async function inspectFile(
  file: FileHandle,
  options: InspectOptions = {},
): Promise<Inspection> {
  const thread = options.hashThread ?? (options.parallelHash ? new Sha256Thread() : undefined);
  const inspector = new Inspector({ ...options, hash: !thread });
  if (!thread) {
    const buf = Buffer.allocUnsafe(FILE_CHUNK);
    for (let position = 0; ;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      inspector.update(buf.subarray(0, bytesRead));
      position += bytesRead;
    }
    return inspector.finish();
  }
  let position = 0;
  const readSlot = async (): Promise<{ index: number; bytes: Buffer }> => {
    const slot = await thread.slot();
    try {
      const { bytesRead } = await file.read(slot.bytes, 0, slot.bytes.length, position);
      position += bytesRead;
      return { index: slot.index, bytes: slot.bytes.subarray(0, bytesRead) };
    } catch (err) {
      thread.release(slot.index);
      throw err;
    }
  };
  let next: Promise<{ index: number; bytes: Buffer }> | undefined;
  try {
    next = readSlot();
    for (;;) {
      const slot = await next;
      next = undefined;
      if (slot.bytes.length === 0) {
        thread.release(slot.index);
        break;
      }
      thread.submit(slot.index, slot.bytes.length);
      // The next read runs (on the I/O pool) while this thread scans the slot just read.
      next = readSlot();
      inspector.update(slot.bytes);
    }
    return inspector.finish(await thread.digest());
  } catch (err) {
    // A read still in flight must not outlive the file handle unawaited.
    await next?.catch(() => undefined);
    await thread.abort();
    throw err;
  }
}

/**
 * A `Transform` that passes the bytes through unchanged while it inspects them, so one read of a
 * landing file both copies and inspects it. `inspection` resolves when the stream ends (and
 * rejects if it fails).
 *
 * @example
 * const tap = inspectingTransform();
 * await store.put(stagingKey, source.pipe(tap));
 * const inspection = await tap.inspection;
 */
export function inspectingTransform(
  options: InspectOptions = {},
): Transform & { inspection: Promise<Inspection> } {
  const thread = options.parallelHash ? new Sha256Thread() : undefined;
  const inspector = new Inspector({ ...options, hash: !thread });
  let settle!: { resolve: (i: Inspection) => void; reject: (e: unknown) => void };
  const inspection = new Promise<Inspection>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Whoever awaits the write sees the error; this promise must not count as unhandled too.
  inspection.catch(() => undefined);
  let ended = false;
  const transform = new Transform({
    // Pass the source's chunks on as they are: no re-buffering into 16 KiB pieces.
    readableHighWaterMark: 1 << 20,
    writableHighWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, callback) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      // The thread gets its copy first and hashes it while this thread scans the same bytes.
      const hashed = thread?.update(buf);
      try {
        inspector.update(buf);
      } catch (err) {
        callback(err as Error);
        return;
      }
      if (!hashed) callback(null, buf);
      else hashed.then(() => callback(null, buf), callback);
    },
    flush(callback) {
      const digest = thread ? thread.digest() : Promise.resolve(undefined);
      digest.then(
        (sha256) => {
          try {
            ended = true;
            settle.resolve(inspector.finish(sha256));
            callback();
          } catch (err) {
            callback(err as Error);
          }
        },
        (err: Error) => callback(err),
      );
    },
  });
  const stop = (err: unknown): void => {
    settle.reject(err);
    if (!ended && thread) void thread.abort();
  };
  transform.on('error', stop);
  transform.on('close', () => stop(new Error('the stream closed before its end')));
  return Object.assign(transform, { inspection });
}

/** Incremental inspection: `update` with every chunk in order, then `finish` once. */
export class Inspector {
  private readonly maxRecordBytes: number;
  private readonly hash: Hash | undefined;
  private bytes = 0;
  private readonly headParts: Buffer[] = [];
  private headBytes = 0;
  private hasNul = false;
  private utf8 = true;
  private carry: Buffer | undefined; // incomplete UTF-8 sequence at a chunk end
  private hasC1 = false; // bytes 0x80-0x9F: control codes in Latin-1 (likely Windows-1252)
  // Record counting state
  private inQuote = false;
  private lineHasContent = false;
  private records = 0;
  private crlf = 0;
  private lf = 0;
  private prevByte = -1;
  private quoteAtChunkEnd = false;
  // Record lengths: offsets in the whole stream of the current record's start.
  private recordStart = 0;
  private longest = 0;
  private longestRecord = 0; // 1-based record number (the header is record 1)
  private recordNo = 0;

  /** @param options.hash hash the bytes here; `false` when `finish` is given the digest. */
  constructor(options: InspectOptions & { hash?: boolean } = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.hash = options.hash === false ? undefined : createHash('sha256');
  }

  update(chunk: Buffer): void {
    this.hash?.update(chunk);
    const chunkStart = this.bytes;
    this.bytes += chunk.length;
    if (this.headBytes < HEAD_LIMIT) {
      // A copy: the caller may reuse or release the chunk's memory once it is written.
      this.headParts.push(Buffer.from(chunk.subarray(0, HEAD_LIMIT - this.headBytes)));
      this.headBytes += Math.min(chunk.length, HEAD_LIMIT - this.headBytes);
    }
    if (!this.hasNul && chunk.indexOf(0) !== -1) this.hasNul = true;
    if (this.utf8) {
      // A sequence cut by the previous chunk's end is completed from this chunk's first bytes:
      // only those few bytes are joined, never the whole chunk.
      let from = 0;
      let pending = false;
      if (this.carry) {
        const need = utf8SequenceLength(this.carry[0]!) - this.carry.length;
        if (chunk.length < need) {
          this.carry = Buffer.concat([this.carry, chunk]);
          pending = true;
        } else {
          if (!isUtf8(Buffer.concat([this.carry, chunk.subarray(0, need)]))) this.utf8 = false;
          this.carry = undefined;
          from = need;
        }
      }
      if (this.utf8 && !pending) {
        const rest = chunk.subarray(from);
        const cut = completeUtf8Length(rest);
        if (!isUtf8(rest.subarray(0, cut))) this.utf8 = false;
        this.carry = cut < rest.length ? Buffer.from(rest.subarray(cut)) : undefined;
      }
    }
    if (!this.utf8 && !this.hasC1) this.hasC1 = hasC1Byte(chunk);
    this.countRecords(chunk, chunkStart);
  }

  /**
   * Counts records, quote-aware as RFC 4180 and DuckDB read them: a quote opens a quoted field
   * only at the start of a field; inside one, `""` is an escaped quote. It jumps between quotes
   * and line feeds with indexOf (native memchr) rather than visiting every byte.
   */
  private countRecords(chunk: Buffer, chunkStart: number): void {
    let inQuote = this.inQuote;
    let lineHasContent = this.lineHasContent;
    let records = this.records;
    let crlf = this.crlf;
    let lf = this.lf;
    let recordStart = this.recordStart;
    let longest = this.longest;
    let longestRecord = this.longestRecord;
    let recordNo = this.recordNo;
    const prevByte = this.prevByte;
    let i = 0;
    if (this.quoteAtChunkEnd) {
      // The previous chunk ended on a quote inside a quoted field: `""` or a closing quote?
      this.quoteAtChunkEnd = false;
      if (chunk[0] === QUOTE) i = 1;
      else inQuote = false;
    }
    let nextQuote = chunk.indexOf(QUOTE, i);
    const n = chunk.length;
    while (i < n) {
      if (inQuote) {
        if (nextQuote === -1) break;
        if (nextQuote === n - 1) {
          this.quoteAtChunkEnd = true;
          break;
        }
        if (chunk[nextQuote + 1] === QUOTE) i = nextQuote + 2;
        else {
          inQuote = false;
          i = nextQuote + 1;
        }
        nextQuote = chunk.indexOf(QUOTE, i);
        continue;
      }
      const p = chunk.indexOf(LF, i);
      if (p !== -1 && (nextQuote === -1 || p < nextQuote)) {
        const before = p > 0 ? chunk[p - 1]! : prevByte;
        const cr = before === CR ? 1 : 0;
        crlf += cr;
        lf += 1 - cr;
        if (lineHasContent || p - i - (p > i ? cr : 0) > 0) records++;
        recordNo++;
        const length = chunkStart + p - recordStart - cr;
        if (length > longest) {
          longest = length;
          longestRecord = recordNo;
        }
        recordStart = chunkStart + p + 1;
        lineHasContent = false;
        i = p + 1;
      } else if (nextQuote !== -1) {
        const before = nextQuote > 0 ? chunk[nextQuote - 1]! : prevByte;
        lineHasContent = true;
        if (FIELD_START.has(before)) inQuote = true;
        i = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, i);
      } else {
        const tail = n - i;
        if (tail > 1 || chunk[i] !== CR) lineHasContent = true;
        i = n;
      }
    }
    if (n > 0) this.prevByte = chunk[n - 1]!;
    this.inQuote = inQuote;
    this.lineHasContent = lineHasContent;
    this.records = records;
    this.crlf = crlf;
    this.lf = lf;
    this.recordStart = recordStart;
    this.longest = longest;
    this.longestRecord = longestRecord;
    this.recordNo = recordNo;
  }

  /** @param sha256 the digest computed elsewhere, when this inspector does not hash. */
  finish(sha256?: string): Inspection {
    const { bytes, maxRecordBytes } = this;
    let { records, longest, longestRecord, utf8 } = this;
    if (this.lineHasContent) records++;
    if (bytes - this.recordStart > longest) {
      longest = bytes - this.recordStart;
      longestRecord = this.recordNo + 1;
    }
    if (this.carry) utf8 = false; // ends in the middle of a multi-byte sequence
    const hasNul = this.hasNul;
    const hasC1 = this.hasC1;
    const crlf = this.crlf;
    const lf = this.lf;
    const headParts = this.headParts;

    if (sha256 === undefined) {
      if (!this.hash) throw new Error('an inspector without a hash needs the digest to finish');
      sha256 = this.hash.digest('hex');
    }
    const base: Pick<
      Inspection,
      'sha256' | 'bytes' | 'lineEnding' | 'header' | 'longestRecordBytes'
    > = {
      sha256,
      bytes,
      longestRecordBytes: longest,
      lineEnding: crlf > lf ? 'crlf' : 'lf',
      header: [],
    };
    const head = Buffer.concat(headParts);
    const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;

    if (bytes === 0 || head.toString('latin1').trim() === '' || (bom && head.length === 3)) {
      return { ...base, rows: 0, problem: { code: 'empty', detail: 'the file is empty' } };
    }
    const magic = binaryMagic(head);
    if (magic || hasNul) {
      const what = magic ?? 'it contains NUL bytes (binary data, or UTF-16 text)';
      return {
        ...base,
        rows: 0,
        problem: { code: 'not_text', detail: `not a text file: ${what}` },
      };
    }
    let encoding: Encoding;
    if (utf8) encoding = bom ? 'utf-8-bom' : 'utf-8';
    else if (bom) {
      return {
        ...base,
        rows: 0,
        problem: {
          code: 'undecodable',
          detail:
            'it starts with a UTF-8 byte-order mark but contains bytes that are not valid UTF-8',
        },
      };
    } else if (hasC1) {
      return {
        ...base,
        rows: 0,
        problem: {
          code: 'undecodable',
          detail:
            'it is neither UTF-8 nor Latin-1 text: it has bytes 0x80–0x9F (perhaps Windows-1252); ' +
            'export it as UTF-8',
        },
      };
    } else encoding = 'latin-1';

    if (longest > maxRecordBytes) {
      return {
        ...base,
        encoding,
        rows: Math.max(0, records - 1),
        problem: {
          code: 'record_too_long',
          detail:
            `line ${longestRecord} is ${longest} bytes long, more than the ${maxRecordBytes} bytes ` +
            'a record may have (ingest.maxRecordBytes)',
        },
      };
    }
    const text = decode(head.subarray(bom ? 3 : 0), encoding);
    const lines = sampleLines(text, head.length < bytes);
    const delimiter = detectDelimiter(lines);
    if (!delimiter) {
      return {
        ...base,
        encoding,
        rows: Math.max(0, records - 1),
        problem: {
          code: 'no_delimiter',
          detail: `no field delimiter found in the first lines (tried ${DELIMITERS.map((d) => JSON.stringify(d)).join(', ')})`,
        },
      };
    }
    const header = splitLine(lines[0] ?? '', delimiter).map((h) => h.trim());
    return { ...base, encoding, delimiter, header, rows: Math.max(0, records - 1) };
  }
}

/** Bytes of the UTF-8 sequence a lead byte starts (1 for anything that is not a lead byte). */
function utf8SequenceLength(lead: number): number {
  return (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
}

/** Length of the prefix of `buf` that does not end inside a UTF-8 multi-byte sequence. */
function completeUtf8Length(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    if ((b & 0x80) === 0) return n; // ASCII
    const need = (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 1;
    return back < need ? n - back : n;
  }
  return n;
}

function hasC1Byte(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i]!;
    if (b >= 0x80 && b <= 0x9f) return true;
  }
  return false;
}

function binaryMagic(head: Buffer): string | undefined {
  const sig = (bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  if (sig([0x50, 0x4b, 0x03, 0x04])) return 'it is a ZIP archive (an .xlsx workbook?)';
  if (sig([0xd0, 0xcf, 0x11, 0xe0])) return 'it is an old Excel (.xls) / OLE document';
  if (sig([0x25, 0x50, 0x44, 0x46])) return 'it is a PDF document';
  if (sig([0x1f, 0x8b])) return 'it is gzip-compressed';
  if (sig([0x50, 0x41, 0x52, 0x31])) return 'it is a Parquet file';
  if (sig([0xff, 0xfe]) || sig([0xfe, 0xff])) return 'it is UTF-16 text; export it as UTF-8';
  return undefined;
}

export function decode(buf: Buffer, encoding: Encoding): string {
  return encoding === 'latin-1' ? buf.toString('latin1') : buf.toString('utf8');
}

/** First non-empty lines of the head sample (a possibly cut last line is dropped). */
function sampleLines(text: string, truncated: boolean): string[] {
  const lines = text.split(/\r?\n/);
  if (truncated && lines.length > 1) lines.pop();
  return lines.filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
}

/** Splits one line on `delimiter`, honouring double quotes (RFC 4180). */
export function splitLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Picks the delimiter whose field count is > 1 in the header and most consistent across the
 * sample; ties go to the earlier candidate (`;` first, the retailer's format).
 */
export function detectDelimiter(lines: string[]): string | undefined {
  let best: { d: string; score: number } | undefined;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => splitLine(l, d).length);
    const headerCount = counts[0] ?? 0;
    if (headerCount < 2) continue;
    const consistent = counts.filter((c) => c === headerCount).length / counts.length;
    const score = consistent * 1000 + Math.min(headerCount, 999) / 1000;
    if (!best || score > best.score) best = { d, score };
  }
  return best?.d;
}
