import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OpenApiDocument, OpenApiFragment } from './openapi.js';

let swaggerUiDir: string | null | undefined;

/**
 * Where the Swagger UI bundle is (`swagger-ui-dist`, served from node_modules: no CDN), or null
 * where it is not installed (a Lambda bundle ships no node_modules). Looked up on first use, so
 * importing this module never fails.
 */
function swaggerUi(): string | null {
  if (swaggerUiDir === undefined) {
    try {
      swaggerUiDir = path.dirname(
        createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
      );
    } catch {
      swaggerUiDir = null;
    }
  }
  return swaggerUiDir;
}

// Relative URLs: the page works under any prefix (`/api/docs` → `/api/docs/assets/…`).
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>corriente API</title>
    <link rel="stylesheet" href="docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/assets/swagger-ui-bundle.js"></script>
    <script src="docs/assets/init.js"></script>
  </body>
</html>
`;
// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const INIT = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
});
`;
/** Only this origin: the page cannot load anything from elsewhere (Swagger UI styles inline). */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
  "script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return /\btext\/html\b/.test(accept);
}

/**
 * The API's document and its page for people, registered under `/api`:
 *
 * - `GET /openapi.json` → the OpenAPI 3.1 document (`application/json`);
 * - `GET /docs` → a browser (`Accept: text/html`) gets the rendered reference (Swagger UI,
 *   served from this server); anything else gets the same JSON document as `/openapi.json`.
 *
 * @example await app.register(apiDocsRoutes(() => doc), { prefix: '/api' });
 */
export function apiDocsRoutes(document: () => OpenApiDocument): FastifyPluginAsync {
  return async (app) => {
    app.get('/openapi.json', () => document());
    app.get('/docs', (req, reply) => {
      void reply.header('Vary', 'Accept');
      if (!wantsHtml(req)) return document();
      return reply
        .header('Content-Security-Policy', CSP)
        .type('text/html; charset=utf-8')
        .send(PAGE);
    });
  };
}

/**
 * The files of the rendered page (`/docs/assets/…` under `/api`): Swagger UI's bundle and style
 * from `swagger-ui-dist`, and the script that points it at `/api/openapi.json`.
 */
export function apiDocsAssets(): FastifyPluginAsync {
  const file =
    (name: string, type: string) =>
    (_req: FastifyRequest, reply: FastifyReply): FastifyReply => {
      const dir = swaggerUi();
      if (dir === null) {
        return reply.code(404).send({ error: 'swagger-ui-dist is not installed with this build' });
      }
      return reply
        .type(type)
        .header('Cache-Control', 'public, max-age=3600')
        .header('X-Content-Type-Options', 'nosniff')
        .send(createReadStream(path.join(dir, name)));
    };
  return async (app) => {
    app.get('/docs/assets/swagger-ui.css', file('swagger-ui.css', 'text/css; charset=utf-8'));
    app.get(
      '/docs/assets/swagger-ui-bundle.js',
      file('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
    );
    app.get('/docs/assets/init.js', (_req, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('X-Content-Type-Options', 'nosniff')
        .send(INIT),
    );
  };
}

/** The document's description of `apiDocsRoutes` (under `/api`). */
export const apiDocsOpenApi: OpenApiFragment = {
  tag: { name: 'docs', description: 'This document and its rendered page' },
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        security: [],
        responses: {
          '200': {
            description: 'the document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'getApiDocs',
        summary:
          'The rendered API reference for a browser (Accept: text/html); otherwise the same JSON as /api/openapi.json',
        security: [],
        responses: {
          '200': {
            description: 'the page, or the document',
            content: {
              'text/html': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
            },
          },
        },
      },
    },
  },
};
