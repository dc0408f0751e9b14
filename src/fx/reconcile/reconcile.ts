import type { Catalog } from '../../core/catalog/catalog.js';
import { crawl } from '../../core/crawler/crawler.js';
import type { Logger } from '../../core/log/logger.js';
import { silentLogger } from '../../core/log/logger.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { QueryError, type QueryEngine } from '../../core/query/query-engine.js';
import type { EventLog, Position } from '../../core/event-log/event-log.js';
import type { AccountOpened, TransactionExecuted } from '../events.js';
import {
  applyPortfolioEvent,
  PortfolioError,
  type Portfolio,
  type PortfolioEvent,
} from '../portfolio/portfolio.js';
import { listAllPortfolios, type PortfolioStore } from '../portfolio/portfolio-store.js';
import { STREAM_PROCESSOR_CONSUMER } from '../processor/stream-processor.js';

export interface ReconcileDeps {
  log: EventLog;
  datalake: ObjectStore;
  catalog: Catalog;
  /** The query engine the SQL runs on (in-process caller: full read). */
  query: QueryEngine;
  portfolios: PortfolioStore;
  logger?: Logger;
  /** Crawl the raw zone first so new files are cataloged. @default true */
  crawl?: boolean;
  /** @default STREAM_PROCESSOR_CONSUMER */
  consumer?: string;
  /**
   * The API's ledger (`fx/ledger.db`): its portfolios are compared with the store and the lake
   * too. Users with events after the ledger's own checkpoint are left out (it is catching up).
   */
  ledger?: { portfolios(): Portfolio[]; checkpoint(): Position | undefined };
}

/** A user on which the API's ledger and the store or the lake disagree. */
export interface LedgerDifference {
  userId: string;
  against: 'store' | 'lake';
  /** `different`: both have the user; `missing-in-ledger` / `missing-in-other`: only one does. */
  kind: 'different' | 'missing-in-ledger' | 'missing-in-other';
  fields: { field: keyof Portfolio; ledger: unknown; other: unknown }[];
}

/** One field on which the lake's fold and the store disagree. */
export interface FieldDifference {
  field: keyof Portfolio;
  lake: unknown;
  store: unknown;
}

export interface UserDifference {
  userId: string;
  /** `different`: both have the user; `missing-in-store` / `missing-in-lake`: only one has it. */
  kind: 'different' | 'missing-in-store' | 'missing-in-lake';
  fields: FieldDifference[];
}

/** What `reconcile` found. `ok` is false when there is any difference or duplicate. */
export interface ReconcileReport {
  ok: boolean;
  checkedAt: string;
  /** Users whose lake fold was compared with the store. */
  usersCompared: number;
  differences: UserDifference[];
  lake: {
    accounts: number;
    transactions: number;
    ticks: number;
    /** Events present more than once in the raw tables (by id); should be 0. */
    duplicateEvents: number;
    /** Events the fold refused (overdrafts…), as the store refuses them. */
    refusedEvents: number;
    /** Users of simulated history (`fx_sim_usuarios`) that the store does not hold: not compared. */
    simulatedUsersSkipped: number;
  };
  store: { portfolios: number };
  /** The API's ledger against the store and the lake (absent when no ledger was given). */
  ledger?: { portfolios: number; usersCompared: number; differences: LedgerDifference[] };
  /** Events in the log after the processor's checkpoint: not (all) in the lake yet. */
  lag: {
    checkpoint: Position | undefined;
    events: number;
    transactions: number;
    ticks: number;
    accounts: number;
    /** Users with events in flight: not compared this time (the store or the lake may be ahead). */
    usersInFlight: string[];
  };
}

/** Every portfolio field, in the order reported. */
const FIELDS: (keyof Portfolio)[] = [
  'copCents',
  'usdCents',
  'costBasisCopCents',
  'avgCostCopCents',
  'realizedPnlCopCents',
  'buyCount',
  'sellCount',
  'boughtUsdCents',
  'soldUsdCents',
  'boughtCopCents',
  'soldCopCents',
  'openedAt',
  'lastEventId',
  'lastTransactionAt',
  'version',
  'updatedAt',
];
const INSTANT_FIELDS = new Set<keyof Portfolio>(['openedAt', 'lastTransactionAt', 'updatedAt']);

