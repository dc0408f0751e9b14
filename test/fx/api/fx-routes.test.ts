import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/core/event-log/event-log.js';
import { fxEventSchema } from '../../../src/fx/events.js';
import { InvalidLedgerEventError, requestHashOf } from '../../../src/fx/api/ledger.js';
import { ADMIN_TOKEN, openHarness, postTx, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

async function events() {
  const page = await h.log.read(undefined, { max: 10_000 });
  return page.records.map((r) => fxEventSchema.parse(parseJson(r)));
}

describe('POST /transactions', () => {
  it('buys at the ask and sells at the bid, in units with decimals', async () => {
    h.tick(4000, 4010.5);
    const u = await h.user(1_000_000, 10);
    const buy = await postTx(h.app, u.token, 'k1', { side: 'BUY', amountUsd: 100.25 });
    expect(buy.statusCode).toBe(201);
    const b = buy.json();
    expect(b).toMatchObject({
      side: 'BUY',
      amountUsd: 100.25,
      priceCop: 4010.5,
      totalCop: 402052.63,
    });
    expect(b.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(Date.parse(b.executedAt)).toBeGreaterThan(0);
    const sell = await postTx(h.app, u.token, 'k2', { side: 'SELL', amountUsd: 110.25 });
    expect(sell.statusCode).toBe(201);
    expect(sell.json()).toMatchObject({ priceCop: 4000, totalCop: 441000 });
    const txs = (await events()).filter((e) => e.type === 'TransactionExecuted');
    expect(txs.map((t) => t.id)).toEqual([b.id, sell.json().id]);
    expect(txs[0]).toMatchObject({
      userId: u.id,
      amountUsdCents: 10025,
      priceCopCents: 401050,
      idempotencyKey: 'k1',
    });
    const p = h.ledger.portfolio(u.id)!;
    expect(p.usdCents).toBe(0);
    expect(p.copCents).toBe(100_000_000 - 40_205_263 + 44_100_000);
  });

  it('refuses without a token or with a bad one (401 problem)', async () => {
    h.tick(4000, 4010);
    const none = await postTx(h.app, undefined, 'k', { side: 'BUY', amountUsd: 1 });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({
      status: 401,
      type: 'urn:corriente:problem:unauthenticated',
    });
    const bad = await postTx(h.app, 'crt_nope', 'k', { side: 'BUY', amountUsd: 1 });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().detail).toMatch(/not valid/);
    // The admin token is not a user token.
    expect((await postTx(h.app, ADMIN_TOKEN, 'k', { side: 'BUY', amountUsd: 1 })).statusCode).toBe(
      401,
    );
  });

  it.each([
    [{ side: 'HOLD', amountUsd: 1 }, 'side'],
    [{ side: 'BUY', amountUsd: 0 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: -5 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 1.005 }, 'amountUsd'],
    // Below one cent, or more than two decimals however close: refused, never rounded.
    [{ side: 'BUY', amountUsd: 1e-9 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 0.001 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 9.999999999 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 100.0000001 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 2_000_000 }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: '10' }, 'amountUsd'],
    [{ side: 'BUY' }, 'amountUsd'],
    [{ side: 'BUY', amountUsd: 1, extra: true }, 'body'],
    [[1, 2], 'body'],
  ])('refuses the invalid body %j naming %s (400)', async (body, field) => {
    h.tick(4000, 4010);
    const u = await h.user(1000);
    const res = await postTx(h.app, u.token, 'k', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('urn:corriente:problem:invalid-request');
    expect(res.json().detail).toContain(field);
    expect((await events()).filter((e) => e.type === 'TransactionExecuted')).toHaveLength(0);
  });

  it('refuses malformed JSON and a missing or too long Idempotency-Key (400)', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1000);
    const bad = await postTx(h.app, u.token, 'k', '{"side":');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('problem+json');
    const noKey = await postTx(h.app, u.token, undefined, { side: 'BUY', amountUsd: 1 });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().detail).toMatch(/Idempotency-Key/);
    const longKey = await postTx(h.app, u.token, 'x'.repeat(201), { side: 'BUY', amountUsd: 1 });
    expect(longKey.statusCode).toBe(400);
    expect(longKey.json().detail).toMatch(/Idempotency-Key/);
    expect(
      (await postTx(h.app, u.token, 'x'.repeat(200), { side: 'BUY', amountUsd: 0.01 })).statusCode,
    ).toBe(201);
  });

  it('answers 503 without a price or with a stale one, saying how old it is', async () => {
    const u = await h.user(1_000_000);
    const none = await postTx(h.app, u.token, 'k', { side: 'BUY', amountUsd: 1 });
    expect(none.statusCode).toBe(503);
    expect(none.json()).toMatchObject({ type: 'urn:corriente:problem:price-unavailable' });
    h.tick(4000, 4010, new Date(Date.now() - 600_000));
    const stale = await postTx(h.app, u.token, 'k', { side: 'BUY', amountUsd: 1 });
    expect(stale.statusCode).toBe(503);
    expect(stale.json().detail).toMatch(/is 600 s old/);
    expect(stale.json().lastPriceAgeSeconds).toBe(600);
  });

  it('answers 409 with required and available amounts on insufficient COP or USD', async () => {
    h.tick(4000, 4000);
    const u = await h.user(4000, 1);
    const cop = await postTx(h.app, u.token, 'k1', { side: 'BUY', amountUsd: 1.01 });
    expect(cop.statusCode).toBe(409);
    expect(cop.json()).toMatchObject({
      type: 'urn:corriente:problem:insufficient-funds',
      currency: 'COP',
      required: 4040,
      available: 4000,
    });
    const usd = await postTx(h.app, u.token, 'k2', { side: 'SELL', amountUsd: 2 });
    expect(usd.json()).toMatchObject({ status: 409, currency: 'USD', required: 2, available: 1 });
    expect((await postTx(h.app, u.token, 'k3', { side: 'BUY', amountUsd: 1 })).statusCode).toBe(
      201,
    );
  });

  it('replays the same key and body without executing again; 422 for a different body', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1_000_000);
    const first = await postTx(h.app, u.token, 'same', { side: 'BUY', amountUsd: 10 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    h.tick(4100, 4110); // a new price must not change the replayed answer
    const again = await postTx(h.app, u.token, 'same', { amountUsd: 10.0, side: 'BUY' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const other = await postTx(h.app, u.token, 'same', { side: 'BUY', amountUsd: 11 });
    expect(other.statusCode).toBe(422);
    expect(other.json().type).toBe('urn:corriente:problem:idempotency-conflict');
    expect((await events()).filter((e) => e.type === 'TransactionExecuted')).toHaveLength(1);
    expect(h.ledger.portfolio(u.id)!.usdCents).toBe(1000);
  });

  it('keeps idempotency keys per user', async () => {
    h.tick(4000, 4010);
    const a = await h.user(1_000_000, 0, 'A');
    const b = await h.user(1_000_000, 0, 'B');
    expect((await postTx(h.app, a.token, 'k', { side: 'BUY', amountUsd: 1 })).statusCode).toBe(201);
    const res = await postTx(h.app, b.token, 'k', { side: 'BUY', amountUsd: 2 });
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 413 problem for a body over the limit', async () => {
    await h.close();
    h = await openHarness({ bodyLimitBytes: 100 });
    h.tick(4000, 4010);
    const u = await h.user(1000);
    const res = await postTx(h.app, u.token, 'k', {
      side: 'BUY',
      amountUsd: 1,
      pad: 'x'.repeat(200),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('problem+json');
    expect(res.json().type).toBe('urn:corriente:problem:payload-too-large');
  });

  it('rate-limits per user with 429 problem and Retry-After', async () => {
    await h.close();
    h = await openHarness({ rateLimitPerMinute: 3 });
    h.tick(4000, 4010);
    const a = await h.user(1_000_000, 0, 'A');
    const b = await h.user(1_000_000, 0, 'B');
    const get = (token: string) =>
      h.app.inject({ url: '/api/fx/v1/portfolio', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await get(a.token)).statusCode).toBe(200);
    const limited = await get(a.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('problem+json');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().type).toBe('urn:corriente:problem:rate-limited');
    expect((await get(b.token)).statusCode).toBe(200); // another user has their own budget
  });
});

describe('GET /transactions/:id', () => {
  it("serves POST's Location to its owner only; 404 otherwise", async () => {
    h.tick(4000, 4010);
    const ana = await h.user(1_000_000);
    const luis = await h.user(1_000_000, 0, 'Luis');
    const post = await postTx(h.app, ana.token, 'loc-1', { side: 'BUY', amountUsd: 10 });
    expect(post.statusCode).toBe(201);
    const location = post.headers.location as string;
    expect(location).toBe(`/api/fx/v1/transactions/${post.json().id}`);
    const get = (token: string, url = location) =>
      h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const mine = await get(ana.token);
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual(post.json());
    expect((await get(luis.token)).statusCode).toBe(404);
    expect((await get(ana.token, '/api/fx/v1/transactions/nope')).json().type).toBe(
      'urn:corriente:problem:not-found',
    );
    expect((await h.app.inject({ method: 'GET', url: location })).statusCode).toBe(401);
  });
});

describe('the ledger checks every event before appending it', () => {
  it('refuses an event that breaks its schema: nothing reaches the log or the ledger', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1000);
    const execute = (amountUsdCents: number) =>
      h.ledger.execute(
        {
          userId: u.id,
          side: 'BUY',
          amountUsdCents,
          idempotencyKey: `k${amountUsdCents}`,
          requestHash: requestHashOf('BUY', amountUsdCents),
        },
        () => h.priceBook.latest()!,
      );
    await expect(execute(0)).rejects.toThrow(InvalidLedgerEventError);
    await expect(execute(0)).rejects.toThrow(/amountUsdCents/);
    await expect(execute(1.5)).rejects.toThrow(InvalidLedgerEventError);
    expect((await events()).filter((e) => e.type === 'TransactionExecuted')).toHaveLength(0);
    expect(h.ledger.portfolio(u.id)?.buyCount).toBe(0);
    // One cent is fine.
    expect((await execute(1)).transaction.amountUsdCents).toBe(1);
  });
});

