import type { Command } from 'commander';
import { z } from 'zod';
import { configProblems, describeAdapters, type PortAdapter } from '../../deploy/adapter-map.js';
import { configSource, loadConfig, ConfigError } from '../../deploy/config.js';
import { validatedContracts } from '../context.js';
import { flag } from '../flag-schemas.js';
import { parseFlags } from '../parse-flags.js';

const checkArgs = z.strictObject({ json: flag });

/** The `config check` table: one line per port. */
export function formatAdapterTable(rows: readonly PortAdapter[]): string {
  const head = { port: 'port', adapter: 'adapter', key: 'config key', detail: 'detail' };
  const all = [head, ...rows];
  const w = (k: keyof PortAdapter) => Math.max(...all.map((r) => r[k].length));
  const line = (r: PortAdapter) =>
    `${r.port.padEnd(w('port'))}  ${r.adapter.padEnd(w('adapter'))}  ${r.key.padEnd(w('key'))}  ${r.detail}`.trimEnd();
  return `${all.map(line).join('\n')}\n`;
}

/**
 * Registers `corriente config check [--json]`: validates the configuration (the global
 * `--config` file, else the usual search, with the environment on top), its source contracts
 * and the combinations of keys, then prints which adapter serves each port. A problem is one
 * line naming the key, exit code 2. Nothing is opened or created.
 */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('the configuration and its adapters');
  config
    .command('check')
    .description('validate the configuration and print which adapter serves each port')
    .option('--json', 'print { file, adapters: [{port, adapter, key, detail}] } as JSON')
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const args = parseFlags(checkArgs, raw);
      const globals = cmd.optsWithGlobals<{ config?: string; home?: string }>();
      const options = {
        ...(globals.config ? { file: globals.config } : {}),
        overrides: { home: globals.home },
      };
      const cfg = loadConfig(options);
      validatedContracts(cfg);
      const problems = configProblems(cfg);
      if (problems.length > 0) {
        throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
      }
      const adapters = describeAdapters(cfg);
      const file = configSource(options) ?? null;
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ ok: true, file, adapters }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `configuration ${file ?? '(defaults)'} is valid\n${formatAdapterTable(adapters)}`,
        );
      }
    });
}
