export { CHECKPOINT_MIGRATIONS } from './migrations.js';
export { PostgresCheckpointStore } from './postgres-checkpoint-store.js';
