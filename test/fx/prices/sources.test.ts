import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpPriceSource } from '../../../src/fx/prices/http/http-price-source.js';
import { PriceSourceError } from '../../../src/fx/prices/price-source.js';
import {
  CsvReplayPriceSource,
  parsePriceHistory,
  PriceHistoryError,
} from '../../../src/fx/prices/replay/csv-replay-price-source.js';
import { SimulatedPriceSource } from '../../../src/fx/prices/simulated/simulated-price-source.js';

describe('SimulatedPriceSource', () => {
  const minutes = (n: number, start = Date.parse('2026-03-02T13:00:00Z')) =>
    Array.from({ length: n }, (_, i) => new Date(start + i * 60_000));

  it('is deterministic for a seed and a sequence of timestamps', async () => {
    const run = async (seed: number) => {
      const s = new SimulatedPriceSource({ seed });
      const out = [];
      for (const t of minutes(500)) out.push(await s.fetch(t));
      return out;
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  it('stays at realistic levels with a 0.1–0.3 % spread and minute volatility near 10 %/yr', () => {
    for (const seed of [1, 2, 3]) {
      const s = new SimulatedPriceSource({ seed });
      const mids: number[] = [];
      const spreads: number[] = [];
      for (const t of minutes(60 * 24 * 30)) {
        const q = s.step(t.getTime());
        const spread = (q.askCopCents - q.bidCopCents) / q.midCopCents;
        if (!(q.bidCopCents < q.midCopCents && q.midCopCents < q.askCopCents))
          throw new Error(`bad quote ${JSON.stringify(q)}`);
        spreads.push(spread);
        mids.push(q.midCopCents / 100);
      }
      expect(Math.min(...spreads)).toBeGreaterThanOrEqual(0.0009);
      expect(Math.max(...spreads)).toBeLessThanOrEqual(0.0031);
      expect(Math.min(...mids)).toBeGreaterThan(3700);
      expect(Math.max(...mids)).toBeLessThan(4400);
      const r = mids.slice(1).map((m, i) => Math.log(m / mids[i]!));
      const sd = Math.sqrt(r.reduce((a, x) => a + x * x, 0) / r.length);
      const annualized = sd * Math.sqrt(365.25 * 24 * 60);
      expect(annualized).toBeGreaterThan(0.05);
      expect(annualized).toBeLessThan(0.25);
    }
  });

  it('returns the same quote for a timestamp not after the last', () => {
    const s = new SimulatedPriceSource();
    const a = s.step(1_000_000);
    expect(s.step(1_000_000)).toBe(a);
    expect(s.step(999_000)).toBe(a);
  });
});

describe('CSV replay', () => {
  it('parses ; with decimal commas and , delimiters, in order, then ends', async () => {
    const rows = parsePriceHistory(
      'observed_at;bid;ask\n2026-03-02T15:00:00Z;4000,10;4010\r\n\n2026-03-02T15:01:00-05:00;4001;4011.5\n',
    );
    expect(rows).toEqual([
      { observedAt: '2026-03-02T15:00:00.000Z', bidCopCents: 400010, askCopCents: 401000 },
      { observedAt: '2026-03-02T20:01:00.000Z', bidCopCents: 400100, askCopCents: 401150 },
    ]);
    const s = new CsvReplayPriceSource(
      parsePriceHistory('ask,observed_at,bid\n4010,2026-03-02T15:00:00Z,4000\n'),
      'replay:x.csv',
    );
    expect(await s.fetch(new Date())).toMatchObject({
      bidCopCents: 400000,
      askCopCents: 401000,
      midCopCents: 400500,
      source: 'replay:x.csv',
    });
    expect(await s.fetch(new Date())).toBeUndefined();
  });

  it('names the line numbers of every bad row', () => {
    const text = [
      'observed_at;bid;ask',
      '2026-03-02T15:00:00Z;4000;4010',
      '2026-03-02 15:01;4000;4010',
      '2026-03-02T15:02:00Z;abc;4010',
      '2026-03-02T15:03:00Z;4020;4010',
      '2026-03-02T14:59:00Z;4000;4010',
      '2026-03-02T15:05:00Z;4000',
      '2026-03-02T15:06:00Z;4000.123;4010',
    ].join('\n');
    let error: PriceHistoryError | undefined;
    try {
      parsePriceHistory(text, 'precios.csv');
    } catch (err) {
      error = err as PriceHistoryError;
    }
    expect(error).toBeInstanceOf(PriceHistoryError);
    expect(error!.problems).toHaveLength(6);
    expect(error!.problems[0]).toMatch(/^line 3: observed_at .* zone/);
    expect(error!.problems[1]).toMatch(/^line 4: bid "abc"/);
    expect(error!.problems[2]).toMatch(/^line 5: bid 4020 is above ask 4010/);
    expect(error!.problems[3]).toMatch(/^line 6: .*not after/);
    expect(error!.problems[4]).toMatch(/^line 7: expected 3 fields, got 2/);
    expect(error!.problems[5]).toMatch(/^line 8: bid "4000.123"/);
    expect(error!.message).toContain('precios.csv');
    expect(() => parsePriceHistory('time;bid;ask\n')).toThrow(/line 1: .*observed_at/);
  });
});

describe('HttpPriceSource against a local HTTP server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(answers: ((res: ServerResponse) => void)[]) {
    let n = 0;
    server = createServer((_req, res) => {
      const answer = answers[Math.min(n++, answers.length - 1)]!;
      answer(res);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fx`, count: () => n };
  }
  const good = (res: ServerResponse) =>
    res.setHeader('content-type', 'application/json').end(
      JSON.stringify({
        data: { quote: { bid: '4001.25', ask: 4011.75, ts: '2026-03-02T15:00:00Z' } },
      }),
    );

  it('retries 5xx and bad JSON with backoff, then maps dotted fields', async () => {
    const s = await serve([(r) => r.writeHead(503).end(), (r) => r.end('{not json'), good]);
    const source = new HttpPriceSource({
      url: s.url,
      bidField: 'data.quote.bid',
      askField: 'data.quote.ask',
      timeField: 'data.quote.ts',
      retries: 3,
      backoffMs: 10,
    });
    const q = await source.fetch(new Date());
    expect(q).toEqual({
      bidCopCents: 400125,
      askCopCents: 401175,
      midCopCents: 400650,
      observedAt: '2026-03-02T15:00:00.000Z',
      source: source.name,
    });
    expect(s.count()).toBe(3);
  });

  it('times out each attempt and fails with every attempt named', async () => {
    const s = await serve([() => {}]); // never answers
    const source = new HttpPriceSource({ url: s.url, timeoutMs: 100, retries: 1, backoffMs: 10 });
    const err = await source.fetch(new Date()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PriceSourceError);
    expect((err as Error).message).toMatch(
      /attempt 1: timed out after 100 ms; attempt 2: timed out/,
    );
  });

  it('does not retry a 404, and reports a missing field', async () => {
    const s = await serve([(r) => r.writeHead(404).end()]);
    await expect(
      new HttpPriceSource({ url: s.url, retries: 3, backoffMs: 10 }).fetch(new Date()),
    ).rejects.toThrow(/1 attempt\(s\).*HTTP 404/);
    expect(s.count()).toBe(1);
    server!.close();
    const s2 = await serve([(r) => r.end(JSON.stringify({ bid: 4000 }))]);
    await expect(
      new HttpPriceSource({ url: s2.url, retries: 0 }).fetch(new Date()),
    ).rejects.toThrow(/ask: undefined is not a positive price/);
  });
});
