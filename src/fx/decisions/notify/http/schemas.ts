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

/**
 * A mobile app's push registration: the platform's token (FCM registration token, or the APNs
 * device token in hex; `apns-sandbox` for development builds).
 */
export const mobileDeviceSchema = z
  .strictObject({
    platform: z.enum(['fcm', 'apns', 'apns-sandbox']),
    token: z.string().min(1).max(4096),
  })
  .superRefine((d, ctx) => {
    const ok =
      d.platform === 'fcm'
        ? /^[A-Za-z0-9_:-]{32,4096}$/.test(d.token)
        : /^[0-9a-fA-F]{64,200}$/.test(d.token);
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          d.platform === 'fcm'
            ? 'must be an FCM registration token (32+ letters, digits, _ : -)'
            : 'must be an APNs device token (64+ hex digits)',
      });
    }
  });

/** The API's platform names → End User Messaging's channel types. */
export const MOBILE_CHANNEL = { fcm: 'GCM', apns: 'APNS', 'apns-sandbox': 'APNS_SANDBOX' } as const;

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
