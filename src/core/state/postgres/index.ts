export {
  createPgPool,
  type PgClient,
  type PgPool,
  type PgPoolOptions,
  type PgQueryable,
} from './pg-pool.js';
export {
  isRetryableTransactionError,
  withTransaction,
  type TransactionOptions,
} from './transaction.js';
export { migratePostgres, type MigrateOptions, type PgMigration } from './migrate.js';
export { OutboxRelay, outboxTableSql, type OutboxRelayOptions } from './outbox-relay.js';
export { PgListener, type PgListenerOptions } from './pg-listener.js';
