import { EventEmitter } from 'node:events';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { StreamCheckpoints, type CheckpointStore } from '../checkpoint-store.js';
import {
  type AppendInput,
  type AppendResult,
  type ConsumerCheckpoint,
  type EventLog,
  EventLogClosedError,
  EventLogCorruptionError,
  EventLogValidationError,
  SINGLE_SHARD,
  type EventRecord,
  type Position,
  type ReadOptions,
  type ReadResult,
  validateAppendInput,
  validateStreamName,
} from '../event-log.js';
import { FileCheckpointStore, syncDir } from '../file-checkpoint-store.js';
import { encodeRecordInto, FRAME_HEADER_BYTES, frameBytes } from './record-format.js';
import { listSegmentFiles, Segment, segmentFileName } from './segment.js';
import { SyncSlots } from './sync-slots.js';
import { acquireWriterLock } from './writer-lock.js';

const MiB = 1024 * 1024;
const BATCH_BUFFER_BYTES = 1 * MiB;
/**
 * fdatasyncs in flight at once. Under a slow or shared disk a round no longer waits for the
 * previous fsync to return before it is written and its own fsync starts.
 */
const SYNC_SLOTS = 3;

/** Retention of a disk stream. Whole sealed segments are deleted; the active one never is. */
export interface DiskRetentionOptions {
  /** Delete sealed segments last written longer ago than this. @default undefined (no age limit) */
  maxAgeMs?: number;
  /** Delete the oldest sealed segments while the stream is bigger than this. @default undefined */
  maxBytes?: number;
  /**
   * Keep segments holding records some consumer has not checkpointed past. Unlike Kinesis
   * (which drops data by age regardless of readers), a slow consumer never loses data; the
   * price is that a consumer that stops forever holds the disk: `deleteCheckpoint` it.
   * @default true
   */
  keepUnconsumed?: boolean;
  /** How often the writer applies retention (it also does on open and on each rollover). @default 60000 */
  checkIntervalMs?: number;
}

export interface DiskEventLogOptions {
  /**
   * Folder holding every stream, e.g. `$CORRIENTE_HOME/eventlog`; a stream lives in
   * `<dir>/<stream>/segment-<firstSeq>.log` (+ `writer.lock`, `checkpoints/`).
   */
  dir: string;
  /** Stream name (Kinesis rules: 1–128 of `A–Z a–z 0–9 _ . -`). */
  stream: string;
  /** Start a new segment when the active one would grow past this. @default 64 MiB */
  segmentBytes?: number;
  retention?: DiskRetentionOptions;
  /**
   * Open without the writer lock to read (and checkpoint) while another process writes.
   * Appends are refused; a torn or half-written tail is simply not returned yet.
   * @default false
   */
  readOnly?: boolean;
  /** How often a read-only log looks for new records in `waitForRecords`. @default 100 */
  pollIntervalMs?: number;
  /** @default a FileCheckpointStore on `dir` (`<dir>/<stream>/checkpoints/<consumer>.json`) */
  checkpoints?: CheckpointStore;
  logger?: Logger;
}

/** Counters of a disk log; `fsyncs` far below `appended` shows group commit at work. */
export interface DiskEventLogStats {
  /** Records acknowledged since open. */
  appended: number;
  /** write + fdatasync rounds (group commits) since open. */
  fsyncs: number;
  /** Bytes written since open. */
  bytes: number;
  /** Segments currently on disk. */
  segments: number;
}

const POSITION_RE = /^\d{20}$/;

/** `123` → `"00000000000000000123"`: the disk log's positions sort as strings. */
export function diskPosition(seq: number): Position {
  return String(seq).padStart(20, '0');
}

function parseDiskPosition(position: Position): number {
  if (typeof position !== 'string' || !POSITION_RE.test(position)) {
    throw new EventLogValidationError(
      `${JSON.stringify(position)} is not a position of a disk event log (20 digits expected)`,
    );
  }
  const seq = Number(position);
  if (!Number.isSafeInteger(seq))
    throw new EventLogValidationError(`position ${position} is too large`);
  return seq;
}

