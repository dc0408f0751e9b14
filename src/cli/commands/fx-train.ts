import { homeLayout } from '../../deploy/home-layout.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { isIsoDate } from '../../core/util/time-zone.js';
import { LocalClock } from '../../fx/decisions/features/local-time.js';
import {
  EmptyDatasetError,
  trainModel,
  type TrainModelResult,
  type TrainingProgress,
} from '../../fx/decisions/training/index.js';
import { withLocalLake } from '../../fx/decisions/training/lake-folder.js';
import { openModelRegistry } from '../../deploy/adapters.js';
import type { ModelVersion } from '../../ml/registry/index.js';
import { registerTrainedModel } from '../../fx/decisions/training/train-and-register.js';
import {
  NotEnoughHoldoutError,
  trainUplift,
  type UpliftTrainResult,
} from '../../fx/decisions/training/uplift.js';
import { FEATURE_VERSION } from '../../fx/decisions/features/feature-names.js';
import { currentCodeVersion, ModelRegistryError } from '../../ml/registry/index.js';
import { cliContext } from '../context.js';
import { currentActor } from './fx-models.js';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';

/** Where `fx train` writes each trained model (until the registry takes them). */

const UNIT_HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24 };

/** `24h`, `90m`, `2d` or a bare number of hours → hours. */
const duration = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const m = /^(\d+(?:\.\d+)?)\s*([mhd]?)$/i.exec(s);
    const hours = m ? Number(m[1]) * UNIT_HOURS[(m[2] || 'h').toLowerCase()]! : NaN;
    if (!(hours > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a positive duration like 24h, 90m or 2d, got ${JSON.stringify(s)}`,
      });
      return z.NEVER;
    }
    return hours;
  });

/** `YYYY-MM-DD` (midnight in the time zone) or an ISO-8601 instant with offset. */
const instantArg = z
  .string()
  .trim()
  .refine((s) => isIsoDate(s) || z.iso.datetime({ offset: true }).safeParse(s).success, {
    message: 'must be a date YYYY-MM-DD or an ISO-8601 instant like 2026-03-01T05:00:00Z',
  });

const trainArgs = z.object({
  horizon: duration.optional(),
  sampleEvery: duration
    .refine((h) => Number.isInteger(h), { message: 'must be a whole number of hours' })
    .optional(),
  from: instantArg.optional(),
  to: instantArg.optional(),
  seed: z.coerce.number().int('must be an integer').nonnegative().optional(),
  approve: z.string().trim().min(1, 'needs a reason').max(1000).optional(),
  uplift: z.boolean().default(false),
  json: z.boolean().default(false),
});

/** `fx train` options, checked; `from` / `to` as instants. */
export interface FxTrainArgs {
  horizonHours?: number;
  sampleEveryHours?: number;
  from?: Date;
  to?: Date;
  seed?: number;
  /** Approve the new version at once, with this reason. */
  approve?: string;
  /** Train the uplift model (T-learner) instead of the propensity model. */
  uplift: boolean;
  json: boolean;
}

/**
 * Parses `fx train` options; a `--from` / `--to` date is local midnight in `timeZone`.
 * @throws UsageError naming the flag and what is wrong
 */
export function parseTrainArgs(
  opts: Record<string, unknown>,
  timeZone = 'America/Bogota',
): FxTrainArgs {
  const a = parseFlags(trainArgs, opts);
  const from = a.from ? argInstant(a.from, timeZone) : undefined;
  const to = a.to ? argInstant(a.to, timeZone) : undefined;
  if (from && to && !(from < to)) {
    throw new UsageError(`--to: must be after --from (${a.from} – ${a.to} is empty)`);
  }
  return {
    json: a.json,
    uplift: a.uplift,
    ...(a.horizon !== undefined ? { horizonHours: a.horizon } : {}),
    ...(a.sampleEvery !== undefined ? { sampleEveryHours: a.sampleEvery } : {}),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.approve !== undefined ? { approve: a.approve } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** A `--from` / `--to` value as an instant: a date is local midnight in `timeZone`. */
export function argInstant(value: string, timeZone: string): Date {
  if (!isIsoDate(value)) return new Date(value);
  const clock = new LocalClock(timeZone);
  const guess = Date.parse(`${value}T00:00:00Z`);
  let ms = guess - clock.offsetMs(guess);
  ms = guess - clock.offsetMs(ms);
  return new Date(ms);
}

/**
 * Registers `corriente fx train [--horizon 24h] [--from DATE --to DATE] [--seed N]
 * [--sample-every 3h] [--approve REASON] [--json]`: trains the recommendation model from the lake,
 * shows progress on stderr, registers it as a new version of `fx-recomendaciones` in the model
 * registry (artifact in the datalake under `models/`, with its metrics; pending approval unless the
 * auto-approve policy or `--approve` approves it), and prints a summary on stdout.
 */
export function registerFxTrain(fx: Command): void {
  fx.command('train')
    .description('train the FX recommendation model from the lake history')
    .option(
      '--horizon <duration>',
      'label horizon, e.g. 24h, 90m, 2d (default fx.model.training.horizonHours)',
    )
    .option(
      '--from <date>',
      'start of the training range, YYYY-MM-DD or ISO instant (default: first event)',
    )
    .option('--to <date>', 'end of the range, exclusive (default: after the last event)')
    .option('--seed <n>', 'seed of row and feature sampling (default fx.model.training.seed)')
    .option(
      '--sample-every <hours>',
      'hours between two samples of a user, e.g. 3h (thins the dataset)',
    )
    .option('--approve <reason>', 'approve the new version at once, with this reason')
    .option(
      '--uplift',
      'train the uplift model (treated vs held-out recommendations) into fx.model.uplift.group',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const ctx = cliContext(cmd);
      const tz = ctx.config.timezone;
      const args = parseTrainArgs(opts, tz);
      if (args.uplift) {
        await trainUpliftCommand(ctx, args);
        return;
      }
      const { from, to } = args;
      const training = {
        ...ctx.config.fx.model.training,
        ...(args.horizonHours !== undefined ? { horizonHours: args.horizonHours } : {}),
        ...(args.sampleEveryHours !== undefined ? { sampleEveryHours: args.sampleEveryHours } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
      };
      const progress = progressDisplay();
      const datalake = ctx.stores.datalake;
      const tmp = homeLayout(ctx.config.home).tmp('fx-train');
      let result: TrainModelResult;
      try {
        result = await withLocalLake(datalake, tmp, (lakeDir) =>
          trainModel({
            lakeDir,
            timezone: tz,
            training,
            tempDirectory: tmp,
            onProgress: progress,
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
          }),
        );
      } catch (err) {
        // Not a crash: say what is missing, without a stack trace.
        if (!(err instanceof EmptyDatasetError)) throw err;
        process.stderr.write(`corriente: cannot train: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      const registry = await openModelRegistry(ctx.config, datalake);
      let version: ModelVersion;
      try {
        version = await registerTrainedModel(registry, result, {
          actor: currentActor(),
          ...(args.approve ? { approve: args.approve } : {}),
        });
      } finally {
        await registry.close();
      }
      const metricsDoc = {
        featureVersion: result.featureVersion,
        featureNames: result.featureNames,
        trainingRange: result.trainingRange,
        horizonHours: result.horizonHours,
        samples: result.samples,
        metrics: result.metrics,
      };
      const registered = {
        group: version.group,
        version: version.version,
        status: version.status,
        artifact: `${datalake.url}/${version.artifact.key}`,
      };
      const m = result.metrics;
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ ...registered, ...metricsDoc })}\n`);
        return;
      }
      const pct = (v: number | null): string => (v === null ? '—' : (v * 100).toFixed(1));
      const p = m.product;
      const ratio = (v: number | null): string => (v === null ? '—' : `${v.toFixed(2)}×`);
      const advantage = (o: (typeof p.price)['BUY']): string =>
        o.trades === 0
          ? 'no followed trades'
          : `${o.meanAdvantagePct!.toFixed(3)} % mean, ${o.medianAdvantagePct!.toFixed(3)} % median over ${o.trades} trades`;
      const lines = [
        `trained ${result.featureVersion} model, horizon ${result.horizonHours} h, on ${m.users} users: ` +
          `training ${m.trainingRange.from} – ${m.splitAt}, validation (early stopping, isotonic ` +
          `calibration) – ${m.trainingRange.to}, untouched test ${m.testRange.from} – ${m.testRange.to}`,
        `samples: ${result.samples.train} training, ${result.samples.validation} validation, ` +
          `${result.samples.test} test; best iteration ${m.bestIteration}`,
        `on the test period, calibrated probabilities as served:`,
        ...(['compra', 'venta'] as const).map(
          (c) =>
            `${c.padEnd(6)}  ROC AUC ${m[c].rocAuc.toFixed(3)}  PR AUC ${m[c].prAuc.toFixed(3)}  ` +
            `precision ${pct(m[c].precision)} % / recall ${pct(m[c].recall)} % at ${m[c].threshold}  ` +
            `ECE ${m[c].calibration.ece.toFixed(3)} (raw ${m.reliability[c].rawEce.toFixed(3)})  ` +
            `lift at equal volume over the frequency baseline ${ratio(p[c].liftOverFrequency)} ` +
            `(${pct(p[c].frequencyPrecision)} %)  (baselines' ROC AUC: ${Object.entries(m.baselines)
              .map(([n, b]) => `${n} ${b[c].rocAuc.toFixed(3)}`)
              .join(', ')})`,
        ),
        `notifications: ${p.notificationsPerUserWeek.toFixed(2)} per user per week ` +
          `(${p.notifications} to ${p.users} users over ${p.weeks.toFixed(1)} weeks, one per ` +
          `${p.cooldownHours} h and at most ${p.maxPerWeek} a week), ${pct(p.notificationPrecision)} % followed by a trade of their side`,
        `price outcome (executed price, spread included, vs the next 24 h average mid): ` +
          `BUY ${advantage(p.price.BUY)}; SELL ${advantage(p.price.SELL)}`,
        `reliability near the threshold ${p.threshold} (predicted → observed, rows):`,
        ...(['compra', 'venta'] as const).map(
          (c) =>
            `${c.padEnd(6)}  ` +
            m.reliability[c].calibrated
              .map(
                (b) =>
                  `[${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}) ` +
                  (b.count === 0
                    ? '—'
                    : `${b.meanPredicted!.toFixed(3)} → ${b.observedRate!.toFixed(3)} (${b.count})`),
              )
              .join('  '),
        ),
        `registered ${version.group} v${version.version} (${version.status}) → ${registered.artifact}` +
          (version.status === 'Approved'
            ? ''
            : `; approve it with: corriente fx models approve ${version.group} ${version.version}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/**
 * `fx train --uplift`: trains the T-learner from the logged recommendations, registers it in
 * `fx.model.uplift.group`, prints Qini and uplift at k. Without enough held-out data: one line on
 * stderr, exit 1, nothing registered.
 */
