import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/** An OpenAPI 3.1 path item: operations by lower-case method (`get`, `post`, …). */
export type OpenApiPathItem = Record<string, Record<string, unknown>>;

/**
 * The OpenAPI 3.1 description of one route plugin, with paths relative to the prefix the plugin
 * is registered under (Fastify's `/:id` written `/{id}`). Schemas and security schemes are
 * merged into the document's `components`; two fragments may share a name only with equal
 * definitions.
 *
 * @example
 * const fragment: OpenApiFragment = {
 *   paths: { '/ping': { get: { operationId: 'ping', responses: { '200': { description: 'ok' } } } } },
 * };
 */
export interface OpenApiFragment {
  paths: Record<string, OpenApiPathItem>;
  schemas?: Record<string, unknown>;
  securitySchemes?: Record<string, unknown>;
  /** The tag given to the fragment's operations that name none (how a reader finds them). */
  tag?: { name: string; description: string };
  /** The security requirement of the fragment's operations that state none. @default none */
  security?: Record<string, string[]>[];
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** A whole OpenAPI 3.1 document (the parts corriente writes). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiInfo;
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, OpenApiPathItem>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/**
 * A zod schema as a JSON Schema (2020-12, what OpenAPI 3.1 uses) for a document: `io: 'input'`
 * describes what a request may send (defaults optional), `'output'` what a response carries.
 */
export function zodToOpenApi(
  schema: z.ZodType,
  io: 'input' | 'output' = 'output',
): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** Fastify's route path (`/models/:group/:version`) in OpenAPI's form (`/models/{group}/{version}`). */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function joinPath(prefix: string, path: string): string {
  const p = prefix.replace(/\/+$/, '');
  if (path === '/' || path === '') return p === '' ? '/' : p;
  return `${p}${path.startsWith('/') ? path : `/${path}`}`;
}

function mergeNamed(
  into: Record<string, unknown>,
  from: Record<string, unknown> | undefined,
  what: string,
): void {
  for (const [name, value] of Object.entries(from ?? {})) {
    if (name in into && !isDeepStrictEqual(into[name], value)) {
      throw new Error(`two OpenAPI fragments define ${what} ${name} differently`);
    }
    into[name] = value;
  }
}

/**
 * One OpenAPI 3.1 document from the fragments of the route plugins, each under the prefix it is
 * registered with. Throws when two fragments describe the same operation or define a schema of
 * the same name differently.
 *
 * @example
 * composeOpenApi({ title: 'corriente', version: '1.0.0' }, [{ prefix: '/api/fx/v1', fragment }]);
 */
export function composeOpenApi(
  info: OpenApiInfo,
  parts: readonly { prefix: string; fragment: OpenApiFragment }[],
): OpenApiDocument {
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    tags: [],
    paths: {},
    components: { schemas: {}, securitySchemes: {} },
  };
  for (const { prefix, fragment } of parts) {
    for (const [path, item] of Object.entries(fragment.paths)) {
      const full = joinPath(prefix, path);
      const existing = (doc.paths[full] ??= {});
      for (const [method, operation] of Object.entries(item)) {
        if (method in existing) {
          throw new Error(`two OpenAPI fragments describe ${method.toUpperCase()} ${full}`);
        }
        existing[method] = {
          ...(fragment.tag && !('tags' in operation) ? { tags: [fragment.tag.name] } : {}),
          ...operation,
          ...(fragment.security && !('security' in operation)
            ? { security: fragment.security }
            : {}),
        };
      }
    }
    mergeNamed(doc.components.schemas, fragment.schemas, 'the schema');
    mergeNamed(doc.components.securitySchemes, fragment.securitySchemes, 'the security scheme');
    const { tag } = fragment;
    if (tag && !doc.tags.some((t) => t.name === tag.name)) doc.tags.push(tag);
  }
  return doc;
}

/** The methods an OpenAPI path item may hold. */
export const OPENAPI_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
];

/**
 * Routes (`GET /api/x/{id}`) that a document does not describe. HEAD routes Fastify adds beside
 * GET ones are not counted, and a prefix's `/` route (`/api/x/`) is the document's `/api/x`.
 */
export function undocumentedRoutes(
  doc: Pick<OpenApiDocument, 'paths'>,
  routes: readonly { method: string; url: string }[],
): string[] {
  const missing: string[] = [];
  for (const r of routes) {
    const method = r.method.toLowerCase();
    if (method === 'head') continue;
    const path = openApiPath(r.url.length > 1 ? r.url.replace(/\/$/, '') : r.url);
    if (!doc.paths[path]?.[method]) missing.push(`${r.method.toUpperCase()} ${path}`);
  }
  return missing;
}

const problemSchema = z
  .object({
    type: z.string().describe('`urn:corriente:problem:<code>`, or `about:blank`'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');

/** The `Problem` schema every API of corriente answers errors with (`application/problem+json`). */
export const PROBLEM_OPENAPI_SCHEMA = zodToOpenApi(problemSchema);

/** A problem+json response referring to the `Problem` schema. */
export function problemResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: {
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    },
  };
}

/** A JSON response with the given schema. */
export function jsonResponse(
  description: string,
  schema: Record<string, unknown>,
): Record<string, unknown> {
  return { description, content: { 'application/json': { schema } } };
}
