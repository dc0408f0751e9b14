import { afterEach, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import {
  fxEventSchema,
  newEventId,
  totalCopCents,
  type TransactionExecuted,
} from '../../../src/fx/events.js';
import { openFxDatabase } from '../../../src/fx/api/fx-database.js';
import { FxLedger, requestHashOf } from '../../../src/fx/api/ledger.js';
import {
  applyPortfolioEvent,
  isPortfolioEvent,
  type Portfolio,
} from '../../../src/fx/portfolio/portfolio.js';
import { buildFxApp } from '../../../src/fx/api/app.js';
import { openHarness, postTx, type Harness } from './harness.js';
import { tempDir } from '../../util/tmp.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function foldLog(log: DiskEventLog) {
  const events = (await log.read(undefined, { max: 100_000 })).records.map((r) =>
    fxEventSchema.parse(parseJson(r)),
  );
  const portfolios = new Map<string, Portfolio>();
  for (const e of events) {
    if (!isPortfolioEvent(e)) continue;
    portfolios.set(e.userId, applyPortfolioEvent(portfolios.get(e.userId), e));
  }
  return { events, portfolios };
}

describe('concurrency', () => {
  it('200 parallel buys of one user with funds for exactly K: K succeed, the rest 409, never overdrawn', async () => {
    h = await openHarness();
    h.tick(4000, 4000);
    const K = 37;
    const u = await h.user(K * 4000); // each BUY of 1 USD costs 4000 COP
    const other = await h.user(1_000_000, 0, 'other');
    const results = await Promise.all([
      ...Array.from({ length: 200 }, (_, i) =>
        postTx(h!.app, u.token, `key-${i}`, { side: 'BUY', amountUsd: 1 }),
      ),
      // Another user in parallel is not blocked by the first.
      ...Array.from({ length: 20 }, (_, i) =>
        postTx(h!.app, other.token, `o-${i}`, { side: 'BUY', amountUsd: 1 }),
      ),
    ]);
    const mine = results.slice(0, 200);
    expect(mine.filter((r) => r.statusCode === 201)).toHaveLength(K);
    expect(mine.filter((r) => r.statusCode === 409)).toHaveLength(200 - K);
    expect(results.slice(200).every((r) => r.statusCode === 201)).toBe(true);
    const p = h.ledger.portfolio(u.id)!;
    expect(p.copCents).toBe(0);
    expect(p.usdCents).toBe(K * 100);

    const { events, portfolios } = await foldLog(h.log);
    const accepted = mine.filter((r) => r.statusCode === 201).map((r) => r.json().id as string);
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    for (const id of accepted) expect(counts.get(id)).toBe(1);
    expect(
      events.filter((e) => e.type === 'TransactionExecuted' && e.userId === u.id),
    ).toHaveLength(K);
    // The ledger's balances equal the fold of the log (what the stream processor computes).
    for (const ledgerPortfolio of await h.ledger.allPortfolios()) {
      expect(ledgerPortfolio).toEqual(portfolios.get(ledgerPortfolio.userId));
    }
  });

  it('parallel replays of one key execute once', async () => {
    h = await openHarness();
    h.tick(4000, 4000);
    const u = await h.user(1_000_000);
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        postTx(h!.app, u.token, 'one', { side: 'BUY', amountUsd: 3 }),
      ),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(29);
    expect(h.ledger.portfolio(u.id)!.usdCents).toBe(300);
  });
});

describe('ledger catch-up', () => {
  it('applies events appended after the last recorded position (a crash after append)', async () => {
    const tmp = tempDir('corriente-fxledger-');
    try {
      h = await openHarness({}, tmp.dir);
      h.tick(4000, 4000);
      const u = await h.user(100_000);
      expect((await postTx(h.app, u.token, 'k1', { side: 'BUY', amountUsd: 1 })).statusCode).toBe(
        201,
      );
      // Simulate a crash between append and the SQLite update: append directly to the log.
      const event: TransactionExecuted = {
        type: 'TransactionExecuted',
        version: 1,
        id: newEventId(),
        userId: u.id,
        side: 'BUY',
        amountUsdCents: 500,
        priceCopCents: 400_000,
        totalCopCents: totalCopCents(500, 400_000),
        idempotencyKey: 'lost-response',
        requestHash: requestHashOf('BUY', 500),
        executedAt: new Date().toISOString(),
        ingestedAt: new Date().toISOString(),
      };
      await h.log.append({ partitionKey: u.id, data: Buffer.from(JSON.stringify(event)) });
      await h.app.close();
      // The old ledger never saw that append; closing it stops its SQLite writer thread, as the
      // crash would (a live thread could still write its last group after the reopen below).
      await h.ledger.close();
      h.db.close();
      await h.log.close();

      const log = await DiskEventLog.open({
        dir: path.join(tmp.dir, 'eventlog'),
        stream: 'fx-events',
      });
      const db = openFxDatabase(path.join(tmp.dir, 'fx', 'ledger.db'));
      const ledger = await FxLedger.open({ db, eventLog: log });
      expect(ledger.portfolio(u.id)).toMatchObject({
        usdCents: 600,
        copCents: 100_000_00 - 24_000_00,
      });
      // The idempotency record was rebuilt from the event: the client's retry replays it.
      const { FxUsers } = await import('../../../src/fx/api/users.js');
      const { SqlitePriceBook } =
        await import('../../../src/fx/prices/sqlite/sqlite-price-book.js');
      const app = await buildFxApp({
        ...h.deps,
        ledger,
        users: new FxUsers(db),
        priceBook: new SqlitePriceBook({ db: db }),
      });
      const retry = await postTx(app, u.token, 'lost-response', { side: 'BUY', amountUsd: 5 });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().id).toBe(event.id);
      // Reopening again applies nothing twice.
      expect(await ledger.catchUp()).toBe(0);
      await app.close();
      db.close();
      await log.close();
      const again = await FxLedger.open({
        db: openFxDatabase(path.join(tmp.dir, 'fx', 'ledger.db')),
        eventLog: await DiskEventLog.open({
          dir: path.join(tmp.dir, 'eventlog'),
          stream: 'fx-events',
          readOnly: true,
        }),
      });
      expect(again.portfolio(u.id)!.usdCents).toBe(600);
      h = undefined;
    } finally {
      tmp.cleanup();
    }
  });
});
