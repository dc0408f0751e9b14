import type BetterSqlite3 from 'better-sqlite3';

/**
 * Tables of the notifications database. Times are epoch milliseconds. `notifications.seq` is
 * the SSE event id: monotonically increasing, so `Last-Event-ID` resumes exactly.
 */
export function createNotificationSchema(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS preferences (
      user_id TEXT PRIMARY KEY,
      json TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS notifications (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      user_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      body TEXT NOT NULL,
      data TEXT NOT NULL,
      created_at TEXT NOT NULL,
      queued_at INTEGER NOT NULL,
      in_app INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, seq);
    CREATE TABLE IF NOT EXISTS push_subscriptions (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      p256dh TEXT NOT NULL,
      auth TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (user_id, endpoint)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS webhooks (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      url TEXT NOT NULL,
      secret TEXT NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS webhooks_by_user ON webhooks (user_id);
    CREATE TABLE IF NOT EXISTS mobile_devices (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      platform TEXT NOT NULL,
      token TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      UNIQUE (user_id, token)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY,
      notification_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      channel TEXT NOT NULL,
      target_id TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_until INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      sent_at INTEGER,
      UNIQUE (notification_id, channel, target_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at)
      WHERE status = 'queued';
    CREATE INDEX IF NOT EXISTS deliveries_dead ON deliveries (id) WHERE status = 'dead';
    CREATE INDEX IF NOT EXISTS deliveries_by_user ON deliveries (user_id, id);
  `);
}
