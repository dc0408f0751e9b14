export * from './event-log.js';
export type { CheckpointStore } from './checkpoint-store.js';
export { FileCheckpointStore } from './file-checkpoint-store.js';
