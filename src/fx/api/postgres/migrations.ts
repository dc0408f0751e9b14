import { outboxTableSql, type PgMigration } from '../../../core/state/postgres/index.js';

/** The FX API's tables on PostgreSQL, in order. Append; never edit an applied one. */
export const FX_API_MIGRATIONS: readonly PgMigration[] = [
  {
    name: 'fx-api/0001-users-ledger-outbox',
    up: `
      CREATE TABLE fx_users (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        token_sha256 text NOT NULL UNIQUE,
        created_at text NOT NULL
      );
      CREATE TABLE fx_accounts (
        user_id text PRIMARY KEY,
        portfolio jsonb NOT NULL
      );
      CREATE TABLE fx_transactions (
        user_id text NOT NULL,
        id text COLLATE "C" NOT NULL,
        idempotency_key text,
        request_hash text,
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        amount_usd_cents bigint NOT NULL,
        price_cop_cents bigint NOT NULL,
        total_cop_cents bigint NOT NULL,
        executed_at text NOT NULL,
        PRIMARY KEY (user_id, id)
      );
      CREATE UNIQUE INDEX fx_transactions_idempotency
        ON fx_transactions (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      ${outboxTableSql('fx_outbox')};
    `,
  },
];
