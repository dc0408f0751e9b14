import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import {
  createPgPool,
  migratePostgres,
  type PgPool,
} from '../../../src/core/state/postgres/index.js';
import {
  IdempotencyConflictError,
  requestHashOf,
  type ExecuteInput,
} from '../../../src/fx/api/ledger.js';
import { FX_API_MIGRATIONS } from '../../../src/fx/api/postgres/migrations.js';
import { PostgresFxLedger } from '../../../src/fx/api/postgres/postgres-fx-ledger.js';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import {
  AccountNotOpenError,
  InsufficientFundsError,
} from '../../../src/fx/portfolio/portfolio.js';
import { postgresSkip, usePostgresDatabase } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';

const tick: PriceTick = {
  type: 'PriceTick',
  version: 1,
  id: newEventId(),
  source: 'test',
  bidCopCents: 4_000_00,
  askCopCents: 4_010_00,
  midCopCents: 4_005_00,
  observedAt: new Date().toISOString(),
  ingestedAt: new Date().toISOString(),
};

const order = (userId: string, side: 'BUY' | 'SELL', usd: number, key: string): ExecuteInput => ({
  userId,
  side,
  amountUsdCents: usd * 100,
  idempotencyKey: key,
  requestHash: requestHashOf(side, usd * 100),
});

