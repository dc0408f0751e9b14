import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { homeLayout } from '../../deploy/home-layout.js';
import { adminTokenFromEnv } from '../../deploy/environment.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { openFxEventLog, openPortfolioStore } from '../../deploy/adapters.js';
import { openCatalog } from '../../deploy/adapters.js';
import { openPostgresState } from '../../deploy/state.js';
import {
  processAvailable,
  resetStreamProcessor,
  startStreamProcessor,
} from '../../fx/processor/index.js';
import { formatReconcileReport, reconcile } from '../../fx/reconcile/index.js';
import { readFileSync } from 'node:fs';
import { simulateHistory, scaledEffects } from '../../fx/simulate/index.js';
import { simulationAdvisor } from '../../fx/decisions/orchestrator/simulation-advisor.js';
import { GbdtModel } from '../../ml/gbdt/index.js';
import { simulateLive } from '../../fx/simulate/live.js';
import { isIsoDate } from '../../core/util/time-zone.js';
import {
  openQueryEngine,
  withQueryableLake,
  type QueryableLake,
} from '../../deploy/open-query-service.js';
import { openFxDatabase } from '../../fx/api/fx-database.js';
import { readLedgerSnapshot } from '../../fx/api/ledger-tables.js';
import { runningUpUrl } from './fx.js';
import { cliContext } from '../context.js';
import { UsageError } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';

/** Kept for callers that imported them from here; they live in `src/deploy/fx-adapters.ts`. */
export { openFxEventLog, openPortfolioStore } from '../../deploy/adapters.js';

const simulateArgs = z.object({
  users: z.coerce.number().int().min(1).max(9999),
  /** Required for a history; not used with --live. */
  days: z.coerce.number().int().min(1).max(3660).optional(),
  live: z.boolean().default(false),
  duration: z.coerce.number().positive().max(86_400).optional(),
  url: z.url().optional(),
  seed: z.coerce.number().int().nonnegative().default(1),
  end: z.string().refine(isIsoDate, { message: 'must be a date YYYY-MM-DD' }).optional(),
  userPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,15}$/, 'must be 1–16 lower-case letters and digits')
    .default('sim'),
  respond: z.boolean().default(false),
  modelFile: z.string().min(1).optional(),
  effectScale: z.coerce.number().min(0).max(10).default(1),
  noise: z.boolean().default(true),
});

/** Parses `fx simulate` options. @throws UsageError */
export function parseSimulateArgs(opts: Record<string, unknown>): z.infer<typeof simulateArgs> {
  const schema = simulateArgs
    .refine((a) => a.live || a.days !== undefined, {
      path: ['days'],
      message: 'is required (the number of days of history), unless --live',
    })
    .refine((a) => !a.live || a.duration !== undefined, {
      path: ['duration'],
      message: 'is required with --live (seconds to trade)',
    })
    .refine((a) => a.respond || a.modelFile === undefined, {
      path: ['modelFile'],
      message: 'needs --respond (it is the model that suggests during the simulation)',
    });
  return parseFlags(schema, opts);
}

/**
 * Adds the stream processor's subcommands to the `fx` command group:
 * - `fx process [--once] [--from-start]`: runs the stream processor (until Ctrl-C, or once over
 *   what the log holds);
 * - `fx replay`: deletes the checkpoint, clears the portfolios and reprocesses the whole log;
 * - `fx reconcile [--json]`: recomputes portfolios from the lake with SQL and compares (exit 1
 *   on differences);
 * - `fx simulate --users N --days D [--seed S] [--end YYYY-MM-DD] [--respond [--model-file F]
 *   [--effect-scale X]] [--no-noise]`: writes a simulated history (with `--respond`, the
 *   orchestrator suggests as it unfolds and users respond).
 */