/**
 * Reconciliation: recomputes every portfolio from the raw events in the lake — read with SQL
 * from `fx_raw_db.fx_cuentas` and `fx_raw_db.fx_transacciones` through the query engine, after
 * crawling the raw zone — folds each user's events in event-id order with the same pure
 * `applyPortfolioEvent` the store uses (refused events skipped, as the store refuses them), and
 * compares every field with the PortfolioStore. Events after the processor's checkpoint are
 * counted as lag, and their users are left out of the comparison for this run.
 *
 * Event-id order equals log order for one user when ids are minted by one process (the API's
 * monotonic ULIDs), which is what the store's order is.
 *
 * @example
 * const report = await reconcile({ log, datalake, catalog, query: engine, portfolios });
 * if (!report.ok) console.log(report.differences);
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const logger = deps.logger ?? silentLogger;
  if (deps.crawl !== false) {
    await crawl({ datalake: deps.datalake, catalog: deps.catalog, log: logger }, { zone: 'raw' });
  }
  const lag = await logLag(deps.log, deps.consumer ?? STREAM_PROCESSOR_CONSUMER);
  const inFlight = new Set(lag.usersInFlight);

  const accounts = await rows(
    deps.query,
    `SELECT id, usuario_id, saldo_cop_centavos, saldo_usd_centavos, abierta_en
       FROM fx_raw_db.fx_cuentas`,
  );
  const transactions = await rows(
    deps.query,
    `SELECT id, usuario_id, lado, monto_usd_centavos, precio_cop_centavos, total_cop_centavos,
            ejecutado_en
       FROM fx_raw_db.fx_transacciones`,
  );
  const ticks = await rows(deps.query, 'SELECT count(*) AS n FROM fx_raw_db.fx_precios');
  const tickIds = await rows(
    deps.query,
    'SELECT count(*) - count(DISTINCT id) AS d FROM fx_raw_db.fx_precios',
  );
  const simulated = new Set(
    (await rows(deps.query, 'SELECT DISTINCT usuario_id FROM fx_raw_db.fx_sim_usuarios')).map((r) =>
      String(r.usuario_id),
    ),
  );

  // Events per user, deduplicated by id.
  const byUser = new Map<string, PortfolioEvent[]>();
  const seen = new Set<string>();
  let duplicateEvents = Number(tickIds[0]?.d ?? 0);
  const push = (e: PortfolioEvent): void => {
    if (seen.has(e.id)) {
      duplicateEvents++;
      return;
    }
    seen.add(e.id);
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  };
  for (const r of accounts) push(accountOf(r));
  for (const r of transactions) push(transactionOf(r));

  const lakePortfolios = new Map<string, Portfolio>();
  let refusedEvents = 0;
  for (const [userId, events] of byUser) {
    events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let p: Portfolio | undefined;
    for (const e of events) {
      try {
        p = applyPortfolioEvent(p, e);
      } catch (err) {
        if (!(err instanceof PortfolioError)) throw err;
        refusedEvents++;
      }
    }
    if (p) lakePortfolios.set(userId, p);
  }

  const differences: UserDifference[] = [];
  let usersCompared = 0;
  let storeCount = 0;
  const inStore = new Set<string>();
  for await (const stored of listAllPortfolios(deps.portfolios)) {
    storeCount++;
    inStore.add(stored.userId);
    if (inFlight.has(stored.userId)) continue;
    usersCompared++;
    const lake = lakePortfolios.get(stored.userId);
    if (!lake) {
      differences.push({ userId: stored.userId, kind: 'missing-in-lake', fields: [] });
      continue;
    }
    const fields = compare(lake, stored);
    if (fields.length > 0) differences.push({ userId: stored.userId, kind: 'different', fields });
  }
  let simulatedUsersSkipped = 0;
  for (const userId of lakePortfolios.keys()) {
    if (inStore.has(userId) || inFlight.has(userId)) continue;
    if (simulated.has(userId)) {
      simulatedUsersSkipped++;
      continue;
    }
    usersCompared++;
    differences.push({ userId, kind: 'missing-in-store', fields: [] });
  }
  differences.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

  let ledger: ReconcileReport['ledger'];
  if (deps.ledger) {
    const ledgerBehind = await usersAfter(deps.log, deps.ledger.checkpoint());
    const skip = (userId: string): boolean =>
      inFlight.has(userId) || ledgerBehind.has(userId) || simulated.has(userId);
    const storePortfolios = new Map<string, Portfolio>();
    for await (const p of listAllPortfolios(deps.portfolios)) storePortfolios.set(p.userId, p);
    const ledgerPortfolios = new Map(deps.ledger.portfolios().map((p) => [p.userId, p]));
    const found: LedgerDifference[] = [];
    const users = new Set([...ledgerPortfolios.keys(), ...storePortfolios.keys()]);
    let compared = 0;
    for (const userId of [...users].sort()) {
      if (skip(userId)) continue;
      compared++;
      const mine = ledgerPortfolios.get(userId);
      for (const [against, other] of [
        ['store', storePortfolios.get(userId)],
        ['lake', lakePortfolios.get(userId)],
      ] as const) {
        if (!mine || !other) {
          if (mine || other) {
            found.push({
              userId,
              against,
              kind: mine ? 'missing-in-other' : 'missing-in-ledger',
              fields: [],
            });
          }
          continue;
        }
        const fields = compare(mine, other).map((f) => ({
          field: f.field,
          ledger: f.lake,
          other: f.store,
        }));
        if (fields.length > 0) found.push({ userId, against, kind: 'different', fields });
      }
    }
    ledger = { portfolios: ledgerPortfolios.size, usersCompared: compared, differences: found };
  }

  const report: ReconcileReport = {
    ok:
      differences.length === 0 && duplicateEvents === 0 && (ledger?.differences.length ?? 0) === 0,
    checkedAt: new Date().toISOString(),
    usersCompared,
    differences,
    lake: {
      accounts: accounts.length,
      transactions: transactions.length,
      ticks: Number(ticks[0]?.n ?? 0),
      duplicateEvents,
      refusedEvents,
      simulatedUsersSkipped,
    },
    store: { portfolios: storeCount },
    ...(ledger ? { ledger } : {}),
    lag,
  };
  logger.info(
    {
      ok: report.ok,
      differences: differences.length,
      duplicateEvents,
      lagEvents: lag.events,
      usersCompared,
    },
    'fx reconciliation done',
  );
  return report;
}

/** Rows of a query; a table not cataloged yet reads as no rows. */
async function rows(engine: QueryEngine, sql: string): Promise<Record<string, unknown>[]> {
  try {
    return (await engine.query(sql, { timeoutMs: 10 * 60_000 })).rows;
  } catch (err) {
    if (err instanceof QueryError && err.code === 'unknown-table') return [];
    throw err;
  }
}

