import { homeLayout } from '../../deploy/home-layout.js';
import { randomBytes } from 'node:crypto';
import { adminTokenFromEnv, processEnv } from '../../deploy/environment.js';
import { sharedSecretsEnv } from '../../deploy/secrets.js';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Command } from 'commander';
import { Cron } from 'croner';
import { z } from 'zod';
import { acquireLock } from '../../core/lock/pid-lock.js';
import { crawl } from '../../core/crawler/index.js';
import { formatIngestReport } from '../../energy/ingest/report-format.js';
import { buildHttpServer } from '../../core/http/server.js';
import { openIngestClaims, openLakeChain } from '../../deploy/adapters.js';
import { runLakeChain } from '../../energy/lake-chain.js';
import { FxPlatform } from '../../deploy/local/fx-platform.js';
import { Platform } from '../../energy/ingest/ingest-loop.js';
import { prepareDemo } from '../../deploy/local/demo.js';
import { openQueryService } from '../../deploy/open-query-service.js';
import { hasWebAssets } from '../../core/http/web-assets.js';
import { PLATFORM_API_INFO, upHttpPlugins } from '../../deploy/local/http-plugins.js';
import { watchGovernance } from '../../deploy/local/governance-reload.js';
import { openTransformState } from '../../deploy/adapters.js';
import { removeUpRecord, writeUpRecord } from '../../deploy/up-record.js';
import { localStorePath } from '../../deploy/config.js';
import { clockTime } from '../../core/log/logger.js';
import { cliContext } from '../context.js';
import { entityNames } from '../../energy/contracts/index.js';
import { UsageError } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';
import { ALL_ROLES, isAllRoles, ROLES, rolesSchema } from '../../deploy/roles.js';
import { openPostgresState } from '../../deploy/state.js';
import { startFxApiInstance } from '../../deploy/local/fx-api-instance.js';

