import * as path from 'node:path';
import { expect, it } from 'vitest';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { createPgPool, migratePostgres } from '../../../src/core/state/postgres/index.js';
import { createFxUser } from '../../../src/fx/api/create-user.js';
import { openFxDatabase } from '../../../src/fx/api/fx-database.js';
import {
  FxLedger,
  IdempotencyConflictError,
  requestHashOf,
  type ExecuteInput,
} from '../../../src/fx/api/ledger.js';
import type { FxLedgerPort, FxUsersPort } from '../../../src/fx/api/ledger-port.js';
import { FX_API_MIGRATIONS } from '../../../src/fx/api/postgres/migrations.js';
import { PostgresFxLedger } from '../../../src/fx/api/postgres/postgres-fx-ledger.js';
import { PostgresFxUsers } from '../../../src/fx/api/postgres/postgres-fx-users.js';
import { FxUsers } from '../../../src/fx/api/users.js';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import {
  AccountNotOpenError,
  InsufficientFundsError,
} from '../../../src/fx/portfolio/portfolio.js';
import { stateContract } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';

interface LedgerUnderTest {
  ledger: FxLedgerPort;
  users: FxUsersPort;
  log: DiskEventLog;
  /** Closes the ledger (for PostgreSQL: its relay carries the outbox to the log first). */
  closeLedger(): Promise<void>;
}

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
const quote = (): PriceTick => tick;

const order = (userId: string, side: 'BUY' | 'SELL', usd: number, key: string): ExecuteInput => ({
  userId,
  side,
  amountUsdCents: usd * 100,
  idempotencyKey: key,
  requestHash: requestHashOf(side, usd * 100),
});

