import { homeLayout } from '../home-layout.js';
import { Cron } from 'croner';
import type { HttpPlugin } from '../../core/http/server.js';
import type { Logger } from '../../core/log/logger.js';
import { openFxEventLog, openLeaseStore, openPortfolioStore } from '../adapters.js';
import { startLeadership } from '../../core/lease/leadership.js';
import type { LeaseStore } from '../../core/lease/lease.js';
import type { PgPool } from '../../core/state/postgres/index.js';
import { ALL_ROLES, instanceId, isAllRoles, type Role } from '../roles.js';
import type { Stores } from '../adapters.js';
import type { Catalog } from '../../core/catalog/catalog.js';
import type { Config } from '../config.js';
import {
  createFxUser,
  fxOpenApi,
  FxLedger,
  fxRoutes,
  FxUsers,
  openFxDatabase,
} from '../../fx/api/index.js';
import type { EventLog } from '../../core/event-log/event-log.js';
import type { PortfolioStore } from '../../fx/portfolio/portfolio-store.js';
import { PriceCollector, startPriceCollector } from '../../fx/prices/index.js';
import { createPriceSource } from '../adapters.js';
import { SqlitePriceBook } from '../../fx/prices/sqlite/sqlite-price-book.js';
import { PostgresPriceBook } from '../../fx/prices/postgres/postgres-price-book.js';
import type { PriceBook } from '../../fx/prices/price-book.js';
import { PostgresRawEventClaims } from '../../fx/processor/postgres/index.js';
import {
  startSharedStreamProcessor,
  startStreamProcessor,
  type StreamProcessorStats,
} from '../../fx/processor/index.js';
import { formatReconcileReport, reconcile } from '../../fx/reconcile/index.js';
import { openQueryEngine, withQueryableLake } from '../open-query-service.js';
import { FxDecisions } from './fx-decisions.js';
import { fxOpsRoutes } from '../../fx/http/fx-ops-routes.js';
import { fxOpsOpenApi } from '../../fx/http/fx-ops-openapi.js';

export interface FxPlatformOptions {
  config: Config;
  stores: Stores;
  catalog: Catalog;
  log: Logger;
  /** Demo mode: prices every `fx.prices.demoIntervalSeconds` instead of the cron schedule. */
  demo: boolean;
  /** The admin token of the admin and operations routes. @default process.env.CORRIENTE_ADMIN_TOKEN */
  adminToken?: string;
  /** Where the shared secrets (VAPID keys, webhook key) are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The roles this process runs (`up --roles`). @default every role */
  roles?: ReadonlySet<Role>;
  /**
   * The PostgreSQL state store (`state.type = postgres`): leases and Kinesis checkpoints live
   * there. Without it they are SQLite files under the home.
   */
  statePool?: PgPool;
}

/**
 * The FX platform inside `corriente up`: the event log (single writer), the API's ledger and
 * users, the price collector on its schedule, the stream processor (lake + portfolios) and the
 * scheduled reconciliation. `routes` are mounted by the HTTP server; `stop()` shuts down in
 * dependency order, flushing the processor's batch.
 */
export class FxPlatform {
  readonly routes: HttpPlugin[];
  private readonly stops: (() => Promise<void>)[] = [];
  private statusOf: () => string = () => 'starting';
  private log: Logger | undefined;

  private constructor(
    readonly eventLog: EventLog,
    /** The API's ledger: only where the `api` role runs. */
    readonly ledger: FxLedger | undefined,
    readonly users: FxUsers,
    readonly portfolios: PortfolioStore,
    routes: HttpPlugin[],
  ) {
    this.routes = routes;
  }

