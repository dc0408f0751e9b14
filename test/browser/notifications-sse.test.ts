import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNotifyHarness, rec, type NotifyHarness } from '../fx/decisions/notify/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  process.stderr.write(`skipping the browser test: ${CHROMIUM} is not installed\n`);
}

/**
 * The customer app's way to listen: get a single-use ticket with the Bearer token, open an
 * EventSource on it, and on any error open a new one with a fresh ticket, resuming after the
 * last event id received (the browser cannot set Last-Event-ID on a new EventSource).
 */
const page = (token: string) => `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Notificaciones</title></head>
<body><ul id="lista"></ul>
<script>
const base = '/api/fx/v1/notifications';
window.received = [];
window.opens = 0;
let lastId = null;
async function connect() {
  const r = await fetch(base + '/stream-ticket', {
    method: 'POST',
    headers: { authorization: 'Bearer ${token}' },
  });
  const { ticket } = await r.json();
  const url = base + '/stream?ticket=' + encodeURIComponent(ticket) +
    (lastId ? '&lastEventId=' + encodeURIComponent(lastId) : '');
  const es = new EventSource(url);
  es.onopen = () => { window.opens++; };
  es.onmessage = (e) => {
    lastId = e.lastEventId;
    const n = JSON.parse(e.data);
    window.received.push({ id: e.lastEventId, title: n.title });
    const li = document.createElement('li');
    li.textContent = n.title;
    document.getElementById('lista').append(li);
  };
  es.onerror = () => { es.close(); setTimeout(connect, 100); };
}
connect();
</script></body></html>`;

describe.skipIf(!hasChromium)('in-app notifications in headless Chromium', () => {
  let h: NotifyHarness;
  let browser: Browser;
  let user: { id: string; token: string };
  beforeAll(async () => {
    h = await openNotifyHarness({
      extra: (app) =>
        app.get('/app', (_req, reply) => reply.type('text/html').send(page(user.token))),
    });
    user = h.user('Camila');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('receives notifications over EventSource, reconnects and resumes without loss or duplicates', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${h.base}/app`);
    await tab.waitForFunction(() => (globalThis as unknown as { opens: number }).opens === 1);
    for (const t of ['m1', 'm2', 'm3']) await h.n.notifier.notify(rec(user.id, t));
    await tab.waitForFunction(
      () => (globalThis as unknown as { received: unknown[] }).received.length === 3,
    );

    // The server drops the stream; notifications keep coming while the page reconnects.
    h.n.hub.closeAll(user.id);
    for (const t of ['m4', 'm5', 'm6']) await h.n.notifier.notify(rec(user.id, t));
    await tab.waitForFunction(() => (globalThis as unknown as { opens: number }).opens === 2);
    await h.n.notifier.notify(rec(user.id, 'm7'));
    await tab.waitForFunction(
      () => (globalThis as unknown as { received: unknown[] }).received.length >= 7,
    );
    // A last message: the stream is in order, so a repeated one would have come before it.
    await h.n.notifier.notify(rec(user.id, 'fin'));
    await tab.waitForFunction(() =>
      (globalThis as unknown as { received: { title: string }[] }).received.some(
        (r) => r.title === 'fin',
      ),
    );

    const received = await tab.evaluate(
      () => (globalThis as unknown as { received: { id: string; title: string }[] }).received,
    );
    expect(received.map((r) => r.title)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'fin']);
    expect(new Set(received.map((r) => r.id)).size).toBe(8);
    expect(await tab.locator('#lista li').allTextContents()).toHaveLength(8);
    await tab.close();
  });
});
