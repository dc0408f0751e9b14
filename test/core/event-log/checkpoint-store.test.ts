import * as path from 'node:path';
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
