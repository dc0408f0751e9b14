import { awsClientConfig } from '../../aws/client-config.js';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  type KinesisClientConfig,
  ListShardsCommand,
  PutRecordsCommand,
  ResourceInUseException,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import type { CheckpointStore } from '../checkpoint-store.js';
import {
  type AppendInput,
  type AppendResult,
  type ConsumerCheckpoint,
  type EventLog,
  EventLogClosedError,
  EventLogValidationError,
  type EventRecord,
  type Position,
  type ReadOptions,
  type ReadResult,
  validateAppendInput,
  validateStreamName,
} from '../event-log.js';
import {
  formatKinesisPosition,
  parseKinesisPosition,
  type ShardPositions,
} from './kinesis-position.js';
import { KinesisCheckpoints } from './kinesis-checkpoints.js';
import { KinesisShardView } from './kinesis-shard-view.js';

const MiB = 1024 * 1024;
/** PutRecords limits: 500 records and 5 MiB (data + partition keys) per request. */
const MAX_RECORDS_PER_PUT = 500;
const MAX_GET_RECORDS = 10_000;
/** Kinesis shard iterators expire after 5 minutes; renew a little earlier. */
const ITERATOR_TTL_MS = 4 * 60_000;

export interface KinesisEventLogOptions {
  /** The Kinesis stream (it must exist; see {@link KinesisEventLog.ensureStream}). */
  streamName: string;
  /** Where consumers' checkpoints live; the caller owns it (`close()` does not close it). */
  checkpoints: CheckpointStore;
  /** A ready client. Without one, a client is built from `clientConfig` and destroyed on close. */
  client?: KinesisClient;
  /**
   * Config for the client built when `client` is absent, e.g. `{ region, endpoint, credentials }`.
   * It always gets `requestHandler: new NodeHttpHandler()` (HTTP/1.1) unless one is given: the
   * default HTTP/2 handler fails against kinesalite with "Protocol error".
   */
  clientConfig?: KinesisClientConfig;
  /** Rounds of retrying the records a PutRecords call reported as failed. @default 8 */
  maxPutAttempts?: number;
  /** First backoff between those rounds; doubles each round, with jitter. @default 100 */
  retryBaseDelayMs?: number;
  /** @default 5000 */
  retryMaxDelayMs?: number;
  /**
   * Largest PutRecords request (data + partition keys). Kinesis allows 5 MiB; kinesalite
   * refuses HTTP bodies over 7 MiB, which base64 reaches at about 5 MiB of data.
   * @default 5 MiB
   */
  maxRequestBytes?: number;
  /** How often `waitForRecords` looks again when nothing was appended here. @default 1000 */
  pollIntervalMs?: number;
  /** How long the shard list is cached. @default 30000 */
  shardCacheMs?: number;
  logger?: Logger;
}

interface PendingPut {
  partitionKey: string;
  data: Uint8Array;
  bytes: number;
  resolve: (r: AppendResult) => void;
  reject: (e: Error) => void;
}

interface CachedIterator {
  /** The cursor (sequence number) the iterator continues after; undefined = trim horizon. */
  after: string | undefined;
  iterator: string | undefined;
  createdAt: number;
}

/** Thrown when records still fail after every PutRecords retry round. */
export class KinesisPutError extends Error {
  constructor(
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'KinesisPutError';
  }
}

/**
 * The EventLog on Amazon Kinesis Data Streams (or kinesalite).
 *
 * - Appends are micro-batched into PutRecords calls (≤ 500 records, ≤ 5 MiB), one call in
 *   flight at a time, so records of one key leave in append order. Records a call reports as
 *   failed (throttling, internal errors) are retried alone, with exponential backoff, before
 *   anything newer is sent. Caveat: a retried record lands after records of the same key that
 *   succeeded in the same call, so a partial failure can reorder a key. (PutRecord with
 *   `SequenceNumberForOrdering` would prevent that at one request per record; we trade it for
 *   throughput.)
 * - Positions are JSON maps of shard id → sequence number (see `kinesis-position.ts`); `read`
 *   lists the shards and reads each with GetShardIterator (TRIM_HORIZON or AFTER_SEQUENCE_NUMBER)
 *   and GetRecords. A child shard is read only after its parent is exhausted.
 * - Checkpoints go to a {@link CheckpointStore}; retention is the stream's retention period,
 *   which Kinesis applies regardless of consumers.
 *
 * @example
 * const log = new KinesisEventLog({
 *   streamName: 'fx-events',
 *   clientConfig: { region: 'us-east-1' },
 *   checkpoints: new SqliteCheckpointStore({ path: path.join(home, 'state', 'checkpoints.sqlite') }),
 * });
 */
export class KinesisEventLog implements EventLog {
  readonly stream: string;
  readonly client: KinesisClient;
  private readonly ownsClient: boolean;
  private readonly checkpoints: CheckpointStore;
  /** @internal the shard views share them */
  readonly consumerCheckpoints: KinesisCheckpoints;
  private readonly maxPutAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxRequestBytes: number;
  private readonly pollIntervalMs: number;
  private readonly shardCacheMs: number;
  private readonly logger: Logger;
  private readonly events = new EventEmitter().setMaxListeners(0);

