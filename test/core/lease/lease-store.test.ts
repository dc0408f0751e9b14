import * as path from 'node:path';
import { describe } from 'vitest';
import { PostgresLeaseStore } from '../../../src/core/lease/postgres/index.js';
import { SqliteLeaseStore } from '../../../src/core/lease/sqlite/index.js';
import { createPgPool, migratePostgres } from '../../../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../../../src/deploy/state.js';
import { createTestDatabase, postgresSkip } from '../../util/postgres.js';
import { tempDir } from '../../util/tmp.js';
import { leaseStoreContract } from './lease-store-contract.js';

describe('LeaseStore contract on sqlite', () => {
  leaseStoreContract(async () => {
    const t = tempDir('corriente-leases-');
    return {
      open: async () => new SqliteLeaseStore({ path: path.join(t.dir, 'state', 'leases.db') }),
      cleanup: async () => t.cleanup(),
    };
  });
});

describe.skipIf(postgresSkip !== undefined)('LeaseStore contract on postgres', () => {
  leaseStoreContract(async () => {
    const db = await createTestDatabase('leases');
    const pool = createPgPool({ url: db.url, poolSize: 12 });
    await migratePostgres(pool, STATE_MIGRATIONS);
    return {
      // Two stores on one pool see the same rows, as two processes on one database do.
      open: async () => new PostgresLeaseStore({ pool }),
      cleanup: async () => {
        await pool.end();
        await db.drop();
      },
    };
  });
});
