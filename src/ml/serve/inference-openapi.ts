import {
  jsonResponse,
  PROBLEM_OPENAPI_SCHEMA,
  problemResponse,
  type OpenApiFragment,
} from '../../core/http/openapi.js';

const number = { type: ['number', 'null'], description: 'a feature; null is a missing value' };
const invocationJson = {
  oneOf: [
    {
      type: 'object',
      properties: { instances: { type: 'array', items: { type: 'array', items: number } } },
      required: ['instances'],
    },
    {
      type: 'object',
      properties: { features: { type: 'array', items: number } },
      required: ['features'],
    },
  ],
};
const probabilities = { type: 'array', items: { type: 'number' } };

/**
 * The model endpoint in the OpenAPI document (`mlRoutes`, under `/api/ml/v1`): SageMaker's
 * container contract per model group. `classLabels` names the output classes of the JSON answer
 * to `Accept: application/json`.
 *
 * @example mlOpenApi({ classLabels: ['ninguna', 'compra', 'venta'] })
 */
export function mlOpenApi(options: { classLabels?: readonly string[] } = {}): OpenApiFragment {
  const labels = options.classLabels;
  const labelled = labels
    ? {
        type: 'object',
        properties: Object.fromEntries(labels.map((l) => [l, { type: 'number' }])),
        required: [...labels],
      }
    : undefined;
  const group = { name: 'group', in: 'path', required: true, schema: { type: 'string' } };
  return {
    tag: { name: 'ml', description: "The model endpoint (SageMaker's container contract)" },
    security: [{ modelBearer: [] }],
    paths: {
      '/{group}/ping': {
        get: {
          operationId: 'pingModel',
          summary: 'Whether a model of the group is loaded (SageMaker `GET /ping`)',
          parameters: [group],
          responses: {
            '200': jsonResponse('a model is loaded', {
              type: 'object',
              properties: { status: { const: 'ok' }, model: { type: 'object' } },
              required: ['status', 'model'],
            }),
            '401': problemResponse('no or invalid token (`unauthenticated`)'),
            '404': problemResponse('no such model group (`unknown-model-group`)'),
            '429': problemResponse('rate limit exceeded (`rate-limited`)'),
            '503': problemResponse('no model approved yet (`no-model`)'),
          },
        },
      },
      '/{group}/invocations': {
        post: {
          operationId: 'invokeModel',
          summary:
            'Class probabilities for rows of features (SageMaker `POST /invocations`). The answer has the request’s type unless Accept asks for the other; `Accept: application/json` gets one object per row keyed by class label.',
          parameters: [group],
          requestBody: {
            required: true,
            content: {
              'text/csv': {
                schema: { type: 'string', description: 'one row of features per line, no header' },
              },
              'application/json': { schema: invocationJson },
            },
          },
          responses: {
            '200': {
              description:
                'one line (CSV) or one entry (JSON) per row; the model served in X-Corriente-Model',
              headers: {
                'X-Corriente-Model': {
                  schema: { type: 'string' },
                  description: '`<group>@v<version>` of the model that answered',
                },
              },
              content: {
                'text/csv': {
                  schema: {
                    type: 'string',
                    description: 'comma-separated class probabilities per line',
                  },
                },
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      predictions: {
                        type: 'array',
                        items: labelled ? { oneOf: [probabilities, labelled] } : probabilities,
                      },
                      model: { type: 'object' },
                    },
                    required: ['predictions', 'model'],
                  },
                },
              },
            },
            '400': problemResponse(
              'rows that cannot be read, or more rows than the limit per request (`invalid-invocation`)',
            ),
            '401': problemResponse('no or invalid token (`unauthenticated`)'),
            '404': problemResponse('no such model group (`unknown-model-group`)'),
            '406': problemResponse(
              'an Accept header asking for neither text/csv nor application/json',
            ),
            '413': problemResponse('a body larger than the limit'),
            '415': problemResponse('a Content-Type other than text/csv or application/json'),
            '429': problemResponse('rate limit exceeded (`rate-limited`)'),
            '503': problemResponse('no model approved yet (`no-model`)'),
          },
        },
      },
    },
    schemas: { Problem: PROBLEM_OPENAPI_SCHEMA },
    securitySchemes: {
      modelBearer: {
        type: 'http',
        scheme: 'bearer',
        description: "an FX user's token or the admin token (`fx.model.serving.requireToken`)",
      },
    },
  };
}
