export * from './notifier.js';
export {
  DEFAULT_PREFERENCES,
  mergePreferences,
  preferencesUpdateSchema,
  type Preferences,
  type PreferencesUpdate,
} from './preferences.js';
export { notifyConfigSchema, type NotifyConfig, type RetryConfig } from './notify-config.js';
export { backoffMs } from '../../../core/util/retry.js';
export { EmbeddedNotifier } from './embedded-notifier.js';
export { FanOutNotifier } from './fan-out-notifier.js';
export { DeliveryDispatcher, type DispatcherOptions } from './dispatcher.js';
export type { ChannelSender, SendOutcome } from './channels/channel-sender.js';
export { InAppHub, SseStream } from './channels/in-app-hub.js';
export { SsrfGuard, UnsafeTargetError } from './channels/ssrf-guard.js';
export { DeliveryNetworkError, guardedPost } from './channels/guarded-http.js';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
} from './channels/webhook-signature.js';
export { WebhookSender, webhookBody } from './channels/webhook-sender.js';
export { WebPushSender } from './channels/web-push-sender.js';
export { defaultVapidPath, loadOrCreateVapidKeys, type VapidKeys } from './channels/vapid-keys.js';
export {
  defaultSecretsKeyPath,
  loadOrCreateSecretsKey,
  SecretBox,
  SecretBoxError,
} from './channels/secret-box.js';
export { notificationRoutes, type NotificationRoutesDeps } from './http/notification-routes.js';
export { StreamTickets } from './http/stream-tickets.js';
export { notificationsOpenApi } from './http/notifications-openapi.js';
