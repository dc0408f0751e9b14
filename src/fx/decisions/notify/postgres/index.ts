export { FX_NOTIFY_MIGRATIONS } from './migrations.js';
export {
  NOTIFY_CHANNELS,
  PostgresNotificationStore,
  type PostgresNotificationStoreOptions,
} from './postgres-notification-store.js';
export { PostgresStreamTickets } from './postgres-stream-tickets.js';