function num(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new Error(`lake value of ${what} is not an exact integer: ${String(v)}`);
  }
  return n;
}

function instant(v: unknown): string {
  const ms = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(ms) ? String(v) : new Date(ms).toISOString();
}

function accountOf(r: Record<string, unknown>): AccountOpened {
  const at = instant(r.abierta_en);
  return {
    type: 'AccountOpened',
    version: 1,
    id: String(r.id),
    userId: String(r.usuario_id),
    copCents: num(r.saldo_cop_centavos, 'saldo_cop_centavos'),
    usdCents: num(r.saldo_usd_centavos, 'saldo_usd_centavos'),
    openedAt: at,
    ingestedAt: at,
  };
}

function transactionOf(r: Record<string, unknown>): TransactionExecuted {
  const at = instant(r.ejecutado_en);
  return {
    type: 'TransactionExecuted',
    version: 1,
    id: String(r.id),
    userId: String(r.usuario_id),
    side: r.lado === 'SELL' ? 'SELL' : 'BUY',
    amountUsdCents: num(r.monto_usd_centavos, 'monto_usd_centavos'),
    priceCopCents: num(r.precio_cop_centavos, 'precio_cop_centavos'),
    totalCopCents: num(r.total_cop_centavos, 'total_cop_centavos'),
    executedAt: at,
    ingestedAt: at,
  };
}

function compare(lake: Portfolio, store: Portfolio): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const field of FIELDS) {
    const a = lake[field];
    const b = store[field];
    const same =
      INSTANT_FIELDS.has(field) && a !== null && b !== null ? instant(a) === instant(b) : a === b;
    if (!same) out.push({ field, lake: a, store: b });
  }
  return out;
}

/** Users with events in the log after `from`. */
async function usersAfter(log: EventLog, from: Position | undefined): Promise<Set<string>> {
  const users = new Set<string>();
  let cursor = from;
  for (;;) {
    const page = await log.read(cursor, { max: 10_000 });
    if (page.records.length === 0) break;
    cursor = page.next;
    for (const r of page.records) {
      try {
        const e = JSON.parse(r.data.toString('utf8')) as { userId?: unknown };
        if (typeof e.userId === 'string') users.add(e.userId);
      } catch {
        // not an event of a user
      }
    }
  }
  return users;
}

/** Counts the records after the consumer's checkpoint, and the users they touch. */
async function logLag(log: EventLog, consumer: string): Promise<ReconcileReport['lag']> {
  const checkpoint = await log.getCheckpoint(consumer);
  const lag: ReconcileReport['lag'] = {
    checkpoint,
    events: 0,
    transactions: 0,
    ticks: 0,
    accounts: 0,
    usersInFlight: [],
  };
  const users = new Set<string>();
  let cursor = checkpoint;
  for (;;) {
    const page = await log.read(cursor, { max: 10_000 });
    if (page.records.length === 0) break;
    cursor = page.next;
    for (const r of page.records) {
      lag.events++;
      let e: { type?: unknown; userId?: unknown };
      try {
        e = JSON.parse(r.data.toString('utf8')) as typeof e;
      } catch {
        continue;
      }
      if (e.type === 'PriceTick') lag.ticks++;
      else if (e.type === 'AccountOpened') lag.accounts++;
      else if (e.type === 'TransactionExecuted') lag.transactions++;
      if (typeof e.userId === 'string') users.add(e.userId);
    }
  }
  lag.usersInFlight = [...users].sort();
  return lag;
}
