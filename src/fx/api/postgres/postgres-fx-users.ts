import { hashToken } from '../../../core/governance/governance.js';
import type { PgQueryable } from '../../../core/state/postgres/index.js';
import type { FxUsersPort } from '../ledger-port.js';
import type { FxUser, FxUserPage } from '../users.js';

interface UserRow {
  id: string;
  name: string;
  created_at: string;
}

const fromRow = (r: UserRow): FxUser => ({ id: r.id, name: r.name, createdAt: r.created_at });

/**
 * The FX API's users in PostgreSQL table `fx_users` (tokens as SHA-256 only), shared by every
 * API instance. Rows are written by `PostgresFxLedger.openUserAccount`. Tokens seen valid are
 * remembered (only a cache: users are never deleted and tokens never change, and an unknown
 * token is always looked up, so a user created on another instance signs in at once).
 */
export class PostgresFxUsers implements FxUsersPort {
  private readonly byToken = new Map<string, FxUser>();

  constructor(private readonly options: { pool: PgQueryable }) {}

  async authenticate(token: string | undefined): Promise<FxUser | undefined> {
    if (!token) return undefined;
    const cached = this.byToken.get(token);
    if (cached) return cached;
    const r = await this.options.pool.query<UserRow>(
      'SELECT id, name, created_at FROM fx_users WHERE token_sha256 = $1',
      [hashToken(token)],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const user = fromRow(row);
    if (this.byToken.size >= 100_000) this.byToken.clear();
    this.byToken.set(token, user);
    return user;
  }

  async get(id: string): Promise<FxUser | undefined> {
    const r = await this.options.pool.query<UserRow>(
      'SELECT id, name, created_at FROM fx_users WHERE id = $1',
      [id],
    );
    return r.rows[0] ? fromRow(r.rows[0]) : undefined;
  }

  async list(options: { limit?: number; cursor?: string } = {}): Promise<FxUserPage> {
    const limit = options.limit ?? 100;
    const r = await this.options.pool.query<UserRow>(
      'SELECT id, name, created_at FROM fx_users WHERE id > $1 ORDER BY id LIMIT $2',
      [options.cursor ?? '', limit + 1],
    );
    const users = r.rows.slice(0, limit).map(fromRow);
    return r.rows.length > limit ? { users, nextCursor: users[users.length - 1]!.id } : { users };
  }
}