  static async start(o: FxPlatformOptions): Promise<FxPlatform> {
    const { config, stores, log } = o;
    const roles = o.roles ?? ALL_ROLES;
    // Leases only where other processes may share the work: a PostgreSQL state store, or a
    // subset of the roles. One process running every role on its home (up.lock) needs none.
    const leases: LeaseStore | undefined =
      o.statePool || !isAllRoles(roles) ? openLeaseStore(config, o.statePool) : undefined;
    const leaseMs = config.fx.leaseSeconds * 1000;
    const eventLog = await openFxEventLog(config, o.statePool ? { statePool: o.statePool } : {});
    const db = openFxDatabase(homeLayout(config.home).fxLedgerDb);
    const sqlitePrices = new SqlitePriceBook({ db: db });
    // On PostgreSQL state the collector records where every API instance reads the latest price.
    const pgPrices = o.statePool
      ? await PostgresPriceBook.open({ pool: o.statePool, logger: log })
      : undefined;
    const priceBook: PriceBook = pgPrices ?? sqlitePrices;
    // Only the api role keeps a ledger: opening one catches up with the whole log.
    const ledger = roles.has('api')
      ? await FxLedger.open({
          db,
          eventLog,
          logger: log,
          onPriceTick: (t) => sqlitePrices.record(t),
        })
      : undefined;
    const users = new FxUsers(db);
    const adminToken = o.adminToken ?? (o.env ?? process.env).CORRIENTE_ADMIN_TOKEN;
    const portfolios = openPortfolioStore(config);
    const routes: HttpPlugin[] = !ledger
      ? []
      : [
          {
            prefix: '/api/fx/v1',
            plugin: fxRoutes({
              ledger,
              users,
              priceBook,
              staleAfterSeconds: config.fx.prices.staleAfterSeconds,
              rateLimitPerMinute: config.fx.api.rateLimitPerMinute,
              bodyLimitBytes: config.fx.api.bodyLimitBytes,
              ...(adminToken ? { adminToken } : {}),
            }),
            openapi: fxOpenApi,
          },
        ];
    const fx = new FxPlatform(eventLog, ledger, users, portfolios, routes);
    fx.log = log;

    let stopPrices = async (): Promise<void> => {};
    if (roles.has('collector')) {
      const collector = new PriceCollector({
        source: await createPriceSource(config),
        eventLog,
        priceBook,
        logger: log,
      });
      const collect = (): (() => Promise<void>) =>
        startPriceCollector({
          collector,
          schedule: config.fx.prices.schedule,
          ...(o.demo ? { intervalMs: config.fx.prices.demoIntervalSeconds * 1000 } : {}),
          timezone: config.timezone,
          logger: log,
        });
      if (leases) {
        // A singleton: the instance holding the lease collects; the others stand by.
        const leadership = startLeadership({
          store: leases,
          name: `fx-collector/${eventLog.stream}`,
          owner: instanceId('collector'),
          ttlMs: leaseMs,
          logger: log,
          lead: async () => ({ stop: collect() }),
        });
        stopPrices = () => leadership.stop();
      } else stopPrices = collect();
    }
    const processorOptions = {
      log: eventLog,
      datalake: stores.datalake,
      portfolios,
      timezone: config.timezone,
      batchMaxEvents: config.fx.processor.batchMaxEvents,
      batchMaxDelayMs: config.fx.processor.batchMaxDelayMs,
      logger: log,
      // A raw table's first file (fx_recommendations after the first suggestion) is cataloged
      // at once, so every saved query works before the scheduled crawl.
      catalog: o.catalog,
      // The log is at-least-once (the API's outbox relay): the raw lake keeps an event id once.
      ...(o.statePool ? { rawClaims: new PostgresRawEventClaims(o.statePool) } : {}),
    };
    let processor: { stats(): StreamProcessorStats; stop(): Promise<void> } | undefined;
    if (roles.has('processor')) {
      processor = leases
        ? startSharedStreamProcessor({
            ...processorOptions,
            leases,
            owner: instanceId('processor'),
            leaseMs,
          })
        : await startStreamProcessor(processorOptions);
    }
    const decisions = await FxDecisions.start({
      roles,
      ...(leases ? { leases: { store: leases, ttlMs: leaseMs } } : {}),
      ...(o.statePool ? { statePool: o.statePool } : {}),
      config,
      stores,
      log,
      eventLog,
      portfolios,
      users,
      demo: o.demo,
      ...(o.env ? { env: o.env } : {}),
      ...(o.statePool ? { statePool: o.statePool } : {}),
    });
    fx.routes.push(...decisions.routes);
    let lastReconcile: Awaited<ReturnType<typeof reconcile>> | undefined;
    let lastReconcileError: string | undefined;
    fx.routes.push({
      prefix: '/api/fx/v1/ops',
      plugin: fxOpsRoutes({
        ...(adminToken ? { adminToken } : {}),
        registry: decisions.registry,
        notifications: decisions.notifications,
        overview: () => ({
          now: new Date().toISOString(),
          latestPrice: priceBook.latest() ?? null,
          processor: processor?.stats() ?? null,
          ...decisions.overview(),
          reconcile: lastReconcile
            ? {
                ok: lastReconcile.ok,
                checkedAt: lastReconcile.checkedAt,
                usersCompared: lastReconcile.usersCompared,
                differences: lastReconcile.differences.length,
              }
            : null,
          reconcileError: lastReconcileError ?? null,
          reconcileSchedule: config.fx.reconcileSchedule,
        }),
      }),
      openapi: fxOpsOpenApi,
    });
    const query = openQueryEngine(config, o.catalog, { tempName: 'duckdb-reconcile' });
    // Reconciliation needs the catalog of the lake this home keeps: the lake role's.
    const reconcileJob = new Cron(
      config.fx.reconcileSchedule,
      { protect: true, paused: !roles.has('lake') },
      async () => {
        try {
          // DuckDB reads local files only: a lake on S3 is copied to a temporary folder first.
          const report = await withQueryableLake(
            config,
            { datalake: stores.datalake, catalog: o.catalog, query },
            (lake) => reconcile({ ...lake, log: eventLog, portfolios, logger: log }),
          );
          lastReconcile = report;
          lastReconcileError = undefined;
          if (report.ok) log.info('fx reconcile: no differences');
          else log.warn(formatReconcileReport(report));
        } catch (err) {
          lastReconcileError = err instanceof Error ? err.message : String(err);
          log.error({ err }, 'fx reconcile failed');
        }
      },
    );
    fx.statusOf = () => {
      const tick = priceBook.latest();
      const st = processor?.stats() ?? {
        transactions: 0,
        ticks: 0,
        files: 0,
        lastError: undefined,
      };
      const price = tick
        ? `bid ${(tick.bidCopCents / 100).toFixed(2)} / ask ${(tick.askCopCents / 100).toFixed(2)} COP`
        : 'no price yet';
      return (
        `fx: ${price}; processed ${st.transactions} transactions, ${st.ticks} ticks in ${st.files} lake files` +
        (st.lastError ? `; last processor error: ${st.lastError}` : '') +
        `\n${decisions.status()}`
      );
    };
    // Shutdown order: stop producers, flush the processor, then close stores and the log.
    fx.stops.push(
      async () => {
        reconcileJob.stop();
      },
      stopPrices,
      async () => {
        await decisions.stop();
      },
      async () => {
        await processor?.stop();
      },
      async () => {
        await query.close();
      },
      async () => {
        await ledger?.close();
        await pgPrices?.close();
        db.close();
      },
      async () => {
        await portfolios.close();
      },
      async () => {
        await eventLog.close();
        await leases?.close();
      },
    );
    return fx;
  }

