import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserKeys,
  decryptAes128gcm,
  startFakePushService,
  verifyVapid,
} from '../fx/decisions/notify/fake-push-service.js';
import { tempDir } from '../util/tmp.js';

/** A JSON answer, read loosely: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  process.stderr.write(
    `skipping the console and app browser tests: ${CHROMIUM} is not installed (apt-get install chromium)\n`,
  );
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/**
 * The README's screenshots: refreshed only with CORRIENTE_SCREENSHOTS=1, so an ordinary test run
 * leaves the tree clean; otherwise they go to a temporary folder (still taken, still checked).
 */
const REFRESH_SHOTS = process.env.CORRIENTE_SCREENSHOTS === '1';
let SHOTS = path.join(ROOT, 'docs', 'screenshots');
const ADMIN = 'adm_browser-test-admin-token';
const AXE = hasChromium
  ? readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
  : '';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Serious or critical accessibility violations axe-core finds on the page (WCAG 2.1 A/AA). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = (await page.evaluate(`axe
    .run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    nodes: string[];
  }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
}

async function eventually<T>(f: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!hasChromium)('the web console and the customer app in headless Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  let homeDir = '';
  let up: ChildProcess;
  let base = '';
  let out = '';
  let browser: Browser;
  let page: Page;
  let customer: { id: string; token: string };

  const admin = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as Json;
  };
  const corriente = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), ...args], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
    });
  const env = () => ({
    CORRIENTE_HOME: homeDir,
    CORRIENTE_CONFIG: path.join(tmp.dir, 'corriente.config.json'),
    CORRIENTE_ADMIN_TOKEN: ADMIN,
    CORRIENTE_LOG_LEVEL: 'warn',
    CORRIENTE_LOG_FORMAT: 'json',
  });

  beforeAll(async () => {
    // The assets `corriente up` serves, built from the current sources (dist/ by global setup).
    const build = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(build.status, build.stderr).toBe(0);

    // An empty home (the demo runs); the configuration file beside it.
    tmp = tempDir('corriente-browser-');
    homeDir = path.join(tmp.dir, 'home');
    // The demo platform, with a policy that suggests on every fresh price once balances change
    // (no cooldown, no quiet hours: the test runs at any hour), and the loopback push service
    // allowed as a push endpoint.
    writeFileSync(
      path.join(tmp.dir, 'corriente.config.json'),
      JSON.stringify({
        ingest: { pollIntervalSeconds: 1, minFileAgeSeconds: 0 },
        fx: {
          orchestrator: {
            // Everyone treated; no consent round, caps or back-off between the test's suggestions.
            holdoutPercent: 0,
            policy: {
              thresholds: { buy: 0.0001, sell: 0.0001 },
              cooldownHours: 0,
              quietHours: null,
              requireConsent: false,
              maxPerWeek: 1000,
              backoffHours: 0,
              reversalHours: 0,
              noSellBelowAverageCost: false,
            },
          },
          notifications: { webhooks: { allowPrivateTargets: ['127.0.0.1'] } },
        },
      }),
    );
    up = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'up', '--port', '0'], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    up.stderr!.resume();
    base = await eventually(
      async () => /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1],
      90_000,
    );
    // The demo day went through the chain: the processed zone is cataloged.
    await eventually(async () => {
      const c = await admin('GET', '/api/lake/v1/catalog');
      return c.databases?.some((d: { name: string }) => d.name === 'energy_processed_db');
    }, 90_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // playwright-core gives every launch a fresh, temporary user data dir.
      args: LAUNCH_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    if (!REFRESH_SHOTS) SHOTS = path.join(tmp.dir, 'screenshots');
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (up && up.exitCode === null) {
      up.kill('SIGTERM');
      await new Promise((r) => up.once('exit', r));
    }
    tmp?.cleanup();
  }, 60_000);

  it('serves the console at / and the app at /app/ from the same origin', async () => {
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<div id="root">');
    const app = await fetch(`${base}/app`, { redirect: 'manual' });
    expect(app.status).toBe(301);
    expect(app.headers.get('location')).toBe('/app/');
    const manifest = (await (await fetch(`${base}/app/manifest.webmanifest`)).json()) as {
      start_url: string;
    };
    expect(manifest.start_url).toBe('/app/');
    expect((await fetch(`${base}/app/sw.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect(out).toContain(`console       ${base}/#token=<CORRIENTE_ADMIN_TOKEN>`);
  });

  it('Lake: a dropped CSV appears with its row count, a quarantined file with its reason', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('Token de acceso').fill('no-es-un-token');
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('El token no es válido.');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Token de acceso').fill(ADMIN);
    await page.getByRole('button', { name: 'Iniciar sesión' }).click();
    const rowsOf = async (entity: string) =>
      Number(
        await page.locator(`tr[data-entity="${entity}"] td[data-rows]`).getAttribute('data-rows'),
      );
    await page.waitForSelector('tr[data-entity="proveedores"]');
    const before = await rowsOf('proveedores');
    writeFileSync(
      path.join(homeDir, 'source', 'proveedores_prueba_navegador.csv'),
      'nombre_proveedor;tipo_energia\nSOL DEL CARIBE;SOLAR\nVIENTOS DE LA GUAJIRA;EOLICA\nRIO CLARO;HIDROELECTRICA\n',
    );
    writeFileSync(path.join(homeDir, 'source', 'inventario.csv'), 'a;b;c\n1;2;3\n');
    await eventually(async () => {
      await page.getByRole('button', { name: 'Actualizar' }).click();
      await page.waitForTimeout(400);
      return (await rowsOf('proveedores')) === before + 3;
    });
    await eventually(async () => {
      await page.getByRole('button', { name: 'Actualizar' }).click();
      await page.waitForTimeout(400);
      return (await page.locator('tr[data-file="inventario.csv"]').count()) === 1;
    });
    await expect
      .poll(() => page.locator('tr[data-file="inventario.csv"] td.motivo').innerText())
      .toMatch(/No se reconoce qué datos contiene el archivo/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'consola-lago.png'), fullPage: true });
  }, 90_000);

  it('speaks English when asked, and Spanish again', async () => {
    await page.getByLabel('Idioma').selectOption('en');
    await expect
      .poll(() => page.getByRole('navigation').innerText())
      .toMatch(/Lake\s+Catalog\s+Jobs/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('Language').selectOption('es');
    await expect.poll(() => page.getByRole('navigation').innerText()).toMatch(/Lago\s+Catálogo/);
  });

  it('Catalog and Jobs: tables with columns, partitions and schema versions; runs with a chart', async () => {
    await page.getByRole('link', { name: 'Catálogo' }).click();
    await page.getByRole('button', { name: 'Ver energy_processed_db.transacciones' }).click();
    await page.waitForSelector('#detalle');
    expect(await page.locator('#detalle').innerText()).toContain(
      'energy_processed_db.transacciones',
    );
    await expect.poll(() => page.getByText('precio_total_cop').count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'consola-catalogo.png'), fullPage: true });

    await page.getByRole('link', { name: 'Trabajos' }).click();
    await page.waitForSelector('#tabla-trabajos tbody tr');
    expect(await page.locator('#tabla-trabajos').innerText()).toMatch(/transacciones\s+succeeded/);
    await page.waitForSelector('.chart canvas');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'consola-trabajos.png'), fullPage: true });
  }, 60_000);

  it('SQL: a saved query renders a grid and a chart', async () => {
    await page.getByRole('link', { name: 'SQL' }).click();
    await page.waitForSelector('.cm-content');
    await page.getByLabel('Consultas guardadas').selectOption('transacciones_por_tipo');
    await expect.poll(() => page.locator('.cm-content').innerText()).toMatch(/tipo_transaccion/i);
    await page.getByRole('button', { name: 'Ejecutar' }).click();
    await page.waitForSelector('#resultado table.grid tbody tr');
    const grid = await page.locator('#resultado table.grid').innerText();
    expect(grid).toContain('COMPRA');
    expect(grid).toContain('VENTA');
    await page.waitForSelector('#resultado .chart canvas');
    expect(await page.locator('#resultado .chart').getAttribute('aria-label')).toMatch(
      /^Gráfico: /,
    );
    // Completion offers table names from the catalog.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' energy_processed_db.provee');
    await page.keyboard.press('Control+Space');
    await page.waitForSelector('.cm-tooltip-autocomplete');
    // The popup follows the typing; it settles on the tables of the typed database.
    await expect
      .poll(() => page.locator('.cm-tooltip-autocomplete').innerText())
      .toContain('proveedores');
    await page.keyboard.press('Escape');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'consola-sql.png'), fullPage: true });
  }, 60_000);

  it('FX operations: approving a model version records it with the reason', async () => {
    const trained = corriente(['fx', 'train', '--json']);
    expect(trained.status, trained.stderr).toBe(0);
    const version = (JSON.parse(trained.stdout) as { version: number }).version;
    await page.getByRole('link', { name: 'Operaciones FX' }).click();
    await page.getByRole('button', { name: `Ver v${version}` }).click();
    await page.getByLabel('Motivo (obligatorio)').fill('mejor ROC AUC que la versión anterior');
    await page.getByRole('button', { name: `Aprobar v${version}` }).click();
    await expect
      .poll(() => page.locator(`tr[data-version="${version}"]`).innerText())
      .toContain('Approved');
    await expect
      .poll(() => page.locator('#historial-modelo').innerText())
      .toMatch(
        /PendingManualApproval → Approved\s+consola \(admin\)\s+mejor ROC AUC que la versión anterior/,
      );
    const models = await admin('GET', `/api/fx/v1/ops/models/fx-recomendaciones/${version}`);
    expect(models.version.status).toBe('Approved');
    await page.waitForSelector('section[aria-labelledby="vivo"] .chart canvas');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'consola-fx.png'), fullPage: true });
  }, 90_000);

  it('Console at 375 px: every screen fits the width and stays axe-clean', async () => {
    const narrow = await browser.newPage({ viewport: { width: 375, height: 812 } });
    try {
      await narrow.goto(`${base}/#token=${ADMIN}`);
      await narrow.waitForSelector('#tabla-lago');
      for (const [tab, ready] of [
        ['lago', '#tabla-lago'],
        ['catalogo', '#bases'],
        ['trabajos', '#tabla-trabajos'],
        ['sql', '.cm-content'],
        ['fx', '#tabla-modelos tbody tr'],
      ] as const) {
        await narrow.goto(`${base}/#/${tab}`);
        await narrow.waitForSelector(ready);
        await narrow.waitForTimeout(500);
        expect(
          await narrow.evaluate('document.documentElement.scrollWidth'),
          tab,
        ).toBeLessThanOrEqual(375);
        expect(await axeViolations(narrow), tab).toEqual([]);
      }
    } finally {
      await narrow.close();
    }
  }, 60_000);

  it('App: a customer buys 100 USD, sees the 409 above the balance, and a recommendation over SSE', async () => {
    customer = (await admin('POST', '/api/fx/v1/admin/users', {
      name: 'Lucía Navegador',
      cop: 1_000_000,
    })) as { id: string; token: string };
    const phone = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await phone.goto(`${base}/app/`);
    await phone.waitForSelector('form');
    expect(await axeViolations(phone)).toEqual([]);
    await phone.getByLabel('Token de cliente').fill(customer.token);
    await phone.getByRole('button', { name: 'Entrar' }).click();
    await expect.poll(() => phone.getByTestId('usd').innerText()).toBe('0,00');
    await phone.waitForSelector('#estado-vivo:has-text("Conectado en vivo")');
    const shown = () => phone.locator('#lista-recomendaciones > li').count();
    const before = await shown();

    await phone.getByLabel('Monto en USD').fill('100');
    await phone.getByRole('button', { name: 'Revisar' }).click();
    await expect
      .poll(() => phone.locator('#confirmar-texto').innerText())
      .toMatch(/^Comprar 100,00 USD a [\d.]+,\d\d COP por dólar\. Total: [\d.]+,\d\d COP\.$/);
    await phone.getByRole('button', { name: 'Confirmar' }).click();
    await expect
      .poll(() => phone.locator('#resultado-orden').innerText())
      .toMatch(/^Listo: compró 100,00 USD/);
    await expect.poll(() => phone.getByTestId('usd').innerText()).toBe('100,00');
    const portfolio = await fetch(`${base}/api/fx/v1/portfolio`, {
      headers: { authorization: `Bearer ${customer.token}` },
    }).then((r) => r.json() as Promise<{ usd: number }>);
    expect(portfolio.usd).toBe(100);

    await phone.getByLabel('Monto en USD').fill('5000');
    await phone.getByRole('button', { name: 'Revisar' }).click();
    await phone.getByRole('button', { name: 'Confirmar' }).click();
    await expect
      .poll(() => phone.locator('#resultado-orden').innerText())
      .toMatch(/^Saldo insuficiente para esta orden\. \(409\) insufficient COP/);
    await expect.poll(() => phone.getByTestId('usd').innerText()).toBe('100,00');

    // The app read the inbox once at sign-in; anything more arrived over the event stream.
    await expect.poll(shown, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(await phone.locator('#lista-recomendaciones > li').first().innerText()).toMatch(
      /podrías (comprar|vender) [\d.,]+ USD a/i,
    );
    expect(await axeViolations(phone)).toEqual([]);
    // Usable at 375 px: nothing wider than the screen.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: path.join(SHOTS, 'app.png'), fullPage: true });
    await phone.close();
  }, 90_000);

  it('every saved query runs on the fresh demo before any scheduled crawl (issue 13, item 14)', async () => {
    // The stream processor catalogs fx_recommendations when it writes the table's first file.
    await eventually(async () => {
      const r = corriente(['query', '--saved', 'fx_conversion_por_modelo', '--format', 'json']);
      return r.status === 0 && (JSON.parse(r.stdout) as unknown[]).length > 0;
    }, 60_000);
  }, 90_000);

  it('App: enabling push subscribes through the service worker; a recommendation is pushed and shown', async () => {
    const push = await startFakePushService();
    const keys = browserKeys();
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      await context.grantPermissions(['notifications'], { origin: base });
      // Headless Chromium's own push service (FCM) is not reachable offline: the browser's
      // subscribe() is replaced by one that returns a subscription on the loopback push service,
      // with keys the test holds (as a browser would hold them) to decrypt what is pushed.
      await context.addInitScript(`PushManager.prototype.subscribe = async function () {
        const json = ${JSON.stringify({ endpoint: `${push.origin}/push/lucia`, expirationTime: null, keys: keys.keys })};
        return { ...json, toJSON: () => json };
      };`);
      const phone = await context.newPage();
      const cdp = await context.newCDPSession(phone);
      const registrations: { registrationId: string; scopeURL: string }[] = [];
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) =>
        registrations.push(...e.registrations),
      );
      await cdp.send('ServiceWorker.enable');

      await phone.goto(`${base}/app/#token=${customer.token}`);
      await phone.getByRole('button', { name: 'Activar notificaciones push' }).click();
      await expect
        .poll(() => phone.locator('#estado-push').innerText())
        .toBe('Notificaciones push activadas en este dispositivo.');

      // A trade changes the balances: the next price brings a recommendation, pushed to us.
      const trade = await fetch(`${base}/api/fx/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${customer.token}`,
          'content-type': 'application/json',
          'idempotency-key': 'prueba-push-1',
        },
        body: JSON.stringify({ side: 'SELL', amountUsd: 10 }),
      });
      expect(trade.status).toBe(201);
      const got = await eventually(async () => push.received[0], 30_000);
      expect(got.path).toBe('/push/lucia');
      const publicKey = (
        (await fetch(`${base}/api/fx/v1/notifications/webpush/public-key`, {
          headers: { authorization: `Bearer ${customer.token}` },
        }).then((r) => r.json())) as { publicKey: string }
      ).publicKey;
      verifyVapid(got.headers.authorization, publicKey, push.origin);
      const payload = decryptAes128gcm(got.body, keys);
      const message = JSON.parse(payload) as { title: string; body: string };
      expect(message.body).toMatch(/^Si lo necesitas, podrías (comprar|vender)/);

      // The push service hands the (decrypted) message to the browser's service worker.
      const reg = await eventually(
        async () => registrations.find((r) => r.scopeURL === `${base}/app/`),
        10_000,
      );
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: base,
        registrationId: reg.registrationId,
        data: payload,
      });
      const titles = await eventually(async () => {
        const list = (await phone.evaluate(`navigator.serviceWorker.ready
          .then((r) => r.getNotifications())
          .then((ns) => ns.map((n) => n.title + '|' + n.body))`)) as string[];
        return list.length > 0 ? list : undefined;
      }, 10_000);
      expect(titles).toContain(`${message.title}|${message.body}`);
    } finally {
      await context.close();
      await push.close();
    }
  }, 90_000);
});
