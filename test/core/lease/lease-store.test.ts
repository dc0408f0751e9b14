import * as path from 'node:path';
import { describe } from 'vitest';
import { SqliteLeaseStore } from '../../../src/core/lease/sqlite/index.js';
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
