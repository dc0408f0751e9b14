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
  {
    // Group commit in one statement: an order batch is decided in the API process on rows read
    // without a lock, then written by this function, which refuses (serialization failure, so the
    // batch is rerun) when an account changed since it was read. Rows are locked in user-id order.
    name: 'fx-api/0002-account-versions-apply-batch',
    up: `
      ALTER TABLE fx_accounts ADD COLUMN version bigint NOT NULL DEFAULT 0;
      CREATE FUNCTION fx_apply_batch(
        a_user text[], a_version bigint[], a_portfolio jsonb[],
        t_user text[], t_id text[], t_key text[], t_hash text[], t_side text[],
        t_amount bigint[], t_price bigint[], t_total bigint[], t_at text[], o_payload text[]
      ) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        r record;
      BEGIN
        FOR r IN
          SELECT u.user_id, u.version, u.portfolio
          FROM unnest(a_user, a_version, a_portfolio) AS u(user_id, version, portfolio)
          ORDER BY u.user_id
        LOOP
          UPDATE fx_accounts SET portfolio = r.portfolio, version = fx_accounts.version + 1
          WHERE user_id = r.user_id AND fx_accounts.version = r.version;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'the account of % changed since it was read', r.user_id
              USING ERRCODE = 'serialization_failure';
          END IF;
        END LOOP;
        INSERT INTO fx_transactions (user_id, id, idempotency_key, request_hash, side,
          amount_usd_cents, price_cop_cents, total_cop_cents, executed_at)
        SELECT * FROM unnest(t_user, t_id, t_key, t_hash, t_side, t_amount, t_price, t_total, t_at);
        INSERT INTO fx_outbox (partition_key, payload)
        SELECT o.partition_key, o.payload
        FROM unnest(t_user, o_payload) WITH ORDINALITY AS o(partition_key, payload, n)
        ORDER BY o.n;
      END
      $fn$;
    `,
  },
];
