import type { PgMigration } from '../../../../core/state/postgres/index.js';

/**
 * The notification store's tables on PostgreSQL, in order. Append; never edit an applied one.
 * Times are epoch milliseconds, as in the embedded store; ids sort as bytes (`COLLATE "C"`).
 */
export const FX_NOTIFY_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'fx-notify/0001-notifications',
    up: `
      CREATE TABLE fx_notify_preferences (
        user_id text PRIMARY KEY,
        json text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE fx_notifications (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        user_id text NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        data text NOT NULL,
        created_at text NOT NULL,
        queued_at bigint NOT NULL,
        in_app boolean NOT NULL
      );
      CREATE INDEX fx_notifications_by_user ON fx_notifications (user_id, seq);
      CREATE TABLE fx_push_subscriptions (
        id text COLLATE "C" PRIMARY KEY,
        user_id text NOT NULL,
        endpoint text NOT NULL,
        p256dh text NOT NULL,
        auth text NOT NULL,
        created_at bigint NOT NULL,
        UNIQUE (user_id, endpoint)
      );
      CREATE TABLE fx_webhooks (
        id text COLLATE "C" PRIMARY KEY,
        user_id text NOT NULL,
        url text NOT NULL,
        secret text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX fx_webhooks_by_user ON fx_webhooks (user_id);
      CREATE TABLE fx_mobile_devices (
        id text COLLATE "C" PRIMARY KEY,
        user_id text NOT NULL,
        platform text NOT NULL,
        token text NOT NULL,
        created_at bigint NOT NULL,
        UNIQUE (user_id, token)
      );
      CREATE TABLE fx_deliveries (
        id text COLLATE "C" PRIMARY KEY,
        notification_id text NOT NULL,
        user_id text NOT NULL,
        channel text NOT NULL,
        target_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        lease_until bigint NOT NULL DEFAULT 0,
        last_error text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        sent_at bigint,
        UNIQUE (notification_id, channel, target_id)
      );
      CREATE INDEX fx_deliveries_due ON fx_deliveries (next_attempt_at) WHERE status = 'queued';
      CREATE INDEX fx_deliveries_dead ON fx_deliveries (id) WHERE status = 'dead';
      CREATE INDEX fx_deliveries_by_user ON fx_deliveries (user_id, id);
      CREATE TABLE fx_stream_tickets (
        ticket_sha256 text PRIMARY KEY,
        user_id text NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX fx_stream_tickets_expiry ON fx_stream_tickets (expires_at);
    `,
  },
];
