import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ClaimOwner, IngestClaims, LandingClaim, RawKeyClaim } from '../ingest-claims.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS landing_claims (
  source_key TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  claimed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_key_claims (
  sha256 TEXT PRIMARY KEY,
  raw_key TEXT NOT NULL UNIQUE,
  source_key TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  claimed_at TEXT NOT NULL
);
`;

interface OwnerColumns {
  host: string;
  pid: number;
  run_id: string;
  claimed_at: string;
}
interface LandingRow extends OwnerColumns {
  source_key: string;
  etag: string;
}
interface RawRow extends OwnerColumns {
  sha256: string;
  raw_key: string;
  source_key: string;
}

const owner = (r: OwnerColumns): ClaimOwner => ({ host: r.host, pid: r.pid, runId: r.run_id });

/**
 * Ingestion claims in a SQLite file shared by the ingestion processes of one host (WAL; each
 * claim is one short write transaction, so concurrent claimers serialize on the database lock).
 *
 * @example const claims = new SqliteIngestClaims({ path: path.join(home, 'state', 'ingest-claims.db') });
 */
export class SqliteIngestClaims implements IngestClaims {
  private readonly db: Database.Database;

  /** @param options.path a database file, or `:memory:` (tests) */
  constructor(options: { path: string }) {
    const file = options.path;
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
  }

  claimLanding(claim: LandingClaim): Promise<LandingClaim> {
    const o = claim.owner;
    const row = this.db
      .prepare<unknown[], LandingRow>(
        `INSERT INTO landing_claims (source_key, etag, host, pid, run_id, claimed_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (source_key) DO UPDATE SET source_key = source_key
         RETURNING *`,
      )
      .get(claim.sourceKey, claim.etag, o.host, o.pid, o.runId, claim.claimedAt)!;
    return Promise.resolve({
      sourceKey: row.source_key,
      etag: row.etag,
      owner: owner(row),
      claimedAt: row.claimed_at,
    });
  }

  replaceLanding(expected: LandingClaim, next: LandingClaim): Promise<boolean> {
    const e = expected.owner;
    const n = next.owner;
    const changed = this.db
      .prepare(
        `UPDATE landing_claims SET etag = ?, host = ?, pid = ?, run_id = ?, claimed_at = ?
         WHERE source_key = ? AND host = ? AND pid = ? AND run_id = ? AND claimed_at = ?`,
      )
      .run(
        next.etag,
        n.host,
        n.pid,
        n.runId,
        next.claimedAt,
        expected.sourceKey,
        e.host,
        e.pid,
        e.runId,
        expected.claimedAt,
      ).changes;
    return Promise.resolve(changed === 1);
  }

  releaseLanding(sourceKey: string, o: ClaimOwner): Promise<void> {
    this.db
      .prepare(
        `DELETE FROM landing_claims WHERE source_key = ? AND host = ? AND pid = ? AND run_id = ?`,
      )
      .run(sourceKey, o.host, o.pid, o.runId);
    return Promise.resolve();
  }

  claimRawKey(claim: RawKeyClaim): Promise<RawKeyClaim | 'key-taken'> {
    const o = claim.owner;
    // One transaction: the insert and the look-up of what blocked it see the same state.
    const result = this.db.transaction((): RawKeyClaim | 'key-taken' => {
      const inserted = this.db
        .prepare(
          `INSERT INTO raw_key_claims (sha256, raw_key, source_key, host, pid, run_id, claimed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          claim.sha256,
          claim.rawKey,
          claim.sourceKey,
          o.host,
          o.pid,
          o.runId,
          claim.claimedAt,
        ).changes;
      if (inserted === 1) return claim;
      return this.rawRow(claim.sha256) ?? 'key-taken';
    });
    return Promise.resolve(result.immediate());
  }

  rawKeyOf(sha256: string): Promise<RawKeyClaim | undefined> {
    return Promise.resolve(this.rawRow(sha256));
  }

  replaceRawKey(expected: RawKeyClaim, next: RawKeyClaim): Promise<boolean> {
    const e = expected.owner;
    const n = next.owner;
    const changed = this.db
      .prepare(
        `UPDATE raw_key_claims SET source_key = ?, host = ?, pid = ?, run_id = ?, claimed_at = ?
         WHERE sha256 = ? AND raw_key = ? AND host = ? AND pid = ? AND run_id = ? AND claimed_at = ?`,
      )
      .run(
        next.sourceKey,
        n.host,
        n.pid,
        n.runId,
        next.claimedAt,
        expected.sha256,
        expected.rawKey,
        e.host,
        e.pid,
        e.runId,
        expected.claimedAt,
      ).changes;
    return Promise.resolve(changed === 1);
  }

  releaseRawKey(sha256: string, o: ClaimOwner): Promise<void> {
    this.db
      .prepare(
        `DELETE FROM raw_key_claims WHERE sha256 = ? AND host = ? AND pid = ? AND run_id = ?`,
      )
      .run(sha256, o.host, o.pid, o.runId);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  private rawRow(sha256: string): RawKeyClaim | undefined {
    const row = this.db
      .prepare<unknown[], RawRow>(`SELECT * FROM raw_key_claims WHERE sha256 = ?`)
      .get(sha256);
    if (!row) return undefined;
    return {
      sha256: row.sha256,
      rawKey: row.raw_key,
      sourceKey: row.source_key,
      owner: owner(row),
      claimedAt: row.claimed_at,
    };
  }
}
