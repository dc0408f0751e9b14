import { isIP } from 'node:net';
import { z } from 'zod';

/** An IP address or a CIDR block (`10.0.0.0/8`, `::1`, `fd00::/8`). */
function isIpOrCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || !ip) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const retrySchema = z
  .strictObject({
    /** Delivery attempts (the first included) before a delivery becomes a dead letter. @default 6 */
    attempts: z.number().int().min(1).max(50).default(6),
    /** Base of the exponential backoff with full jitter. @default 1000 */
    baseMs: z.number().int().min(1).default(1000),
    /** Largest wait between two attempts. @default 300000 (5 min) */
    capMs: z.number().int().min(1).default(300_000),
  })
  .prefault({});

/** Configuration of notifications and their channels (issue 7), mounted at `fx.notifications`. */
export const notifyConfigSchema = z
  .strictObject({
    /** The topic recommendations are published on (SNS's role). @default 'recomendaciones' */
    topic: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1–256 letters, digits, - or _')
      .default('recomendaciones'),
    /** SQLite file of subscriptions, preferences, notifications and deliveries, relative to home. @default 'fx/notifications.db' */
    databasePath: z.string().min(1).default('fx/notifications.db'),
    inApp: z
      .strictObject({
        /** Notifications kept per user for the inbox and SSE resumption. @default 500 */
        retentionPerUser: z.number().int().min(1).max(100_000).default(500),
        /** Notifications older than this are pruned. @default 30 */
        retentionDays: z.number().positive().max(3650).default(30),
        /** SSE comment heartbeat, keeps proxies from closing idle streams. @default 15 */
        heartbeatSeconds: z.number().positive().max(3600).default(15),
        /** Lifetime of a single-use `POST /stream-ticket` ticket. @default 60 */
        ticketTtlSeconds: z.number().int().min(1).max(3600).default(60),
        /** Open SSE streams per user; the oldest is closed beyond it. @default 5 */
        maxStreamsPerUser: z.number().int().min(1).max(100).default(5),
      })
      .prefault({}),
    webPush: z
      .strictObject({
        /** VAPID `sub` claim: a `mailto:` or `https:` contact of the operator. @default 'mailto:operaciones@corriente.invalid' */
        subject: z
          .string()
          .regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https:// URL')
          .default('mailto:operaciones@corriente.invalid'),
        /** How long the push service keeps an undelivered message. @default 3600 */
        ttlSeconds: z.number().int().min(0).max(2_419_200).default(3600),
        /** Browser subscriptions per user. @default 10 */
        maxSubscriptionsPerUser: z.number().int().min(1).max(100).default(10),
      })
      .prefault({}),
    webhooks: z
      .strictObject({
        /**
         * Private/loopback/link-local targets the operator admits (IPs or CIDRs). Everything else
         * that is not a public unicast address is refused. @default []
         * @example ["127.0.0.1", "10.0.0.0/8"]
         */
        allowPrivateTargets: z
          .array(
            z.string().refine(isIpOrCidr, {
              message: 'must be an IP address or a CIDR block (10.0.0.0/8)',
            }),
          )
          .default([]),
        /** Connect + response timeout of one delivery. @default 10000 */
        timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
        /** Response bytes read at most (the rest is discarded). @default 4096 */
        maxResponseBytes: z.number().int().min(0).max(1_048_576).default(4096),
        /** Webhooks per user. @default 5 */
        maxPerUser: z.number().int().min(1).max(100).default(5),
      })
      .prefault({}),
    mobilePush: z
      .strictObject({
        /** How long the push service keeps an undelivered message. @default 3600 */
        ttlSeconds: z.number().int().min(0).max(2_419_200).default(3600),
        /** Mobile devices per user. @default 10 */
        maxDevicesPerUser: z.number().int().min(1).max(100).default(10),
      })
      .prefault({}),
    /** Retries of Web Push, webhook and mobile push deliveries. */
    retry: retrySchema,
    dispatcher: z
      .strictObject({
        /** How often due deliveries are looked for (besides a wake-up after each batch). @default 500 */
        pollMs: z.number().int().min(5).max(60_000).default(500),
        /** Deliveries in flight at once. @default 32 */
        concurrency: z.number().int().min(1).max(1024).default(32),
        /** A claimed delivery not finished within this time is claimed again (crashed worker). @default 120000 */
        leaseMs: z.number().int().min(1000).default(120_000),
      })
      .prefault({}),
    /** AWS adapters (SNS topic + End User Messaging push); absent: embedded channels only. */
    aws: z
      .strictObject({
        region: z.string().default('us-east-1'),
        /** ARN of the SNS topic of recommendations. */
        snsTopicArn: z.string().startsWith('arn:').optional(),
        /**
         * End User Messaging (Pinpoint) project/application id: enables mobile push (devices
         * registered through `POST /notifications/mobile/devices`).
         */
        pushApplicationId: z.string().min(1).optional(),
        endpoint: z.url().optional(),
      })
      .optional(),
  })
  .prefault({});

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;
export type RetryConfig = NotifyConfig['retry'];
