import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Where `npm run build` puts the console and the app (Vite's output): `dist/web/`. */
export const WEB_ASSETS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'web',
);

/** True when the web build is there to serve. */
export function hasWebAssets(dir: string = WEB_ASSETS_DIR): boolean {
  return (
    existsSync(path.join(dir, 'index.html')) && existsSync(path.join(dir, 'app', 'index.html'))
  );
}

/**
 * Serves the built web console at `/` and the customer app (a PWA) at `/app/` from the same
 * origin as the APIs. Files under `assets/` have content-hashed names and are cached for a
 * year; the HTML, the manifest and the service worker are revalidated on every load.
 *
 * @example await app.register(webAssets(), { prefix: '/' })
 */
export function webAssets(dir: string = WEB_ASSETS_DIR): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: true,
      index: ['index.html'],
      cacheControl: false,
      setHeaders(res, file) {
        const hashed = file.includes(`${path.sep}assets${path.sep}`);
        res.header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.header('X-Content-Type-Options', 'nosniff');
        if (file.endsWith(`${path.sep}sw.js`)) res.header('Service-Worker-Allowed', '/app/');
      },
    });
    app.get('/app', (_req, reply) => reply.redirect('/app/', 301));
  };
}
