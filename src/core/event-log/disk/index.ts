export {
  DiskEventLog,
  diskPosition,
  type DiskEventLogOptions,
  type DiskEventLogStats,
  type DiskRetentionOptions,
} from './disk-event-log.js';
export { WriterLockedError } from './writer-lock.js';
