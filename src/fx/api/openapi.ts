import type { FastifyPluginAsync } from 'fastify';
import { apiDocsRoutes } from '../../core/http/api-docs.js';
import {
  composeOpenApi,
  PROBLEM_OPENAPI_SCHEMA,
  zodToOpenApi,
  type OpenApiDocument,
  type OpenApiFragment,
} from '../../core/http/openapi.js';
import {
  createdUserSchema,
  createUserRequestSchema,
  latestPriceSchema,
  pricePageSchema,
  portfolioSchema,
  transactionPageSchema,
  transactionRequestSchema,
  transactionSchema,
  userPageSchema,
} from './schemas.js';

const json = zodToOpenApi;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const ok = (description: string, schema: string) => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});
const common = {
  '401': problem('no or invalid token (`unauthenticated`)'),
  '429': {
    ...problem('rate limit exceeded (`rate-limited`), per user per minute'),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
  },
};
const limitParam = (max: number, dflt: number) => ({
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: max, default: dflt },
});
const cursorParam = {
  name: 'cursor',
  in: 'query',
  description: '`nextCursor` of the previous page',
  schema: { type: 'string' },
};

/** The OpenAPI 3.1 document of the FX API (`GET /api/docs`). */
export const fxOpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'corriente FX API',
    version: '1.0.0',
    description:
      'Buy and sell US dollars against Colombian pesos at the latest market price. Amounts are ' +
      'decimal numbers in units (USD, COP) with at most two decimals; internally integer cents. ' +
      'Errors are RFC 9457 problem+json with `type` `urn:corriente:problem:<code>`.',
  },
  servers: [{ url: '/api/fx/v1' }],
  security: [{ bearer: [] }],
  paths: {
    '/transactions': {
      post: {
        operationId: 'executeTransaction',
        summary: 'Buy (at the ask) or sell (at the bid) US dollars at the latest price',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            description:
              'Unique per transaction (1–200 printable ASCII). The same key and body again returns the original response with `Idempotent-Replayed: true` and executes nothing.',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('TransactionRequest') } },
        },
        responses: {
          '201': {
            ...ok('executed (or replayed)', 'Transaction'),
            headers: {
              'Idempotent-Replayed': {
                schema: { type: 'string', enum: ['true'] },
                description: 'present on a replay of an earlier request',
              },
            },
          },
          '400': problem('invalid body or Idempotency-Key (`invalid-request`, naming the field)'),
          ...common,
          '409': problem(
            'insufficient COP or USD (`insufficient-funds`, with `currency`, `required`, `available`)',
          ),
          '413': problem('body too large (`payload-too-large`)'),
          '415': problem('body not JSON'),
          '422': problem('the key was used with a different body (`idempotency-conflict`)'),
          '503': problem(
            'no price, or the latest is stale (`price-unavailable`, with `lastPriceAgeSeconds`)',
          ),
        },
      },
      get: {
        operationId: 'listTransactions',
        summary: "The caller's transactions, newest first",
        parameters: [limitParam(100, 20), cursorParam],
        responses: {
          '200': ok('a page', 'TransactionPage'),
          '400': problem('invalid query'),
          ...common,
        },
      },
    },
    '/transactions/{id}': {
      get: {
        operationId: 'getTransaction',
        summary: "One of the caller's transactions (where POST /transactions's Location points)",
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': ok('the transaction', 'Transaction'),
          ...common,
          '404': problem('no such transaction of the caller (`not-found`)'),
        },
      },
    },
    '/portfolio': {
      get: {
        operationId: 'getPortfolio',
        summary: "The caller's balances and P&L valued at the latest bid",
        responses: {
          '200': ok('the portfolio', 'Portfolio'),
          ...common,
          '404': problem('no account'),
        },
      },
    },
    '/prices/latest': {
      get: {
        operationId: 'getLatestPrice',
        summary: 'The latest COP/USD quote',
        responses: {
          '200': ok('the latest tick', 'LatestPrice'),
          ...common,
          '404': problem('no price yet (`no-price`)'),
        },
      },
    },
    '/prices': {
      get: {
        operationId: 'listPrices',
        summary: `Price history, oldest first (range ≤ 31 days, default the last hour)`,
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
          limitParam(1000, 500),
          cursorParam,
        ],
        responses: {
          '200': ok('a page', 'PricePage'),
          '400': problem('invalid range'),
          ...common,
        },
      },
    },
    '/admin/users': {
      post: {
        operationId: 'createUser',
        summary: 'Create a user with opening balances; returns its token once',
        security: [{ adminBearer: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('CreateUserRequest') } },
        },
        responses: {
          '201': ok('created', 'CreatedUser'),
          '400': problem('invalid body'),
          ...common,
        },
      },
      get: {
        operationId: 'listUsers',
        summary: 'Users in creation order',
        security: [{ adminBearer: [] }],
        parameters: [limitParam(1000, 100), cursorParam],
        responses: { '200': ok('a page', 'UserPage'), ...common },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'a user token from `corriente fx users create`',
      },
      adminBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'the admin token (CORRIENTE_ADMIN_TOKEN)',
      },
    },
    schemas: {
      TransactionRequest: json(transactionRequestSchema, 'input'),
      Transaction: json(transactionSchema),
      TransactionPage: json(transactionPageSchema),
      Portfolio: json(portfolioSchema),
      LatestPrice: json(latestPriceSchema),
      PricePage: json(pricePageSchema),
      CreateUserRequest: json(createUserRequestSchema, 'input'),
      CreatedUser: json(createdUserSchema),
      UserPage: json(userPageSchema),
      Problem: PROBLEM_OPENAPI_SCHEMA,
    },
  },
} as const;

/**
 * The FX API's part of the platform's OpenAPI document, relative to `/api/fx/v1` (the prefix
 * `fxRoutes` is registered under).
 */
export const fxOpenApi: OpenApiFragment = {
  tag: { name: 'fx', description: 'Buy and sell US dollars; portfolio, prices, users (admin)' },
  security: [{ bearer: [] }],
  paths: fxOpenApiDocument.paths,
  schemas: fxOpenApiDocument.components.schemas,
  securitySchemes: fxOpenApiDocument.components.securitySchemes,
};

/** The document of an app serving the FX API alone (`buildFxApp`: the API Gateway Lambda). */
export const fxOnlyOpenApiDocument: OpenApiDocument = composeOpenApi(
  {
    title: fxOpenApiDocument.info.title,
    version: fxOpenApiDocument.info.version,
    description: fxOpenApiDocument.info.description,
  },
  [{ prefix: '/api/fx/v1', fragment: fxOpenApi }],
);

/**
 * Serves the FX API's OpenAPI document at `GET /docs` and `GET /openapi.json`; register with
 * prefix `/api` (→ `GET /api/docs`). `corriente up` serves the whole platform's document there
 * instead.
 */
export function fxDocsRoutes(): FastifyPluginAsync {
  return apiDocsRoutes(() => fxOnlyOpenApiDocument);
}