async function trainUpliftCommand(
  ctx: ReturnType<typeof cliContext>,
  args: FxTrainArgs,
): Promise<void> {
  const settings = ctx.config.fx.model.uplift;
  const datalake = ctx.stores.datalake;
  const tmp = homeLayout(ctx.config.home).tmp('fx-train');
  let result: UpliftTrainResult;
  try {
    result = await withLocalLake(datalake, tmp, (lakeDir) =>
      trainUplift({ lakeDir, settings, tempDirectory: tmp }),
    );
  } catch (err) {
    if (!(err instanceof NotEnoughHoldoutError)) throw err;
    process.stderr.write(`corriente: cannot train: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  const registry = await openModelRegistry(ctx.config, datalake);
  let version: ModelVersion;
  try {
    try {
      await registry.createGroup(
        settings.group,
        'Uplift: efecto de notificar (T-learner, tratamiento frente a control)',
      );
    } catch (err) {
      if (!(err instanceof ModelRegistryError && err.code === 'already-exists')) throw err;
    }
    const m = result.metrics;
    version = await registry.registerVersion({
      group: settings.group,
      model: result.model,
      metrics: m as unknown as Record<string, unknown>,
      featureVersion: FEATURE_VERSION,
      featureNames: result.featureNames,
      trainingRange: result.trainingRange,
      codeVersion: currentCodeVersion(),
      actor: currentActor(),
      reason: `uplift T-learner on ${m.samples.train.treated} treated and ${m.samples.train.control} held-out recommendations`,
    });
    if (args.approve && version.status !== 'Approved') {
      version = await registry.setStatus(settings.group, version.version, 'Approved', {
        actor: currentActor(),
        reason: args.approve,
      });
    }
  } finally {
    await registry.close();
  }
  const m = result.metrics;
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ group: version.group, version: version.version, status: version.status, metrics: m })}\n`,
    );
    return;
  }
  const pp = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} pp`);
  const t = m.test;
  process.stdout.write(
    [
      `trained an uplift model (T-learner) on ${m.samples.train.treated} treated and ` +
        `${m.samples.train.control} held-out recommendations (${m.trainingRange.from} – ${m.trainingRange.to})`,
      `test period ${m.testRange.from} – ${m.testRange.to}: ${t.treated} treated, ${t.control} held out; ` +
        `overall uplift ${pp(t.overallUplift)}`,
      `Qini coefficient ${t.qini.toFixed(4)} (random rankings: ±${t.qiniRandomSd.toFixed(4)} sd)`,
      `uplift at k: ${t.upliftAtK.map((k) => `top ${Math.round(k.fraction * 100)} % ${pp(k.uplift)}`).join(', ')}`,
      `registered ${version.group} v${version.version} (${version.status})` +
        (version.status === 'Approved'
          ? ''
          : `; approve it with: corriente fx models approve ${version.group} ${version.version}`),
    ].join('\n') + '\n',
  );
}

/** Progress on stderr: one updating line on a terminal, else a line per phase and every 10 rounds. */
function progressDisplay(): (p: TrainingProgress) => void {
  const tty = process.stderr.isTTY;
  const say = (line: string, transient = false): void => {
    if (tty) process.stderr.write(`\r\x1b[2K${line}${transient ? '' : '\n'}`);
    else if (!transient) process.stderr.write(`${line}\n`);
  };
  return (p) => {
    switch (p.phase) {
      case 'reading-lake':
        return say('reading the lake …');
      case 'samples':
        return say(
          `building samples: ${p.usersDone}/${p.usersTotal} users`,
          p.usersDone < p.usersTotal,
        );
      case 'samples-built':
        return say(
          `samples built: ${p.train} training, ${p.validation} validation, ${p.test} test`,
        );
      case 'boosting': {
        const line =
          `boosting iteration ${p.iteration + 1}/${p.of}: train loss ${p.trainLoss.toFixed(4)}` +
          (p.validLoss !== undefined ? `, validation loss ${p.validLoss.toFixed(4)}` : '');
        return say(line, tty ? true : (p.iteration + 1) % 10 !== 0);
      }
      case 'evaluating':
        return say(
          tty
            ? '\ncalibrating on the validation set, evaluating on the test set …'
            : 'calibrating on the validation set, evaluating on the test set …',
        );
    }
  };
}
