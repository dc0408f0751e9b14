import { monotonicFactory } from 'ulid';
import { hashToken, newToken } from '../../core/governance/governance.js';
import type { FxDatabase } from './fx-database.js';
import type { FxUser, FxUserPage, FxUsersPort, NewFxUser } from './ledger-port.js';

export type { FxUser, FxUserPage } from './ledger-port.js';

/** A valid user name: 1–100 printable characters. */
export const USER_NAME_RE = /^[^\p{Cc}]{1,100}$/u;

interface UserRow {
  id: string;
  name: string;
  created_at: string;
}

/**
 * The users of the FX API in table `users(id, name, token_sha256 UNIQUE, created_at)` of the FX
 * database. Tokens are stored only as their SHA-256; `authenticate` looks the hash up (through a
 * small in-memory cache of valid tokens, so the hot path neither hashes nor touches SQLite).
 *
 * Creating a user with an account goes through {@link FxLedger.openAccount} first (the
 * AccountOpened event is the source of truth); see `createFxUser`.
 */
const userUlid = monotonicFactory();

export class FxUsers implements FxUsersPort {
  private readonly stmt;
  private readonly byToken = new Map<string, FxUser>();

  constructor(private readonly db: FxDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      token_sha256 TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.stmt = {
      insert: db.prepare<[string, string, string, string]>(
        'INSERT INTO users (id, name, token_sha256, created_at) VALUES (?, ?, ?, ?)',
      ),
      byHash: db.prepare<[string], UserRow>(
        'SELECT id, name, created_at FROM users WHERE token_sha256 = ?',
      ),
      byId: db.prepare<[string], UserRow>('SELECT id, name, created_at FROM users WHERE id = ?'),
      page: db.prepare<[string, number], UserRow>(
        'SELECT id, name, created_at FROM users WHERE id > ? ORDER BY id LIMIT ?',
      ),
      count: db.prepare<[], number>('SELECT count(*) FROM users').pluck(),
    };
  }

  /**
   * A new user id (`u_` + ULID) and token; nothing is stored until `insert`. Ids are monotonic
   * within the process, so users created in the same millisecond still list in creation order.
   */
  static newIdentity(now = Date.now()): { id: string; token: string } {
    return { id: `u_${userUlid(now)}`, token: newToken() };
  }

  /** Stores a user with the SHA-256 of its token. Call inside the ledger's transaction. */
  insert(user: FxUser, token: string): void {
    if (!USER_NAME_RE.test(user.name))
      throw new RangeError('name must be 1–100 printable characters');
    this.stmt.insert.run(user.id, user.name, hashToken(token), user.createdAt);
  }

  /** Stores a user whose token is already hashed. Call inside the ledger's transaction. */
  insertHashed(user: NewFxUser): void {
    if (!USER_NAME_RE.test(user.name))
      throw new RangeError('name must be 1–100 printable characters');
    this.stmt.insert.run(user.id, user.name, user.tokenSha256, user.createdAt);
  }

  /**
   * The user a bearer token belongs to, or `undefined`. Tokens already seen valid are answered
   * from memory without hashing (hashing every request costs more than the rest of the lookup);
   * unknown tokens are hashed and looked up each time and never cached, so bad tokens cannot
   * grow the cache. Users are never deleted and tokens never change; whatever revokes a token
   * in the future must also evict it here.
   */
  authenticate(token: string | undefined): FxUser | undefined {
    if (!token) return undefined;
    const cached = this.byToken.get(token);
    if (cached) return cached;
    const row = this.stmt.byHash.get(hashToken(token));
    if (!row) return undefined;
    const user = fromRow(row);
    if (this.byToken.size >= 100_000) this.byToken.clear();
    this.byToken.set(token, user);
    return user;
  }

  get(id: string): FxUser | undefined {
    const row = this.stmt.byId.get(id);
    return row ? fromRow(row) : undefined;
  }

  /** Users in id (creation) order, `limit` (1–1000) per page. */
  list(options: { limit?: number; cursor?: string } = {}): FxUserPage {
    const limit = options.limit ?? 100;
    const rows = this.stmt.page.all(options.cursor ?? '', limit + 1);
    const users = rows.slice(0, limit).map(fromRow);
    return rows.length > limit ? { users, nextCursor: users[users.length - 1]!.id } : { users };
  }

  count(): number {
    return this.stmt.count.get()!;
  }
}

function fromRow(row: UserRow): FxUser {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}
