import type { PgMigration } from '../../../core/state/postgres/index.js';

/** The raw lake's event claims (see `RawEventClaims`). Append; never edit an applied migration. */
export const FX_PROCESSOR_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'fx-processor/0001-raw-event-claims',
    up: `CREATE TABLE fx_raw_event_claims (
           stream text NOT NULL,
           event_id text NOT NULL,
           batch text NOT NULL,
           PRIMARY KEY (stream, event_id)
         )`,
  },
];
