#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../deploy/config.js';
import { LockBusyError } from '../core/lock/pid-lock.js';
import { registerCatalog } from './commands/catalog.js';
import { registerCrawl } from './commands/crawl.js';
import { registerFx } from './commands/fx.js';
import { registerFxModels, registerFxServeModel } from './commands/fx-models.js';
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

const program = new Command()
  .name('corriente')
  .description('An energy data lake and an FX recommendation platform, embedded by default.')
  .option(
    '-c, --config <file>',
    'config file (default: corriente.config.{json,yaml} or $CORRIENTE_CONFIG)',
  )
  .option('--home <dir>', 'data folder (default: $CORRIENTE_HOME or ./corriente-data)')
  .showHelpAfterError()
  .exitOverride();

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
const fx = registerFx(program);
registerFxProcessorCommands(fx);
registerFxTrain(fx);
registerFxModels(fx);
registerFxServeModel(fx);
registerFxOrchestrator(fx);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof UsageError) {
    process.stderr.write(`corriente: ${err.message}\n(see corriente --help)\n`);
    process.exitCode = 2;
  } else if (err instanceof LockBusyError) {
    process.stderr.write(`corriente: ${err.message}\n`);
    process.exitCode = 3;
  } else if (err instanceof ConfigError) {
    process.stderr.write(`corriente: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`corriente: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
