import type { PgQueryable } from '../../../core/state/postgres/index.js';
import type { ClaimOwner, IngestClaims, LandingClaim, RawKeyClaim } from '../ingest-claims.js';

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
const landing = (r: LandingRow): LandingClaim => ({
  sourceKey: r.source_key,
  etag: r.etag,
  owner: owner(r),
  claimedAt: r.claimed_at,
});
const raw = (r: RawRow): RawKeyClaim => ({
  sha256: r.sha256,
  rawKey: r.raw_key,
  sourceKey: r.source_key,
  owner: owner(r),
  claimedAt: r.claimed_at,
});

/**
 * Ingestion claims in the PostgreSQL state store (`corriente_ingest_*`, see `migrations.ts`),
 * shared by every ingestion worker of a deployment (hosts, Lambda invocations). Each method is
 * one statement, atomic on its own; the primary and unique keys decide which concurrent
 * claimer wins.
 *
 * @example const claims = new PostgresIngestClaims({ pool });
 */
export class PostgresIngestClaims implements IngestClaims {
  private readonly db: PgQueryable;
  private readonly onClose: (() => Promise<void>) | undefined;

  /**
   * @param options.pool a pool (or client) of the state database
   * @param options.onClose run by `close()` (e.g. ending a pool opened for these claims); else
   *   the pool stays the caller's
   */
  constructor(options: { pool: PgQueryable; onClose?: () => Promise<void> }) {
    this.db = options.pool;
    this.onClose = options.onClose;
  }

  async claimLanding(claim: LandingClaim): Promise<LandingClaim> {
    const o = claim.owner;
    // The no-op update makes RETURNING give the row that won, whoever inserted it.
    const r = await this.db.query<LandingRow>(
      `INSERT INTO corriente_ingest_landing_claims (source_key, etag, host, pid, run_id, claimed_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source_key) DO UPDATE SET source_key = corriente_ingest_landing_claims.source_key
       RETURNING *`,
      [claim.sourceKey, claim.etag, o.host, o.pid, o.runId, claim.claimedAt],
    );
    return landing(r.rows[0]!);
  }

  async replaceLanding(expected: LandingClaim, next: LandingClaim): Promise<boolean> {
    const e = expected.owner;
    const n = next.owner;
    const r = await this.db.query(
      `UPDATE corriente_ingest_landing_claims
         SET etag = $1, host = $2, pid = $3, run_id = $4, claimed_at = $5
       WHERE source_key = $6 AND host = $7 AND pid = $8 AND run_id = $9 AND claimed_at = $10`,
      [
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
      ],
    );
    return r.rowCount === 1;
  }

  async releaseLanding(sourceKey: string, o: ClaimOwner): Promise<void> {
    await this.db.query(
      `DELETE FROM corriente_ingest_landing_claims
       WHERE source_key = $1 AND host = $2 AND pid = $3 AND run_id = $4`,
      [sourceKey, o.host, o.pid, o.runId],
    );
  }

  async claimRawKey(claim: RawKeyClaim): Promise<RawKeyClaim | 'key-taken'> {
    const o = claim.owner;
    const inserted = await this.db.query(
      `INSERT INTO corriente_ingest_raw_key_claims
         (sha256, raw_key, source_key, host, pid, run_id, claimed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [claim.sha256, claim.rawKey, claim.sourceKey, o.host, o.pid, o.runId, claim.claimedAt],
    );
    if (inserted.rowCount === 1) return claim;
    // Claim rows are never deleted while their content is loaded, so the row that blocked the
    // insert is still there (or it was a release of an undone write: the caller retries).
    return (await this.rawKeyOf(claim.sha256)) ?? 'key-taken';
  }

  async rawKeyOf(sha256: string): Promise<RawKeyClaim | undefined> {
    const r = await this.db.query<RawRow>(
      `SELECT * FROM corriente_ingest_raw_key_claims WHERE sha256 = $1`,
      [sha256],
    );
    return r.rows[0] ? raw(r.rows[0]) : undefined;
  }

  async replaceRawKey(expected: RawKeyClaim, next: RawKeyClaim): Promise<boolean> {
    const e = expected.owner;
    const n = next.owner;
    const r = await this.db.query(
      `UPDATE corriente_ingest_raw_key_claims
         SET source_key = $1, host = $2, pid = $3, run_id = $4, claimed_at = $5
       WHERE sha256 = $6 AND raw_key = $7 AND host = $8 AND pid = $9 AND run_id = $10
         AND claimed_at = $11`,
      [
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
      ],
    );
    return r.rowCount === 1;
  }

  async releaseRawKey(sha256: string, o: ClaimOwner): Promise<void> {
    await this.db.query(
      `DELETE FROM corriente_ingest_raw_key_claims
       WHERE sha256 = $1 AND host = $2 AND pid = $3 AND run_id = $4`,
      [sha256, o.host, o.pid, o.runId],
    );
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }
}
