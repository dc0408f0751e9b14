import type { PgQueryable } from '../../state/postgres/index.js';
import {
  likePrefix,
  validateLeaseArgs,
  type Lease,
  type LeaseInfo,
  type LeaseStore,
} from '../lease.js';

interface Row {
  name: string;
  owner: string;
  token: string;
  expires_ms: string;
}

interface ListRow extends Row {
  expired: boolean;
}

const RETURNING = `RETURNING name, owner, token, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms`;

/**
 * Leases in PostgreSQL (`corriente_leases`, see `migrations.ts`), shared by every process that
 * uses the database. Each call is one statement: an acquire is an upsert whose conflict branch
 * only fires when the lease is expired or already the caller's, so concurrent acquirers are
 * serialized by the row lock and exactly one wins. Expiry is judged by the server's
 * `clock_timestamp()`.
 *
 * @example const leases = new PostgresLeaseStore({ pool });
 */
export class PostgresLeaseStore implements LeaseStore {
  private readonly db: PgQueryable;

  /** @param options.pool a pool (or client) of the state database; the caller closes it */
  constructor(options: { pool: PgQueryable }) {
    this.db = options.pool;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    validateLeaseArgs(name, owner, ttlMs);
    const r = await this.db.query<Row>(
      `INSERT INTO corriente_leases AS l (name, owner, token, expires_at)
       VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         owner = excluded.owner,
         token = CASE WHEN l.owner = excluded.owner AND l.expires_at > clock_timestamp()
                      THEN l.token ELSE l.token + 1 END,
         expires_at = excluded.expires_at
       WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner
       ${RETURNING}`,
      [name, owner, ttlMs],
    );
    return r.rows[0] ? toLease(r.rows[0]) : undefined;
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    validateLeaseArgs(lease.name, lease.owner, ttlMs);
    const r = await this.db.query<Row>(
      `UPDATE corriente_leases SET expires_at = clock_timestamp() + $1 * interval '1 millisecond'
       WHERE name = $2 AND owner = $3 AND token = $4
       ${RETURNING}`,
      [ttlMs, lease.name, lease.owner, lease.token],
    );
    return r.rows[0] ? toLease(r.rows[0]) : undefined;
  }

  async release(lease: Lease): Promise<boolean> {
    validateLeaseArgs(lease.name, lease.owner);
    // Expire it rather than delete it: the next tenure's token must still be larger.
    const r = await this.db.query(
      `UPDATE corriente_leases SET expires_at = clock_timestamp() - interval '1 millisecond'
       WHERE name = $1 AND owner = $2 AND token = $3 AND expires_at > clock_timestamp()`,
      [lease.name, lease.owner, lease.token],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async list(prefix = ''): Promise<LeaseInfo[]> {
    const r = await this.db.query<ListRow>(
      `SELECT name, owner, token, (extract(epoch FROM expires_at) * 1000)::bigint AS expires_ms,
              expires_at <= clock_timestamp() AS expired
       FROM corriente_leases WHERE name LIKE $1 ESCAPE '\\' ORDER BY name COLLATE "C"`,
      [likePrefix(prefix)],
    );
    return r.rows.map((row) => ({ ...toLease(row), expired: row.expired }));
  }

  /** The pool belongs to the caller. */
  async close(): Promise<void> {}
}

function toLease(r: Row): Lease {
  return { name: r.name, owner: r.owner, token: Number(r.token), expiresAt: Number(r.expires_ms) };
}
