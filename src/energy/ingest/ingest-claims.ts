/**
 * Claims that let several ingestion workers (processes, hosts, Lambda invocations) share one
 * landing store and one lake: each landing file is taken by one worker at a time, and each raw
 * key belongs to exactly one content, claimed before the raw object is written. The claims live
 * in the state store (SQLite on one host; a PostgreSQL adapter is the drop-in for many hosts), so
 * the guarantee holds even where the object store ignores put-if-absent (s3rver).
 */

/** Who holds a claim: one process on one host, during one ingestion run. */
export interface ClaimOwner {
  host: string;
  pid: number;
  runId: string;
}

/** A landing file (one version of it, by etag) taken by one worker. */
export interface LandingClaim {
  sourceKey: string;
  etag: string;
  owner: ClaimOwner;
  /** ISO-8601 instant the claim was made or taken over. */
  claimedAt: string;
}

/**
 * A raw key given to one content: unique by `rawKey` and by `sha256`. The row stays after the
 * load is committed: it is the record that the key belongs to that content.
 */
export interface RawKeyClaim {
  sha256: string;
  rawKey: string;
  sourceKey: string;
  owner: ClaimOwner;
  claimedAt: string;
}

/**
 * The claim store port. Every method is atomic on its own; the policy (when a claim is stale and
 * may be taken over) is the caller's.
 */
export interface IngestClaims {
  /** Inserts `claim` unless `sourceKey` is already claimed; resolves to the row now stored. */
  claimLanding(claim: LandingClaim): Promise<LandingClaim>;
  /** Replaces `expected` (same owner and instant) with `next`; `false` if it changed meanwhile. */
  replaceLanding(expected: LandingClaim, next: LandingClaim): Promise<boolean>;
  /** Drops the landing claim of `sourceKey` if `owner` holds it. */
  releaseLanding(sourceKey: string, owner: ClaimOwner): Promise<void>;
  /**
   * Inserts `claim` unless its sha256 or its raw key is claimed already. Resolves to the row now
   * stored for this content (`claim` itself, or the earlier claim of the same sha256), or to
   * `'key-taken'` when another content holds the raw key.
   */
  claimRawKey(claim: RawKeyClaim): Promise<RawKeyClaim | 'key-taken'>;
  /** The claim of a content, if any. */
  rawKeyOf(sha256: string): Promise<RawKeyClaim | undefined>;
  /** Replaces `expected` (same owner and instant) with `next`; `false` if it changed meanwhile. */
  replaceRawKey(expected: RawKeyClaim, next: RawKeyClaim): Promise<boolean>;
  /** Drops the raw-key claim of `sha256` if `owner` holds it (a write that was undone). */
  releaseRawKey(sha256: string, owner: ClaimOwner): Promise<void>;
  close(): Promise<void>;
}

/** Same process on the same host. */
export function sameOwnerProcess(a: ClaimOwner, b: ClaimOwner): boolean {
  return a.host === b.host && a.pid === b.pid;
}
