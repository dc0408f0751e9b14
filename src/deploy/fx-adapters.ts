import * as path from 'node:path';
import { localStorePath, type Config } from './config.js';
import { DiskEventLog } from '../core/event-log/disk/disk-event-log.js';
import type { EventLog } from '../core/event-log/event-log.js';
import { KinesisEventLog } from '../core/event-log/kinesis/kinesis-event-log.js';
import { SqliteCheckpointStore } from '../core/event-log/sqlite/sqlite-checkpoint-store.js';
import { DynamoDbPortfolioStore } from '../fx/portfolio/dynamodb/dynamodb-portfolio-store.js';
import type { PortfolioStore } from '../fx/portfolio/portfolio-store.js';
import { SqlitePortfolioStore } from '../fx/portfolio/sqlite/sqlite-portfolio-store.js';

/**
 * The FX event log the configuration names (`fx.eventLog`). `readOnly` opens a disk log without
 * its writer lock, so a reading command works beside a running `corriente up`.
 */
export async function openFxEventLog(
  config: Config,
  options: { readOnly?: boolean } = {},
): Promise<EventLog> {
  const c = config.fx.eventLog;
  if (c.type === 'disk') {
    return DiskEventLog.open({
      dir: localStorePath(config, c),
      stream: c.stream,
      ...(options.readOnly ? { readOnly: true } : {}),
    });
  }
  return new KinesisEventLog({
    streamName: c.streamName,
    checkpoints: new SqliteCheckpointStore(path.join(config.home, 'fx', 'checkpoints.db')),
    clientConfig: { region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) },
  });
}

/** The portfolio store the configuration names (`fx.portfolioStore`). */
export function openPortfolioStore(config: Config): PortfolioStore {
  const c = config.fx.portfolioStore;
  if (c.type === 'sqlite') return new SqlitePortfolioStore({ path: localStorePath(config, c) });
  return new DynamoDbPortfolioStore({
    tableName: c.tableName,
    region: c.region,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
  });
}