describe('reads', () => {
  it('GET /portfolio values the USD held at the bid', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1_000_000);
    await postTx(h.app, u.token, 'k1', { side: 'BUY', amountUsd: 100 });
    h.tick(4100, 4110);
    const res = await h.app.inject({
      url: '/api/fx/v1/portfolio',
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      userId: u.id,
      usd: 100,
      cop: 1_000_000 - 401_000,
      avgCostCop: 4010,
      unrealizedPnlCop: 9000,
      realizedPnlCop: 0,
      bidCop: 4100,
      buyCount: 1,
      priceStale: false,
    });
    expect(res.json().valuedAt).toEqual(expect.any(String));
  });

  it('GET /transactions pages newest first, and each user sees only their own', async () => {
    h.tick(4000, 4010);
    const a = await h.user(10_000_000, 0, 'A');
    const b = await h.user(10_000_000, 0, 'B');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await postTx(h.app, a.token, `a${i}`, { side: 'BUY', amountUsd: i + 1 })).json().id,
      );
    }
    const bId = (await postTx(h.app, b.token, 'b0', { side: 'BUY', amountUsd: 7 })).json().id;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await h.app.inject({
        url: `/api/fx/v1/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: { authorization: `Bearer ${a.token}` },
      });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.transactions.length).toBeLessThanOrEqual(2);
      seen.push(...page.transactions.map((t: { id: string }) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect(seen).not.toContain(bId);
    const bList = await h.app.inject({
      url: '/api/fx/v1/transactions',
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(bList.json().transactions.map((t: { id: string }) => t.id)).toEqual([bId]);
    const bPortfolio = await h.app.inject({
      url: '/api/fx/v1/portfolio',
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(bPortfolio.json()).toMatchObject({ userId: b.id, usd: 7 });
    // Reusing A's key as B executes B's own transaction, never replays A's.
    const bReuse = await postTx(h.app, b.token, 'a0', { side: 'BUY', amountUsd: 1 });
    expect(bReuse.json().id).not.toBe(ids[0]);
    const bad = await h.app.inject({
      url: '/api/fx/v1/transactions?limit=0&cursor=zzz',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/limit/);
    expect(bad.json().detail).toMatch(/cursor/);
  });

  it('GET /prices/latest and GET /prices with range validation and pagination', async () => {
    const auth = { authorization: `Bearer ${(await h.user(0)).token}` };
    expect(
      (await h.app.inject({ url: '/api/fx/v1/prices/latest', headers: auth })).statusCode,
    ).toBe(404);
    const base = Date.parse('2026-03-02T15:00:00Z');
    for (let i = 0; i < 7; i++) h.tick(4000 + i, 4010 + i, new Date(base + i * 60_000));
    const latest = await h.app.inject({ url: '/api/fx/v1/prices/latest', headers: auth });
    expect(latest.json()).toMatchObject({
      bidCop: 4006,
      askCop: 4016,
      observedAt: '2026-03-02T15:06:00.000Z',
      stale: true,
    });
    const from = '2026-03-02T15:01:00Z';
    const to = '2026-03-02T15:06:00Z';
    const got: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await h.app.inject({
        url: `/api/fx/v1/prices?from=${from}&to=${to}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: auth,
      });
      expect(res.statusCode).toBe(200);
      got.push(...res.json().prices.map((p: { bidCop: number }) => p.bidCop));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(got).toEqual([4001, 4002, 4003, 4004, 4005]);
    for (const q of [
      'from=yesterday',
      `from=${to}&to=${from}`,
      'from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      'limit=5000',
    ]) {
      const res = await h.app.inject({ url: `/api/fx/v1/prices?${q}`, headers: auth });
      expect(res.statusCode, q).toBe(400);
      expect(res.headers['content-type']).toContain('problem+json');
    }
    // Admin may read prices too.
    expect(
      (
        await h.app.inject({
          url: '/api/fx/v1/prices/latest',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('unknown routes are 404 problems', async () => {
    const res = await h.app.inject({ url: '/api/fx/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('problem+json');
  });
});

describe('admin users', () => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  it('creates a user (token once, AccountOpened in the log) and lists users paginated', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/fx/v1/admin/users',
      headers: admin,
      payload: { name: 'Camila', cop: 2_000_000.5, usd: 100 },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ name: 'Camila', cop: 2_000_000.5, usd: 100 });
    expect(created.id).toMatch(/^u_[0-9A-Z]{26}$/);
    expect(created.token).toMatch(/^crt_/);
    const opened = (await events()).find((e) => e.type === 'AccountOpened');
    expect(opened).toMatchObject({ userId: created.id, copCents: 200_000_050, usdCents: 10_000 });
    // The token is stored hashed only.
    const stored = h.db.prepare('SELECT token_sha256 FROM users').pluck().all() as string[];
    expect(stored.join()).not.toContain(created.token);
    // The new token works.
    const me = await h.app.inject({
      url: '/api/fx/v1/portfolio',
      headers: { authorization: `Bearer ${created.token}` },
    });
    expect(me.json()).toMatchObject({ cop: 2_000_000.5, usd: 100 });

    for (let i = 0; i < 4; i++) await h.user(0, 0, `u${i}`);
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.app.inject({
        url: `/api/fx/v1/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin,
      });
      expect(page.statusCode).toBe(200);
      names.push(...page.json().users.map((u: { name: string }) => u.name));
      expect(JSON.stringify(page.json())).not.toMatch(/token/);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(names).toEqual(['Camila', 'u0', 'u1', 'u2', 'u3']);
  });

  it('refuses user tokens, bad admin tokens, invalid bodies; disabled without an admin token', async () => {
    const u = await h.user(0);
    const asUser = await h.app.inject({
      url: '/api/fx/v1/admin/users',
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(asUser.statusCode).toBe(401);
    const wrong = await h.app.inject({
      url: '/api/fx/v1/admin/users',
      headers: { authorization: 'Bearer admin-secret-token-for-testz' },
    });
    expect(wrong.statusCode).toBe(401);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/fx/v1/admin/users',
      headers: admin,
      payload: { name: '', cop: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/name/);
    expect(bad.json().detail).toMatch(/cop/);
    await h.close();
    h = await openHarness({ adminToken: undefined });
    const off = await h.app.inject({ url: '/api/fx/v1/admin/users', headers: admin });
    expect(off.statusCode).toBe(401);
    expect(off.json().detail).toMatch(/CORRIENTE_ADMIN_TOKEN/);
  });
});
