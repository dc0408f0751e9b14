import type { PgMigration } from '../../../core/state/postgres/index.js';

/** The ingestion claims' schema, in order. Append; never edit an applied migration. */
export const INGEST_CLAIMS_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'energy-ingest/0001-claims',
    up: `CREATE TABLE corriente_ingest_landing_claims (
           source_key text PRIMARY KEY,
           etag text NOT NULL,
           host text NOT NULL,
           pid integer NOT NULL,
           run_id text NOT NULL,
           claimed_at text NOT NULL
         );
         CREATE TABLE corriente_ingest_raw_key_claims (
           sha256 text PRIMARY KEY,
           raw_key text NOT NULL UNIQUE,
           source_key text NOT NULL,
           host text NOT NULL,
           pid integer NOT NULL,
           run_id text NOT NULL,
           claimed_at text NOT NULL
         )`,
  },
];
