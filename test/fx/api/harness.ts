import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildFxApp } from '../../../src/fx/api/app.js';
import { createFxUser } from '../../../src/fx/api/create-user.js';
import { openFxDatabase, type FxDatabase } from '../../../src/fx/api/fx-database.js';
import type { FxRoutesDeps } from '../../../src/fx/api/fx-routes.js';
import { FxLedger } from '../../../src/fx/api/ledger.js';
import { FxUsers } from '../../../src/fx/api/users.js';
import { DiskEventLog } from '../../../src/core/event-log/disk/disk-event-log.js';
import { newEventId, type PriceTick } from '../../../src/fx/events.js';
import { SqlitePriceBook } from '../../../src/fx/prices/sqlite/sqlite-price-book.js';
import { tempDir } from '../../util/tmp.js';

export const ADMIN_TOKEN = 'admin-secret-token-for-tests';

export interface Harness {
  dir: string;
  log: DiskEventLog;
  db: FxDatabase;
  ledger: FxLedger;
  users: FxUsers;
  priceBook: SqlitePriceBook;
  app: FastifyInstance;
  deps: FxRoutesDeps;
  /** Records a fresh tick (bid/ask in COP). */
  tick(bid: number, ask: number, observedAt?: Date): PriceTick;
  user(cop: number, usd?: number, name?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function openHarness(
  overrides: Partial<FxRoutesDeps> = {},
  dirOverride?: string,
): Promise<Harness> {
  const tmp = dirOverride ? { dir: dirOverride, cleanup: () => {} } : tempDir('corriente-fxapi-');
  const log = await DiskEventLog.open({ dir: path.join(tmp.dir, 'eventlog'), stream: 'fx-events' });
  const db = openFxDatabase(path.join(tmp.dir, 'fx', 'ledger.db'));
  const priceBook = new SqlitePriceBook({ db: db });
  const ledger = await FxLedger.open({ db, eventLog: log });
  const users = new FxUsers(db);
  const deps: FxRoutesDeps = {
    ledger,
    users,
    priceBook,
    staleAfterSeconds: 120,
    rateLimitPerMinute: 100_000,
    bodyLimitBytes: 16_384,
    adminToken: ADMIN_TOKEN,
    ...overrides,
  };
  const app = await buildFxApp(deps);
  return {
    dir: tmp.dir,
    log,
    db,
    ledger,
    users,
    priceBook,
    app,
    deps,
    tick(bid, ask, observedAt = new Date()) {
      const t: PriceTick = {
        type: 'PriceTick',
        version: 1,
        id: newEventId(),
        source: 'test',
        bidCopCents: Math.round(bid * 100),
        askCopCents: Math.round(ask * 100),
        midCopCents: Math.round(((bid + ask) / 2) * 100),
        observedAt: observedAt.toISOString(),
        ingestedAt: new Date().toISOString(),
      };
      priceBook.record(t);
      return t;
    },
    async user(cop, usd = 0, name = 'Ana') {
      const c = await createFxUser(
        { ledger, users },
        { name, copCents: Math.round(cop * 100), usdCents: Math.round(usd * 100) },
      );
      return { id: c.user.id, token: c.token };
    },
    async close() {
      await app.close();
      await ledger.close();
      db.close();
      await log.close();
      tmp.cleanup();
    },
  };
}

/** `POST /api/fx/v1/transactions` through inject. */
export function postTx(
  app: FastifyInstance,
  token: string | undefined,
  key: string | undefined,
  body: unknown,
) {
  return app.inject({
    method: 'POST',
    url: '/api/fx/v1/transactions',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key !== undefined ? { 'idempotency-key': key } : {}),
      'content-type': 'application/json',
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
