/**
 * The FX API's state adapters for `state.type = postgres`: the ledger (with its outbox relay),
 * the users and the price book, on one pool. The SQLite mode keeps its adapters in
 * `local/fx-platform.ts` (one process).
 */
import type { EventLog } from '../core/event-log/event-log.js';
import type { Logger } from '../core/log/logger.js';
import type { PgPool } from '../core/state/postgres/index.js';
import type { FxLedgerPort, FxUsersPort } from '../fx/api/ledger-port.js';
import { PostgresFxLedger } from '../fx/api/postgres/postgres-fx-ledger.js';
import { PostgresFxUsers } from '../fx/api/postgres/postgres-fx-users.js';
import type { PriceBook } from '../fx/prices/price-book.js';
import { PostgresPriceBook } from '../fx/prices/postgres/postgres-price-book.js';
import type { Config } from './config.js';
import { openPostgresState } from './state.js';

export interface FxApiState {
  pool: PgPool;
  ledger: FxLedgerPort;
  users: FxUsersPort;
  priceBook: PriceBook;
  /** One round of the outbox relay (for a process that cannot relay in the background). */
  relayOnce(): Promise<number>;
  /** Stops the relay (carrying what is left to the log) and the price listener, then the pool. */
  close(): Promise<void>;
}

/**
 * Opens the FX API's state on PostgreSQL (migrating first). `relay: false` for a process that
 * only reads (a tool); API instances relay the outbox to `eventLog`.
 */
export async function openPostgresFxApiState(
  config: Config,
  o: {
    /** The log the outbox relays to, or a function building it on the state pool (checkpoints). */
    eventLog: EventLog | ((pool: PgPool) => EventLog);
    log?: Logger;
    relay?: boolean;
    applicationName?: string;
  },
): Promise<FxApiState> {
  const pool = await openPostgresState(config, {
    ...(o.log ? { log: o.log } : {}),
    applicationName: o.applicationName ?? 'corriente-api',
  });
  const eventLog = typeof o.eventLog === 'function' ? o.eventLog(pool) : o.eventLog;
  const ledger = new PostgresFxLedger({
    pool,
    eventLog,
    ...(o.log ? { logger: o.log } : {}),
    ...(o.relay !== undefined ? { relay: o.relay } : {}),
  });
  const priceBook = await PostgresPriceBook.open({ pool, ...(o.log ? { logger: o.log } : {}) });
  return {
    pool,
    ledger,
    users: new PostgresFxUsers({ pool }),
    priceBook,
    relayOnce: () => ledger.relay.relayOnce(),
    async close() {
      await ledger.close();
      await priceBook.close();
      await pool.end();
    },
  };
}
