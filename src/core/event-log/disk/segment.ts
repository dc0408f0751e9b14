import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DecodedRecord, FrameProblem } from './record-format.js';
import { decodeRecord } from './record-format.js';

const SEGMENT_RE = /^segment-(\d{20})\.log$/;
/** One sparse index entry per this many bytes: a read from a cursor scans at most this much. */
const INDEX_EVERY_BYTES = 64 * 1024;
const CHUNK_BYTES = 256 * 1024;

/** `segment-00000000000000000001.log`: named after its first sequence number. */
export function segmentFileName(firstSeq: number): string {
  return `segment-${String(firstSeq).padStart(20, '0')}.log`;
}

/** The segment files of a stream folder, oldest first. */
export async function listSegmentFiles(dir: string): Promise<{ firstSeq: number; file: string }[]> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const out: { firstSeq: number; file: string }[] = [];
  for (const name of names) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push({ firstSeq: Number(m[1]), file: path.join(dir, name) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** What a scan of part of a segment found. */
export interface ScanResult {
  records: DecodedRecord[];
  /** Sequence number of the last valid record seen (even if not collected). */
  lastSeq: number;
  /** Offset just after the last valid record seen. */
  endOffset: number;
  /** Set when the scan stopped at something that is not a whole valid record. */
  problem?: { offset: number; reason: FrameProblem | 'bad-seq' };
}

/** One segment file, with a sparse seq → offset index built as it is written or read. */
export class Segment {
  /** Sparse index, ascending; always starts with the first record's slot. */
  private readonly index: { seq: number; offset: number }[];
  private handle: Promise<fs.FileHandle> | undefined;
  /** Byte size once the segment is sealed (no longer written). */
  sealedSize: number | undefined;

  constructor(
    readonly file: string,
    readonly firstSeq: number,
  ) {
    this.index = [{ seq: firstSeq, offset: 0 }];
  }

  /** Notes that the record `seq` starts at `offset` (kept if far enough from the last entry). */
  note(seq: number, offset: number): void {
    const last = this.index[this.index.length - 1]!;
    if (seq > last.seq && offset - last.offset >= INDEX_EVERY_BYTES)
      this.index.push({ seq, offset });
  }

  /** The latest indexed slot at or before `seq`. */
  private slotFor(seq: number): { seq: number; offset: number } {
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.index[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return this.index[lo]!;
  }

  reader(): Promise<fs.FileHandle> {
    this.handle ??= fs.open(this.file, 'r');
    return this.handle;
  }

  async size(): Promise<number> {
    if (this.sealedSize !== undefined) return this.sealedSize;
    return (await (await this.reader()).stat()).size;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close().catch(() => {});
  }

  /**
   * Reads records with `seq > after`, at most `max` of them, not past `endOffset` bytes nor
   * past `maxSeq`. With `collect: false` it only validates (recovery).
   */
  async scan(opts: {
    after: number;
    max: number;
    endOffset: number;
    maxSeq?: number;
    collect?: boolean;
  }): Promise<ScanResult> {
    const { after, max, endOffset, maxSeq = Number.MAX_SAFE_INTEGER, collect = true } = opts;
    const start = this.slotFor(after + 1);
    const records: DecodedRecord[] = [];
    let expected = start.seq;
    let offset = start.offset;
    const result = (problem?: ScanResult['problem']): ScanResult => ({
      records,
      lastSeq: expected - 1,
      endOffset: offset,
      ...(problem ? { problem } : {}),
    });
    if (offset >= endOffset) return result();
    const handle = await this.reader();
    let chunk = Buffer.alloc(0);
    let chunkStart = offset;
    while (records.length < max && expected <= maxSeq && offset < endOffset) {
      let pos = offset - chunkStart;
      let decoded = decodeRecord(chunk, pos);
      // Refill from `offset`: once with a chunk, once more if the frame is bigger than that.
      for (let refill = 0; refill < 2; refill++) {
        if (!('problem' in decoded) || decoded.problem !== 'incomplete') break;
        const needed = decoded.needed ?? 0;
        if (refill > 0 && (needed <= chunk.length || offset + needed > endOffset)) break;
        const want = Math.min(endOffset - offset, Math.max(CHUNK_BYTES, needed));
        chunk = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(chunk, 0, want, offset);
        chunk = chunk.subarray(0, bytesRead);
        chunkStart = offset;
        pos = 0;
        decoded = decodeRecord(chunk, pos);
      }
      if ('problem' in decoded) return result({ offset, reason: decoded.problem });
      if (decoded.seq !== expected) return result({ offset, reason: 'bad-seq' });
      this.note(decoded.seq, offset);
      if (decoded.seq > after && collect) records.push(decoded);
      expected++;
      offset += decoded.frameBytes;
    }
    return result();
  }
}
