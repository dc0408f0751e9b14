import {
  jsonResponse,
  PROBLEM_OPENAPI_SCHEMA,
  problemResponse,
  zodToOpenApi,
  type OpenApiFragment,
} from '../../core/http/openapi.js';
import { pageQuery, reasonBody, replayBody } from './fx-ops-routes.js';

const object = (description: string) => ({ type: 'object', description });
const auth = {
  '401': problemResponse('no, or not the admin token (`unauthenticated`)'),
  '429': problemResponse('rate limit exceeded (`rate-limited`)'),
};
const groupParam = { name: 'group', in: 'path', required: true, schema: { type: 'string' } };
const versionParam = {
  name: 'version',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
const reason = {
  required: true,
  content: { 'application/json': { schema: zodToOpenApi(reasonBody, 'input') } },
};
const registryErrors = {
  '400': problemResponse('invalid body or parameters (`invalid-request`, `invalid-input`)'),
  '404': problemResponse('no such group or version (`not-found`)'),
  '409': problemResponse('the change is not allowed in the version’s state'),
};
const statusChange = (action: 'approve' | 'reject') => ({
  post: {
    operationId: `${action}ModelVersion`,
    summary: `${action === 'approve' ? 'Approve' : 'Reject'} a model version, with a reason (audited)`,
    parameters: [groupParam, versionParam],
    requestBody: reason,
    responses: {
      '200': jsonResponse('the version after the change', object('a model version')),
      ...auth,
      ...registryErrors,
    },
  },
});

/** The FX operations routes in the OpenAPI document (`fxOpsRoutes`, under `/api/fx/v1/ops`). */
export const fxOpsOpenApi: OpenApiFragment = {
  tag: {
    name: 'fx-ops',
    description: 'Operations of the FX platform for the console (admin token)',
  },
  security: [{ adminBearer: [] }],
  paths: {
    '/overview': {
      get: {
        operationId: 'getFxOverview',
        summary:
          'Latest price, stream processor, orchestrator, notifications, reconciliation, served model',
        responses: { '200': jsonResponse('live counters', object('the counters')), ...auth },
      },
    },
    '/models': {
      get: {
        operationId: 'listModels',
        summary: 'Model groups and their versions',
        responses: {
          '200': jsonResponse('the groups', object('`{groups: [{name, description, versions}]}`')),
          ...auth,
        },
      },
    },
    '/models/{group}/{version}': {
      get: {
        operationId: 'getModelVersion',
        summary: 'A model version and its audit history',
        parameters: [groupParam, versionParam],
        responses: {
          '200': jsonResponse('the version', object('`{version, history}`')),
          ...auth,
          ...registryErrors,
        },
      },
    },
    '/models/{group}/{version}/approve': statusChange('approve'),
    '/models/{group}/{version}/reject': statusChange('reject'),
    '/models/{group}/rollback': {
      post: {
        operationId: 'rollbackModel',
        summary: 'Serve the previously approved version again, with a reason (audited)',
        parameters: [groupParam],
        requestBody: reason,
        responses: {
          '200': jsonResponse('the version served after the rollback', object('a model version')),
          ...auth,
          ...registryErrors,
        },
      },
    },
    '/deliveries': {
      get: {
        operationId: 'listAllDeliveries',
        summary: "Every user's notification deliveries, newest first",
        parameters: Object.entries(
          (zodToOpenApi(pageQuery, 'input').properties ?? {}) as Record<string, unknown>,
        ).map(([name, schema]) => ({ name, in: 'query', schema })),
        responses: {
          '200': jsonResponse('a page', object('`{deliveries, nextCursor?}`')),
          '400': problemResponse('invalid query (`invalid-request`)'),
          ...auth,
        },
      },
    },
    '/dead-letters': {
      get: {
        operationId: 'listDeadLetters',
        summary: 'Deliveries that exhausted their retries',
        responses: { '200': jsonResponse('the dead letters', object('`{deadLetters}`')), ...auth },
      },
    },
    '/dead-letters/replay': {
      post: {
        operationId: 'replayDeadLetters',
        summary: 'Queue dead letters again (all, or the given ids) and attempt each once now',
        requestBody: {
          required: false,
          content: { 'application/json': { schema: zodToOpenApi(replayBody, 'input') } },
        },
        responses: {
          '200': jsonResponse('what was replayed', object('`{replayed}`')),
          '400': problemResponse('invalid body (`invalid-request`)'),
          ...auth,
          '404': problemResponse('an id that is not a dead letter (`not-found`)'),
        },
      },
    },
  },
  schemas: { Problem: PROBLEM_OPENAPI_SCHEMA },
  securitySchemes: {
    adminBearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'the admin token (CORRIENTE_ADMIN_TOKEN)',
    },
  },
};