stateContract<LedgerUnderTest>(
  'FxLedger',
  {
    async sqlite() {
      const t = tempDir('corriente-ledger-contract-');
      const log = await DiskEventLog.open({ dir: path.join(t.dir, 'log'), stream: 'fx' });
      const db = openFxDatabase(path.join(t.dir, 'ledger.db'));
      const ledger = await FxLedger.open({ db, eventLog: log });
      const users = new FxUsers(db);
      let closed = false;
      const closeLedger = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        await ledger.close();
      };
      return {
        adapter: { ledger, users, log, closeLedger },
        async close() {
          await closeLedger();
          db.close();
          await log.close();
          t.cleanup();
        },
      };
    },
    async postgres(url) {
      const t = tempDir('corriente-ledger-contract-');
      const log = await DiskEventLog.open({ dir: path.join(t.dir, 'log'), stream: 'fx' });
      const pool = createPgPool({ url, poolSize: 8 });
      await migratePostgres(pool, FX_API_MIGRATIONS);
      // Another test of this file may have left rows in the shared outbox: start clean.
      await pool.query('DELETE FROM fx_outbox');
      const ledger = new PostgresFxLedger({ pool, eventLog: log });
      let closed = false;
      const closeLedger = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        await ledger.close();
      };
      return {
        adapter: { ledger, users: new PostgresFxUsers({ pool }), log, closeLedger },
        async close() {
          await closeLedger();
          await pool.end();
          await log.close();
          t.cleanup();
        },
      };
    },
  },
  (open) => {
    it('opens an account with its user, who signs in with the token', async () => {
      const { adapter, close } = await open();
      try {
        const c = await createFxUser(adapter, {
          name: 'Ana',
          copCents: 1_000_000_00,
          usdCents: 5_00,
        });
        expect(c.user.name).toBe('Ana');
        expect(await adapter.users.authenticate(c.token)).toEqual(c.user);
        expect(await adapter.users.authenticate('no-es-un-token')).toBeUndefined();
        expect(await adapter.users.get(c.user.id)).toEqual(c.user);
        const p = await adapter.ledger.portfolio(c.user.id);
        expect(p).toMatchObject({ userId: c.user.id, copCents: 1_000_000_00, usdCents: 5_00 });
        expect(await adapter.ledger.portfolio('u_nadie')).toBeUndefined();
        const page = await adapter.users.list({ limit: 1000 });
        expect(page.users.map((u) => u.id)).toContain(c.user.id);
      } finally {
        await close();
      }
    });

    it('executes at the bid and ask, refuses overdrafts and unknown accounts', async () => {
      const { adapter, close } = await open();
      try {
        const { user } = await createFxUser(adapter, { name: 'Beto', copCents: 100_000_00 });
        const buy = await adapter.ledger.execute(order(user.id, 'BUY', 10, 'k1'), quote);
        expect(buy.replayed).toBe(false);
        expect(buy.transaction).toMatchObject({ side: 'BUY', priceCopCents: 4_010_00 });
        expect(buy.transaction.totalCopCents).toBe(40_100_00);
        const sell = await adapter.ledger.execute(order(user.id, 'SELL', 4, 'k2'), quote);
        expect(sell.transaction.priceCopCents).toBe(4_000_00);
        expect(await adapter.ledger.portfolio(user.id)).toMatchObject({
          usdCents: 6_00,
          copCents: 100_000_00 - 40_100_00 + 16_000_00,
        });
        await expect(
          adapter.ledger.execute(order(user.id, 'SELL', 7, 'k3'), quote),
        ).rejects.toBeInstanceOf(InsufficientFundsError);
        await expect(
          adapter.ledger.execute(order('u_nadie', 'BUY', 1, 'k1'), quote),
        ).rejects.toBeInstanceOf(AccountNotOpenError);
        expect((await adapter.ledger.portfolio(user.id))?.usdCents).toBe(6_00);
      } finally {
        await close();
      }
    });

    it('replays a key with the same request and refuses it with another', async () => {
      const { adapter, close } = await open();
      try {
        const { user } = await createFxUser(adapter, { name: 'Caro', copCents: 100_000_00 });
        const first = await adapter.ledger.execute(order(user.id, 'BUY', 2, 'igual'), quote);
        const again = await adapter.ledger.execute(order(user.id, 'BUY', 2, 'igual'), quote);
        expect(again).toEqual({ replayed: true, transaction: first.transaction });
        await expect(
          adapter.ledger.execute(order(user.id, 'BUY', 3, 'igual'), quote),
        ).rejects.toBeInstanceOf(IdempotencyConflictError);
        expect((await adapter.ledger.portfolio(user.id))?.usdCents).toBe(2_00);
      } finally {
        await close();
      }
    });

    it('pages transactions newest first and hides other users’ ones', async () => {
      const { adapter, close } = await open();
      try {
        const { user } = await createFxUser(adapter, { name: 'Dani', copCents: 1_000_000_00 });
        const { user: other } = await createFxUser(adapter, { name: 'Eva', copCents: 0 });
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push(
            (await adapter.ledger.execute(order(user.id, 'BUY', 1, `p${i}`), quote)).transaction.id,
          );
        }
        const p1 = await adapter.ledger.transactions(user.id, { limit: 3 });
        expect(p1.transactions.map((t) => t.id)).toEqual(ids.slice(2).reverse());
        const p2 = await adapter.ledger.transactions(user.id, { limit: 3, cursor: p1.nextCursor! });
        expect(p2.transactions.map((t) => t.id)).toEqual(ids.slice(0, 2).reverse());
        expect(p2.nextCursor).toBeUndefined();
        expect((await adapter.ledger.transaction(user.id, ids[0]!))?.id).toBe(ids[0]);
        expect(await adapter.ledger.transaction(other.id, ids[0]!)).toBeUndefined();
        const all = await adapter.ledger.allPortfolios();
        expect(all.map((p) => p.userId)).toEqual(expect.arrayContaining([user.id, other.id]));
      } finally {
        await close();
      }
    });

    it('never overdraws under concurrent orders, and every event reaches the log once', async () => {
      const { adapter, close } = await open();
      try {
        const { user } = await createFxUser(adapter, { name: 'Fer', usdCents: 20_00 });
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            adapter.ledger.execute(order(user.id, 'SELL', 1, `c${i}`), quote),
          ),
        );
        const ok = results.filter((r) => r.status === 'fulfilled');
        const refused = results.filter(
          (r) => r.status === 'rejected' && r.reason instanceof InsufficientFundsError,
        );
        expect(ok).toHaveLength(20);
        expect(refused).toHaveLength(30);
        expect((await adapter.ledger.portfolio(user.id))?.usdCents).toBe(0);
        await adapter.closeLedger();
        const page = await adapter.log.read(undefined, { max: 10_000 });
        const mine = page.records
          .map((r) => parseJson(r) as { id: string; type: string; userId?: string })
          .filter((e) => e.userId === user.id);
        expect(mine.filter((e) => e.type === 'AccountOpened')).toHaveLength(1);
        expect(mine.filter((e) => e.type === 'TransactionExecuted')).toHaveLength(20);
        expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
      } finally {
        await close();
      }
    });
  },
);
