import * as path from 'node:path';
import { describe } from 'vitest';
import { PostgresCheckpointStore } from '../../../src/core/event-log/postgres/index.js';
import { createPgPool, migratePostgres } from '../../../src/core/state/postgres/index.js';
import { STATE_MIGRATIONS } from '../../../src/deploy/state.js';
import { createTestDatabase, postgresSkip } from '../../util/postgres.js';
import { FileCheckpointStore } from '../../../src/core/event-log/file-checkpoint-store.js';
import { SqliteCheckpointStore } from '../../../src/core/event-log/sqlite/sqlite-checkpoint-store.js';
import { tempDir } from '../../util/tmp.js';
import { checkpointStoreContract } from './checkpoint-store-contract.js';

checkpointStoreContract('FileCheckpointStore', async () => {
  const t = tempDir('corriente-checkpoints-');
  return {
    open: async () => new FileCheckpointStore({ root: path.join(t.dir, 'eventlog') }),
    cleanup: async () => t.cleanup(),
  };
});

checkpointStoreContract('SqliteCheckpointStore', async () => {
  const t = tempDir('corriente-checkpoints-');
  return {
    open: async () =>
      new SqliteCheckpointStore({ path: path.join(t.dir, 'state', 'checkpoints.sqlite') }),
    cleanup: async () => t.cleanup(),
  };
});

describe.skipIf(postgresSkip !== undefined)('on PostgreSQL', () => {
  checkpointStoreContract('PostgresCheckpointStore', async () => {
    const db = await createTestDatabase('checkpoints');
    const pool = createPgPool({ url: db.url });
    await migratePostgres(pool, STATE_MIGRATIONS);
    return {
      open: async () => new PostgresCheckpointStore({ pool }),
      cleanup: async () => {
        await pool.end();
        await db.drop();
      },
    };
  });
});
