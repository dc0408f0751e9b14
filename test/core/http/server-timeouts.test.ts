import { connect } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/core/http/server.js';
import { silentLogger } from '../../../src/core/log/logger.js';

const echo: FastifyPluginAsync = async (app) => {
  app.post('/echo', (req) => ({ got: req.body }));
};

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Sends headers and part of a body, then nothing; resolves with what the server answered. */
function trickle(port: number): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closed: true }));
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
  });
}

describe('HTTP server timeouts', () => {
  it('answers 408 and closes the socket when a body does not arrive in time', async () => {
    const app = await buildHttpServer({
      log: silentLogger,
      requestTimeoutSeconds: 1,
      plugins: [{ prefix: '/', plugin: echo }],
    });
    close = () => app.close();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const slow = await trickle(port);
    expect(slow.closed).toBe(true);
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    // A request that arrives whole is served.
    const ok = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(ok.status).toBe(200);
  }, 30_000);

  it('applies the configured keep-alive and connection timeouts to the Node server', async () => {
    const app = await buildHttpServer({
      log: silentLogger,
      keepAliveTimeoutSeconds: 3,
      connectionTimeoutSeconds: 40,
      maxRequestsPerSocket: 50,
      plugins: [],
    });
    close = () => app.close();
    expect(app.server.keepAliveTimeout).toBe(3000);
    expect(app.server.timeout).toBe(40_000);
    expect(app.server.maxRequestsPerSocket).toBe(50);
    expect(app.server.requestTimeout).toBe(30_000);
  });
});
