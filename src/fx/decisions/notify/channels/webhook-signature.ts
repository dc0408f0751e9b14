import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature of a webhook delivery. */
export const SIGNATURE_HEADER = 'X-Corriente-Signature';
/** The header that carries the delivery id (stable across retries: deduplicate on it). */
export const DELIVERY_HEADER = 'X-Corriente-Delivery';

/**
 * The signature header value of a webhook body:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Verifies a webhook on the receiving side. Use the raw body bytes exactly as received (before
 * any JSON parsing). Rejects signatures older or newer than `toleranceSeconds` (replays).
 *
 * @example
 * // In the receiver, with the secret shown once by POST /webhooks:
 * const ok = verifyWebhookSignature(secret, rawBody, req.headers['x-corriente-signature']);
 * if (!ok) return res.status(400).end();
 * // then deduplicate on req.headers['x-corriente-delivery'] (delivery is at-least-once).
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (!header) return false;
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    fields.set(k, [...(fields.get(k) ?? []), part.slice(i + 1).trim()]);
  }
  const t = fields.get('t')?.[0];
  if (!t || !/^\d{1,12}$/.test(t)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(t)) > (options.toleranceSeconds ?? 300)) return false;
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'),
    'utf8',
  );
  // Several v1 values may be present while a secret is rotated; any match is enough.
  return (fields.get('v1') ?? []).some((v) => {
    const got = Buffer.from(v, 'utf8');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
