export { SqliteCheckpointStore } from './sqlite-checkpoint-store.js';
