import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { openCatalog } from '../../deploy/adapters.js';
import { localStorePath } from '../../deploy/config.js';
import { isIsoDate } from '../../core/util/time-zone.js';
import {
  backtest,
  InSampleWindowError,
  NoOutcomesError,
  recommendationOutcomes,
  type BacktestCount,
  type BacktestReport,
} from '../../fx/decisions/orchestrator/index.js';
import { GbdtModel } from '../../ml/gbdt/index.js';
import { formatTable } from '../../core/query/format.js';
import { openQueryEngine } from '../../deploy/open-query-service.js';
import { openModelRegistry } from '../../deploy/adapters.js';
import { FX_MODEL_GROUP } from '../../fx/decisions/training/model-group.js';
import { cliContext } from '../context.js';
import { UsageError } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';

const date = z.string().refine(isIsoDate, { message: 'must be a date YYYY-MM-DD' });

const backtestArgs = z
  .object({
    from: date,
    to: date,
    modelFile: z.string().min(1).optional(),
    rules: z.boolean().default(false),
    every: z.coerce.number().int().min(1).max(1440).default(15),
    allowInSample: z.boolean().default(false),
    json: z.boolean().default(false),
  })
  .refine((a) => a.from <= a.to, { path: ['to'], message: 'must not be before --from' })
  .refine((a) => !(a.rules && a.modelFile), {
    path: ['rules'],
    message: 'cannot be combined with --model-file',
  });

/** Parses `fx backtest` options. @throws UsageError naming the bad flag. */
export function parseBacktestArgs(opts: Record<string, unknown>): z.infer<typeof backtestArgs> {
  return parseFlags(backtestArgs, opts);
}

const outcomesArgs = z.strictObject({ json: z.boolean().default(false) });

function pct(c: BacktestCount): string {
  return c.precision === null ? '—' : `${(c.precision * 100).toFixed(1)} %`;
}

