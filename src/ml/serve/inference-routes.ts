import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from '../../core/http/problem.js';
import { bearerToken, principalRateLimit } from '../../core/http/rate-limit.js';
import { InvocationInputError, parseCsvRows, parseJsonRows } from './invocation-input.js';
import type { ModelHandle, ServedModel } from './model-handle.js';

export interface InferenceLimits {
  /** Most rows scored in one request. @default 100000 */
  maxRows?: number;
  /** Largest request body. @default 6 MiB (SageMaker's real-time payload limit) */
  bodyLimitBytes?: number;
}

export interface InferenceRoutesOptions extends InferenceLimits {
  handle: ModelHandle;
  /**
   * Names of the model's output classes, in output order. A request that asks for
   * `Accept: application/json` gets `{predictions: [{<label>: p, …}]}`; other answers keep
   * SageMaker's plain form. @default absent: plain arrays always
   */
  classLabels?: readonly string[];
}

export interface MlRoutesOptions extends InferenceLimits {
  /** One handle per model group, served under `/<group>/ping` and `/<group>/invocations`. */
  handles: ReadonlyMap<string, ModelHandle>;
  /**
   * Who a bearer token belongs to (undefined: not valid). When given, every request needs a
   * valid `Authorization: Bearer <token>` (401 otherwise). @default absent: open
   */
  authenticate?: (token: string | undefined) => string | undefined;
  /** Requests per principal (or per address when open) per minute. @default 600 */
  rateLimitPerMinute?: number;
  /** Output class names per model group (see `InferenceRoutesOptions.classLabels`). */
  classLabels?: ReadonlyMap<string, readonly string[]>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal of an authenticated model request. */
    mlPrincipal?: string;
  }
}

type MediaType = 'text/csv' | 'application/json';

/**
 * SageMaker's inference container contract as a Fastify plugin: `GET /ping` (200 when a model
 * is loaded, 503 otherwise) and `POST /invocations` with `text/csv` or `application/json`
 * bodies. Register it at the root for a standalone server (`corriente fx serve-model`) or under
 * a prefix.
 *
 * @example
 * await app.register(inferenceRoutes({ handle }), { prefix: '/' });
 */
export function inferenceRoutes(options: InferenceRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    setUp(app, options);
    app.get('/ping', (req, reply) => ping(options.handle, reply));
    app.post('/invocations', (req, reply) =>
      invoke(options.handle, options, req, reply, options.classLabels),
    );
  };
}

/**
 * The same contract for several model groups, for `corriente up`: mounted at `/api/ml/v1`, it
 * answers `/api/ml/v1/<group>/ping` and `/api/ml/v1/<group>/invocations`.
 */
export function mlRoutes(options: MlRoutesOptions): FastifyPluginAsync {
  const handleOf = (req: FastifyRequest): ModelHandle => {
    const group = (req.params as { group: string }).group;
    const handle = options.handles.get(group);
    if (!handle) {
      throw new HttpProblem(
        404,
        'Not Found',
        `no model group ${group} is served here`,
        {},
        'unknown-model-group',
      );
    }
    return handle;
  };
  return async (app) => {
    setUp(app, options);
    const { authenticate } = options;
    if (authenticate) {
      app.addHook('onRequest', async (req, reply) => {
        const token = bearerToken(req);
        const who = authenticate(token);
        if (who === undefined) {
          void reply.header('WWW-Authenticate', 'Bearer realm="corriente-ml"');
          throw new HttpProblem(
            401,
            'Unauthorized',
            token === undefined
              ? 'a token is required: Authorization: Bearer <an FX user token or the admin token>'
              : 'the token is not valid',
            {},
            'unauthenticated',
          );
        }
        req.mlPrincipal = who;
      });
    }
    await principalRateLimit(app, {
      max: options.rateLimitPerMinute ?? 600,
      principal: (req) => req.mlPrincipal,
    });
    app.get('/:group/ping', (req, reply) => ping(handleOf(req), reply));
    app.post('/:group/invocations', (req, reply) =>
      invoke(
        handleOf(req),
        options,
        req,
        reply,
        options.classLabels?.get((req.params as { group: string }).group),
      ),
    );
  };
}

