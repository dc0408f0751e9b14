import { existsSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/log/logger.js';
import { undocumentedRoutes, type OpenApiDocument } from '../../../src/core/http/openapi.js';
import { buildHttpServer, type RegisteredRoute } from '../../../src/core/http/server.js';
import { createStores, openLakeChain, openTransformState } from '../../../src/deploy/adapters.js';
import { loadConfig } from '../../../src/deploy/config.js';
import { FxPlatform } from '../../../src/deploy/local/fx-platform.js';
import { PLATFORM_API_INFO, upHttpPlugins } from '../../../src/deploy/local/http-plugins.js';
import { openQueryService } from '../../../src/deploy/open-query-service.js';
import { tempDir } from '../../util/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'adm_openapi-test-token';

/** The platform's HTTP server assembled exactly as `corriente up` assembles it (no demo). */
describe('the OpenAPI document of every route `corriente up` serves', () => {
  const t = tempDir();
  const routes: RegisteredRoute[] = [];
  let app: FastifyInstance;
  let base: string;
  let doc: OpenApiDocument;
  const closers: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    const config = loadConfig({ env: {}, cwd: t.dir, overrides: { home: t.dir } });
    const stores = createStores(config);
    const chain = openLakeChain(config, stores, silentLogger);
    const fx = await FxPlatform.start({
      config,
      stores,
      catalog: chain.catalog,
      log: silentLogger,
      demo: false,
      adminToken: ADMIN,
    });
    const query = openQueryService(config);
    const transformState = openTransformState(config);
    // The FX platform first: its stream processor's last batch still uses the catalog.
    closers.push(
      () => fx.stop(),
      () => chain.close(),
      () => query.close(),
      () => transformState.close(),
    );
    app = await buildHttpServer({
      log: silentLogger,
      plugins: upHttpPlugins({
        config,
        stores,
        catalog: chain.catalog,
        query,
        transformState,
        fx,
        adminToken: ADMIN,
        onReingest: () => {},
      }),
      apiDocs: PLATFORM_API_INFO,
      onRoute: (r) => routes.push(r),
    });
    closers.unshift(() => app.close());
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDocument;
  }, 120_000);

  afterAll(async () => {
    for (const close of closers) await close();
    t.cleanup();
  });

  it('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place: give it a copy.
    const checked = await SwaggerParser.validate(structuredClone(doc) as never);
    expect(Object.keys(checked.paths ?? {}).length).toBe(Object.keys(doc.paths).length);
  });

  it('the validator is real: a dangling $ref or a bad field is refused', async () => {
    const dangling = structuredClone(doc) as unknown as Record<string, Record<string, unknown>>;
    const schemas = (dangling.components as { schemas: Record<string, unknown> }).schemas;
    delete schemas.Problem;
    await expect(SwaggerParser.validate(dangling as never)).rejects.toThrow(/Problem/);
    const bad = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    bad.paths['/healthz'] = { get: { responses: 'none' } };
    await expect(SwaggerParser.validate(bad as never)).rejects.toThrow();
  });

  it('describes every route registered in Fastify (lake, FX, ops, notifications, model)', () => {
    const api = routes.filter((r) => !r.static);
    expect(undocumentedRoutes(doc, api)).toEqual([]);
    const has = (m: string, p: string) => expect(doc.paths[p]?.[m], `${m} ${p}`).toBeDefined();
    has('post', '/api/lake/v1/query');
    has('get', '/api/lake/v1/catalog/{database}/{table}');
    has('post', '/api/lake/v1/quarantine/reingest');
    has('get', '/api/fx/v1/transactions/{id}');
    has('post', '/api/fx/v1/ops/models/{group}/{version}/approve');
    has('get', '/api/fx/v1/notifications/stream');
    has('get', '/api/fx/v1/notifications');
    has('get', '/api/ml/v1/{group}/ping');
    has('post', '/api/ml/v1/{group}/invocations');
    has('get', '/api/openapi.json');
    has('get', '/healthz');
    // The document lists nothing the server does not serve either.
    const served = new Set(
      api.map(
        (r) =>
          `${r.method.toLowerCase()} ${r.url.replace(/(.)\/$/, '$1').replace(/:(\w+)/g, '{$1}')}`,
      ),
    );
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of Object.keys(item)) expect(served.has(`${m} ${p}`), `${m} ${p}`).toBe(true);
    }
  });

  it('a route added without documentation is caught', async () => {
    const extra: RegisteredRoute[] = [];
    const other = await buildHttpServer({
      log: silentLogger,
      plugins: [
        {
          prefix: '/api/nuevo',
          plugin: async (a) => {
            a.get('/cosa', () => ({}));
          },
        },
      ],
      apiDocs: PLATFORM_API_INFO,
      onRoute: (r) => extra.push(r),
    });
    await other.ready();
    const otherDoc = (await other.inject('/api/openapi.json')).json() as OpenApiDocument;
    expect(
      undocumentedRoutes(
        otherDoc,
        extra.filter((r) => !r.static),
      ),
    ).toEqual(['GET /api/nuevo/cosa']);
    await other.close();
  });

  it('GET /api/docs: the same JSON for programs (as before), a page for browsers', async () => {
    const json = await fetch(`${base}/api/docs`);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toEqual(doc);
    const html = await fetch(`${base}/api/docs`, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await html.text()).toContain('docs/assets/swagger-ui-bundle.js');
    const bundle = await fetch(`${base}/api/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'the page renders every tag in headless Chromium with nothing loaded from elsewhere',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        await page.goto(`${base}/api/docs`);
        await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
        const tags = await page.$$eval('.opblock-tag', (els) =>
          els.map((e) => e.getAttribute('data-tag')),
        );
        expect(tags).toEqual(
          expect.arrayContaining(['lake', 'fx', 'fx-ops', 'notifications', 'ml']),
        );
        const text = await page.textContent('body');
        expect(text).toContain('/api/ml/v1/{group}/invocations');
        expect(requested.length).toBeGreaterThan(3);
        expect(requested.filter((u) => !u.startsWith(base))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
