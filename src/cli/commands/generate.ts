import type { Command } from 'commander';
import {
  generateExports,
  GenerateArgsError,
  parseGenerateArgs,
  resolveGenerateOptions,
} from '../../energy/generate/index.js';
import { openLocalFolder } from '../../deploy/adapters.js';
import type { ObjectStore } from '../../core/object-store/object-store.js';
import { cliContext } from '../context.js';

/**
 * `corriente generate --date YYYY-MM-DD [--out DIR] [--seed N] [--clientes N] [--proveedores N]
 * [--transacciones N] [--dirty] [--json]`: writes the retailer's three CSV exports for a day into
 * the source store (or the folder DIR). Prints one JSON line per file, or one JSON object with
 * `--json`. Invalid arguments exit with code 2.
 */
export function registerGenerate(program: Command): void {
  const defaults = resolveGenerateOptions({ date: '2000-01-01' });
  program
    .command('generate')
    .description(
      "write realistic, deterministic CSV exports of the retailer's clientes, proveedores and transacciones",
    )
    .option('--date <YYYY-MM-DD>', 'export date: transactions fall on it and it names the files')
    .option('--out <dir>', 'write into this local folder instead of the source store')
    .option(
      '--seed <n>',
      `PRNG seed: same seed and arguments give byte-identical files (default: ${defaults.seed})`,
    )
    .option('--clientes <n>', `number of clientes (default: ${defaults.clientes})`)
    .option('--proveedores <n>', `number of proveedores (default: ${defaults.proveedores})`)
    .option('--transacciones <n>', `number of transacciones (default: ${defaults.transacciones})`)
    .option(
      '--dirty',
      'add the dirt real exports carry (encodings, case, separators, broken rows…)',
    )
    .option('--json', 'print one JSON object with the files instead of one line per file')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      let args;
      try {
        args = parseGenerateArgs(raw);
      } catch (err) {
        if (!(err instanceof GenerateArgsError)) throw err;
        process.stderr.write(
          `corriente generate: invalid arguments:\n${err.problems.map((p) => `  ${p}\n`).join('')}`,
        );
        process.exitCode = 2;
        return;
      }
      const store: ObjectStore = args.out
        ? openLocalFolder(args.out)
        : cliContext(cmd).stores.source;
      const started = performance.now();
      const files = await generateExports(store, args.options);
      const seconds = (performance.now() - started) / 1000;
      if (args.json) {
        const result = { store: store.url, seconds: round3(seconds), files };
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        for (const f of files) {
          const line = { key: f.key, rows: f.rows, bytes: f.bytes, encoding: f.encoding };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      }
    });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
