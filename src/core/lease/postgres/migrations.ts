import type { PgMigration } from '../../state/postgres/index.js';

/** The lease store's schema, in order. Append; never edit an applied migration. */
export const LEASE_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'core-lease/0001-leases',
    up: `CREATE TABLE corriente_leases (
           name text PRIMARY KEY,
           owner text NOT NULL,
           token bigint NOT NULL,
           expires_at timestamptz NOT NULL
         )`,
  },
];
