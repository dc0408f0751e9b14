import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { createPgPool, migratePostgres } from '../../../src/core/state/postgres/index.js';
import type {
  ClaimOwner,
  IngestClaims,
  LandingClaim,
  RawKeyClaim,
} from '../../../src/energy/ingest/ingest-claims.js';
import { PostgresIngestClaims } from '../../../src/energy/ingest/postgres/index.js';
import { SqliteIngestClaims } from '../../../src/energy/ingest/sqlite/sqlite-ingest-claims.js';
import { STATE_MIGRATIONS } from '../../../src/deploy/state.js';
import { stateContract } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';

const A: ClaimOwner = { host: 'host-a', pid: 11, runId: 'run-a' };
const B: ClaimOwner = { host: 'host-b', pid: 22, runId: 'run-b' };
const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:20:00.000Z';

/** Keys unique per test: the PostgreSQL run shares one database across tests. */
const unique = () => randomUUID().slice(0, 8);
const landing = (sourceKey: string, owner: ClaimOwner, at = T0): LandingClaim => ({
  sourceKey,
  etag: `"etag-${owner.runId}"`,
  owner,
  claimedAt: at,
});
const rawClaim = (sha: string, rawKey: string, owner: ClaimOwner, at = T0): RawKeyClaim => ({
  sha256: sha,
  rawKey,
  sourceKey: `landing/${rawKey}`,
  owner,
  claimedAt: at,
});

stateContract<IngestClaims>(
  'IngestClaims',
  {
    sqlite: async () => {
      const t = tempDir('corriente-claims-');
      const adapter = new SqliteIngestClaims({ path: path.join(t.dir, 'claims.db') });
      return {
        adapter,
        close: async () => {
          await adapter.close();
          t.cleanup();
        },
      };
    },
    postgres: async (url) => {
      const pool = createPgPool({ url, poolSize: 8 });
      await migratePostgres(pool, STATE_MIGRATIONS);
      return { adapter: new PostgresIngestClaims({ pool }), close: () => pool.end() };
    },
  },
  (open) => {
    it('the first landing claim wins; a later claimer gets the stored row back', async () => {
      const { adapter, close } = await open();
      try {
        const key = `landing/${unique()}.csv`;
        expect(await adapter.claimLanding(landing(key, A))).toEqual(landing(key, A));
        expect(await adapter.claimLanding(landing(key, B, T1))).toEqual(landing(key, A));
      } finally {
        await close();
      }
    });

    it('concurrent landing claims of one file leave exactly one owner', async () => {
      const { adapter, close } = await open();
      try {
        const key = `landing/${unique()}.csv`;
        const owners = Array.from({ length: 8 }, (_, i) => ({
          host: `h${i}`,
          pid: i,
          runId: `r${i}`,
        }));
        const results = await Promise.all(owners.map((o) => adapter.claimLanding(landing(key, o))));
        const winners = new Set(results.map((r) => r.owner.host));
        expect(winners.size).toBe(1);
      } finally {
        await close();
      }
    });

    it('a landing claim is replaced only from the row as it stands, and released only by its owner', async () => {
      const { adapter, close } = await open();
      try {
        const key = `landing/${unique()}.csv`;
        const first = await adapter.claimLanding(landing(key, A));
        expect(await adapter.replaceLanding(first, landing(key, B, T1))).toBe(true);
        // A stale view (A's) no longer matches.
        expect(await adapter.replaceLanding(first, landing(key, A, T1))).toBe(false);
        await adapter.releaseLanding(key, A);
        expect(await adapter.claimLanding(landing(key, A))).toEqual(landing(key, B, T1));
        await adapter.releaseLanding(key, B);
        expect(await adapter.claimLanding(landing(key, A))).toEqual(landing(key, A));
      } finally {
        await close();
      }
    });

    it('a raw key belongs to one content: same content gets the earlier claim, another content key-taken', async () => {
      const { adapter, close } = await open();
      try {
        const sha = `sha-${unique()}`;
        const key = `raw/${unique()}.csv`;
        expect(await adapter.claimRawKey(rawClaim(sha, key, A))).toEqual(rawClaim(sha, key, A));
        expect(await adapter.claimRawKey(rawClaim(sha, `raw/${unique()}.csv`, B))).toEqual(
          rawClaim(sha, key, A),
        );
        expect(await adapter.claimRawKey(rawClaim(`sha-${unique()}`, key, B))).toBe('key-taken');
        expect(await adapter.rawKeyOf(sha)).toEqual(rawClaim(sha, key, A));
        expect(await adapter.rawKeyOf(`sha-${unique()}`)).toBeUndefined();
      } finally {
        await close();
      }
    });

    it('concurrent raw-key claims of one key by different contents leave one winner', async () => {
      const { adapter, close } = await open();
      try {
        const key = `raw/${unique()}.csv`;
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            adapter.claimRawKey(rawClaim(`sha-${unique()}-${i}`, key, { ...A, pid: i })),
          ),
        );
        expect(results.filter((r) => r !== 'key-taken')).toHaveLength(1);
      } finally {
        await close();
      }
    });

    it('a raw-key claim is replaced from the row as it stands and released only by its owner', async () => {
      const { adapter, close } = await open();
      try {
        const sha = `sha-${unique()}`;
        const key = `raw/${unique()}.csv`;
        const first = rawClaim(sha, key, A);
        await adapter.claimRawKey(first);
        const next = rawClaim(sha, key, B, T1);
        expect(await adapter.replaceRawKey(first, next)).toBe(true);
        expect(await adapter.replaceRawKey(first, rawClaim(sha, key, A, T1))).toBe(false);
        await adapter.releaseRawKey(sha, A);
        expect(await adapter.rawKeyOf(sha)).toEqual(next);
        await adapter.releaseRawKey(sha, B);
        expect(await adapter.rawKeyOf(sha)).toBeUndefined();
      } finally {
        await close();
      }
    });
  },
);
