import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type FxDatabase = BetterSqlite3.Database;

/**
 * The default file of the FX API's database (users, ledger accounts, idempotency records, prices).
 * @example openFxDatabase(defaultFxDatabasePath(config.home))
 */
export function defaultFxDatabasePath(home: string): string {
  return path.join(home, 'fx', 'ledger.db');
}

/**
 * Opens (creating) the FX API's SQLite database in WAL mode. `synchronous = NORMAL`: a commit
 * does not fsync; that is safe because the EventLog, not this file, is the durable record, and
 * the ledger catches up from the log on open. Each component creates its own tables.
 * @param file a path, or `:memory:` for tests.
 */
export function openFxDatabase(file: string): FxDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  return db;
}
