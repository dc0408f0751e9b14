import { awsClientConfig } from '../../../core/aws/client-config.js';
import { backoffMs } from '../../../core/util/retry.js';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import { batchResult, foldEvents, groupBatch, type BatchItem } from '../fold.js';
import { averageCostCopCents, type Portfolio, type PortfolioEvent } from '../portfolio.js';
import {
  InvalidCursorError,
  listLimit,
  type ApplyBatchOptions,
  type ApplyOutcome,
  type ApplyResult,
  type BatchApplyResult,
  type PortfolioListOptions,
  type PortfolioPage,
  type PortfolioStore,
} from '../portfolio-store.js';

/**
 * The portfolio table's definition: one item per user, hash key `userId` (S), on-demand billing.
 *
 * An item holds every {@link Portfolio} field (numbers as `N`; `lastTransactionAt` absent before
 * the first transaction) plus:
 * - `revision` (N): counts the item's writes; every write is conditioned on the revision it read
 *   (optimistic concurrency). It differs from `version` (events applied) because recording a
 *   refused event writes the ledger without changing the portfolio;
 * - `recentEventIds` (L of S): the idempotency ledger, the ids of the last `recentEventWindow`
 *   events processed (applied, or refused against this portfolio), sorted, highest ULID last;
 * - `eventWatermark` (S, absent until the window first overflows): the highest id evicted from
 *   the window. Every id ≤ the watermark counts as processed.
 *
 * @example
 * await client.send(new CreateTableCommand(portfolioTableDefinition('corriente-portfolios')));
 */
export function portfolioTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * Creates the portfolio table (see {@link portfolioTableDefinition}) and waits until it is ACTIVE.
 * For tests and local set-ups; deployments create it with the CDK app.
 * @example await createPortfolioTable(client, 'portfolios-test');
 */
export async function createPortfolioTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  await client.send(new CreateTableCommand(portfolioTableDefinition(tableName)));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after waiting`);
    await delay(50);
  }
}

export interface DynamoDbPortfolioStoreOptions {
  tableName: string;
  /** A client to share; when absent one is built from `region`, `endpoint` and `credentials`. */
  client?: DynamoDBClient;
  region?: string;
  /** e.g. `http://127.0.0.1:4567` for an emulator. */
  endpoint?: string;
  credentials?: DynamoDBClientConfig['credentials'];
  /**
   * How many of a user's most recent event ids the item keeps for duplicate detection. An event
   * that arrives after this many later events of the same user were processed counts as a
   * duplicate (Kinesis redelivers in order, so only true duplicates are that old). Redelivered
   * batches of any size are still caught, by the watermark. Larger windows cost write units:
   * every write stores the whole item (1 WCU per KB).
   * @default 64 (about 1.7 KB of ids per item)
   */
  recentEventWindow?: number;
  /**
   * Users `applyBatch` writes in parallel.
   * @default 16
   */
  concurrency?: number;
  /**
   * Attempts of a user's conditional write that keeps losing to other writers before giving up.
   * @default 100
   */
  maxAttempts?: number;
}

/** A write kept losing the optimistic-concurrency race. */
export class PortfolioWriteConflictError extends Error {
  constructor(
    readonly userId: string,
    attempts: number,
  ) {
    super(`portfolio of ${userId}: conditional write lost to other writers ${attempts} times`);
    this.name = 'PortfolioWriteConflictError';
  }
}

interface StoredPortfolio {
  portfolio: Portfolio;
  /** The item's write counter, the optimistic-concurrency token. */
  revision: number;
  recentEventIds: string[];
  eventWatermark: string | undefined;
}

/**
 * The portfolio table on DynamoDB (see {@link portfolioTableDefinition} for the item layout).
 *
 * Idempotency and concurrency rest on single-item conditional writes only, which DynamoDB makes
 * atomic: the ledger of processed event ids lives in the portfolio item itself, so a portfolio
 * change and the record of its events are one `PutItem`, conditioned on the `revision` that was
 * read (`attribute_not_exists(userId)` for a new user). A writer that loses the race re-reads and
 * recomputes, so concurrent writers never lose an update and never overdraw. No
 * TransactWriteItems is needed: a transaction costs twice the write units, per-event marker
 * items grow the table without bound, and dynalite (the emulator the tests run against) does not
 * implement transactions, so that path could not be tested.
 *
 * The ledger is a window, not a full history: an event id older than the `recentEventWindow`
 * newest processed ids of its user counts as a duplicate. Kinesis delivers a shard in order, so
 * only redeliveries are that old.
 *
 * `applyBatch` reads the batch's users with BatchGetItem (strongly consistent), then writes each
 * user once, `concurrency` users at a time. A batch that throws may have written some users;
 * retrying it is safe.
 *
 * @example
 * const store = new DynamoDbPortfolioStore({ tableName: 'corriente-portfolios', region: 'us-east-1' });
 */