  /**
   * Demo customers trading through the real HTTP API (as a phone app would): creates a few users
   * once, then each posts a BUY or SELL every few seconds. Stops with `stop()`.
   * @returns the customers' names and API tokens (for the app's sign-in link)
   */
  async startDemoCustomers(
    baseUrl: string,
    log: Logger,
  ): Promise<{ name: string; token: string }[]> {
    const names = ['Camila Rojas', 'Andrés Gómez', 'Valentina Ospina'];
    const customers: { token: string; name: string }[] = [];
    for (const name of names) {
      const created = await createFxUser(
        { ledger: this.ledgerOrThrow(), users: this.users },
        { name, copCents: 20_000_000_00, usdCents: 2_000_00 },
      );
      customers.push({ token: created.token, name });
    }
    let n = 0;
    const timer = setInterval(() => {
      const c = customers[n % customers.length]!;
      n++;
      const side = Math.random() < 0.55 ? 'BUY' : 'SELL';
      const amountUsd = Math.round((20 + Math.random() * 480) * 100) / 100;
      void fetch(`${baseUrl}/api/fx/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${c.token}`,
          'content-type': 'application/json',
          'idempotency-key': `demo-${Date.now()}-${n}`,
        },
        body: JSON.stringify({ side, amountUsd }),
      })
        .then(async (r) => {
          if (r.status !== 201 && r.status !== 503 && r.status !== 409) {
            log.warn({ status: r.status, body: await r.text() }, 'demo customer request refused');
          }
        })
        .catch((err: unknown) => log.warn({ err }, 'demo customer request failed'));
    }, 1500);
    this.stops.unshift(async () => clearInterval(timer));
    return customers;
  }

  private ledgerOrThrow(): FxLedger {
    if (!this.ledger) throw new Error('the demo customers need the api role');
    return this.ledger;
  }

  /** A one-line live status for the console. */
  status(): string {
    return this.statusOf();
  }

  async stop(): Promise<void> {
    for (const [i, stop] of this.stops.entries()) {
      await stop();
      this.log?.debug(`fx platform: shutdown step ${i + 1}/${this.stops.length} done`);
    }
  }
}