/** The backtest as text: totals per side and origin, then one line per user with suggestions. */
export function formatBacktest(r: BacktestReport): string {
  const line = (name: string, c: BacktestCount): string =>
    `  ${name.padEnd(10)} ${String(c.suggestions).padStart(8)} ${String(c.hits).padStart(8)} ${pct(c).padStart(9)}`;
  const out = [
    `backtest ${r.from} … ${r.to}: ${r.scorer} ${r.version}, horizon ${r.horizonHours} h, ` +
      `${r.ticksDecided} ticks decided, ${r.users} users`,
    r.trainingRange === null
      ? r.scorer === 'model'
        ? '  training range unknown (a model file): cannot tell in-sample days apart'
        : '  rules: nothing trained, nothing in-sample'
      : r.inSample
        ? `  IN-SAMPLE (--allow-in-sample): the window overlaps the training range ${r.trainingRange.from} … ${r.trainingRange.to}; these figures overstate the model`
        : `  out of sample: after the training range ${r.trainingRange.from} … ${r.trainingRange.to}`,
    `  ${''.padEnd(10)} ${'suggest.'.padStart(8)} ${'hits'.padStart(8)} ${'precision'.padStart(9)}`,
    line('total', r.total),
    line('BUY', r.bySide.BUY),
    line('SELL', r.bySide.SELL),
    line('model', r.byOrigin.model),
    line('reglas', r.byOrigin.reglas),
    `  ${r.suggestionsPerUserWeek.toFixed(2)} suggestions per user per week` +
      (r.scorer === 'model'
        ? r.calibrated
          ? '; probabilities calibrated as stored with the model'
          : '; probabilities NOT calibrated (no calibration stored with the model)'
        : ''),
    `  price outcome (hits' executed price, spread included, vs the next 24 h average mid): ` +
      (['BUY', 'SELL'] as const)
        .map((s) => {
          const o = r.priceOutcome[s];
          return o.trades === 0
            ? `${s} —`
            : `${s} ${o.meanAdvantagePct!.toFixed(3)} % mean, ${o.medianAdvantagePct!.toFixed(3)} % median (${o.trades})`;
        })
        .join('; '),
    '',
    `per user (${r.perUser.length} with suggestions):`,
    ...r.perUser.map((u) => line(u.userId, u)),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * Adds the orchestrator's subcommands to the `fx` command group:
 * - `fx recommendations outcomes [--json]`: conversion of recommendations per model version and
 *   per main reason, lift of treated over held-out users, and the customer's price, from the lake;
 * - `fx backtest --from DATE --to DATE [--model-file F] [--every MIN] [--json]`: replays the
 *   lake's history through the features, the scorer and the policy (no notifications).
 */
export function registerFxOrchestrator(fx: Command): void {
  const recs = fx.command('recommendations').description('recommendations sent to users');
  recs
    .command('outcomes')
    .description(
      'conversion, lift over the holdout and price outcome of recommendations per model version and reason (lake)',
    )
    .option('--json', 'print { byModel, byReason, liftByModel, liftByReason, price } rows as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(outcomesArgs, opts);
      const ctx = cliContext(cmd);
      const catalog = openCatalog(ctx.config);
      const query = openQueryEngine(ctx.config, catalog);
      try {
        const report = await recommendationOutcomes({
          datalake: ctx.stores.datalake,
          catalog,
          query,
          logger: ctx.log,
        });
        if (args.json) {
          process.stdout.write(
            `${JSON.stringify({
              byModel: report.byModel.rows,
              byReason: report.byReason.rows,
              liftByModel: report.liftByModel.rows,
              liftByReason: report.liftByReason.rows,
              price: report.price?.rows ?? null,
            })}\n`,
          );
        } else {
          process.stdout.write(
            `por modelo:\n${formatTable(report.byModel)}\npor razón principal:\n${formatTable(report.byReason)}` +
              `\nnotificadas (tratamiento) frente a retenidas (control), por modelo:\n${formatTable(report.liftByModel)}` +
              `\nnotificadas frente a retenidas, por razón principal:\n${formatTable(report.liftByReason)}` +
              (report.price
                ? `\nprecio obtenido frente al precio medio del horizonte:\n${formatTable(report.price)}`
                : ''),
          );
        }
      } catch (err) {
        if (err instanceof NoOutcomesError) {
          process.stderr.write(`corriente: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      } finally {
        await query.close();
        await catalog.close();
      }
    });

  fx.command('backtest')
    .description('replay the lake history through features, scorer and policy (no notifications)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (inclusive)')
    .option(
      '--model-file <file>',
      'an XGBoost JSON model (default: the approved version in the registry, else the rules)',
    )
    .option('--rules', 'use the rule-based policy even when a model is approved')
    .option('--every <minutes>', 'decide at most once per this many minutes of market time', '15')
    .option(
      '--allow-in-sample',
      "replay days inside the model's training range anyway (the report says in-sample)",
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const args = parseBacktestArgs(opts);
      const ctx = cliContext(cmd);
      const lake = ctx.config.stores.datalake;
      if (lake.type !== 'local') {
        throw new UsageError('fx backtest reads a local datalake folder; this one is on S3');
      }
      let model:
        | { model: GbdtModel; version: string; trainingRange?: { from: string; to: string } }
        | undefined;
      if (args.modelFile) {
        let text: string;
        try {
          text = readFileSync(args.modelFile, 'utf8');
        } catch (err) {
          throw new UsageError(
            `--model-file: cannot read ${args.modelFile}: ${(err as Error).message}`,
          );
        }
        try {
          model = { model: GbdtModel.parse(text), version: path.basename(args.modelFile) };
        } catch (err) {
          throw new UsageError(`--model-file: ${(err as Error).message}`);
        }
      } else if (!args.rules) {
        const registry = await openModelRegistry(ctx.config, ctx.stores.datalake);
        try {
          const approved = await registry.latestApproved(FX_MODEL_GROUP);
          if (approved) {
            model = {
              model: await registry.loadModel(FX_MODEL_GROUP, approved.version),
              version: String(approved.version),
              trainingRange: approved.trainingRange,
            };
          }
        } finally {
          await registry.close();
        }
      }
      let report: BacktestReport;
      try {
        report = await backtest({
          lakeDir: localStorePath(ctx.config, lake),
          from: args.from,
          to: args.to,
          timezone: ctx.config.timezone,
          config: ctx.config.fx.orchestrator,
          everyMinutes: args.every,
          allowInSample: args.allowInSample,
          logger: ctx.log,
          ...(model ? { model } : {}),
        });
      } catch (err) {
        if (err instanceof InSampleWindowError) throw new UsageError(err.message);
        throw err;
      }
      process.stdout.write(
        args.json ? `${JSON.stringify(report, null, 2)}\n` : formatBacktest(report),
      );
    });
}