interface Waiter {
  lastSeq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The embedded EventLog: an append-only log of CRC-framed records in segment files, with group
 * commit: appends arriving while an fsync is in flight go together into the next single
 * write + fdatasync, and each append resolves only once its record is durable.
 *
 * Positions are 20-digit sequence numbers (`"00000000000000000001"` is the first record).
 * One writer per stream (a lock file); any number of read-only instances.
 *
 * @example
 * const log = await DiskEventLog.open({ dir: path.join(home, 'eventlog'), stream: 'fx-events' });
 * await log.append(jsonRecord('user-42', event));
 */
export class DiskEventLog implements EventLog {
  readonly stream: string;
  /** The stream's folder. */
  readonly streamDir: string;
  readonly readOnly: boolean;

  private readonly segmentBytes: number;
  private readonly pollIntervalMs: number;
  private readonly retention: DiskRetentionOptions;
  private readonly checkpoints: CheckpointStore;
  private readonly consumerCheckpoints: StreamCheckpoints;
  private readonly ownsCheckpoints: boolean;
  private readonly logger: Logger;
  private readonly events = new EventEmitter().setMaxListeners(0);

  private segments: Segment[] = [];
  private writeHandle: fs.FileHandle | undefined;
  /** Durable bytes of the active (last) segment. */
  private activeSize = 0;
  /** Bytes written to the active segment (durable or with an fdatasync to come). */
  private writtenSize = 0;
  /** The last sequence number written. */
  private writtenSeq = 0;
  private readonly syncs = new SyncSlots(SYNC_SLOTS);
  /** Rounds whose fdatasync is in flight. */
  private readonly rounds = new Set<Promise<void>>();
  private nextSeq = 1;
  private durableSeq = 0;
  /** Frames waiting for the next group commit, encoded back to back. */
  private pending = Buffer.allocUnsafe(BATCH_BUFFER_BYTES);
  private pendingLen = 0;
  private spare = Buffer.allocUnsafe(BATCH_BUFFER_BYTES);
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  private releaseLock: (() => void) | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<unknown> = Promise.resolve();
  private readonly counters = { appended: 0, fsyncs: 0, bytes: 0 };

  private constructor(options: DiskEventLogOptions) {
    validateStreamName(options.stream);
    this.stream = options.stream;
    this.streamDir = path.join(path.resolve(options.dir), options.stream);
    this.readOnly = options.readOnly ?? false;
    this.segmentBytes = options.segmentBytes ?? 64 * MiB;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.retention = options.retention ?? {};
    this.ownsCheckpoints = !options.checkpoints;
    this.checkpoints =
      options.checkpoints ?? new FileCheckpointStore({ root: path.resolve(options.dir) });
    this.consumerCheckpoints = new StreamCheckpoints(
      this.checkpoints,
      this.stream,
      parseDiskPosition,
    );
    this.logger = (options.logger ?? silentLogger).child({ stream: options.stream });
    if (!(this.segmentBytes >= 1024))
      throw new EventLogValidationError('segmentBytes must be ≥ 1024');
  }

  /**
   * Opens (creating if needed) a stream. A writer takes the lock, then recovers: it scans the
   * last segment and truncates a torn tail left by a crash, so it is never read.
   * @throws WriterLockedError when another writer holds the stream.
   */
  static async open(options: DiskEventLogOptions): Promise<DiskEventLog> {
    const log = new DiskEventLog(options);
    if (log.readOnly) {
      await log.refreshSegments();
      return log;
    }
    await fs.mkdir(log.streamDir, { recursive: true });
    log.releaseLock = acquireWriterLock(path.join(log.streamDir, 'writer.lock'));
    try {
      await log.recover();
      await log.applyRetention();
      const every = log.retention.checkIntervalMs ?? 60_000;
      if (log.retention.maxAgeMs !== undefined || log.retention.maxBytes !== undefined) {
        log.retentionTimer = setInterval(() => log.scheduleRetention(), every).unref();
      }
    } catch (err) {
      await log.close().catch(() => {});
      throw err;
    }
    return log;
  }