const upArgsSchema = z.object({
  demo: z.boolean().default(true),
  port: z.coerce.number().int().min(0).max(65_535).optional(),
  pollInterval: z.coerce.number().positive().max(86_400).optional(),
  roles: rolesSchema.optional(),
});

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the platform: ingestion loop, crawl → transform chain, scheduled crawls and the HTTP API (on an empty home, with a demo day of data)',
    )
    .option('--no-demo', 'start the bare platform: no sample data')
    .option('--port <port>', 'HTTP port (default 8080, or $PORT)')
    .option('--poll-interval <seconds>', 'seconds between polls of the landing store (default 10)')
    .option(
      '--roles <list>',
      `run only these roles, comma-separated: ${ROLES.join(',')} (default: all; a subset starts no demo)`,
    )
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(upArgsSchema, opts);
      const ctx = cliContext(cmd, {
        'http.port': args.port,
        'ingest.pollIntervalSeconds': args.pollInterval,
      });
      const { config, stores, log } = ctx;
      const roles = args.roles ?? ALL_ROLES;
      const allRoles = isAllRoles(roles);
      const serves = roles.has('api') || roles.has('lake');
      const lakeRole = roles.has('lake');
      // Secrets shared by every instance (postgres state: all required, one line naming the missing).
      const secretsEnv = sharedSecretsEnv(config, processEnv());
      const releaseUp = acquireLock(homeLayout(config.home).upLock);
      const out = (s: string): boolean => process.stdout.write(`${s}\n`);
      // Before anything is written (a demo day, databases): a taken port is a usage error.
      try {
        if (serves) await assertPortFree(config.http.host, config.http.port);
      } catch (err) {
        releaseUp();
        throw err;
      }
      // On PostgreSQL state the api role is a stateless instance of its own (any number run).
      if (config.state.type === 'postgres' && roles.has('api')) {
        try {
          if (roles.size > 1) {
            throw new UsageError(
              '--roles: with state.type postgres the api role runs alone (--roles api); start the other roles in other processes',
            );
          }
          const api = await startFxApiInstance({ config, log, env: secretsEnv });
          out(
            [
              `corriente is up with the roles api (pid ${process.pid})`,
              `  state           postgres`,
              `  HTTP            ${api.url}`,
              'Stop with Ctrl+C.',
            ].join('\n'),
          );
          await new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
          await api.close();
          out('corriente stopped');
        } finally {
          releaseUp();
        }
        return;
      }
      // The demo decides on an empty home first; then the landing folder the banner tells users
      // to drop files into exists from the start.
      const demoOn = args.demo && allRoles;
      const demo = demoOn ? await prepareDemo({ config, stores, log }) : undefined;
      if (config.stores.source.type === 'local') {
        mkdirSync(localStorePath(config, config.stores.source), { recursive: true });
      }
      // The PostgreSQL state store, migrated (processes starting together take turns): the
      // ingestion claims live there too, shared with every other host's ingestion workers.
      const statePool =
        config.state.type === 'postgres' ? await openPostgresState(config, { log }) : undefined;
      const chain = openLakeChain(config, stores, log);
      const platform = new Platform({
        config,
        stores,
        claims: openIngestClaims(config, statePool),
        log,
        onIngest: (report) => out(formatIngestReport(report)),
        chain: [
          {
            name: 'lake chain',
            run: async () => {
              const r = await runLakeChain(chain);
              const t = r.transform.runs;
              return (
                `crawled raw (+${r.crawlRaw.partitionsAdded} partitions), transform ${r.transform.status} ` +
                `(${t.reduce((n, x) => n + x.rowsOut, 0)} rows out, ${t.reduce((n, x) => n + x.rejected, 0)} rejected), ` +
                `crawled processed (+${r.crawlProcessed.partitionsAdded} partitions), ` +
                `warehouse ${r.warehouse.status} (${r.warehouse.partitions.length} partitions)`
              );
            },
          },
        ],
      });

      // The console signs in with the admin token; without one in the environment, this run
      // makes one and prints it in the console's address (never stored).
      const adminToken =
        adminTokenFromEnv(secretsEnv) ?? `adm_${randomBytes(24).toString('base64url')}`;
      const fx = await FxPlatform.start({
        config,
        stores,
        catalog: chain.catalog,
        log,
        demo: demoOn,
        roles,
        ...(statePool ? { statePool } : {}),
        adminToken,
        env: secretsEnv,
      });
      const query = openQueryService(config);
      // Principals, tokens and grants apply without a restart (config file change or SIGHUP).
      const stopGovernance = watchGovernance({
        configOptions: ctx.configOptions,
        initial: config.governance,
        service: query,
        log,
      });
      const transformState = openTransformState(config);
      const web = hasWebAssets();
      const http = serves
        ? await buildHttpServer({
            log,
            requestTimeoutSeconds: config.http.requestTimeoutSeconds,
            connectionTimeoutSeconds: config.http.connectionTimeoutSeconds,
            keepAliveTimeoutSeconds: config.http.keepAliveTimeoutSeconds,
            maxRequestsPerSocket: config.http.maxRequestsPerSocket,
            plugins: upHttpPlugins({
              config,
              stores,
              catalog: chain.catalog,
              query,
              transformState,
              fx,
              adminToken,
              web,
              entities: entityNames(ctx.contracts),
              lake: lakeRole,
              api: roles.has('api'),
              onReingest: () => platform.trigger(config.ingest.minFileAgeSeconds * 1000 + 500),
            }),
            apiDocs: PLATFORM_API_INFO,
          })
        : undefined;
      if (!web && http) log.warn('the web console is not built (npm run build): GET / answers 404');
      const address = http
        ? await http.listen({ port: config.http.port, host: config.http.host })
        : '(no HTTP: neither the api nor the lake role runs here)';
      // Commands that talk to this server (fx users create, fx simulate --live) find it here.
      if (http) {
        writeUpRecord(config.home, {
          url: address,
          pid: process.pid,
          startedAt: new Date().toISOString(),
        });
      }
      const customers = demo ? await fx.startDemoCustomers(address, log) : [];
      const tokenNote = adminTokenFromEnv(secretsEnv)
        ? '#token=<CORRIENTE_ADMIN_TOKEN>'
        : `#token=${adminToken}`;

      // The scheduled crawl (Glue crawler schedule): picks up anything written outside the chain.
      const crawlJob = new Cron(
        config.lake.crawlSchedule,
        { protect: true, paused: !lakeRole },
        async () => {
          try {
            const report = await crawl(
              { datalake: stores.datalake, catalog: chain.catalog, log },
              { zone: 'all' },
            );
            log.info({ partitionsAdded: report.partitionsAdded }, 'scheduled crawl done');
          } catch (err) {
            log.error({ err }, 'scheduled crawl failed');
          }
          // Raw partitions a crash left behind (or that arrived outside the landing store).
          platform.requestChain();
        },
      );

      if (!allRoles) {
        out(
          [
            `corriente is up with the roles ${[...roles].join(', ')} (pid ${process.pid})`,
            `  data folder     ${config.home}`,
            `  state           ${config.state.type}`,
            `  HTTP            ${address}`,
            'Stop with Ctrl+C: work in progress is finished first.',
          ].join('\n'),
        );
      } else
        out(
          [
            'corriente is up',
            `  data folder     ${config.home}`,
            `  landing store   ${stores.source.url}   ← drop clientes/proveedores/transacciones CSV exports here`,
            `  datalake store  ${stores.datalake.url}   (raw/, processed/, quarantine/)`,
            `  HTTP            ${address}`,
            ...(web
              ? [
                  `    console       ${address}/${tokenNote}   (signs in with the admin token, or a lake principal's)`,
                  `    app           ${address}/app/${customers[0] ? `#token=${customers[0].token}   (as ${customers[0].name}; or any customer's token)` : '   (sign in with a customer token)'}`,
                ]
              : []),
            `    lake          POST /api/lake/v1/query · GET /api/lake/v1/tables (bearer token: corriente lake token)`,
            `    FX            /api/fx/v1 (POST /transactions, GET /portfolio, GET /prices/latest) · every route: /api/docs (OpenAPI at /api/openapi.json)`,
            `                  a customer: npx corriente fx users create --name "Ana" --cop 5000000 (with CORRIENTE_ADMIN_TOKEN while up runs)`,
            `    notifications /api/fx/v1/notifications (GET /stream SSE, /preferences, /webhooks, /webpush/*, /deliveries)`,
            `    model         POST /api/ml/v1/fx-recomendaciones/invocations (text/csv or JSON; SageMaker's contract) · npx corriente fx models list`,
            `  FX prices       ${config.fx.prices.source}, ${args.demo ? `every ${config.fx.prices.demoIntervalSeconds} s (demo)` : `cron "${config.fx.prices.schedule}"`}; stream processor → raw/fx_*/ and portfolios; orchestrator → recommendations → notifications`,
            `  query           npx corriente query --database energy_processed_db "SELECT * FROM transacciones LIMIT 5"`,
            `                  npx corriente query --list   ·   npx corriente catalog   ·   npx corriente jobs`,
            `  polling every   ${config.ingest.pollIntervalSeconds} s (and on every new file); crawl schedule "${config.lake.crawlSchedule}"`,
            demo ? `  demo            ${demo}` : '  demo            off',
            'Stop with Ctrl+C: work in progress is finished first.',
          ].join('\n'),
        );
      if (lakeRole) platform.start();
      // A short live status every 30 s.
      const statusTimer = setInterval(() => {
        out(`[${clockTime()}] ${fx.status()}`);
      }, 30_000);

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals): void => {
          if (stopping) {
            log.warn(`${signal} again: exiting now`);
            process.exit(130);
          }
          stopping = true;
          log.info(`${signal}: finishing work in progress, then stopping`);
          void platform.stop().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      clearInterval(statusTimer);
      stopGovernance();
      crawlJob.stop();
      await http?.close();
      await fx.stop();
      await statePool?.end();
      await query.close();
      transformState.close();
      await chain.close();
      if (http) removeUpRecord(config.home);
      releaseUp();
      out('corriente stopped');
    });
}

/** @throws UsageError naming the port when another process listens on it. */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new UsageError(
              `port ${port} on ${host} is ${err.code === 'EACCES' ? 'not allowed' : 'already in use'}; choose another with --port or $PORT`,
            )
          : err,
      );
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
