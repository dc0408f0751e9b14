import * as http from 'node:http';

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

/**
 * A webhook receiver on loopback. `behaviour` decides each answer in turn: a status, or
 * `'hang'` (never answers: the sender must time out). After the list, `fallback` answers.
 */
export async function startReceiver(
  behaviour: (number | 'hang')[] = [],
  fallback: number | 'hang' = 200,
) {
  const received: ReceivedRequest[] = [];
  const plan = [...behaviour];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: req.url ?? '',
      });
      const step = plan.length ? plan.shift()! : receiver.fallback;
      if (step === 'hang') return;
      res.writeHead(step, { 'content-type': 'text/plain' }).end(step >= 400 ? 'fallo' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const receiver = {
    received,
    fallback,
    url: `http://127.0.0.1:${port}/hook`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return receiver;
}
