export {
  KinesisEventLog,
  KinesisPutError,
  type KinesisEventLogOptions,
} from './kinesis-event-log.js';
export {
  formatKinesisPosition,
  parseKinesisPosition,
  type ShardPositions,
} from './kinesis-position.js';
