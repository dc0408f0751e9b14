import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { validateLeaseArgs, type Lease, type LeaseInfo, type LeaseStore } from '../lease.js';

interface Row {
  name: string;
  owner: string;
  token: number;
  expires_at: number;
}

/** SQLite's own clock, in ms since the epoch (the store's clock of the port). */
const NOW_MS = `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`;

/**
 * Leases in a SQLite file: every process of one machine opening the same file shares them
 * (WAL, `synchronous=FULL`; each acquire is one `BEGIN IMMEDIATE` transaction).
 *
 * @example const leases = new SqliteLeaseStore({ path: path.join(home, 'state', 'leases.db') });
 */
export class SqliteLeaseStore implements LeaseStore {
  private readonly db: Database.Database;
  private readonly acquireTx: (name: string, owner: string, ttlMs: number) => Lease | undefined;

  /** @param options.path a database file, or `:memory:` (tests) */
  constructor(options: { path: string }) {
    if (options.path !== ':memory:') {
      mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    }
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS leases (
      name TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      token INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    const select = this.db.prepare<[string], Row & { now: number }>(
      `SELECT name, owner, token, expires_at, ${NOW_MS} AS now FROM leases WHERE name = ?`,
    );
    const insert = this.db.prepare<[string, string, number], Row>(
      `INSERT INTO leases (name, owner, token, expires_at) VALUES (?, ?, 1, ${NOW_MS} + ?)
       RETURNING name, owner, token, expires_at`,
    );
    const take = this.db.prepare<[string, number, number, string], Row>(
      `UPDATE leases SET owner = ?, token = ?, expires_at = ${NOW_MS} + ? WHERE name = ?
       RETURNING name, owner, token, expires_at`,
    );
    const tx = this.db.transaction((name: string, owner: string, ttlMs: number) => {
      const row = select.get(name);
      if (!row) return toLease(insert.get(name, owner, ttlMs)!);
      const expired = row.expires_at <= row.now;
      if (!expired && row.owner !== owner) return undefined;
      const token = !expired && row.owner === owner ? row.token : row.token + 1;
      return toLease(take.get(owner, token, ttlMs, name)!);
    });
    this.acquireTx = (name, owner, ttlMs) => tx.immediate(name, owner, ttlMs);
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    validateLeaseArgs(name, owner, ttlMs);
    return this.acquireTx(name, owner, ttlMs);
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    validateLeaseArgs(lease.name, lease.owner, ttlMs);
    const row = this.db
      .prepare<[number, string, string, number], Row>(
        `UPDATE leases SET expires_at = ${NOW_MS} + ? WHERE name = ? AND owner = ? AND token = ?
         RETURNING name, owner, token, expires_at`,
      )
      .get(ttlMs, lease.name, lease.owner, lease.token);
    return row ? toLease(row) : undefined;
  }

  async release(lease: Lease): Promise<boolean> {
    validateLeaseArgs(lease.name, lease.owner);
    // Expire it rather than delete it: the next tenure's token must still be larger.
    const r = this.db
      .prepare(
        `UPDATE leases SET expires_at = ${NOW_MS} - 1
         WHERE name = ? AND owner = ? AND token = ? AND expires_at > ${NOW_MS}`,
      )
      .run(lease.name, lease.owner, lease.token);
    return r.changes > 0;
  }

  async list(prefix = ''): Promise<LeaseInfo[]> {
    return this.db
      .prepare<[number, string], Row & { now: number }>(
        `SELECT name, owner, token, expires_at, ${NOW_MS} AS now FROM leases
         WHERE substr(name, 1, ?) = ? ORDER BY name`,
      )
      .all(prefix.length, prefix)
      .map((r) => ({ ...toLease(r), expired: r.expires_at <= r.now }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toLease(r: Row): Lease {
  return { name: r.name, owner: r.owner, token: Number(r.token), expiresAt: Number(r.expires_at) };
}
