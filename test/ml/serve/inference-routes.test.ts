import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GbdtModel } from '../../../src/ml/gbdt/index.js';
import { inferenceRoutes, mlRoutes, ModelHandle } from '../../../src/ml/serve/index.js';
import { SqliteModelRegistry } from '../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../util/tmp.js';
import { expected, modelText, registration } from '../registry/fixtures.js';
import { csvOf, listen, matchesXgboost, parseCsvAnswer } from './serve-util.js';

let multi: GbdtModel;
let binary: GbdtModel;
beforeAll(() => {
  multi = GbdtModel.parse(modelText('multi-a'));
  binary = GbdtModel.parse(modelText('binary'));
});

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(handle: ModelHandle, maxRows = 50): Promise<string> {
  const s = await listen([{ prefix: '', plugin: inferenceRoutes({ handle, maxRows }) }]);
  app = s.app;
  return s.url;
}

const post = (url: string, body: string, type: string | undefined, accept?: string) =>
  fetch(`${url}/invocations`, {
    method: 'POST',
    // fetch labels a string body text/plain; bytes go without a Content-Type.
    body: type ? body : new TextEncoder().encode(body),
    headers: { ...(type ? { 'content-type': type } : {}), ...(accept ? { accept } : {}) },
  });

async function problem(res: Response, status: number, detail: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { status: number; detail: string };
  expect(body.status).toBe(status);
  expect(body.detail).toMatch(detail);
}

