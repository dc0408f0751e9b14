import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { hasWebAssets, webAssets } from '../../../src/core/http/web-assets.js';
import { silentLogger } from '../../../src/core/log/logger.js';
import { tempDir } from '../../util/tmp.js';

describe('web assets beside the APIs', () => {
  const tmp = tempDir('corriente-web-');
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    const dir = tmp.dir;
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>consola</title>');
    writeFileSync(path.join(dir, 'app', 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(path.join(dir, 'app', 'sw.js'), 'self.addEventListener("push", () => {});');
    writeFileSync(path.join(dir, 'assets', 'console-abc123.js'), 'console.log(1)');
    app = await buildHttpServer({
      log: silentLogger,
      plugins: [
        {
          prefix: '/api/x',
          plugin: async (a) => {
            a.get('/ping', () => ({ ok: true }));
          },
        },
        { prefix: '/', plugin: webAssets(dir) },
      ],
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('knows whether a build is there', () => {
    expect(hasWebAssets(tmp.dir)).toBe(true);
    expect(hasWebAssets(path.join(tmp.dir, 'nada'))).toBe(false);
  });

  it('serves the console at /, the app at /app/, hashed assets immutable, HTML revalidated', async () => {
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>consola</title>');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    const redirect = await fetch(`${base}/app`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/app/');
    expect(await (await fetch(`${base}/app/`)).text()).toContain('<title>app</title>');
    const asset = await fetch(`${base}/assets/console-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const sw = await fetch(`${base}/app/sw.js`);
    expect(sw.headers.get('service-worker-allowed')).toBe('/app/');
  });

  it('leaves the API routes alone; unknown paths are 404 problems', async () => {
    expect(await (await fetch(`${base}/api/x/ping`)).json()).toEqual({ ok: true });
    const missing = await fetch(`${base}/api/x/nada`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const noFile = await fetch(`${base}/assets/nada.js`);
    expect(noFile.status).toBe(404);
  });
});
