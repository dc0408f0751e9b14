import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { createApiGatewayHandler } from '../../../src/deploy/aws/api-gateway-handler.js';
import { fxRoutes } from '../../../src/fx/api/fx-routes.js';
import { fxOpenApiDocument } from '../../../src/fx/api/openapi.js';
import { openHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

describe('over real HTTP on loopback', () => {
  it('executes, replays and reads with fetch', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1_000_000);
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const post = () =>
      fetch(`${address}/api/fx/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${u.token}`,
          'idempotency-key': 'http-1',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ side: 'BUY', amountUsd: 12.5 }),
      });
    const first = await post();
    expect(first.status).toBe(201);
    const body = (await first.json()) as { totalCop: number };
    expect(body.totalCop).toBe(50125);
    const again = await post();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const portfolio = await fetch(`${address}/api/fx/v1/portfolio`, {
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(await portfolio.json()).toMatchObject({ usd: 12.5 });
    const unauth = await fetch(`${address}/api/fx/v1/portfolio`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('content-type')).toContain('application/problem+json');
    expect(unauth.headers.get('www-authenticate')).toMatch(/Bearer/);
    const docs = await fetch(`${address}/api/docs`);
    expect(((await docs.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});

describe('OpenAPI document', () => {
  it('describes every route registered under /api/fx/v1', async () => {
    const app = Fastify();
    const routes: string[] = [];
    app.addHook('onRoute', (r) => {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
    });
    await app.register(fxRoutes(h.deps), { prefix: '/api/fx/v1' });
    await app.ready();
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const paths = fxOpenApiDocument.paths as Record<string, Record<string, unknown>>;
    for (const route of routes) {
      const [method, url] = route.split(' ') as [string, string];
      // Fastify's :param is OpenAPI's {param}.
      const p = url.replace(/^\/api\/fx\/v1/, '').replace(/:(\w+)/g, '{$1}');
      expect(paths[p], route).toBeDefined();
      expect(paths[p]![method.toLowerCase()], route).toBeDefined();
    }
    expect(fxOpenApiDocument.components.schemas.TransactionRequest).toMatchObject({
      type: 'object',
      required: ['side', 'amountUsd'],
      additionalProperties: false,
    });
    await app.close();
  });
});

describe('API Gateway (HTTP API v2) handler', () => {
  const v2 = (over: Record<string, unknown>) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: '/api/fx/v1/portfolio',
    rawQueryString: '',
    headers: { accept: 'application/json', host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: 'GET',
        path: '/api/fx/v1/portfolio',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: '$default',
      stage: '$default',
      time: '02/Mar/2026:15:00:00 +0000',
      timeEpoch: 1772463600000,
    },
    isBase64Encoded: false,
    ...over,
  });

  it('runs POST /transactions (base64 body), GET with a query string, and errors as problem+json', async () => {
    h.tick(4000, 4010);
    const u = await h.user(1_000_000);
    const handler = createApiGatewayHandler(h.app);
    const post = await handler(
      v2({
        rawPath: '/api/fx/v1/transactions',
        headers: {
          authorization: `Bearer ${u.token}`,
          'idempotency-key': 'lambda-1',
          'content-type': 'application/json',
        },
        body: Buffer.from(JSON.stringify({ side: 'BUY', amountUsd: 2 })).toString('base64'),
        isBase64Encoded: true,
        requestContext: {
          ...v2({}).requestContext,
          http: { ...v2({}).requestContext.http, method: 'POST', path: '/api/fx/v1/transactions' },
        },
      }),
    );
    expect(post.statusCode).toBe(201);
    expect(post.isBase64Encoded).toBe(false);
    expect(post.headers['content-type']).toContain('application/json');
    expect(JSON.parse(post.body)).toMatchObject({ side: 'BUY', amountUsd: 2, totalCop: 8020 });
    const list = await handler(
      v2({
        rawPath: '/api/fx/v1/transactions',
        rawQueryString: 'limit=1',
        headers: { authorization: `Bearer ${u.token}` },
      }),
    );
    expect(list.statusCode).toBe(200);
    expect(JSON.parse(list.body).transactions).toHaveLength(1);
    const unauth = await handler(v2({}));
    expect(unauth.statusCode).toBe(401);
    expect(unauth.headers['content-type']).toContain('application/problem+json');
    await expect(handler({ rawPath: '/x' })).rejects.toThrow(/payload 2.0/);
  });
});
