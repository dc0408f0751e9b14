import type { PgMigration } from '../../../../core/state/postgres/index.js';

/** The orchestrator state's tables on PostgreSQL, in order. Append; never edit an applied one. */
export const FX_ORCHESTRATOR_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'fx-orchestrator/0001-state',
    up: `
      CREATE TABLE fx_orchestrator_last_suggestion (
        user_id text COLLATE "C" PRIMARY KEY,
        id text NOT NULL,
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        at_ms bigint NOT NULL,
        price_cop_cents bigint NOT NULL,
        cop_cents bigint NOT NULL,
        usd_cents bigint NOT NULL,
        week_ms text,
        ignored_streak integer NOT NULL DEFAULT 0,
        hold_until_ms bigint
      );
      CREATE TABLE fx_orchestrator_consent_asked (
        user_id text COLLATE "C" PRIMARY KEY,
        at_ms bigint NOT NULL
      );
      CREATE TABLE fx_orchestrator_outbox (
        id text COLLATE "C" PRIMARY KEY,
        event text NOT NULL,
        appended boolean NOT NULL DEFAULT false
      );
    `,
  },
];