describe.skipIf(postgresSkip !== undefined)('PostgresFxLedger group commit', () => {
  const db = usePostgresDatabase('fx-ledger-batch');
  let pool: PgPool;
  beforeAll(async () => {
    pool = createPgPool({ url: db.url, poolSize: 8 });
    await migratePostgres(pool, FX_API_MIGRATIONS);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('decides each order of one batch alone: a refused order never aborts the others', async () => {
    const t = tempDir('corriente-ledger-batch-');
    const log = await DiskEventLog.open({ dir: path.join(t.dir, 'log'), stream: 'fx' });
    // One batch at a time: the orders given while the first runs form the second batch.
    const ledger = new PostgresFxLedger({ pool, eventLog: log, maxBatchesInFlight: 1 });
    try {
      await ledger.openUserAccount(
        { id: 'usr-ana', name: 'Ana', tokenSha256: 'a'.repeat(64), createdAt: tick.observedAt },
        { copCents: 0, usdCents: 3_00 },
      );
      await ledger.openUserAccount(
        { id: 'usr-beto', name: 'Beto', tokenSha256: 'b'.repeat(64), createdAt: tick.observedAt },
        { copCents: 100_000_00, usdCents: 0 },
      );
      const first = ledger.execute(order('usr-beto', 'BUY', 1, 'b0'), () => tick);
      const results = await Promise.allSettled([
        ledger.execute(order('usr-ana', 'SELL', 2, 'a1'), () => tick),
        ledger.execute(order('usr-ana', 'SELL', 2, 'a2'), () => tick), // only 1 USD left
        ledger.execute(order('usr-ana', 'SELL', 2, 'a1'), () => tick), // same key: replay
        ledger.execute(order('usr-ana', 'SELL', 1, 'a1'), () => tick), // same key, other body
        ledger.execute(order('usr-nadie', 'BUY', 1, 'n1'), () => tick),
        ledger.execute(order('usr-beto', 'BUY', 1, 'b1'), () => {
          throw new Error('precio vencido');
        }),
        ledger.execute(order('usr-ana', 'SELL', 1, 'a3'), () => tick),
        ledger.execute(order('usr-beto', 'BUY', 2, 'b2'), () => tick),
      ]);
      await first;
      const [a1, a2, a1again, a1other, nobody, stale, a3, b2] = results;
      expect(a1.status === 'fulfilled' && !a1.value.replayed).toBe(true);
      expect(a2.status === 'rejected' && a2.reason instanceof InsufficientFundsError).toBe(true);
      expect(a1again.status === 'fulfilled' && a1again.value.replayed).toBe(true);
      if (a1.status !== 'fulfilled' || a1again.status !== 'fulfilled')
        throw new Error('unreachable');
      expect(a1again.value.transaction.id).toBe(a1.value.transaction.id);
      expect(
        a1other.status === 'rejected' && a1other.reason instanceof IdempotencyConflictError,
      ).toBe(true);
      expect(nobody.status === 'rejected' && nobody.reason instanceof AccountNotOpenError).toBe(
        true,
      );
      expect(stale.status === 'rejected' && (stale.reason as Error).message).toBe('precio vencido');
      expect(a3.status).toBe('fulfilled');
      expect(b2.status).toBe('fulfilled');

      expect((await ledger.portfolio('usr-ana'))?.usdCents).toBe(0);
      expect((await ledger.portfolio('usr-beto'))?.usdCents).toBe(3_00);
      const anaTx = await ledger.transactions('usr-ana');
      expect(anaTx.transactions.map((x) => x.idempotencyKey).sort()).toEqual(['a1', 'a3']);

      // The events reach the log once each, in each user's execution order.
      await ledger.close();
      const page = await log.read(undefined, { max: 1000 });
      const events = page.records
        .map((r) => parseJson(r) as { type: string; userId: string; idempotencyKey?: string })
        .filter((e) => e.type === 'TransactionExecuted');
      expect(events.filter((e) => e.userId === 'usr-ana').map((e) => e.idempotencyKey)).toEqual([
        'a1',
        'a3',
      ]);
      expect(events.filter((e) => e.userId === 'usr-beto').map((e) => e.idempotencyKey)).toEqual([
        'b0',
        'b2',
      ]);
    } finally {
      await ledger.close();
      await log.close();
      t.cleanup();
    }
  });

  it('two ledgers on one database never overdraw one account with batches of mixed users', async () => {
    const t = tempDir('corriente-ledger-batch-');
    const log = await DiskEventLog.open({ dir: path.join(t.dir, 'log'), stream: 'fx' });
    const a = new PostgresFxLedger({ pool, eventLog: log });
    const b = new PostgresFxLedger({ pool, eventLog: log, relay: false });
    try {
      const ids = Array.from({ length: 5 }, (_, i) => `usr-mix-${i}`);
      for (const id of ids) {
        await a.openUserAccount(
          { id, name: id, tokenSha256: id.padEnd(64, '0'), createdAt: tick.observedAt },
          { copCents: 0, usdCents: 10_00 },
        );
      }
      // 30 SELL 1 USD per user (10 USD each), spread over both ledgers and interleaved.
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) =>
          (i % 2 ? a : b).execute(order(ids[i % 5]!, 'SELL', 1, `mix-${i}`), () => tick),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
      const refused = results.filter(
        (r) => r.status === 'rejected' && r.reason instanceof InsufficientFundsError,
      );
      expect(refused).toHaveLength(100);
      for (const id of ids) expect((await a.portfolio(id))?.usdCents).toBe(0);
    } finally {
      await b.close();
      await a.close();
      await log.close();
      t.cleanup();
    }
  });
  it('reruns a batch whose account changed after its read: fresh rows, then under row locks', async () => {
    const t = tempDir('corriente-ledger-batch-');
    const log = await DiskEventLog.open({ dir: path.join(t.dir, 'log'), stream: 'fx' });
    const other = new PostgresFxLedger({ pool, eventLog: log, relay: false });
    // Another instance executes an order for the same user between this ledger's read and its
    // write, on each of the first `races` reads.
    let races = 2;
    let reads = 0;
    const racing = new Proxy(pool, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return async (config: unknown, values?: unknown) => {
          const result = await (target.query as (c: unknown, v?: unknown) => Promise<unknown>)(
            config,
            values,
          );
          if ((config as { name?: string }).name === 'fx-ledger-read-batch') {
            reads++;
            if (races-- > 0) {
              await other.execute(order('usr-race', 'SELL', 1, `other-${reads}`), () => tick);
            }
          }
          return result;
        };
      },
    });
    const ledger = new PostgresFxLedger({ pool: racing, eventLog: log });
    try {
      await ledger.openUserAccount(
        { id: 'usr-race', name: 'Race', tokenSha256: 'r'.repeat(64), createdAt: tick.observedAt },
        { copCents: 0, usdCents: 3_00 },
      );
      // Read 1 sees 3 USD, read 2 sees 2 USD: both writes are refused (the account moved on).
      // The third attempt runs under row locks and sees the 1 USD left.
      const mine = await ledger.execute(order('usr-race', 'SELL', 1, 'mine'), () => tick);
      expect(mine.replayed).toBe(false);
      expect(reads).toBe(2);
      expect(ledger.stats).toMatchObject({ batches: 1, orders: 1, refused: 2, locked: 1 });
      expect((await ledger.portfolio('usr-race'))?.usdCents).toBe(0);
      await expect(
        ledger.execute(order('usr-race', 'SELL', 1, 'too-many'), () => tick),
      ).rejects.toBeInstanceOf(InsufficientFundsError);
      const keys = (await ledger.transactions('usr-race')).transactions
        .map((x) => x.idempotencyKey)
        .sort();
      expect(keys).toEqual(['mine', 'other-1', 'other-2']);
    } finally {
      await ledger.close();
      await other.close();
      await log.close();
      t.cleanup();
    }
  });
});