export class DynamoDbPortfolioStore implements PortfolioStore {
  readonly location: string;
  private readonly client: DynamoDBClient;
  private readonly ownsClient: boolean;
  private readonly tableName: string;
  private readonly window: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly userQueues = new Map<string, Promise<void>>();
  private readonly idle: Promise<void> = Promise.resolve();

  constructor(options: DynamoDbPortfolioStoreOptions) {
    this.tableName = options.tableName;
    this.location = `dynamodb://${options.tableName}`;
    this.window = options.recentEventWindow ?? 64;
    this.concurrency = options.concurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 100;
    for (const [name, value] of Object.entries({
      recentEventWindow: this.window,
      concurrency: this.concurrency,
      maxAttempts: this.maxAttempts,
    })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
      }
    }
    this.ownsClient = !options.client;
    this.client =
      options.client ??
      new DynamoDBClient(
        awsClientConfig({
          ...(options.region ? { region: options.region } : {}),
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          ...(options.credentials ? { credentials: options.credentials } : {}),
        }),
      );
  }

  async get(userId: string): Promise<Portfolio | undefined> {
    return (await this.read(userId))?.portfolio;
  }

  async apply(event: PortfolioEvent): Promise<ApplyResult> {
    const outcomes: ApplyOutcome[] = [];
    const byUser = groupBatch([event], outcomes);
    if (outcomes[0]?.error) throw outcomes[0].error;
    const [userId, items] = [...byUser][0]!;
    const { portfolio, outcomes: done } = await this.applyUser(userId, items, null);
    const outcome = done[0]!.outcome;
    if (outcome.error) throw outcome.error;
    return { applied: outcome.status === 'applied', portfolio: portfolio! };
  }

  async applyBatch(
    events: readonly PortfolioEvent[],
    options?: ApplyBatchOptions,
  ): Promise<BatchApplyResult> {
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(events.length);
    const byUser = groupBatch(events, outcomes, options?.validated);
    const users = [...byUser.keys()];
    const prefetched = await this.readMany(users);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < users.length) {
        const userId = users[next++]!;
        const result = await this.applyUser(
          userId,
          byUser.get(userId)!,
          prefetched.get(userId) ?? undefined,
        );
        for (const { index, outcome } of result.outcomes) outcomes[index] = outcome;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, users.length) }, worker));
    return batchResult(outcomes);
  }

  /**
   * Folds one user's events onto the stored item and writes it conditionally, re-reading and
   * recomputing after each lost race. `known` is a state already read (`undefined`: no item),
   * or `null` to read it first.
   */
  private applyUser(
    userId: string,
    items: BatchItem[],
    known: StoredPortfolio | undefined | null,
  ): ReturnType<DynamoDbPortfolioStore['applyUserUnlocked']> {
    // Writers of one user inside this process queue up instead of racing: conditional writes
    // then only resolve races between processes, and a prefetched state is stale only if
    // another process wrote.
    const previous = this.userQueues.get(userId) ?? this.idle;
    const run = previous.then(() =>
      this.applyUserUnlocked(userId, items, previous === this.idle ? known : null),
    );
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.userQueues.set(userId, tail);
    void tail.then(() => {
      if (this.userQueues.get(userId) === tail) this.userQueues.delete(userId);
    });
    return run;
  }

  private async applyUserUnlocked(
    userId: string,
    items: BatchItem[],
    known: StoredPortfolio | undefined | null,
  ): Promise<{
    portfolio: Portfolio | undefined;
    outcomes: { index: number; outcome: ApplyOutcome }[];
  }> {
    let stored = known === null ? await this.read(userId) : known;
    for (let attempt = 1; ; attempt++) {
      const ledger = new Set(stored?.recentEventIds);
      const watermark = stored?.eventWatermark;
      const fold = foldEvents(
        stored?.portfolio,
        items,
        (id) => ledger.has(id) || (watermark !== undefined && id <= watermark),
      );
      if (fold.recordedIds.length === 0 || !fold.portfolio) {
        return { portfolio: stored?.portfolio, outcomes: fold.outcomes };
      }
      const next = this.withLedger(fold.portfolio, stored, fold.recordedIds);
      if (await this.write(next, stored?.revision)) {
        return { portfolio: fold.portfolio, outcomes: fold.outcomes };
      }
      if (attempt >= this.maxAttempts) throw new PortfolioWriteConflictError(userId, attempt);
      // Jittered backoff so writers racing for one user spread out.
      await delay(backoffMs(attempt + 1, { baseMs: 1, capMs: 50 }));
      stored = await this.read(userId);
    }
  }

  private withLedger(
    portfolio: Portfolio,
    stored: StoredPortfolio | undefined,
    recordedIds: string[],
  ): StoredPortfolio {
    // ULIDs sort by time, so the window keeps the highest ids and the watermark only rises.
    const ids = [...(stored?.recentEventIds ?? []), ...recordedIds].sort();
    const evicted = ids.length > this.window ? ids.slice(0, ids.length - this.window) : [];
    let eventWatermark = stored?.eventWatermark;
    const highestEvicted = evicted[evicted.length - 1];
    if (
      highestEvicted !== undefined &&
      (eventWatermark === undefined || highestEvicted > eventWatermark)
    ) {
      eventWatermark = highestEvicted;
    }
    return {
      portfolio,
      revision: (stored?.revision ?? 0) + 1,
      recentEventIds: ids.slice(evicted.length),
      eventWatermark,
    };
  }

  /** A conditional PutItem; `false` when another writer changed the item first. */
  private async write(
    next: StoredPortfolio,
    expectedRevision: number | undefined,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(next),
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(userId)' }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': { N: String(expectedRevision) } },
              }),
        }),
      );
      return true;
    } catch (err) {
      if ((err as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  private async read(userId: string): Promise<StoredPortfolio | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { userId: { S: userId } },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Strongly consistent reads of many users, 100 keys per BatchGetItem. */
  private async readMany(userIds: string[]): Promise<Map<string, StoredPortfolio>> {
    const found = new Map<string, StoredPortfolio>();
    for (let at = 0; at < userIds.length; at += 100) {
      let keys: Record<string, AttributeValue>[] | undefined = userIds
        .slice(at, at + 100)
        .map((userId) => ({ userId: { S: userId } }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await delay(backoffMs(attempt, { baseMs: 20, capMs: 1000 }));
        const response: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const stored = fromItem(item);
          found.set(stored.portfolio.userId, stored);
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async list(options?: PortfolioListOptions): Promise<PortfolioPage> {
    const limit = listLimit(options);
    const start = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const response = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: limit,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: { userId: { S: start } } } : {}),
      }),
    );
    const portfolios = (response.Items ?? []).map((item) => fromItem(item).portfolio);
    const lastKey = response.LastEvaluatedKey?.userId?.S;
    return lastKey !== undefined
      ? { portfolios, nextCursor: encodeCursor(lastKey) }
      : { portfolios };
  }

  async clear(): Promise<void> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'userId',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const deletes: WriteRequest[] = (page.Items ?? []).map((item) => ({
        DeleteRequest: { Key: { userId: item.userId! } },
      }));
      for (let at = 0; at < deletes.length; at += 25) {
        let pending: WriteRequest[] | undefined = deletes.slice(at, at + 25);
        for (let attempt = 0; pending && pending.length > 0; attempt++) {
          if (attempt > 0) await delay(backoffMs(attempt, { baseMs: 20, capMs: 1000 }));
          const response: BatchWriteItemCommandOutput = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = response.UnprocessedItems?.[this.tableName];
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}

function encodeCursor(userId: string): string {
  return Buffer.from(`u:${userId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!text.startsWith('u:') || text.length < 3) throw new InvalidCursorError(cursor);
  return text.slice(2);
}

const NUMBER_FIELDS = [
  'copCents',
  'usdCents',
  'costBasisCopCents',
  'avgCostCopCents',
  'realizedPnlCopCents',
  'buyCount',
  'sellCount',
  'boughtUsdCents',
  'soldUsdCents',
  'boughtCopCents',
  'soldCopCents',
  'version',
] as const satisfies readonly (keyof Portfolio)[];

const STRING_FIELDS = [
  'userId',
  'openedAt',
  'lastEventId',
  'updatedAt',
] as const satisfies readonly (keyof Portfolio)[];

function toItem(s: StoredPortfolio): Record<string, AttributeValue> {
  const p = s.portfolio;
  const item: Record<string, AttributeValue> = {};
  for (const f of STRING_FIELDS) item[f] = { S: p[f] };
  for (const f of NUMBER_FIELDS) item[f] = { N: String(p[f]) };
  if (p.lastTransactionAt !== null) item.lastTransactionAt = { S: p.lastTransactionAt };
  item.revision = { N: String(s.revision) };
  item.recentEventIds = { L: s.recentEventIds.map((id) => ({ S: id })) };
  if (s.eventWatermark !== undefined) item.eventWatermark = { S: s.eventWatermark };
  return item;
}

function fromItem(item: Record<string, AttributeValue>): StoredPortfolio {
  const str = (f: string): string => {
    const v = item[f]?.S;
    if (v === undefined) throw new Error(`portfolio item lacks string attribute ${f}`);
    return v;
  };
  const num = (f: string): number => {
    const v = Number(item[f]?.N);
    if (!Number.isSafeInteger(v))
      throw new Error(`portfolio item attribute ${f} is not an integer`);
    return v;
  };
  const portfolio = {
    lastTransactionAt: item.lastTransactionAt?.S ?? null,
  } as Portfolio;
  for (const f of STRING_FIELDS) portfolio[f] = str(f);
  for (const f of NUMBER_FIELDS) portfolio[f] = num(f);
  portfolio.avgCostCopCents = averageCostCopCents(portfolio.costBasisCopCents, portfolio.usdCents);
  return {
    portfolio,
    revision: num('revision'),
    recentEventIds: (item.recentEventIds?.L ?? []).map((v) => v.S ?? ''),
    eventWatermark: item.eventWatermark?.S,
  };
}
