import type { PgMigration } from '../../../core/state/postgres/index.js';

/** The price book's tables on PostgreSQL, in order. Append; never edit an applied one. */
export const FX_PRICES_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'fx-prices/0001-prices',
    up: `
      CREATE TABLE fx_prices (
        observed_ms bigint NOT NULL,
        id text COLLATE "C" NOT NULL UNIQUE,
        tick text NOT NULL,
        PRIMARY KEY (observed_ms, id)
      );
    `,
  },
];
