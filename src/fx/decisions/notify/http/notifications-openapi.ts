import { z } from 'zod';
import { zodToOpenApi, type OpenApiFragment } from '../../../../core/http/openapi.js';
import { preferencesUpdateSchema } from '../preferences.js';
import {
  mobileDeviceSchema,
  pushSubscriptionSchema,
  pushUnsubscribeSchema,
  webhookCreateSchema,
} from './schemas.js';

const json = zodToOpenApi;

const channels = z.object({
  inApp: z.boolean(),
  webPush: z.boolean(),
  webhook: z.boolean(),
  mobilePush: z.boolean(),
});
const preferences = z.object({
  channels,
  quietHours: z
    .object({ start: z.string(), end: z.string(), timezone: z.string() })
    .or(z.literal('none'))
    .nullable()
    .describe(
      'local HH:MM–HH:MM (may cross midnight); "none": the user wants none; null: not set (the default window applies)',
    ),
  recommendations: z
    .enum(['on', 'off'])
    .nullable()
    .describe('recommendations wanted (on), refused (off), or never asked (null)'),
  scheduledReminders: z
    .boolean()
    .describe('also suggest the trades the user makes on schedule (quincena, remittances)'),
  timezone: z.string(),
  language: z.enum(['es', 'en']),
  isDefault: z.boolean().describe('true when the user never set preferences'),
});
const notification = z.object({
  eventId: z.number().int().describe('the SSE event id'),
  id: z.string(),
  kind: z.literal('recomendacion'),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
const delivery = z.object({
  id: z.string().describe('also the X-Corriente-Delivery header of webhook requests'),
  notificationId: z.string(),
  userId: z.string(),
  channel: z.enum(['inApp', 'webPush', 'webhook', 'mobilePush']),
  targetId: z.string(),
  status: z.enum(['queued', 'sent', 'failed', 'dead']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  sentAt: z.string().nullable(),
});
const webhook = z.object({ id: z.string(), url: z.string(), createdAt: z.string() });
const mobileDevice = z.object({
  id: z.string(),
  platform: z.enum(['fcm', 'apns', 'apns-sandbox']),
  createdAt: z.string(),
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const body = (schema: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});
const page = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  {
    name: 'cursor',
    in: 'query',
    description: '`nextCursor` of the previous page',
    schema: { type: 'string' },
  },
];
const auth = { '401': problem('no or invalid token (`unauthenticated`)') };
const bad = problem('invalid body or query (`invalid-request`, `unsafe-target`)');

/**
 * The OpenAPI 3.1 fragment of the notification routes, relative to the prefix they are
 * registered under (`/api/fx/v1/notifications`). Security: the FX user's bearer token (the FX
 * fragment's `bearer` scheme).
 */
export const notificationsOpenApi: OpenApiFragment = {
  tag: {
    name: 'notifications',
    description:
      "A user's notifications, preferences and channels (SSE, Web Push, webhooks, mobile push)",
  },
  security: [{ bearer: [] }],
  paths: {
    '/': {
      get: {
        operationId: 'listNotifications',
        summary: "The user's notifications, newest first",
        parameters: page,
        responses: {
          '200': ok('a page', {
            type: 'object',
            properties: {
              notifications: { type: 'array', items: ref('Notification') },
              nextCursor: { type: 'string' },
            },
          }),
          ...auth,
        },
      },
    },
    '/preferences': {
      get: {
        operationId: 'getNotificationPreferences',
        summary: 'Channels on/off, quiet hours, time zone, language',
        responses: { '200': ok('the preferences', ref('NotificationPreferences')), ...auth },
      },
      put: {
        operationId: 'updateNotificationPreferences',
        summary:
          'Change some preferences (omitted fields are kept; quietHours "none" or null removes them, "default" restores the default window; recommendations on/off)',
        requestBody: body('NotificationPreferencesUpdate'),
        responses: {
          '200': ok('the new preferences', ref('NotificationPreferences')),
          '400': bad,
          ...auth,
        },
      },
    },
    '/stream-ticket': {
      post: {
        operationId: 'createStreamTicket',
        summary: 'A single-use ticket for EventSource (which cannot send Authorization)',
        responses: {
          '201': ok('the ticket', {
            type: 'object',
            properties: { ticket: { type: 'string' }, expiresAt: { type: 'string' } },
          }),
          ...auth,
        },
      },
    },
    '/stream': {
      get: {
        operationId: 'streamNotifications',
        summary: 'In-app notifications as server-sent events; resumable',
        security: [{ bearer: [] }, {}],
        parameters: [
          {
            name: 'ticket',
            in: 'query',
            description: 'from POST /stream-ticket (instead of Bearer)',
            schema: { type: 'string' },
          },
          {
            name: 'Last-Event-ID',
            in: 'header',
            description: 'resume after this event id',
            schema: { type: 'string', pattern: '^\\d+$' },
          },
          {
            name: 'lastEventId',
            in: 'query',
            description: 'same, for clients that cannot set headers',
            schema: { type: 'string', pattern: '^\\d+$' },
          },
        ],
        responses: {
          '200': {
            description:
              '`text/event-stream`: each event has `id:` (increasing) and `data:` JSON {id, kind, title, body, data, createdAt}; `: ping` heartbeats',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '400': bad,
          '401': problem('no token, or the ticket is unknown, used or expired (`invalid-ticket`)'),
        },
      },
    },
    '/webpush/public-key': {
      get: {
        operationId: 'getWebPushPublicKey',
        summary: 'The VAPID public key for PushManager.subscribe({applicationServerKey})',
        responses: {
          '200': ok('the key', { type: 'object', properties: { publicKey: { type: 'string' } } }),
          '503': problem('Web Push is not configured'),
        },
      },
    },
    '/webpush/subscriptions': {
      post: {
        operationId: 'addWebPushSubscription',
        summary: "Register the browser's PushSubscription (JSON)",
        requestBody: body('PushSubscription'),
        responses: {
          '201': ok('registered', {
            type: 'object',
            properties: {
              id: { type: 'string' },
              endpoint: { type: 'string' },
              createdAt: { type: 'string' },
            },
          }),
          '400': bad,
          '409': problem('too many subscriptions (`limit-reached`)'),
          ...auth,
        },
      },
      delete: {
        operationId: 'removeWebPushSubscription',
        summary: 'Remove a subscription by endpoint',
        requestBody: body('PushUnsubscribe'),
        responses: {
          '204': { description: 'removed' },
          '404': problem('no such subscription'),
          ...auth,
        },
      },
    },
    '/webhooks': {
      post: {
        operationId: 'createWebhook',
        summary:
          'Register a webhook; the secret (shown once) signs deliveries: X-Corriente-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>',
        requestBody: body('WebhookRequest'),
        responses: {
          '201': ok('created', {
            allOf: [ref('Webhook'), { type: 'object', properties: { secret: { type: 'string' } } }],
          }),
          '400': bad,
          '409': problem('too many webhooks (`limit-reached`)'),
          ...auth,
        },
      },
      get: {
        operationId: 'listWebhooks',
        summary: "The user's webhooks (without secrets)",
        responses: {
          '200': ok('the webhooks', {
            type: 'object',
            properties: { webhooks: { type: 'array', items: ref('Webhook') } },
          }),
          ...auth,
        },
      },
    },
    '/webhooks/{id}': {
      delete: {
        operationId: 'deleteWebhook',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '204': { description: 'deleted' },
          '404': problem('no such webhook of this user'),
          ...auth,
        },
      },
    },
    '/mobile/devices': {
      post: {
        operationId: 'registerMobileDevice',
        summary:
          "Register a mobile app's push token (FCM, or APNs in hex) for End User Messaging push",
        requestBody: body('MobileDeviceRequest'),
        responses: {
          '201': ok('registered (or refreshed: same token)', ref('MobileDevice')),
          '400': bad,
          '409': problem('too many devices (`limit-reached`)'),
          '503': problem('mobile push is not configured (`mobile-push-unavailable`)'),
          ...auth,
        },
      },
      get: {
        operationId: 'listMobileDevices',
        summary: "The user's registered devices (without tokens)",
        responses: {
          '200': ok('the devices', {
            type: 'object',
            properties: { devices: { type: 'array', items: ref('MobileDevice') } },
          }),
          ...auth,
        },
      },
    },
    '/mobile/devices/{id}': {
      delete: {
        operationId: 'deleteMobileDevice',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '204': { description: 'removed' },
          '404': problem('no such device of this user'),
          ...auth,
        },
      },
    },
    '/deliveries': {
      get: {
        operationId: 'listDeliveries',
        summary: 'The delivery log: per notification and channel, status, attempts, last error',
        parameters: page,
        responses: {
          '200': ok('a page', {
            type: 'object',
            properties: {
              deliveries: { type: 'array', items: ref('Delivery') },
              nextCursor: { type: 'string' },
            },
          }),
          ...auth,
        },
      },
    },
  },
  schemas: {
    Notification: json(notification),
    NotificationPreferences: json(preferences),
    NotificationPreferencesUpdate: json(preferencesUpdateSchema, 'input'),
    PushSubscription: json(pushSubscriptionSchema, 'input'),
    PushUnsubscribe: json(pushUnsubscribeSchema, 'input'),
    WebhookRequest: json(webhookCreateSchema, 'input'),
    Webhook: json(webhook),
    MobileDeviceRequest: json(mobileDeviceSchema, 'input'),
    MobileDevice: json(mobileDevice),
    Delivery: json(delivery),
  },
};
