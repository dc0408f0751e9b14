import * as path from 'node:path';
import { describe } from 'vitest';
import { createPgPool, migratePostgres } from '../../../../src/core/state/postgres/index.js';
import { PostgresOrchestratorState } from '../../../../src/fx/decisions/orchestrator/postgres/index.js';
import { SqliteOrchestratorState } from '../../../../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { STATE_MIGRATIONS } from '../../../../src/deploy/state.js';
import { createTestDatabase, postgresSkip } from '../../../util/postgres.js';
import { tempDir } from '../../../util/tmp.js';
import { orchestratorStateContract } from './orchestrator-state-contract.js';

describe('OrchestratorState contract on sqlite', () => {
  orchestratorStateContract(async () => {
    const t = tempDir('corriente-orchestrator-state-');
    return {
      open: async () => SqliteOrchestratorState.open(path.join(t.dir, 'fx', 'orchestrator.db')),
      cleanup: async () => t.cleanup(),
    };
  });
});

describe.skipIf(postgresSkip !== undefined)('OrchestratorState contract on postgres', () => {
  orchestratorStateContract(async () => {
    const db = await createTestDatabase('orchestrator_state');
    const pool = createPgPool({ url: db.url, poolSize: 4 });
    await migratePostgres(pool, STATE_MIGRATIONS);
    return {
      open: () => PostgresOrchestratorState.open({ pool }),
      cleanup: async () => {
        await pool.end();
        await db.drop();
      },
    };
  });
});