  private async recover(): Promise<void> {
    const files = await listSegmentFiles(this.streamDir);
    this.segments = files.map((f) => new Segment(f.file, f.firstSeq));
    for (let i = 0; i < this.segments.length - 1; i++) {
      this.segments[i]!.sealedSize = (await fs.stat(this.segments[i]!.file)).size;
    }
    let active = this.segments[this.segments.length - 1];
    if (!active) {
      active = new Segment(path.join(this.streamDir, segmentFileName(1)), 1);
      await (await fs.open(active.file, 'wx')).close();
      await syncDir(this.streamDir);
      this.segments.push(active);
    }
    const size = (await fs.stat(active.file)).size;
    const scan = await active.scan({
      after: Number.MAX_SAFE_INTEGER,
      max: Number.MAX_SAFE_INTEGER,
      endOffset: size,
      collect: false,
    });
    this.writeHandle = await fs.open(active.file, 'r+');
    if (scan.endOffset < size) {
      // A torn tail: the crash came mid-write, so no append of it was acknowledged.
      this.logger.warn(
        { segment: active.file, droppedBytes: size - scan.endOffset, reason: scan.problem?.reason },
        'event log: truncating a torn tail left by a crash',
      );
      await this.writeHandle.truncate(scan.endOffset);
      await this.writeHandle.datasync();
    }
    await active.close(); // its read handle may have seen the torn bytes' size
    this.activeSize = scan.endOffset;
    this.writtenSize = scan.endOffset;
    this.durableSeq = scan.lastSeq;
    this.writtenSeq = scan.lastSeq;
    await this.syncs.open(active.file);
    this.nextSeq = scan.lastSeq + 1;
  }

  /** Counters since open. */
  stats(): DiskEventLogStats {
    return { ...this.counters, segments: this.segments.length };
  }

