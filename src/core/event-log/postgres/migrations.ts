import type { PgMigration } from '../../state/postgres/index.js';

/** The checkpoint store's schema, in order. Append; never edit an applied migration. */
export const CHECKPOINT_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'core-event-log/0001-checkpoints',
    up: `CREATE TABLE corriente_event_log_checkpoints (
           stream text NOT NULL,
           consumer text NOT NULL,
           position text NOT NULL,
           updated_at timestamptz NOT NULL,
           PRIMARY KEY (stream, consumer)
         )`,
  },
];
