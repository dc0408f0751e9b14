import { z } from 'zod';

const b64url = /^[A-Za-z0-9_-]+={0,2}$/;

function decodedLength(s: string): number {
  return Buffer.from(s, 'base64url').length;
}

/** A browser's `PushSubscription.toJSON()`. */
export const pushSubscriptionSchema = z.object({
  endpoint: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048, 'must be at most 2048 characters'),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: z
      .string()
      .regex(b64url, 'must be base64url')
      .refine(
        (s) => decodedLength(s) === 65 && Buffer.from(s, 'base64url')[0] === 4,
        'must be an uncompressed P-256 public key (65 bytes)',
      ),
    auth: z
      .string()
      .regex(b64url, 'must be base64url')
      .refine((s) => decodedLength(s) === 16, 'must be 16 bytes'),
  }),
});

export const pushUnsubscribeSchema = z.strictObject({
  endpoint: z.string().min(1).max(2048),
});

export const webhookCreateSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048, 'must be at most 2048 characters'),
});

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(64).optional(),
});

export const streamQuerySchema = z.strictObject({
  ticket: z.string().max(200).optional(),
  /** For clients that cannot set headers when reconnecting; the header wins. */
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .optional(),
});

export const lastEventIdSchema = z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer');