  append(record: AppendInput): Promise<AppendResult> {
    try {
      this.assertWritable();
      const keyBytes = validateAppendInput(record);
      const seq = this.enqueue(record, keyBytes, Date.now());
      return new Promise<AppendResult>((resolve, reject) => {
        this.waiters.push({
          lastSeq: seq,
          resolve: () => resolve({ position: diskPosition(seq) }),
          reject,
        });
        this.scheduleFlush();
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  appendBatch(records: readonly AppendInput[]): Promise<AppendResult[]> {
    try {
      this.assertWritable();
      const keyBytes = records.map((r, i) => validateAppendInput(r, i));
      if (records.length === 0) return Promise.resolve([]);
      const now = Date.now();
      const firstSeq = this.nextSeq;
      for (let i = 0; i < records.length; i++) this.enqueue(records[i]!, keyBytes[i]!, now);
      const lastSeq = this.nextSeq - 1;
      return new Promise<AppendResult[]>((resolve, reject) => {
        const results = (): AppendResult[] =>
          records.map((_, i) => ({ position: diskPosition(firstSeq + i) }));
        this.waiters.push({ lastSeq, resolve: () => resolve(results()), reject });
        this.scheduleFlush();
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Encodes the record into the pending batch buffer; returns its sequence number. */
  private enqueue(record: AppendInput, keyBytes: number, now: number): number {
    const size = frameBytes(keyBytes, record.data.byteLength);
    if (this.pendingLen + size > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.pending.length * 2, this.pendingLen + size));
      this.pending.copy(grown, 0, 0, this.pendingLen);
      this.pending = grown;
    }
    const seq = this.nextSeq++;
    this.pendingLen = encodeRecordInto(
      this.pending,
      this.pendingLen,
      seq,
      now,
      record.partitionKey,
      keyBytes,
      record.data,
    );
    return seq;
  }

  private scheduleFlush(): void {
    // setImmediate, not a microtask: callers resuming in the same turn join this batch.
    this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flushLoop());
  }

  private assertWritable(): void {
    if (this.closed) throw new EventLogClosedError(this.stream);
    if (this.readOnly) {
      throw new EventLogValidationError(
        `event log ${this.stream} was opened readOnly; it cannot append`,
      );
    }
    if (this.failure) throw this.failure;
  }

  /**
   * Group commit: one write + one fdatasync per round, for everything queued meanwhile. A round
   * waits for a free sync slot (see {@link SyncSlots}), so while up to `SYNC_SLOTS` fdatasyncs
   * are in flight the next batch keeps growing; then it is written and its fdatasync starts
   * while the following round is written. Writes stay in order; an append resolves once an
   * fdatasync started after its record was written has succeeded, which covers every earlier
   * write as well. Two buffers alternate: appends encode into one while the other is written.
   */
  private async flushLoop(): Promise<void> {
    try {
      while (this.pendingLen > 0 && !this.failure) {
        let slot = await this.syncs.acquire();
        if (this.failure) break;
        const full = this.pending;
        const batch = full.subarray(0, this.pendingLen);
        const firstSeq = this.writtenSeq + 1;
        const lastSeq = this.nextSeq - 1;
        this.pending = this.spare;
        this.pendingLen = 0;
        const bytes = batch.length;
        if (this.writtenSize > 0 && this.writtenSize + bytes > this.segmentBytes) {
          slot = await this.roll(firstSeq);
        }
        const handle = this.writeHandle!;
        const start = this.writtenSize;
        for (let written = 0; written < bytes;) {
          const { bytesWritten } = await handle.write(
            batch,
            written,
            bytes - written,
            start + written,
          );
          written += bytesWritten;
        }
        const active = this.segments[this.segments.length - 1]!;
        for (let seq = firstSeq, o = 0; o < bytes; seq++) {
          active.note(seq, start + o);
          o += FRAME_HEADER_BYTES + batch.readUInt32LE(o);
        }
        // Reuse the buffer for the round after next, unless a burst made it huge.
        this.spare =
          full.length > 4 * BATCH_BUFFER_BYTES ? Buffer.allocUnsafe(BATCH_BUFFER_BYTES) : full;
        this.writtenSize = start + bytes;
        this.writtenSeq = lastSeq;
        const round = this.syncs.syncOn(slot).then(
          () => this.markDurable(lastSeq, start + bytes, lastSeq - firstSeq + 1, bytes),
          (err: unknown) => this.fail(err),
        );
        this.rounds.add(round);
        void round.finally(() => this.rounds.delete(round));
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.flushing = undefined;
    }
  }

  /** An fdatasync covering records up to `lastSeq` (and bytes up to `size`) succeeded. */
  private markDurable(lastSeq: number, size: number, records: number, bytes: number): void {
    if (this.failure) return;
    this.counters.appended += records;
    this.counters.fsyncs++;
    this.counters.bytes += bytes;
    // Syncs may finish out of order; a later one covers the earlier writes too.
    if (lastSeq <= this.durableSeq) return;
    this.durableSeq = lastSeq;
    this.activeSize = Math.max(this.activeSize, size);
    let done = 0;
    while (done < this.waiters.length && this.waiters[done]!.lastSeq <= this.durableSeq) {
      this.waiters[done++]!.resolve();
    }
    this.waiters.splice(0, done);
    this.events.emit('durable');
  }

  /**
   * After a failed write or fsync the file's state is unknown: refuse further appends and reject
   * every unacknowledged one; reopening recovers (a torn tail is truncated).
   */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = new Error(
      `event log ${this.stream}: write failed, reopen the log to recover: ${(err as Error).message}`,
      { cause: err },
    );
    this.logger.error({ err }, 'event log write failed');
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
    this.pendingLen = 0;
  }

  /**
   * Starts a new segment once every round of the old one is durable; returns a sync slot of the
   * new segment for the caller (whose slot belonged to the old one).
   */
  private async roll(firstSeq: number): Promise<number> {
    // Every round of the old segment must be durable (and counted) before it is sealed.
    await Promise.allSettled([...this.rounds]);
    if (this.failure) throw this.failure;
    const old = this.segments[this.segments.length - 1]!;
    old.sealedSize = this.writtenSize;
    await this.writeHandle!.close();
    this.writeHandle = undefined;
    const seg = new Segment(path.join(this.streamDir, segmentFileName(firstSeq)), firstSeq);
    this.writeHandle = await fs.open(seg.file, 'wx');
    await syncDir(this.streamDir);
    this.segments.push(seg);
    this.activeSize = 0;
    this.writtenSize = 0;
    this.logger.debug({ segment: seg.file }, 'event log: new segment');
    this.scheduleRetention();
    // The old segment's slots were all idle; the new file gets its own.
    await this.syncs.open(seg.file);
    return this.syncs.acquire();
  }

  async read(from?: Position, options: ReadOptions = {}): Promise<ReadResult> {
    if (this.closed) throw new EventLogClosedError(this.stream);
    const max = options.max ?? 1000;
    if (!Number.isInteger(max) || max < 1)
      throw new EventLogValidationError('max must be a positive integer');
    let after = from === undefined ? -1 : parseDiskPosition(from);
    for (let attempt = 0; ; attempt++) {
      if (this.readOnly) await this.refreshSegments();
      const first = this.segments[0];
      if (!first) return { records: [], next: from ?? diskPosition(0) };
      after = Math.max(after, first.firstSeq - 1); // trimmed records are skipped
      try {
        return await this.readFrom(after, max);
      } catch (err) {
        // A reader can race retention deleting the segment it reads; look again.
        const code = (err as NodeJS.ErrnoException).code;
        if ((code === 'ENOENT' || code === 'EBADF') && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async readFrom(after: number, max: number): Promise<ReadResult> {
    const records: EventRecord[] = [];
    const segments = this.segments;
    let i = segments.length - 1;
    while (i > 0 && segments[i]!.firstSeq > after + 1) i--;
    let cursor = after;
    for (; i < segments.length && records.length < max; i++) {
      const seg = segments[i]!;
      const isLast = i === segments.length - 1;
      if (!isLast && segments[i + 1]!.firstSeq <= cursor + 1) continue;
      const endOffset = !this.readOnly && isLast ? this.activeSize : await seg.size();
      const scan = await seg.scan({
        after: cursor,
        max: max - records.length,
        endOffset,
        ...(this.readOnly ? {} : { maxSeq: this.durableSeq }),
      });
      for (const r of scan.records) {
        const position = diskPosition(r.seq);
        records.push({
          position,
          next: position,
          partitionKey: r.partitionKey,
          data: r.data,
          appendedAt: new Date(r.appendedAt),
        });
      }
      if (scan.records.length > 0) cursor = scan.records[scan.records.length - 1]!.seq;
      if (scan.problem) {
        // Only the tail of the last segment of a read-only view may be half-written.
        if (this.readOnly && isLast) break;
        throw new EventLogCorruptionError(
          `event log ${this.stream}: damaged record (${scan.problem.reason}) at byte ${scan.problem.offset} of ${seg.file}`,
        );
      }
    }
    return { records, next: diskPosition(cursor) };
  }

  private async refreshSegments(): Promise<void> {
    const files = await listSegmentFiles(this.streamDir);
    const known = new Map(this.segments.map((s) => [s.file, s]));
    const next = files.map((f) => known.get(f.file) ?? new Segment(f.file, f.firstSeq));
    for (const s of this.segments) if (!next.includes(s)) await s.close();
    for (let i = 0; i < next.length - 1; i++) {
      const s = next[i]!;
      if (s.sealedSize === undefined) s.sealedSize = (await (await s.reader()).stat()).size;
    }
    this.segments = next;
  }

  async waitForRecords(
    after: Position | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted || this.closed) return;
    if (!this.readOnly) {
      const seq = after === undefined ? 0 : parseDiskPosition(after);
      if (this.durableSeq > seq) return;
    }
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.events.off('durable', finish);
        this.events.off('close', finish);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(
        finish,
        this.readOnly ? Math.min(timeoutMs, this.pollIntervalMs) : timeoutMs,
      );
      this.events.once('durable', finish);
      this.events.once('close', finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  async trimHorizon(): Promise<Position> {
    if (this.readOnly) await this.refreshSegments();
    return diskPosition(Math.max(0, (this.segments[0]?.firstSeq ?? 1) - 1));
  }

  /** One sequence: one shard. */
  async shardIds(): Promise<string[]> {
    return [SINGLE_SHARD];
  }

  /** The log itself: it has one shard. */
  shard(shardId: string): EventLog {
    if (shardId !== SINGLE_SHARD) {
      throw new EventLogValidationError(
        `the disk log has one shard, ${JSON.stringify(SINGLE_SHARD)}; no shard ${JSON.stringify(shardId)}`,
      );
    }
    return this;
  }

  getCheckpoint(consumer: string): Promise<Position | undefined> {
    return this.consumerCheckpoints.get(consumer);
  }

  setCheckpoint(consumer: string, position: Position): Promise<void> {
    return this.consumerCheckpoints.set(consumer, position);
  }

  listCheckpoints(): Promise<ConsumerCheckpoint[]> {
    return this.consumerCheckpoints.list();
  }

  deleteCheckpoint(consumer: string): Promise<void> {
    return this.consumerCheckpoints.delete(consumer);
  }

  private scheduleRetention(): void {
    this.applyRetention().catch((err: unknown) =>
      this.logger.error({ err }, 'event log retention failed'),
    );
  }

  /**
   * Deletes the oldest sealed segments that are past `retention.maxAgeMs` (by the time they
   * were last written) or beyond `retention.maxBytes`, never the active segment and, unless
   * `keepUnconsumed: false`, never one holding records a checkpointed consumer has not passed.
   * Runs on open, on rollover and every `checkIntervalMs`; call it to force a pass.
   * @returns the deleted segment files.
   */
  applyRetention(now: number = Date.now()): Promise<string[]> {
    // One pass at a time: passes started by rollover or the timer queue behind this one.
    const run = this.retentionRun.catch(() => {}).then(() => this.retain(now));
    this.retentionRun = run.catch(() => {});
    return run;
  }

  private async retain(now: number): Promise<string[]> {
    const { maxAgeMs, maxBytes, keepUnconsumed = true } = this.retention;
    if (this.readOnly || this.closed || (maxAgeMs === undefined && maxBytes === undefined))
      return [];
    let consumedUpTo = Number.MAX_SAFE_INTEGER;
    if (keepUnconsumed) {
      for (const c of await this.checkpoints.list(this.stream)) {
        consumedUpTo = Math.min(
          consumedUpTo,
          POSITION_RE.test(c.position) ? Number(c.position) : 0,
        );
      }
    }
    const all = this.segments;
    const sealed = all.slice(0, -1);
    const sizes = await Promise.all(sealed.map(async (s) => (await fs.stat(s.file)).size));
    let total = sizes.reduce((a, b) => a + b, 0) + this.activeSize;
    const deleted: string[] = [];
    for (let i = 0; i < sealed.length; i++) {
      const seg = sealed[i]!;
      const lastSeq = all[i + 1]!.firstSeq - 1;
      const stat = await fs.stat(seg.file);
      const tooOld = maxAgeMs !== undefined && now - stat.mtimeMs > maxAgeMs;
      const tooBig = maxBytes !== undefined && total > maxBytes;
      if (!(tooOld || tooBig)) break;
      if (lastSeq > consumedUpTo) {
        this.logger.warn(
          { segment: seg.file, consumedUpTo },
          'event log retention: keeping a segment a consumer has not checkpointed past',
        );
        break;
      }
      // Drop it from the view first, so no new read starts in it.
      this.segments = this.segments.filter((s) => s !== seg);
      await seg.close();
      await fs.rm(seg.file, { force: true });
      total -= sizes[i]!;
      deleted.push(seg.file);
    }
    if (deleted.length > 0) {
      await syncDir(this.streamDir);
      this.logger.info({ deleted: deleted.length }, 'event log retention: deleted old segments');
    }
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    await this.flushing;
    await Promise.allSettled([...this.rounds]);
    await this.syncs.close();
    await this.retentionRun;
    this.events.emit('close');
    await this.writeHandle?.close().catch(() => {});
    this.writeHandle = undefined;
    for (const s of this.segments) await s.close();
    this.releaseLock?.();
    if (this.ownsCheckpoints) await this.checkpoints.close();
  }
}
