#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../deploy/config.js';
import { LockBusyError } from '../core/lock/pid-lock.js';
import { registerCatalog } from './commands/catalog.js';
import { registerCrawl } from './commands/crawl.js';
import { registerFx } from './commands/fx.js';
import { registerFxModels, registerFxServeModel } from './commands/fx-models.js';
import { registerFxNotifications } from './commands/fx-notifications.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerContracts } from './commands/contracts.js';
import { WriterLockedError } from '../core/event-log/event-log.js';
import { logLevelFromEnv } from '../deploy/environment.js';
import { currentCodeVersion } from '../ml/registry/code-version.js';
import { registerFxOrchestrator } from './commands/fx-orchestrator.js';
import { registerFxTrain } from './commands/fx-train.js';
import { registerFxProcessorCommands } from './commands/fx-processor.js';
import { registerGenerate } from './commands/generate.js';
import { registerIngest } from './commands/ingest.js';
import { registerJobs } from './commands/jobs.js';
import { registerLake } from './commands/lake.js';
import { registerQuery } from './commands/query.js';
import { registerRun } from './commands/run.js';
import { registerWarehouse } from './commands/warehouse.js';
import { registerStatus } from './commands/status.js';
import { registerTransform } from './commands/transform.js';
import { registerUp } from './commands/up.js';
import { UsageError } from './usage-error.js';
import { ContractError } from '../energy/contracts/index.js';

const program = new Command()
  .name('corriente')
  .description('An energy data lake and an FX recommendation platform, embedded by default.')
  .option(
    '-c, --config <file>',
    'config file (default: corriente.config.{json,yaml} or $CORRIENTE_CONFIG)',
  )
  .option('--home <dir>', 'data folder (default: $CORRIENTE_HOME or ./corriente-data)')
  .option('--debug', 'print stack traces of errors (also with CORRIENTE_LOG_LEVEL=debug)')
  .option('-V, --version', 'print the version and the git commit')
  .showSuggestionAfterError()
  .exitOverride();

const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || logLevelFromEnv() === 'debug';
const firstCommand = argv.find((a) => !a.startsWith('-'));
if (firstCommand === undefined && (argv.includes('--version') || argv.includes('-V'))) {
  const v = currentCodeVersion();
  process.stdout.write(
    `corriente ${v.packageVersion}${v.gitCommit ? ` (${v.gitCommit.slice(0, 12)})` : ''}\n`,
  );
  process.exit(0);
}

registerUp(program);
registerGenerate(program);
registerIngest(program);
registerRun(program);
registerCrawl(program);
registerCatalog(program);
registerTransform(program);
registerJobs(program);
registerStatus(program);
registerQuery(program);
registerLake(program);
registerWarehouse(program);
registerContracts(program);
registerConfig(program);
const fx = registerFx(program);
registerFxProcessorCommands(fx);
registerFxTrain(fx);
registerFxModels(fx);
registerFxServeModel(fx);
registerFxOrchestrator(fx);
registerFxNotifications(fx);
registerCompletion(program);

/** Help and version are not errors; every other commander refusal is a bad command line. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

// Exit codes (README "Commands"): 0 ok, 1 failed work, 2 bad arguments or configuration,
// 3 another process holds the lock. Errors are one line; stacks only with --debug.
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander printed its one-line message already.
    process.exitCode = COMMANDER_OK.has(err.code) ? err.exitCode : 2;
  } else if (
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof ContractError
  ) {
    const hint = err instanceof UsageError ? ' (see corriente --help)' : '';
    process.stderr.write(`corriente: ${err.message.replace(/\n\s*/g, ' ')}${hint}\n`);
    process.exitCode = 2;
  } else if (err instanceof LockBusyError || err instanceof WriterLockedError) {
    process.stderr.write(`corriente: ${lockMessage(err)}\n`);
    process.exitCode = 3;
  } else {
    const e = err as Error;
    process.stderr.write(`corriente: ${debug ? (e.stack ?? String(e)) : oneLine(e)}\n`);
    process.exitCode = 1;
  }
  // With --debug, the stack of a refusal too (failed work printed it above).
  if (debug && process.exitCode !== 1 && !(err instanceof CommanderError)) {
    process.stderr.write(`${(err as Error).stack ?? ''}\n`);
  }
}

function oneLine(e: Error): string {
  const message = (e?.message ?? String(e)).split('\n')[0];
  return `${message} (run with --debug for details)`;
}

function lockMessage(err: LockBusyError | WriterLockedError): string {
  if (err instanceof WriterLockedError) {
    const h = err.holder;
    return `the FX event log is held by another process (pid ${h.pid} on ${h.host} since ${h.since}, e.g. corriente up); stop it or run this command while it is not running`;
  }
  return err.message;
}
