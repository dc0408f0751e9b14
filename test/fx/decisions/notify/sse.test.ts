import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openNotifyHarness, PREFIX, rec, sseClient, type NotifyHarness } from './harness.js';
import { eventually } from '../../../util/eventually.js';

let h: NotifyHarness;
beforeEach(async () => {
  h = await openNotifyHarness();
});
afterEach(async () => {
  await h.close();
});

describe('in-app SSE stream over real HTTP', () => {
  it('resumes exactly after Last-Event-ID: no loss, no duplicates', async () => {
    const a = h.user();
    const auth = { authorization: `Bearer ${a.token}` };
    const first = sseClient(`${h.base}${PREFIX}/stream`, auth);
    expect(await first.opened).toBe(200);
    expect(first.response?.headers['content-type']).toMatch(/^text\/event-stream/);
    for (let i = 1; i <= 3; i++) await h.n.notifier.notify(rec(a.id, `m${i}`));
    await first.waitFor(3);
    const lastId = first.events[2]!.id;
    first.close();
    await eventually(() => h.n.hub.count(a.id) === 0);

    // Published while the client is away.
    for (let i = 4; i <= 6; i++) await h.n.notifier.notify(rec(a.id, `m${i}`));
    const second = sseClient(`${h.base}${PREFIX}/stream`, { ...auth, 'last-event-id': lastId });
    expect(await second.opened).toBe(200);
    await second.waitFor(3);
    await h.n.notifier.notify(rec(a.id, 'm7'));
    await second.waitFor(4);
    const all = [...first.events, ...second.events];
    expect(all.map((e) => e.data.title)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(7);
    expect(all[0]!.data).toMatchObject({
      kind: 'recomendacion',
      body: expect.stringContaining('dólar'),
      data: { side: 'BUY', priceCop: 3950.5 },
    });
    second.close();

    // The query form (for clients that cannot set headers) resumes the same way.
    const third = sseClient(`${h.base}${PREFIX}/stream?lastEventId=${all[4]!.id}`, auth);
    await third.waitFor(2);
    expect(third.events.map((e) => e.data.title)).toEqual(['m6', 'm7']);
    third.close();

    const bad = await fetch(`${h.base}${PREFIX}/stream`, {
      headers: { ...auth, 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/Last-Event-ID: must be a non-negative integer/);
  });

  it('sends heartbeats on an idle stream', async () => {
    const a = h.user();
    const res = await fetch(`${h.base}${PREFIX}/stream`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': ping')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/^retry: 2000\n/);
    await reader.cancel();
  });

  it('is backpressure-safe: a client that stops reading gets everything, in order, later', async () => {
    const a = h.user();
    const client = sseClient(`${h.base}${PREFIX}/stream`, { authorization: `Bearer ${a.token}` });
    await client.opened;
    client.response!.pause();
    const total = 10_000;
    const big = 'x'.repeat(1000);
    const batch = [];
    for (let i = 0; i < total; i++)
      batch.push(h.n.notifier.notify({ ...rec(a.id, `n${i}`), body: big }));
    await Promise.all(batch);
    await eventually(() => h.n.hub.stalled(a.id) === 1);
    // ~10 MB published, more than the sockets hold: the stream waits for `drain` with about
    // one write's worth buffered in the server, not a queue of everything.
    expect(h.n.hub.stalled(a.id)).toBe(1);
    expect(h.n.hub.bufferedBytes(a.id)).toBeLessThan(256 * 1024);
    client.response!.resume();
    await client.waitFor(total, 30_000);
    expect(client.events.map((e) => e.data.title)).toEqual(
      Array.from({ length: total }, (_, i) => `n${i}`),
    );
    client.close();
  });
});
