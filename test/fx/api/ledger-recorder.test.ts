import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openFxDatabase } from '../../../src/fx/api/fx-database.js';
import { FxLedger, LedgerUnavailableError, requestHashOf } from '../../../src/fx/api/ledger.js';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import { tempDir } from '../../util/tmp.js';

function tick(): PriceTick {
  const now = new Date().toISOString();
  return {
    type: 'PriceTick',
    version: 1,
    id: newEventId(),
    source: 'test',
    bidCopCents: 400_000,
    askCopCents: 401_000,
    midCopCents: 400_500,
    observedAt: now,
    ingestedAt: now,
  };
}

const order = (userId: string, key: string, amountUsdCents = 100) => ({
  userId,
  side: 'BUY' as const,
  amountUsdCents,
  idempotencyKey: key,
  requestHash: requestHashOf('BUY', amountUsdCents),
});

async function open(dir: string, options: { recordOnThread?: boolean } = {}) {
  const log = await DiskEventLog.open({ dir: path.join(dir, 'eventlog'), stream: 'fx-events' });
  const db = openFxDatabase(path.join(dir, 'fx', 'ledger.db'));
  // A group waits a long time: only a read or close records it, so the test sees the window.
  const ledger = await FxLedger.open({ db, eventLog: log, commitDelayMs: 60_000, ...options });
  return { log, db, ledger };
}

describe('FxLedger records SQLite behind the log', () => {
  it('answers a replay before its group is recorded, and every read sees its own writes', async () => {
    const tmp = tempDir('corriente-ledger-');
    try {
      const { log, db, ledger } = await open(tmp.dir);
      await ledger.openAccount({ userId: 'u1', copCents: 1_000_000_00, usdCents: 0 });
      const first = await ledger.execute(order('u1', 'k1'), tick);
      // Not in SQLite yet (the group waits), as another connection sees it.
      const other = new BetterSqlite3(path.join(tmp.dir, 'fx', 'ledger.db'), { readonly: true });
      const count = () =>
        other.prepare('SELECT count(*) FROM ledger_transactions').pluck().get() as number;
      expect(count()).toBe(0);
      const again = await ledger.execute(order('u1', 'k1'), tick);
      expect(again).toEqual({ replayed: true, transaction: first.transaction });
      await expect(ledger.execute(order('u1', 'k1', 200), tick)).rejects.toThrow(
        /already used with a different request body/,
      );
      expect(ledger.portfolio('u1')).toMatchObject({ usdCents: 100, buyCount: 1 });
      // A read records what was appended before it.
      const page = await ledger.transactions('u1');
      expect(page.transactions.map((t) => t.idempotencyKey)).toEqual(['k1']);
      expect(count()).toBe(1);
      const checkpoint = other
        .prepare("SELECT value FROM ledger_meta WHERE key = 'checkpoint'")
        .pluck()
        .get();
      expect(checkpoint).toBe('00000000000000000002');
      other.close();
      await ledger.close();
      db.close();
      await log.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('records the waiting group on close; a reopen has nothing to catch up', async () => {
    const tmp = tempDir('corriente-ledger-');
    try {
      let h = await open(tmp.dir);
      await h.ledger.openAccount({ userId: 'u1', copCents: 1_000_000_00, usdCents: 0 });
      for (let i = 0; i < 20; i++) await h.ledger.execute(order('u1', `k${i}`), tick);
      await h.ledger.close();
      h.db.close();
      await h.log.close();
      h = await open(tmp.dir);
      expect(await h.ledger.catchUp()).toBe(0);
      expect(h.ledger.portfolio('u1')).toMatchObject({ usdCents: 2000, buyCount: 20 });
      expect((await h.ledger.transactions('u1', { limit: 100 })).transactions).toHaveLength(20);
      await h.ledger.close();
      h.db.close();
      await h.log.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses work after a failure to record, and a reopen catches up from the log', async () => {
    const tmp = tempDir('corriente-ledger-');
    try {
      let h = await open(tmp.dir, { recordOnThread: false });
      await h.ledger.openAccount({ userId: 'u1', copCents: 1_000_000_00, usdCents: 0 });
      const done = await h.ledger.execute(order('u1', 'k1'), tick);
      h.db.close(); // the group can no longer be recorded
      await expect(h.ledger.transactions('u1')).rejects.toBeInstanceOf(LedgerUnavailableError);
      await expect(h.ledger.execute(order('u1', 'k2'), tick)).rejects.toBeInstanceOf(
        LedgerUnavailableError,
      );
      await h.ledger.close();
      await h.log.close();
      h = await open(tmp.dir);
      expect(h.ledger.portfolio('u1')).toMatchObject({ usdCents: 100 });
      const replay = await h.ledger.execute(order('u1', 'k1'), tick);
      expect(replay).toEqual({ replayed: true, transaction: done.transaction });
      await h.ledger.close();
      h.db.close();
      await h.log.close();
    } finally {
      tmp.cleanup();
    }
  });
});
