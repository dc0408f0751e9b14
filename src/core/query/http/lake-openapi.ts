import { z } from 'zod';
import {
  jsonResponse,
  PROBLEM_OPENAPI_SCHEMA,
  problemResponse,
  zodToOpenApi,
  type OpenApiFragment,
} from '../../http/openapi.js';
import { lakeQueryBodySchema } from './lake-routes.js';

const column = z.object({ name: z.string(), type: z.string().describe("the engine's type name") });
const queryResult = z.object({
  columns: z.array(column),
  rows: z
    .array(z.record(z.string(), z.unknown()))
    .describe('JSON-ready values: DECIMALs as exact text, timestamps as ISO strings'),
  truncated: z.boolean().describe('more rows than the limit: cut'),
  elapsedMs: z.number(),
  saved: z.string().optional().describe('the saved query that ran'),
});
const savedQueries = z.object({
  savedQueries: z.array(z.object({ name: z.string(), description: z.string(), sql: z.string() })),
});
const tables = z.object({
  tables: z.array(
    z.object({
      database: z.string(),
      table: z.string(),
      columns: z.array(column).describe('only the columns the caller may read'),
      location: z.string(),
      format: z.string(),
    }),
  ),
});

/** The security scheme of every lake route: a principal's token, or the admin token. */
export const LAKE_SECURITY_SCHEMES = {
  lakeBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      "a lake principal's token (`corriente lake token`), or the admin token (CORRIENTE_ADMIN_TOKEN) as the principal `admin`",
  },
};

/** 401 and 429, answered by every lake route. */
export const LAKE_COMMON_RESPONSES = {
  '401': problemResponse('no or invalid token (`unauthenticated`)'),
  '429': problemResponse('rate limit exceeded (`rate-limited`), per principal per minute'),
};

/**
 * The query API's part of the OpenAPI document (`lakeRoutes`, under `/api/lake/v1`).
 *
 * @example lakeOpenApi({ maxLimit: 100_000 })
 */
export function lakeOpenApi(options: { maxLimit: number }): OpenApiFragment {
  return {
    tag: { name: 'lake', description: 'SQL over the cataloged lake (Athena) and its operations' },
    security: [{ lakeBearer: [] }],
    paths: {
      '/query': {
        post: {
          operationId: 'runLakeQuery',
          summary: 'Run read-only SQL, or a saved query, with the caller’s grants',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/LakeQuery' } } },
          },
          responses: {
            '200': jsonResponse('the result', { $ref: '#/components/schemas/LakeQueryResult' }),
            '400': problemResponse(
              'invalid body, refused statement, unknown table or SQL error (`invalid-request`, `forbidden-statement`, `unknown-table`, `sql-error`)',
            ),
            ...LAKE_COMMON_RESPONSES,
            '403': problemResponse('a table or column the caller may not read (`access-denied`)'),
            '404': problemResponse('no such saved query (`unknown-saved-query`)'),
            '408': problemResponse('the query ran past the timeout (`timeout`)'),
          },
        },
      },
      '/saved-queries': {
        get: {
          operationId: 'listSavedQueries',
          summary: 'The saved queries',
          responses: {
            '200': jsonResponse('the saved queries', zodToOpenApi(savedQueries)),
            ...LAKE_COMMON_RESPONSES,
          },
        },
      },
      '/tables': {
        get: {
          operationId: 'listLakeTables',
          summary: 'The tables the caller may read, with their granted columns',
          responses: {
            '200': jsonResponse('the tables', zodToOpenApi(tables)),
            ...LAKE_COMMON_RESPONSES,
          },
        },
      },
    },
    schemas: {
      LakeQuery: zodToOpenApi(lakeQueryBodySchema(options.maxLimit), 'input'),
      LakeQueryResult: zodToOpenApi(queryResult),
      Problem: PROBLEM_OPENAPI_SCHEMA,
    },
    securitySchemes: LAKE_SECURITY_SCHEMES,
  };
}