describe('inference endpoint (SageMaker container contract, real HTTP on loopback)', () => {
  it('GET /ping is 200 with a model loaded', async () => {
    const url = await serve(ModelHandle.of(multi, { group: 'g', version: 4 }));
    const res = await fetch(`${url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', model: { group: 'g', version: 4 } });
  });

  it('scores CSV rows with missing values exactly as XGBoost does (multi-class)', async () => {
    const url = await serve(ModelHandle.of(multi, { group: 'g', version: 1 }));
    const res = await post(url, csvOf(expected('multi-a').rows), 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-corriente-model')).toBe('g@v1');
    const got = parseCsvAnswer(await res.text());
    expect(got[0]).toHaveLength(3);
    expect(matchesXgboost(got, 'multi-a')).toBe(true);
  });

  it('binary models answer one probability per line; CRLF and spaces are accepted', async () => {
    const url = await serve(ModelHandle.of(binary));
    const csv = csvOf(expected('binary').rows).replaceAll(',', ' , ').replaceAll('\n', '\r\n');
    const res = await post(url, csv, 'text/csv; charset=utf-8');
    const got = parseCsvAnswer(await res.text());
    expect(got.every((r) => r.length === 1)).toBe(true);
    expect(matchesXgboost(got, 'binary')).toBe(true);
  });

  it('scores JSON instances and a single features row; answers with the model served', async () => {
    const url = await serve(ModelHandle.of(multi, { group: 'g', version: 2 }));
    const { rows } = expected('multi-a');
    const res = await post(url, JSON.stringify({ instances: rows }), 'application/json');
    const body = (await res.json()) as { predictions: number[][]; model: unknown };
    expect(body.model).toEqual({ group: 'g', version: 2 });
    expect(matchesXgboost(body.predictions, 'multi-a')).toBe(true);
    const one = await post(url, JSON.stringify({ features: rows[3] }), 'application/json');
    const single = (await one.json()) as { predictions: number[][] };
    expect(single.predictions).toHaveLength(1);
    expect(single.predictions[0]![1]).toBeCloseTo(expected('multi-a').predictions[3]![1]!, 6);
  });

  it('honours Accept: CSV in, JSON out and JSON in, CSV out; 406 for anything else', async () => {
    const url = await serve(ModelHandle.of(multi));
    const { rows } = expected('multi-a');
    const a = await post(url, csvOf(rows), 'text/csv', 'application/json');
    expect(
      matchesXgboost(((await a.json()) as { predictions: number[][] }).predictions, 'multi-a'),
    ).toBe(true);
    const b = await post(url, JSON.stringify({ instances: rows }), 'application/json', 'text/csv');
    expect(matchesXgboost(parseCsvAnswer(await b.text()), 'multi-a')).toBe(true);
    await problem(
      await post(url, csvOf(rows), 'text/csv', 'image/png'),
      406,
      /text\/csv or application\/json/,
    );
  });

  it('Accept: application/json answers class labels; the plain form stays the default', async () => {
    const labels = ['ninguna', 'compra', 'venta'];
    const s = await listen([
      {
        prefix: '',
        plugin: inferenceRoutes({ handle: ModelHandle.of(multi), classLabels: labels }),
      },
    ]);
    app = s.app;
    const { rows, predictions } = expected('multi-a');
    const labelled = await post(s.url, csvOf(rows), 'text/csv', 'application/json');
    const body = (await labelled.json()) as { predictions: Record<string, number>[] };
    expect(body.predictions).toHaveLength(rows.length);
    body.predictions.forEach((p, r) => {
      expect(Object.keys(p)).toEqual(labels);
      labels.forEach((l, c) => expect(p[l]).toBeCloseTo(predictions[r]![c]!, 6));
    });
    // JSON in, JSON Accept: labelled too.
    const jsonIn = await post(
      s.url,
      JSON.stringify({ features: rows[0] }),
      'application/json',
      'application/json',
    );
    expect(Object.keys(((await jsonIn.json()) as typeof body).predictions[0]!)).toEqual(labels);
    // No Accept, or a wildcard: SageMaker's plain form (CSV for CSV, arrays for JSON).
    const plainCsv = await post(s.url, csvOf(rows), 'text/csv');
    expect(matchesXgboost(parseCsvAnswer(await plainCsv.text()), 'multi-a')).toBe(true);
    const plainJson = await post(
      s.url,
      JSON.stringify({ instances: rows }),
      'application/json',
      '*/*',
    );
    const arrays = (await plainJson.json()) as { predictions: number[][] };
    expect(matchesXgboost(arrays.predictions, 'multi-a')).toBe(true);
  });

  it('refuses malformed input with a 400 naming the line and column', async () => {
    const url = await serve(ModelHandle.of(multi), 3);
    await problem(
      await post(url, '1,2,3,4,5\n1,2,3,4\n', 'text/csv'),
      400,
      /line 2: 4 columns, but the model expects 5/,
    );
    await problem(await post(url, '1,2,3,4,5,6\n', 'text/csv'), 400, /line 1: 6 columns/);
    await problem(
      await post(url, '1,2,3,4,5\n1,2,x3,4,5\n', 'text/csv'),
      400,
      /line 2, column 3: "x3" is not a number/,
    );
    await problem(
      await post(url, '1,2,3,4,1e999\n', 'text/csv'),
      400,
      /column 5: "1e999" is not a number in range/,
    );
    await problem(await post(url, '', 'text/csv'), 400, /the body is empty/);
    await problem(
      await post(url, '1,2,3,4,5\n'.repeat(4), 'text/csv'),
      400,
      /4 rows is more than the limit of 3/,
    );
    await problem(
      await post(url, '{"instances": [[1,2]', 'application/json'),
      400,
      /not valid JSON/,
    );
    await problem(
      await post(url, '{"rows": []}', 'application/json'),
      400,
      /must be \{"instances"/,
    );
    await problem(
      await post(
        url,
        JSON.stringify({
          instances: [
            [1, 2, 3, 4, 5],
            [1, 2, '3', 4, 5],
          ],
        }),
        'application/json',
      ),
      400,
      /instances\[1\]\[2\]: expected a number or null/,
    );
    await problem(
      await post(url, JSON.stringify({ features: [1, 2] }), 'application/json'),
      400,
      /features: 2 values/,
    );
    await problem(
      await post(url, 'a=1', 'application/x-www-form-urlencoded'),
      415,
      /send text\/csv or application\/json/,
    );
    await problem(await post(url, '1,2,3,4,5', undefined), 415, /Content-Type \(none\)/);
    // The server still serves after all of these.
    expect((await post(url, '1,2,3,4,5\n', 'text/csv')).status).toBe(200);
  });

  it('answers 503 problem+json on /ping and /invocations while no version is approved', async () => {
    const tmp = tempDir('corriente-serve-');
    const registry = new SqliteModelRegistry({
      path: path.join(tmp.dir, 'registry.db'),
      store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
    });
    try {
      await registry.createGroup('g');
      await registry.registerVersion(registration('g', 'multi-a')); // pending, not served
      const handle = await ModelHandle.fromRegistry(registry, 'g');
      expect(handle.current()).toBeUndefined();
      const url = await serve(handle);
      await problem(await fetch(`${url}/ping`), 503, /no model is loaded/);
      await problem(await post(url, '1,2,3,4,5\n', 'text/csv'), 503, /no model is loaded/);
      handle.close();
    } finally {
      await registry.close();
      tmp.cleanup();
    }
  });

  it('mounts several groups under a prefix (corriente up: /api/ml/v1/<group>/…)', async () => {
    const handles = new Map([
      ['fx-recomendaciones', ModelHandle.of(multi, { group: 'fx-recomendaciones', version: 1 })],
      ['fx-binario', ModelHandle.of(binary, { group: 'fx-binario', version: 7 })],
    ]);
    const s = await listen([{ prefix: '/api/ml/v1', plugin: mlRoutes({ handles }) }]);
    app = s.app;
    const base = `${s.url}/api/ml/v1`;
    expect((await fetch(`${base}/fx-binario/ping`)).status).toBe(200);
    const res = await post(
      `${base}/fx-recomendaciones`,
      csvOf(expected('multi-a').rows),
      'text/csv',
    );
    expect(matchesXgboost(parseCsvAnswer(await res.text()), 'multi-a')).toBe(true);
    await problem(await fetch(`${base}/nada/ping`), 404, /no model group nada is served here/);
  });
});

describe('the model endpoint inside up: token, row limit, rate limit', () => {
  it('needs a valid bearer token when authenticate is given', async () => {
    const handles = new Map([['g', ModelHandle.of(multi, { group: 'g', version: 1 })]]);
    const s = await listen([
      {
        prefix: '/api/ml/v1',
        plugin: mlRoutes({
          handles,
          maxRows: 2,
          authenticate: (t) => (t === 'good' ? 'ana' : undefined),
          rateLimitPerMinute: 4,
        }),
      },
    ]);
    app = s.app;
    const base = `${s.url}/api/ml/v1/g`;
    const call = (token?: string, rows = 1) =>
      fetch(`${base}/invocations`, {
        method: 'POST',
        body: csvOf(expected('multi-a').rows.slice(0, rows)),
        headers: {
          'content-type': 'text/csv',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    await problem(await call(), 401, /token is required/);
    await problem(await call('bad'), 401, /not valid/);
    expect((await call('good')).status).toBe(200);
    // More rows than the limit per request.
    await problem(await call('good', 3), 400, /rows/);
    expect(
      (await fetch(`${base}/ping`, { headers: { authorization: 'Bearer good' } })).status,
    ).toBe(200);
    expect((await call('good')).status).toBe(200);
    // The fifth request of this principal in the minute is refused (401s are not counted).
    await problem(await call('good'), 429, /rate limit of 4 requests per minute/);
  });
});
