import {
  jsonResponse,
  PROBLEM_OPENAPI_SCHEMA,
  problemResponse,
  zodToOpenApi,
  type OpenApiFragment,
} from '../../core/http/openapi.js';
import {
  LAKE_COMMON_RESPONSES,
  LAKE_SECURITY_SCHEMES,
} from '../../core/query/http/lake-openapi.js';
import { jobsQuery, reingestBody } from './lake-ops-routes.js';

const object = (description: string, required: string[]) => ({
  type: 'object',
  description,
  required,
});

function queryParameters(schema: Record<string, unknown>): Record<string, unknown>[] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: s,
  }));
}

/**
 * The lake's operational routes in the OpenAPI document (`lakeOpsRoutes`, under
 * `/api/lake/v1`; same authentication as the query API).
 */
export const lakeOpsOpenApi: OpenApiFragment = {
  tag: { name: 'lake', description: 'SQL over the cataloged lake (Athena) and its operations' },
  security: [{ lakeBearer: [] }],
  paths: {
    '/catalog': {
      get: {
        operationId: 'getLakeCatalog',
        summary: 'Databases and the tables the caller may read',
        responses: {
          '200': jsonResponse(
            'the catalog',
            object(
              '`{databases: [{name, description, tables: [{name, format, location, schemaVersion, columns, partitions, updatedAt}]}]}`',
              ['databases'],
            ),
          ),
          ...LAKE_COMMON_RESPONSES,
        },
      },
    },
    '/catalog/{database}/{table}': {
      get: {
        operationId: 'getLakeTable',
        summary: "A table's granted columns, partitions and schema versions",
        parameters: [
          { name: 'database', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'table', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': jsonResponse(
            'the table',
            object(
              '`{table, partitions: [{values, location, schemaVersion, files, bytes, readsAsNull, updatedAt}], schemaVersions}`',
              ['table', 'partitions', 'schemaVersions'],
            ),
          ),
          ...LAKE_COMMON_RESPONSES,
          '404': problemResponse('no such table, or not readable by the caller (`not-found`)'),
        },
      },
    },
    '/jobs': {
      get: {
        operationId: 'listTransformRuns',
        summary: 'Transform runs, newest first (what `corriente jobs --json` prints)',
        parameters: queryParameters(zodToOpenApi(jobsQuery, 'input')),
        responses: {
          '200': jsonResponse('the runs', object('`{runs}`', ['runs'])),
          '400': problemResponse('invalid query (`invalid-request`)'),
          ...LAKE_COMMON_RESPONSES,
        },
      },
    },
    '/status': {
      get: {
        operationId: 'getLakeStatus',
        summary: 'Freshness per entity and the last run per job (`corriente status --json`)',
        responses: {
          '200': jsonResponse(
            'the status',
            object('`{freshness, lastRuns}`', ['freshness', 'lastRuns']),
          ),
          ...LAKE_COMMON_RESPONSES,
        },
      },
    },
    '/ingestion': {
      get: {
        operationId: 'getIngestion',
        summary: 'Per entity: files, rows, last ingestion, and files and rows per load date',
        responses: {
          '200': jsonResponse(
            'per entity',
            object(
              '`{entities: [{entity, files, rows, lastLoadedAt?, lastFile?, days: [{date, files, rows}]}]}`',
              ['entities'],
            ),
          ),
          ...LAKE_COMMON_RESPONSES,
        },
      },
    },
    '/quarantine': {
      get: {
        operationId: 'listQuarantinedFiles',
        summary:
          'Quarantined files with their reason (`code`, English `message`, Spanish `mensaje`)',
        responses: {
          '200': jsonResponse(
            'the files, newest first',
            object(
              '`{files: [{key, date, fileName, sourceKey, code, message, mensaje, entity?, bytes, quarantinedAt}]}`',
              ['files'],
            ),
          ),
          ...LAKE_COMMON_RESPONSES,
        },
      },
    },
    '/quarantine/reingest': {
      post: {
        operationId: 'reingestQuarantinedFile',
        summary: 'Send a quarantined file back to the landing store (admin only)',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: zodToOpenApi(reingestBody, 'input') } },
        },
        responses: {
          '202': jsonResponse('sent back; ingested on the next poll', {
            type: 'object',
            properties: { sourceKey: { type: 'string' } },
            required: ['sourceKey'],
          }),
          '400': problemResponse('invalid body (`invalid-request`)'),
          ...LAKE_COMMON_RESPONSES,
          '403': problemResponse('not the admin (`forbidden`)'),
          '404': problemResponse('no such quarantined file (`not-found`)'),
        },
      },
    },
  },
  schemas: { Problem: PROBLEM_OPENAPI_SCHEMA },
  securitySchemes: LAKE_SECURITY_SCHEMES,
};