  private queue: PendingPut[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private shards: { list: Shard[]; at: number } | undefined;
  private readonly iterators = new Map<string, CachedIterator>();
  /** Shards read to their end (closed by a reshard): shard id → last sequence number. */
  private readonly exhausted = new Map<string, string | undefined>();
  private readRotation = 0;

  constructor(options: KinesisEventLogOptions) {
    validateStreamName(options.streamName);
    this.stream = options.streamName;
    this.checkpoints = options.checkpoints;
    this.consumerCheckpoints = new KinesisCheckpoints(this.checkpoints, this.stream);
    this.ownsClient = !options.client;
    this.client =
      options.client ??
      new KinesisClient({ ...awsClientConfig({ http1: true }), ...options.clientConfig });
    this.maxPutAttempts = options.maxPutAttempts ?? 8;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 5000;
    this.maxRequestBytes = Math.min(options.maxRequestBytes ?? 5 * MiB, 5 * MiB);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.shardCacheMs = options.shardCacheMs ?? 30_000;
    this.logger = (options.logger ?? silentLogger).child({ stream: this.stream });
  }

  /**
   * Creates the stream if it does not exist and waits until it is ACTIVE (local set-ups and
   * tests; on AWS the CDK app creates it).
   */
  static async ensureStream(
    client: KinesisClient,
    streamName: string,
    shardCount = 1,
    timeoutMs = 60_000,
  ): Promise<void> {
    try {
      await client.send(
        new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
      if (Date.now() > deadline)
        throw new Error(`Kinesis stream ${streamName} did not become ACTIVE`);
      await delay(100);
    }
  }

  append(record: AppendInput): Promise<AppendResult> {
    try {
      this.assertOpen();
      const bytes = validateAppendInput(record) + record.data.byteLength;
      return new Promise<AppendResult>((resolve, reject) => {
        this.queue.push({
          partitionKey: record.partitionKey,
          data: record.data,
          bytes,
          resolve,
          reject,
        });
        this.scheduleFlush();
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async appendBatch(records: readonly AppendInput[]): Promise<AppendResult[]> {
    this.assertOpen();
    const sizes = records.map((r, i) => validateAppendInput(r, i) + r.data.byteLength);
    const done = records.map(
      (r, i) =>
        new Promise<AppendResult>((resolve, reject) => {
          this.queue.push({
            partitionKey: r.partitionKey,
            data: r.data,
            bytes: sizes[i]!,
            resolve,
            reject,
          });
        }),
    );
    if (records.length > 0) this.scheduleFlush();
    return Promise.all(done);
  }

  private assertOpen(): void {
    if (this.closed) throw new EventLogClosedError(this.stream);
  }

  private scheduleFlush(): void {
    this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flushLoop());
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let bytes = 0;
        while (
          n < this.queue.length &&
          n < MAX_RECORDS_PER_PUT &&
          (n === 0 || bytes + this.queue[n]!.bytes <= this.maxRequestBytes)
        ) {
          bytes += this.queue[n++]!.bytes;
        }
        await this.putWithRetries(this.queue.splice(0, n));
        this.events.emit('appended');
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** One PutRecords, then only its failed records again, until all are in or attempts run out. */
  private async putWithRetries(batch: PendingPut[]): Promise<void> {
    let remaining = batch;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      let out;
      try {
        out = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.stream,
            Records: remaining.map((p) => ({ PartitionKey: p.partitionKey, Data: p.data })),
          }),
        );
      } catch (err) {
        // The SDK already retried throttling and network errors for the whole request.
        for (const p of remaining) p.reject(err as Error);
        return;
      }
      const failed: PendingPut[] = [];
      let lastError: { code?: string; message?: string } = {};
      remaining.forEach((p, i) => {
        const r = out.Records?.[i];
        if (r?.SequenceNumber && r.ShardId) {
          p.resolve({ position: formatKinesisPosition({ [r.ShardId]: r.SequenceNumber }) });
        } else {
          failed.push(p);
          lastError = { code: r?.ErrorCode, message: r?.ErrorMessage };
        }
      });
      remaining = failed;
      if (remaining.length === 0) return;
      if (attempt >= this.maxPutAttempts) {
        const error = new KinesisPutError(
          `Kinesis PutRecords: ${remaining.length} record(s) still failed after ${attempt} attempts: ` +
            `${lastError.code ?? 'unknown error'} ${lastError.message ?? ''}`.trim(),
          lastError.code,
        );
        for (const p of remaining) p.reject(error);
        return;
      }
      const backoff = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
      this.logger.warn(
        { failed: remaining.length, errorCode: lastError.code, attempt },
        'Kinesis PutRecords partial failure; retrying the failed records',
      );
      await delay(backoff / 2 + Math.random() * (backoff / 2));
    }
  }

  private async listShards(force = false): Promise<Shard[]> {
    if (!force && this.shards && Date.now() - this.shards.at < this.shardCacheMs)
      return this.shards.list;
    const list: Shard[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.stream }),
      );
      list.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token);
    list.sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : 1));
    this.shards = { list, at: Date.now() };
    return list;
  }

  private async iteratorFor(
    shardId: string,
    after: string | undefined,
  ): Promise<string | undefined> {
    const cached = this.iterators.get(shardId);
    if (cached && cached.after === after && Date.now() - cached.createdAt < ITERATOR_TTL_MS) {
      return cached.iterator;
    }
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.stream,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  read(from?: Position, options: ReadOptions = {}): Promise<ReadResult> {
    return this.readShards(from, options, undefined);
  }

  /**
   * `read`, limited to one shard when `only` is given (a {@link KinesisShardView}'s read).
   * @internal
   */
  async readShards(
    from: Position | undefined,
    options: ReadOptions,
    only: string | undefined,
  ): Promise<ReadResult> {
    this.assertOpen();
    const max = options.max ?? 1000;
    if (!Number.isInteger(max) || max < 1)
      throw new EventLogValidationError('max must be a positive integer');
    const cursor: ShardPositions = from === undefined ? {} : parseKinesisPosition(from);
    const shards = await this.listShards();
    const ids = new Set(shards.map((s) => s.ShardId!));
    const records: EventRecord[] = [];
    const start = this.readRotation++ % Math.max(1, shards.length);
    for (let k = 0; k < shards.length && records.length < max; k++) {
      const shard = shards[(start + k) % shards.length]!;
      const shardId = shard.ShardId!;
      if (only !== undefined && shardId !== only) continue;
      const parent = shard.ParentShardId;
      // Keep a key's order across a reshard: a child waits until its parent is read to the end
      // (a one-shard view cannot see its parent's cursor: see KinesisShardView).
      if (
        only === undefined &&
        parent &&
        ids.has(parent) &&
        !this.isExhausted(parent, cursor[parent])
      )
        continue;
      if (this.isExhausted(shardId, cursor[shardId])) continue;
      await this.readShard(shardId, cursor, max - records.length, records);
    }
    return { records, next: formatKinesisPosition(cursor) };
  }

  private isExhausted(shardId: string, after: string | undefined): boolean {
    return this.exhausted.has(shardId) && this.exhausted.get(shardId) === after;
  }

  /** Appends up to `max` records of one shard to `out`, advancing `cursor`. */
  private async readShard(
    shardId: string,
    cursor: ShardPositions,
    max: number,
    out: EventRecord[],
  ): Promise<void> {
    // Kinesis may answer empty pages while it skips gaps (MillisBehindLatest > 0): try a few.
    for (let round = 0; round < 3; round++) {
      const after = cursor[shardId];
      let iterator = await this.iteratorFor(shardId, after);
      if (!iterator) return;
      let page;
      try {
        page = await this.client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(max, MAX_GET_RECORDS) }),
        );
      } catch (err) {
        if (!(err instanceof ExpiredIteratorException) || round > 0) throw err;
        this.iterators.delete(shardId);
        continue;
      }
      const got = page.Records ?? [];
      for (const r of got) {
        cursor[shardId] = r.SequenceNumber!;
        out.push({
          position: formatKinesisPosition({ [shardId]: r.SequenceNumber! }),
          next: formatKinesisPosition(cursor),
          partitionKey: r.PartitionKey!,
          data: Buffer.from(r.Data ?? new Uint8Array()),
          appendedAt: r.ApproximateArrivalTimestamp ?? new Date(),
        });
      }
      iterator = page.NextShardIterator;
      this.iterators.set(shardId, { after: cursor[shardId], iterator, createdAt: Date.now() });
      if (!iterator) {
        this.exhausted.set(shardId, cursor[shardId]);
        return;
      }
      if (got.length > 0 || !page.MillisBehindLatest) return;
    }
  }

  async waitForRecords(
    _after: Position | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted || this.closed) return;
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.events.off('appended', finish);
        this.events.off('close', finish);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, Math.min(timeoutMs, this.pollIntervalMs));
      this.events.once('appended', finish);
      this.events.once('close', finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  /** Every shard from its trim horizon: `{}`. */
  async trimHorizon(): Promise<Position> {
    return formatKinesisPosition({});
  }

  /** The stream's shard ids, sorted (closed parents of a reshard included). */
  async shardIds(): Promise<string[]> {
    this.assertOpen();
    return (await this.listShards()).map((s) => s.ShardId!);
  }

  /** A view reading one shard, with per-shard checkpoints (see {@link KinesisShardView}). */
  shard(shardId: string): EventLog {
    return new KinesisShardView(this, shardId);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    this.events.emit('close');
    if (this.ownsClient) this.client.destroy();
  }
}
