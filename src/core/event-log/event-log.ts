import * as path from 'node:path';
/**
 * The EventLog port: an ordered, durable, replayable stream of records (the role Kinesis Data
 * Streams plays in the original design). Core code depends only on this file.
 *
 * Positions are opaque strings. Each adapter defines their format (the disk log uses a
 * zero-padded sequence number, Kinesis a JSON map of shard id → sequence number); callers only
 * store them and pass them back.
 */

/** An opaque position in a log; see {@link EventLog.read}. */
export type Position = string;

/** Largest record accepted: partition key (UTF-8) + data, the Kinesis limit of 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Longest partition key, in characters (the Kinesis limit). */
export const MAX_PARTITION_KEY_LENGTH = 256;

/** One record to append. */
export interface AppendInput {
  /**
   * Records with the same key are kept in append order. 1–256 characters.
   * @example 'user-42'
   */
  partitionKey: string;
  /** The payload; the log never looks inside it. Use {@link jsonRecord} for JSON. */
  data: Uint8Array;
}

/** What an acknowledged append returns. */
export interface AppendResult {
  /** The record's own position (the same value {@link EventRecord.position} has when read). */
  position: Position;
}

/** A record as read back. */
export interface EventRecord {
  /** The record's own position, equal to what `append` returned for it. */
  position: Position;
  /**
   * A cursor just after this record: pass it to `read` (or `setCheckpoint`) to continue exactly
   * after it. On a single-sequence log it equals `position`.
   */
  next: Position;
  partitionKey: string;
  data: Buffer;
  /** When the log accepted the record (approximate for Kinesis). */
  appendedAt: Date;
}

/** A page of records. */
export interface ReadResult {
  records: EventRecord[];
  /** Cursor after the last returned record (or the `from` cursor when nothing was returned). */
  next: Position;
}

export interface ReadOptions {
  /**
   * At most this many records.
   * @default 1000
   */
  max?: number;
}

/** A consumer's durable checkpoint. */
export interface ConsumerCheckpoint {
  consumer: string;
  position: Position;
  updatedAt: Date;
}

/**
 * An append-only log of records with a partition key.
 *
 * Every adapter guarantees:
 * - an append resolves only when the record is durable (acknowledged); a rejected append may
 *   or may not have been stored (retrying can duplicate, never lose);
 * - records with the same partition key are read in the order their appends were called
 *   (within one appending process);
 * - `read(cursor)` returns records strictly after `cursor`, with neither gaps nor duplicates,
 *   and `read()` starts at the oldest retained record (the trim horizon);
 * - checkpoints survive closing and reopening the log.
 *
 * @example
 * const { position } = await log.append(jsonRecord('user-42', event));
 * let cursor = await log.getCheckpoint('lake-writer');
 * const page = await log.read(cursor, { max: 500 });
 * for (const r of page.records) handle(parseJson(r));
 * await log.setCheckpoint('lake-writer', page.next);
 */
export interface EventLog {
  /** The stream's name. */
  readonly stream: string;
  /** Appends one record; resolves once it is durable. */
  append(record: AppendInput): Promise<AppendResult>;
  /**
   * Appends many records; resolves once all are durable, with results in input order. The
   * whole batch is validated before anything is written. Not atomic: after a crash a prefix
   * (disk) or any subset (Kinesis) of an unacknowledged batch may be present.
   */
  appendBatch(records: readonly AppendInput[]): Promise<AppendResult[]>;
  /**
   * Records strictly after `from` (a cursor from `next`, a checkpoint, or `trimHorizon()`);
   * without `from`, from the oldest retained record. An empty page means "nothing yet".
   */
  read(from?: Position, options?: ReadOptions): Promise<ReadResult>;
  /**
   * Resolves when records after `after` may be available, or after `timeoutMs`, or when
   * `signal` aborts. In-process appends wake it at once; otherwise it polls.
   */
  waitForRecords(
    after: Position | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** A cursor before the oldest retained record: `read(trimHorizon)` returns it first. */
  trimHorizon(): Promise<Position>;
  /** The consumer's last checkpoint, or `undefined` if it never set one. */
  getCheckpoint(consumer: string): Promise<Position | undefined>;
  /** Durably records that `consumer` has processed everything up to `position`. */
  setCheckpoint(consumer: string, position: Position): Promise<void>;
  /** Every consumer that has a checkpoint on this stream. */
  listCheckpoints(): Promise<ConsumerCheckpoint[]>;
  /** Forgets a consumer (so it no longer holds back retention, on adapters where it does). */
  deleteCheckpoint(consumer: string): Promise<void>;
  /**
   * The stream's shards, for consumers that share it by lease (one reader per shard). A
   * single-sequence log (the disk log) has one shard, {@link SINGLE_SHARD}.
   */
  shardIds(): Promise<string[]>;
  /**
   * A view that reads only `shardId` (appends still go to the whole stream). Its checkpoints are
   * kept per shard, and the whole log's `getCheckpoint` sees them: the position of a consumer is
   * the union of its shards' checkpoints. Closing the view does not close the log.
   */
  shard(shardId: string): EventLog;
  /** Waits for in-flight appends, then releases files, locks and connections. */
  close(): Promise<void>;
}

/** The one shard of a single-sequence log. */
export const SINGLE_SHARD = 'all';

/** Thrown for records or arguments the log refuses; nothing was written. */
export class EventLogValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventLogValidationError';
  }
}

