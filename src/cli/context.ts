import { logFormatFromEnv } from '../deploy/environment.js';
import type { Command } from 'commander';
import { createStores, type Stores } from '../deploy/adapters.js';
import { loadConfig, type Config, type LoadConfigOptions } from '../deploy/config.js';
import { createLogger, type Logger } from '../core/log/logger.js';
import { prepareHome } from '../deploy/home.js';
import { ConfigError } from '../core/util/config-error.js';
import { ContractError, energyContracts, type ContractSet } from '../energy/contracts/index.js';

export interface CliContext {
  config: Config;
  log: Logger;
  stores: Stores;
  /** The source contracts (shipped + config `contracts`), validated. */
  contracts: ContractSet;
  /** How the config was loaded: load it again the same way (`up` reloads governance). */
  configOptions: LoadConfigOptions;
}

/**
 * Loads config (global flags `--config`, `--home` win), makes the home private and usable
 * (`prepareHome`), and builds stores and the logger.
 */
export function cliContext(cmd: Command, overrides: Record<string, unknown> = {}): CliContext {
  const globals = cmd.optsWithGlobals<{ config?: string; home?: string }>();
  const configOptions: LoadConfigOptions = {
    ...(globals.config ? { file: globals.config } : {}),
    overrides: { home: globals.home, ...overrides },
  };
  const config = loadConfig(configOptions);
  const contracts = validatedContracts(config);
  const log = createLogger(config.log.level, 'corriente', logFormatFromEnv());
  prepareHome(config.home, log);
  return { config, log, stores: createStores(config), contracts, configOptions };
}

/** The configuration's contracts; a bad one is a configuration error (exit 2) naming its key. */
export function validatedContracts(config: Config): ContractSet {
  try {
    return energyContracts(config);
  } catch (err) {
    if (err instanceof ContractError)
      throw new ConfigError(`invalid source contract: ${err.message}`);
    throw err;
  }
}