export function registerFxProcessorCommands(fx: Command): void {
  fx.command('process')
    .description('run the stream processor: raw events to the lake, portfolios updated')
    .option('--once', 'process what the log holds now, then exit')
    .option('--from-start', 'delete the checkpoint and clear the portfolios first (a replay)')
    .option('--json', 'print the final counters as JSON')
    .action(async (opts: { once?: boolean; fromStart?: boolean; json?: boolean }, cmd: Command) => {
      await runProcessor(cmd, {
        once: !!opts.once,
        fromStart: !!opts.fromStart,
        json: !!opts.json,
      });
    });

  fx.command('replay')
    .description('reprocess the whole event log from the start into the lake and the portfolios')
    .option('--json', 'print the counters as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await runProcessor(cmd, { once: true, fromStart: true, json: !!opts.json });
    });

  fx.command('reconcile')
    .description('recompute portfolios from the lake (SQL) and compare them with the store')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      // On PostgreSQL state the processors' Kinesis checkpoints (the lag) are there.
      const statePool =
        ctx.config.state.type === 'postgres'
          ? await openPostgresState(ctx.config, { log: ctx.log, applicationName: 'corriente-cli' })
          : undefined;
      // Only reads the log (lag after checkpoints): works beside a running `up`.
      const log = await openFxEventLog(ctx.config, {
        readOnly: true,
        ...(statePool ? { statePool } : {}),
      });
      const portfolios = openPortfolioStore(ctx.config);
      const catalog = openCatalog(ctx.config);
      const query = openQueryEngine(ctx.config, catalog);
      const ledgerFile = homeLayout(ctx.config.home).fxLedgerDb;
      const ledgerDb = existsSync(ledgerFile) ? openFxDatabase(ledgerFile) : undefined;
      try {
        const snapshot = ledgerDb ? readLedgerSnapshot(ledgerDb) : undefined;
        const run = (lake: QueryableLake) =>
          reconcile({
            log,
            ...lake,
            portfolios,
            logger: ctx.log,
            ...(snapshot
              ? {
                  ledger: {
                    portfolios: () => snapshot.portfolios,
                    checkpoint: () => snapshot.checkpoint,
                  },
                }
              : {}),
          });
        // DuckDB reads local files only: a lake on S3 is copied to a temporary folder first.
        const report = await withQueryableLake(
          ctx.config,
          { datalake: ctx.stores.datalake, catalog, query },
          run,
        );
        const text = opts.json ? JSON.stringify(report, null, 2) : formatReconcileReport(report);
        process.stdout.write(`${text}\n`);
        if (!report.ok) process.exitCode = 1;
      } finally {
        ledgerDb?.close();
        await query.close();
        await catalog.close();
        await portfolios.close();
        await log.close();
        await statePool?.end();
      }
    });

  fx.command('simulate')
    .description('write a simulated FX history (prices, users, transactions) into the raw lake')
    .requiredOption('--users <n>', 'number of simulated users')
    .option('--days <n>', 'number of days of history (not with --live)')
    .option('--live', 'drive the running API as real clients would (needs CORRIENTE_ADMIN_TOKEN)')
    .option('--duration <seconds>', 'with --live: how long to trade')
    .option(
      '--url <url>',
      'with --live: the API base URL (default: http://<http.host>:<http.port>)',
    )
    .option('--seed <n>', 'random seed (same seed, same history)', '1')
    .option('--end <date>', 'last day, YYYY-MM-DD (default: yesterday)')
    .option('--user-prefix <p>', 'user ids are <p>-0001, …', 'sim')
    .option(
      '--respond',
      'closed loop: the orchestrator suggests while simulating (holdout included) and users respond',
    )
    .option('--model-file <file>', 'with --respond: an XGBoost JSON model (default: the rules)')
    .option(
      '--effect-scale <x>',
      "with --respond: multiply every behaviour's response probability (0: no effect)",
      '1',
    )
    .option('--no-noise', 'fixed schedules (no skipped paydays, no jitter) and one market regime')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseSimulateArgs(opts);
      const ctx = cliContext(cmd);
      if (args.live) {
        const adminToken = adminTokenFromEnv();
        if (!adminToken) {
          throw new UsageError(
            '--live creates customers through the admin API: set CORRIENTE_ADMIN_TOKEN to the value `corriente up` was started with',
          );
        }
        const live = await simulateLive({
          baseUrl: runningUpUrl(ctx.config, args.url),
          adminToken,
          users: args.users,
          durationSeconds: args.duration!,
          seed: args.seed,
          logger: ctx.log,
        });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(live, null, 2)}\n`
            : `live: ${live.users} customers, ${live.rounds} rounds, ${live.requests} orders; ` +
                `by status ${JSON.stringify(live.byStatus)}; failed requests ${live.failedRequests}\n`,
        );
        return;
      }
      let model: { model: GbdtModel; version: string } | undefined;
      if (args.modelFile) {
        try {
          model = {
            model: GbdtModel.parse(readFileSync(args.modelFile, 'utf8')),
            version: basename(args.modelFile),
          };
        } catch (err) {
          throw new UsageError(`--model-file: ${(err as Error).message}`);
        }
      }
      const result = await simulateHistory({
        datalake: ctx.stores.datalake,
        users: args.users,
        days: args.days!,
        seed: args.seed,
        userPrefix: args.userPrefix,
        timezone: ctx.config.timezone,
        logger: ctx.log,
        noise: args.noise,
        ...(args.end ? { end: args.end } : {}),
        ...(args.respond
          ? {
              advisor: simulationAdvisor({
                config: ctx.config.fx.orchestrator,
                timezone: ctx.config.timezone,
                ...(model ? { model } : {}),
              }),
              effects: scaledEffects(args.effectScale),
            }
          : {}),
      });
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `simulated ${result.users} users from ${result.from} to ${result.to}: ` +
              `${result.ticks} price ticks, ${result.transactions} transactions, ` +
              `${result.files} files (${Object.entries(result.byBehaviour)
                .map(([b, n]) => `${b} ${n}`)
                .join(', ')})` +
              (result.recommendations !== undefined
                ? `; ${result.recommendations} recommendations (${result.heldOut} held out), ${result.responses} trades in response`
                : '') +
              '\n',
      );
    });
}

async function runProcessor(
  cmd: Command,
  opts: { once: boolean; fromStart: boolean; json: boolean },
): Promise<void> {
  const ctx = cliContext(cmd);
  const log = await openFxEventLog(ctx.config);
  const portfolios = openPortfolioStore(ctx.config);
  const catalog = openCatalog(ctx.config);
  const common = {
    log,
    datalake: ctx.stores.datalake,
    portfolios,
    timezone: ctx.config.timezone,
    batchMaxEvents: ctx.config.fx.processor.batchMaxEvents,
    logger: ctx.log,
    catalog,
  };
  try {
    if (opts.fromStart) {
      await resetStreamProcessor({ log, portfolios });
      ctx.log.info('checkpoint deleted and portfolios cleared; reprocessing from the start');
    }
    let stats;
    if (opts.once) {
      stats = await processAvailable(common);
    } else {
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const processor = await startStreamProcessor({
        ...common,
        batchMaxDelayMs: ctx.config.fx.processor.batchMaxDelayMs,
      });
      ctx.log.info('fx stream processor running; Ctrl-C to stop');
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
      await processor.stop();
      stats = processor.stats();
    }
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(stats, null, 2)}\n`
        : `processed ${stats.records} events in ${stats.batches} batches ` +
            `(${stats.transactions} transactions, ${stats.ticks} ticks, ${stats.accounts} accounts, ` +
            `${stats.invalid} invalid; portfolios: ${stats.applied} applied, ${stats.duplicates} duplicates, ` +
            `${stats.rejected} refused); checkpoint ${stats.checkpoint ?? '(none)'}\n`,
    );
  } finally {
    await portfolios.close();
    await catalog.close();
    await log.close();
  }
}