/** Thrown when stored data is damaged where damage cannot be a torn tail. */
export class EventLogCorruptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventLogCorruptionError';
  }
}

/** Thrown when using a log after `close()`. */
export class EventLogClosedError extends Error {
  constructor(stream: string) {
    super(`event log ${JSON.stringify(stream)} is closed`);
    this.name = 'EventLogClosedError';
  }
}

/**
 * Checks one record against the limits every adapter enforces.
 * @returns the number of UTF-8 bytes of the partition key.
 * @throws EventLogValidationError naming what is wrong.
 */
export function validateAppendInput(record: AppendInput, index?: number): number {
  const where = index === undefined ? 'record' : `record #${index}`;
  const key: unknown = record?.partitionKey;
  if (typeof key !== 'string' || key.length === 0) {
    throw new EventLogValidationError(`${where}: partitionKey must be a non-empty string`);
  }
  if (key.length > MAX_PARTITION_KEY_LENGTH) {
    throw new EventLogValidationError(
      `${where}: partitionKey has ${key.length} characters; the limit is ${MAX_PARTITION_KEY_LENGTH}`,
    );
  }
  if (!(record.data instanceof Uint8Array)) {
    throw new EventLogValidationError(`${where}: data must be a Buffer or Uint8Array`);
  }
  const keyBytes = Buffer.byteLength(key, 'utf8');
  const size = keyBytes + record.data.byteLength;
  if (size > MAX_RECORD_BYTES) {
    throw new EventLogValidationError(
      `${where}: record is too big: ${size} bytes (partition key + data); the limit is ${MAX_RECORD_BYTES} bytes (1 MiB)`,
    );
  }
  return keyBytes;
}

/** Checks a stream name: 1–128 characters of `A–Z a–z 0–9 _ . -` (the Kinesis rule), not `.`/`..`. */
export function validateStreamName(stream: string): void {
  if (
    typeof stream !== 'string' ||
    !/^[A-Za-z0-9_.-]{1,128}$/.test(stream) ||
    /^\.\.?$/.test(stream)
  ) {
    throw new EventLogValidationError(
      `invalid stream name ${JSON.stringify(stream)}: use 1–128 characters of A–Z a–z 0–9 _ . -`,
    );
  }
}

/** Checks a consumer name: 1–128 characters of `A–Z a–z 0–9 _ . -`. */
export function validateConsumerName(consumer: string): void {
  if (typeof consumer !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(consumer)) {
    throw new EventLogValidationError(
      `invalid consumer name ${JSON.stringify(consumer)}: use 1–128 characters of A–Z a–z 0–9 _ . -`,
    );
  }
}

/**
 * A record whose data is `value` as UTF-8 JSON.
 * @example await log.append(jsonRecord(tick.source, tick));
 */
export function jsonRecord(partitionKey: string, value: unknown): AppendInput {
  return { partitionKey, data: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** Parses a record's data as UTF-8 JSON. Validate the result (e.g. with `fxEventSchema`). */
export function parseJson(record: Pick<EventRecord, 'data'>): unknown {
  return JSON.parse(Buffer.from(record.data).toString('utf8'));
}

export interface TailOptions extends ReadOptions {
  /** Stops the iteration (cleanly) when aborted. */
  signal?: AbortSignal;
  /**
   * How long to wait for new records before asking again.
   * @default 1000
   */
  idleMs?: number;
}

/**
 * Follows the log from `from` forever (until `signal` aborts), yielding non-empty pages.
 * Checkpoint with `page.next` after handling a page.
 *
 * @example
 * for await (const page of tail(log, await log.getCheckpoint('proc'), { signal })) {
 *   await handle(page.records);
 *   await log.setCheckpoint('proc', page.next);
 * }
 */
export async function* tail(
  log: EventLog,
  from: Position | undefined,
  options: TailOptions = {},
): AsyncGenerator<ReadResult> {
  const { signal, idleMs = 1000 } = options;
  let cursor = from;
  while (!signal?.aborted) {
    const page = await log.read(cursor, { max: options.max ?? 1000 });
    cursor = page.next;
    if (page.records.length > 0) {
      yield page;
      continue;
    }
    await log.waitForRecords(cursor, idleMs, signal);
  }
}

/** Thrown when a second writer tries to open a stream that already has one. */
export class WriterLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: { pid: number; host: string; since: string },
  ) {
    super(
      `event log stream ${JSON.stringify(path.basename(path.dirname(lockPath)))} already has a writer ` +
        `(pid ${holder.pid} on ${holder.host} since ${holder.since}${holder.pid === process.pid ? ', this process' : ''}); ` +
        `close it first, or open this one with readOnly: true`,
    );
    this.name = 'WriterLockedError';
  }
}
