import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web console (`/`) and the customer app (`/app/`), built into `dist/web/` (served by
 * `corriente up`). Everything is bundled: no CDN, no external fonts.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: resolve(root, 'public'),
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(root, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rollupOptions: {
      input: { console: resolve(root, 'index.html'), app: resolve(root, 'app/index.html') },
    },
  },
});