function setUp(app: FastifyInstance, limits: InferenceLimits): void {
  // Every body arrives as bytes: CSV is parsed without a string copy, and an unsupported
  // content type gets a 415 naming the supported ones rather than Fastify's generic answer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: limits.bodyLimitBytes ?? 6 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.setErrorHandler((err: unknown, req, reply) => {
    let problem: HttpProblem;
    if (err instanceof HttpProblem) problem = err;
    else if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      problem = new HttpProblem(413, 'Payload Too Large', 'the request body is too large');
    } else {
      req.log.error({ err }, 'inference request failed');
      problem = new HttpProblem(
        500,
        'Internal Server Error',
        'an internal error occurred; it has been logged',
      );
    }
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem.toJSON(req.url));
  });
}

function modelLabel(served: ServedModel): Record<string, unknown> {
  return served.group !== undefined
    ? { group: served.group, version: served.version }
    : { file: served.file ?? null };
}

function noModel(): HttpProblem {
  return new HttpProblem(
    503,
    'Service Unavailable',
    'no model is loaded: approve a version of the model group (corriente fx models approve)',
    {},
    'no-model',
  );
}

function ping(handle: ModelHandle, reply: FastifyReply): Record<string, unknown> {
  const served = handle.current();
  if (!served) throw noModel();
  void reply.header('cache-control', 'no-store');
  return { status: 'ok', model: { ...modelLabel(served), loadedAt: served.loadedAt } };
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The response type: what Accept asks for among the two we produce, else the request's. */
function responseType(accept: string | undefined, requestType: MediaType): MediaType {
  if (!accept) return requestType;
  const wanted = accept.split(',').map((a) => mediaTypeOf(a));
  if (wanted.includes(requestType) || wanted.includes('*/*')) return requestType;
  if (wanted.includes('text/csv') || wanted.includes('text/*')) return 'text/csv';
  if (wanted.includes('application/json') || wanted.includes('application/*'))
    return 'application/json';
  throw new HttpProblem(
    406,
    'Not Acceptable',
    `cannot answer ${accept}: responses are text/csv or application/json`,
  );
}

/** True when the Accept header names `application/json` itself (not only a wildcard). */
function asksForJson(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((a) => mediaTypeOf(a) === 'application/json');
}

function invoke(
  handle: ModelHandle,
  limits: InferenceLimits,
  req: FastifyRequest,
  reply: FastifyReply,
  classLabels?: readonly string[],
): string | Record<string, unknown> {
  // One reference for the whole request: a swap meanwhile does not affect this answer.
  const served = handle.current();
  if (!served) throw noModel();
  const type = mediaTypeOf(req.headers['content-type']);
  if (type !== 'text/csv' && type !== 'application/json') {
    throw new HttpProblem(
      415,
      'Unsupported Media Type',
      `Content-Type ${type || '(none)'} is not supported: send text/csv or application/json`,
    );
  }
  const answer = responseType(req.headers.accept, type);
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const { model } = served;
  const maxRows = limits.maxRows ?? 100_000;
  let parsed;
  try {
    parsed =
      type === 'text/csv'
        ? parseCsvRows(body, model.numFeature, maxRows)
        : parseJsonRows(body, model.numFeature, maxRows);
  } catch (err) {
    if (err instanceof InvocationInputError) {
      throw new HttpProblem(400, 'Bad Request', err.message, {}, 'invalid-invocation');
    }
    throw err;
  }
  const p = model.predict(parsed.x, parsed.nRows);
  const k = model.outputsPerRow;
  const label = modelLabel(served);
  void reply.header(
    'x-corriente-model',
    served.group !== undefined ? `${served.group}@v${served.version}` : `file:${served.file ?? ''}`,
  );
  if (answer === 'text/csv') {
    const lines = new Array<string>(parsed.nRows);
    for (let r = 0; r < parsed.nRows; r++) {
      let line = String(p[r * k]);
      for (let c = 1; c < k; c++) line += `,${p[r * k + c]}`;
      lines[r] = line;
    }
    void reply.type('text/csv');
    return `${lines.join('\n')}\n`;
  }
  void reply.type('application/json');
  if (classLabels && classLabels.length === k && asksForJson(req.headers.accept)) {
    const labelled = new Array<Record<string, number>>(parsed.nRows);
    for (let r = 0; r < parsed.nRows; r++) {
      const row: Record<string, number> = {};
      for (let c = 0; c < k; c++) row[classLabels[c]!] = p[r * k + c]!;
      labelled[r] = row;
    }
    return { predictions: labelled, model: label };
  }
  const predictions = new Array<number[]>(parsed.nRows);
  for (let r = 0; r < parsed.nRows; r++) predictions[r] = Array.from(p.subarray(r * k, r * k + k));
  return { predictions, model: label };
}
