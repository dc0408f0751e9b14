import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AccountAlreadyOpenError,
  AccountNotOpenError,
  applyPortfolioEvent,
  InsufficientFundsError,
  InvalidCursorError,
  InvalidPortfolioEventError,
  listAllPortfolios,
  type Portfolio,
  type PortfolioEvent,
  type PortfolioStore,
} from '../../../src/fx/portfolio/index.js';
import { buy, opened, randomHistory, referencePortfolios, sell } from './fixtures.js';

export interface MadePortfolioStore {
  /** An empty store, isolated from the stores of other tests. */
  store: PortfolioStore;
  /** Opens another store on the same data (another connection / client): a second writer. */
  openSibling: () => Promise<PortfolioStore>;
  cleanup: () => Promise<void>;
}

export type MakePortfolioStore = () => Promise<MadePortfolioStore>;

/** The PortfolioStore contract: every adapter runs this suite. */
export function portfolioStoreContract(name: string, make: MakePortfolioStore): void {
  describe(`PortfolioStore contract: ${name}`, () => {
    let store: PortfolioStore;
    let openSibling: () => Promise<PortfolioStore>;
    let cleanup: () => Promise<void>;
    const siblings: PortfolioStore[] = [];

    beforeEach(async () => {
      ({ store, openSibling, cleanup } = await make());
    });
    afterEach(async () => {
      for (const s of siblings.splice(0)) await s.close();
      await store.close();
      await cleanup();
    });

    async function sibling(): Promise<PortfolioStore> {
      const s = await openSibling();
      siblings.push(s);
      return s;
    }

    async function all(s: PortfolioStore = store, limit?: number): Promise<Portfolio[]> {
      const out: Portfolio[] = [];
      for await (const p of listAllPortfolios(s, limit)) out.push(p);
      return out.sort(byUserId);
    }

    function rejection(promise: Promise<unknown>): Promise<unknown> {
      return promise.then(
        () => {
          throw new Error('expected a rejection');
        },
        (err: unknown) => err,
      );
    }

    describe('get and apply', () => {
      it('an unknown user has no portfolio', async () => {
        expect(await store.get('nobody')).toBeUndefined();
        expect((await store.list()).portfolios).toEqual([]);
      });

      it('open account then transactions give exact balances, average cost and realized P&L', async () => {
        const events = [
          opened('ana', 10_000_000_00),
          buy('ana', 100_00, 4000_00),
          buy('ana', 50_00, 4100_00),
          sell('ana', 30_00, 4200_00),
        ];
        const results = [];
        for (const e of events) results.push(await store.apply(e));
        expect(results.map((r) => r.applied)).toEqual([true, true, true, true]);
        const expected: Portfolio = {
          userId: 'ana',
          copCents: 9_521_000_00,
          usdCents: 120_00,
          costBasisCopCents: 484_000_00,
          avgCostCopCents: 4033_33,
          realizedPnlCopCents: 5_000_00,
          buyCount: 2,
          sellCount: 1,
          boughtUsdCents: 150_00,
          soldUsdCents: 30_00,
          boughtCopCents: 605_000_00,
          soldCopCents: 126_000_00,
          openedAt: events[0]!.type === 'AccountOpened' ? events[0]!.openedAt : '',
          lastEventId: events[3]!.id,
          lastTransactionAt: (events[3] as { executedAt: string }).executedAt,
          version: 4,
          updatedAt: (events[3] as { executedAt: string }).executedAt,
        };
        expect(results[3]!.portfolio).toEqual(expected);
        expect(await store.get('ana')).toEqual(expected);
        expect(await store.get('bob')).toBeUndefined();
      });

      it('keeps users apart', async () => {
        await store.apply(opened('ana', 1_000_000_00));
        await store.apply(opened('bob', 2_000_000_00, 10_00));
        await store.apply(buy('ana', 10_00, 4000_00));
        expect((await store.get('ana'))?.usdCents).toBe(10_00);
        expect((await store.get('bob'))?.usdCents).toBe(10_00);
        expect((await store.get('bob'))?.copCents).toBe(2_000_000_00);
      });
    });

    describe('idempotency', () => {
      it('applying the same event twice changes nothing and reports applied: false', async () => {
        const o = opened('ana', 1_000_000_00);
        const b = buy('ana', 10_00, 4000_00);
        await store.apply(o);
        const first = await store.apply(b);
        const second = await store.apply(b);
        expect(first.applied).toBe(true);
        expect(second).toEqual({ applied: false, portfolio: first.portfolio });
        expect(await store.apply(o)).toEqual({ applied: false, portfolio: first.portfolio });
        expect(await store.get('ana')).toEqual(first.portfolio);
        expect(first.portfolio.version).toBe(2);
      });

      it('a duplicate is reported as such even when it would now overdraw', async () => {
        await store.apply(opened('ana', 40_000_00));
        const b = buy('ana', 10_00, 4000_00); // spends every centavo
        await store.apply(b);
        expect((await store.apply(b)).applied).toBe(false);
      });

      it('a batch skips events applied before and duplicates inside the batch', async () => {
        const o = opened('ana', 1_000_000_00);
        const b1 = buy('ana', 10_00, 4000_00);
        const b2 = buy('ana', 5_00, 4100_00);
        const s1 = sell('ana', 3_00, 4200_00);
        await store.apply(o);
        await store.apply(b1);
        const result = await store.applyBatch([b1, b2, o, b2, s1, s1, b1]);
        expect(result.outcomes.map((r) => [r.eventId, r.status])).toEqual([
          [b1.id, 'duplicate'],
          [b2.id, 'applied'],
          [o.id, 'duplicate'],
          [b2.id, 'duplicate'],
          [s1.id, 'applied'],
          [s1.id, 'duplicate'],
          [b1.id, 'duplicate'],
        ]);
        expect(result).toMatchObject({ applied: 2, duplicates: 5, rejected: 0 });
        expect(await store.get('ana')).toEqual(referencePortfolios([o, b1, b2, s1]).get('ana'));
        const again = await store.applyBatch([o, b1, b2, s1]);
        expect(again).toMatchObject({ applied: 0, duplicates: 4, rejected: 0 });
        expect((await store.get('ana'))?.version).toBe(4);
      });

      it('an empty batch does nothing', async () => {
        expect(await store.applyBatch([])).toEqual({
          applied: 0,
          duplicates: 0,
          rejected: 0,
          outcomes: [],
        });
      });
    });

    describe('refused events', () => {
      it('an overdraft is refused with InsufficientFundsError and nothing changes', async () => {
        await store.apply(opened('ana', 100_000_00, 5_00));
        await store.apply(buy('ana', 10_00, 4000_00));
        const before = await store.get('ana');
        const tooBig = buy('ana', 20_00, 4000_00); // 80,000.00 COP; 60,000.00 left
        const err = await rejection(store.apply(tooBig));
        expect(err).toBeInstanceOf(InsufficientFundsError);
        expect(err).toMatchObject({
          currency: 'COP',
          requiredCents: 80_000_00,
          availableCents: 60_000_00,
          userId: 'ana',
          eventId: tooBig.id,
        });
        const tooMuchUsd = sell('ana', 15_01, 4000_00);
        expect(await rejection(store.apply(tooMuchUsd))).toMatchObject({
          name: 'InsufficientFundsError',
          currency: 'USD',
          requiredCents: 15_01,
          availableCents: 15_00,
        });
        expect(await store.get('ana')).toEqual(before);
      });

      it('in a batch, a refused event is reported and the others apply', async () => {
        const o = opened('ana', 100_000_00);
        const ok1 = buy('ana', 10_00, 4000_00);
        const over = buy('ana', 20_00, 4000_00);
        const ok2 = sell('ana', 5_00, 4100_00);
        const bobOpen = opened('bob', 1_00);
        const result = await store.applyBatch([o, ok1, over, bobOpen, ok2]);
        expect(result).toMatchObject({ applied: 4, duplicates: 0, rejected: 1 });
        const refused = result.outcomes[2]!;
        expect(refused).toMatchObject({ eventId: over.id, userId: 'ana', status: 'rejected' });
        expect(refused.error).toBeInstanceOf(InsufficientFundsError);
        expect(await store.get('ana')).toEqual(referencePortfolios([o, ok1, ok2]).get('ana'));
        expect((await store.get('bob'))?.copCents).toBe(1_00);
      });

      it('a refusal is recorded: a redelivery reports it as a duplicate, even once funds allow', async () => {
        await store.apply(opened('ana', 30_000_00, 10_00));
        const b = buy('ana', 10_00, 4000_00); // 40,000.00 COP
        const s = sell('ana', 5_00, 4000_00); // +20,000.00 COP
        await expect(store.apply(b)).rejects.toBeInstanceOf(InsufficientFundsError);
        await store.apply(s);
        const before = await store.get('ana');
        // The stream redelivers [b, s] after a crash: b must not be judged again after s.
        expect(await store.applyBatch([b, s])).toMatchObject({ applied: 0, duplicates: 2 });
        expect(await store.apply(b)).toEqual({ applied: false, portfolio: before });
        expect(await store.get('ana')).toEqual(before);
      });

      it('a batch retried after a partial failure ends as if it ran once', async () => {
        const events = randomHistory(21, 5, 80);
        const reference = referencePortfolios(events);
        // As if the processor had stored the first half of some users and crashed.
        await store.applyBatch(events.slice(0, 50));
        const retried = await store.applyBatch(events);
        expect(retried.applied + retried.duplicates + retried.rejected).toBe(events.length);
        expect(await all()).toEqual([...reference.values()].sort(byUserId));
      });

      it('a TransactionExecuted for a user without AccountOpened is a clear error', async () => {
        const t = buy('carla', 1_00, 4000_00);
        const err = await rejection(store.apply(t));
        expect(err).toBeInstanceOf(AccountNotOpenError);
        expect((err as Error).message).toContain('carla');
        expect((err as Error).message).toContain(t.id);
        expect(await store.get('carla')).toBeUndefined();
        const result = await store.applyBatch([t]);
        expect(result.outcomes[0]).toMatchObject({ status: 'rejected', userId: 'carla' });
        expect(result.outcomes[0]!.error).toBeInstanceOf(AccountNotOpenError);
        expect(await store.get('carla')).toBeUndefined();
        expect((await store.list()).portfolios).toEqual([]);
      });

      it('a second AccountOpened with another id is refused', async () => {
        await store.apply(opened('ana', 1_00));
        await expect(store.apply(opened('ana', 9_99))).rejects.toBeInstanceOf(
          AccountAlreadyOpenError,
        );
        expect((await store.get('ana'))?.copCents).toBe(1_00);
      });

      it('an invalid event is refused with InvalidPortfolioEventError', async () => {
        await store.apply(opened('ana', 1_000_000_00));
        const bad = { ...buy('ana', 1_00, 4000_00), totalCopCents: 1 };
        await expect(store.apply(bad)).rejects.toBeInstanceOf(InvalidPortfolioEventError);
        const ok = buy('ana', 1_00, 4000_00);
        const result = await store.applyBatch([bad, ok]);
        expect(result.outcomes.map((o) => o.status)).toEqual(['rejected', 'applied']);
        expect(result.outcomes[0]!.error?.message).toContain('totalCopCents');
        expect((await store.get('ana'))?.buyCount).toBe(1);
      });
    });

    describe('list', () => {
      it('pages through every portfolio exactly once', async () => {
        const users = Array.from({ length: 23 }, (_, i) => `u${String(i).padStart(2, '0')}`);
        await store.applyBatch(users.map((u, i) => opened(u, (i + 1) * 100)));
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ limit: 5, ...(cursor ? { cursor } : {}) });
          expect(page.portfolios.length).toBeLessThanOrEqual(5);
          seen.push(...page.portfolios.map((p) => p.userId));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBeGreaterThanOrEqual(5);
        expect(seen.sort()).toEqual(users);
        const listed = await all(store, 7);
        expect(listed.map((p) => p.copCents)).toEqual(users.map((_, i) => (i + 1) * 100));
        for (const p of listed.slice(0, 3)) expect(await store.get(p.userId)).toEqual(p);
        expect((await store.list({ limit: 1000 })).portfolios).toHaveLength(23);
      });

      it('refuses a foreign cursor and a bad limit', async () => {
        await expect(store.list({ cursor: 'not a cursor!' })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
        await expect(store.list({ cursor: 'eHl6' })).rejects.toBeInstanceOf(InvalidCursorError);
        for (const limit of [0, -1, 1.5, 1001]) {
          await expect(store.list({ limit })).rejects.toThrow(/limit/);
        }
      });
    });

    describe('concurrency', () => {
      it('concurrent applies of distinct events for one user all land exactly once', async () => {
        await store.apply(opened('ana', 1_000_000_000_00));
        const other = await sibling();
        const buys = Array.from({ length: 24 }, (_, i) => buy('ana', 1_00 + i, 4000_00 + i));
        const results = await Promise.all(buys.map((b, i) => (i % 2 ? other : store).apply(b)));
        expect(results.every((r) => r.applied)).toBe(true);
        const p = await store.get('ana');
        expect(p).toMatchObject({
          buyCount: 24,
          version: 25,
          usdCents: buys.reduce((s, b) => s + b.amountUsdCents, 0),
          costBasisCopCents: buys.reduce((s, b) => s + b.totalCopCents, 0),
          copCents: 1_000_000_000_00 - buys.reduce((s, b) => s + b.totalCopCents, 0),
        });
        // The same event raced from many promises is applied once.
        const s = sell('ana', 1_00, 4000_00);
        const raced = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).apply(s)),
        );
        expect(raced.filter((r) => r.applied)).toHaveLength(1);
        expect((await other.get('ana'))?.sellCount).toBe(1);
      });

      it('concurrent writers can never overdraw', async () => {
        await store.apply(opened('ana', 0, 100_00));
        const other = await sibling();
        const sells = Array.from({ length: 10 }, () => sell('ana', 20_00, 4000_00));
        const settled = await Promise.allSettled(
          sells.map((e, i) => (i % 2 ? other : store).apply(e)),
        );
        const ok = settled.filter((r) => r.status === 'fulfilled');
        const refused = settled.filter((r) => r.status === 'rejected');
        expect(ok).toHaveLength(5);
        expect(refused).toHaveLength(5);
        for (const r of refused) expect(r.reason).toBeInstanceOf(InsufficientFundsError);
        expect(await store.get('ana')).toMatchObject({
          usdCents: 0,
          copCents: 5 * 80_000_00,
          sellCount: 5,
          version: 6,
        });
      });

      it('concurrent overlapping batches apply each event exactly once', async () => {
        const events = randomHistory(11, 6, 120);
        const other = await sibling();
        // Opening events first, so every batch finds its accounts.
        await store.applyBatch(events.slice(0, 6));
        const rest = events.slice(6);
        const batches = [rest.slice(0, 60), rest.slice(30, 90), rest.slice(60), rest.slice(0, 40)];
        const results = await Promise.all(
          batches.map((b, i) => (i % 2 ? other : store).applyBatch(b)),
        );
        const applied = results.reduce((s, r) => s + r.applied, 0);
        const byUser = await all();
        const versions = byUser.reduce((s, p) => s + p.version - 1, 0);
        expect(applied).toBe(versions);
        const appliedIds = results.flatMap((r) =>
          r.outcomes.filter((o) => o.status === 'applied').map((o) => o.eventId),
        );
        expect(new Set(appliedIds).size).toBe(appliedIds.length);
        // Whatever the interleaving, balances are consistent with the events that landed.
        for (const p of byUser) {
          expect(p.copCents).toBeGreaterThanOrEqual(0);
          expect(p.usdCents).toBeGreaterThanOrEqual(0);
          expect(p.version).toBe(1 + p.buyCount + p.sellCount);
        }
      });
    });

    describe('replay', () => {
      it('replaying the same events into a cleared store produces identical portfolios', async () => {
        const events = randomHistory(3, 15, 400);
        for (let at = 0; at < events.length; at += 50) {
          await store.applyBatch(events.slice(at, at + 50));
        }
        const first = await all();
        expect(first).toEqual(
          [...referencePortfolios(events).values()].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
        );
        await store.clear();
        expect(await store.get(first[0]!.userId)).toBeUndefined();
        expect((await store.list()).portfolios).toEqual([]);
        // Replay in other batch sizes and with one-at-a-time applies.
        await store.applyBatch(events.slice(0, 333));
        for (const e of events.slice(333, 360)) await store.apply(e).catch(() => undefined);
        await store.applyBatch(events.slice(360));
        expect(await all()).toEqual(first);
        // And the cleared ledger was rebuilt: a second replay changes nothing.
        const again = await store.applyBatch(events);
        expect(again.applied).toBe(0);
        expect(await all()).toEqual(first);
      });

      it('clear empties the store, including the record of applied events', async () => {
        const o = opened('ana', 1_00);
        await store.apply(o);
        await store.clear();
        expect(await store.get('ana')).toBeUndefined();
        expect((await store.apply(o)).applied).toBe(true);
      });
    });

    it('a long history reconciles with the pure fold', async () => {
      const events: PortfolioEvent[] = randomHistory(5, 40, 1500);
      const result = await store.applyBatch(events);
      const reference = referencePortfolios(events);
      expect(result.applied).toBe([...reference.values()].reduce((s, p) => s + p.version, 0));
      expect(result.applied + result.rejected).toBe(events.length);
      expect(result.rejected).toBeGreaterThan(0);
      for (const [userId, p] of reference) expect(await store.get(userId)).toEqual(p);
      // The reference and the store agree with a fold done event by event.
      const first = reference.values().next().value!;
      const mine = events.filter((e) => e.userId === first.userId);
      let folded: Portfolio | undefined;
      for (const e of mine) {
        try {
          folded = applyPortfolioEvent(folded, e);
        } catch {
          // refused events are skipped, as the store does
        }
      }
      expect(folded).toEqual(first);
    });
  });
}

function byUserId(a: Portfolio, b: Portfolio): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}
