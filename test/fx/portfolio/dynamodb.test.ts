import {
  DescribeTableCommand,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortfolioTable,
  DynamoDbPortfolioStore,
  portfolioTableDefinition,
  PortfolioWriteConflictError,
} from '../../../src/fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import { startDynalite, type DynaliteServer } from './dynalite-server.js';
import { buy, opened } from './fixtures.js';
import { portfolioStoreContract } from './portfolio-store-contract.js';

let dynalite: DynaliteServer | undefined;
let client: DynamoDBClient;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = dynalite.client();
});

afterAll(async () => {
  client?.destroy();
  await dynalite?.stop();
});

async function freshTable(): Promise<string> {
  const name = `portfolios-${randomUUID()}`;
  await createPortfolioTable(client, name);
  return name;
}

portfolioStoreContract('DynamoDbPortfolioStore on dynalite', async () => {
  // A fresh table per test isolates the tests inside one emulator.
  const tableName = await freshTable();
  return {
    store: new DynamoDbPortfolioStore({ tableName, client }),
    // The sibling has its own client (own connections), as a second Lambda would.
    openSibling: async () =>
      new DynamoDbPortfolioStore({
        tableName,
        endpoint: dynalite!.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
      }),
    cleanup: async () => {},
  };
});

describe('DynamoDbPortfolioStore', () => {
  it('creates the table with the documented key schema', async () => {
    const tableName = await freshTable();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'userId', KeyType: 'HASH' }]);
    expect(Table?.AttributeDefinitions).toEqual([{ AttributeName: 'userId', AttributeType: 'S' }]);
    expect(portfolioTableDefinition(tableName).BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('keeps the portfolio and its event ledger in one item', async () => {
    const tableName = await freshTable();
    const store = new DynamoDbPortfolioStore({ tableName, client });
    expect(store.location).toBe(`dynamodb://${tableName}`);
    const o = opened('ana', 1_000_000_00);
    const b = buy('ana', 10_00, 4000_00);
    await store.applyBatch([o, b]);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { userId: { S: 'ana' } } }),
    );
    expect(Item).toMatchObject({
      userId: { S: 'ana' },
      copCents: { N: String(1_000_000_00 - 40_000_00) },
      usdCents: { N: '1000' },
      costBasisCopCents: { N: '4000000' },
      version: { N: '2' },
      lastEventId: { S: b.id },
      lastTransactionAt: { S: b.executedAt },
      recentEventIds: { L: [{ S: o.id }, { S: b.id }] },
    });
    expect(Item?.eventWatermark).toBeUndefined();
  });

  it('a bounded window of recent ids plus a watermark detects old duplicates', async () => {
    const tableName = await freshTable();
    const store = new DynamoDbPortfolioStore({ tableName, client, recentEventWindow: 3 });
    const o = opened('ana', 1_000_000_00);
    const buys = Array.from({ length: 6 }, (_, i) => buy('ana', 1_00 + i, 4000_00));
    await store.apply(o);
    for (const e of buys.slice(0, 3)) await store.apply(e);
    await store.applyBatch(buys.slice(3));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { userId: { S: 'ana' } } }),
    );
    expect(Item?.recentEventIds?.L?.map((v) => v.S)).toEqual(buys.slice(3).map((e) => e.id));
    expect(Item?.eventWatermark?.S).toBe(buys[2]!.id);
    // Ids that left the window still count as applied.
    const again = await store.applyBatch([o, ...buys]);
    expect(again).toMatchObject({ applied: 0, duplicates: 7 });
    expect((await store.get('ana'))?.version).toBe(7);
  });

  it('two stores racing on one user retry their conditional writes until each lands', async () => {
    const tableName = await freshTable();
    const a = new DynamoDbPortfolioStore({ tableName, client });
    const b = new DynamoDbPortfolioStore({ tableName, client });
    await a.apply(opened('ana', 1_000_000_000_00));
    const events = Array.from({ length: 30 }, () => buy('ana', 1_00, 4000_00));
    await Promise.all([a.applyBatch(events.slice(0, 20)), b.applyBatch(events.slice(10))]);
    expect((await a.get('ana'))?.buyCount).toBe(30);
  });

  it('a write that loses the race re-reads and retries; after maxAttempts it gives up', async () => {
    const tableName = await freshTable();
    // Another writer bumps the item's revision just before each of our next `interfere` writes.
    let interfere = 0;
    const racing = dynalite!.client();
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand' && interfere > 0) {
          interfere--;
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { userId: { S: 'ana' } },
              UpdateExpression: 'SET revision = revision + :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new DynamoDbPortfolioStore({ tableName, client: racing, maxAttempts: 3 });
    try {
      await store.apply(opened('ana', 1_000_000_00));
      interfere = 2;
      const b1 = buy('ana', 1_00, 4000_00);
      expect((await store.apply(b1)).applied).toBe(true);
      expect(interfere).toBe(0);
      interfere = 3;
      const b2 = buy('ana', 2_00, 4000_00);
      const err = await store.apply(b2).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PortfolioWriteConflictError);
      expect((err as Error).message).toContain('ana');
      expect(await store.get('ana')).toMatchObject({ buyCount: 1, usdCents: 1_00 });
      expect((await store.apply(b2)).applied).toBe(true);
      expect((await store.get('ana'))?.buyCount).toBe(2);
    } finally {
      racing.destroy();
    }
  });

  it('rejects non-positive options', () => {
    expect(() => new DynamoDbPortfolioStore({ tableName: 'x', client, concurrency: 0 })).toThrow(
      /concurrency/,
    );
    expect(
      () => new DynamoDbPortfolioStore({ tableName: 'x', client, recentEventWindow: 1.5 }),
    ).toThrow(/recentEventWindow/);
  });

  it('reports a missing table as an error of the store, not of the event', async () => {
    const store = new DynamoDbPortfolioStore({ tableName: 'no-such-table', client });
    await expect(store.applyBatch([opened('ana', 1)])).rejects.toThrow(
      /not found|ResourceNotFound/i,
    );
  });
});
