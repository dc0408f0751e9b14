import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
} from '../../src/fx/decisions/notify/channels/webhook-signature.js';

/** One webhook call: its delivery id, the user named in `?u=`, and whether its signature held. */
export interface ReceivedWebhook {
  id: string;
  user: string;
  signed: boolean;
}

/**
 * A local webhook receiver counting delivery ids, for the dispatcher tests: every call is
 * recorded (repeats included) with its signature checked against `secrets.get(user)`, and
 * answered 200 after `answerMs()` (varying answer times keep deliveries in flight).
 */
export async function startWebhookReceiver(
  secrets: ReadonlyMap<string, string>,
  answerMs: () => number,
): Promise<{ received: ReceivedWebhook[]; port: number; server: Server; close(): void }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const user = new URL(req.url ?? '/', 'http://x').searchParams.get('u') ?? '';
      const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
      received.push({
        id: String(req.headers[DELIVERY_HEADER.toLowerCase()] ?? ''),
        user,
        signed: verifyWebhookSignature(
          secrets.get(user) ?? '',
          body,
          typeof header === 'string' ? header : undefined,
        ),
      });
      setTimeout(() => res.writeHead(200).end('ok'), answerMs());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    received,
    port: (server.address() as AddressInfo).port,
    server,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
