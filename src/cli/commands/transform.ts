import type { Command } from 'commander';
import { entityNames, jobsOf } from '../../energy/contracts/index.js';
import { formatTransformReport } from '../../energy/transform/report-format.js';
import { runTransforms } from '../../energy/transform/runner.js';
import { openTransformState } from '../../deploy/adapters.js';
import { cliContext } from '../context.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { UsageError } from '../usage-error.js';
import { flag, memorySize, positiveInt } from '../flag-schemas.js';

/** Kept for callers that imported it from here; it lives in `src/deploy/adapters.ts`. */
export { transformStatePath } from '../../deploy/adapters.js';

/**
 * `corriente transform [--entity E] [--full] [--memory-limit 1GB] [--threads N]`: runs the
 * transform jobs on raw partitions new or changed since the last successful run. Prints the
 * report as JSON on stdout; exit code 1 when a run failed.
 */
const transformArgs = z.strictObject({
  entity: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'must be an entity name')
    .optional(),
  full: flag,
  json: flag,
  memoryLimit: memorySize.optional(),
  threads: positiveInt.max(1024).optional(),
});

export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description(
      'clean raw partitions into processed Parquet (only new or changed ones unless --full)',
    )
    .option(
      '-e, --entity <entity>',
      'only this entity: clientes, proveedores, transacciones or one declared in a contract',
    )
    .option('--full', 'reprocess every raw partition, ignoring bookmarks')
    .option('--json', 'print the report as JSON')
    .option('--memory-limit <size>', 'DuckDB memory limit before spilling to disk (default 1GB)')
    .option('--threads <n>', 'DuckDB threads (default: all cores)')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(transformArgs, raw);
      const ctx = cliContext(cmd);
      const names = entityNames(ctx.contracts);
      if (opts.entity && !names.includes(opts.entity)) {
        throw new UsageError(
          `--entity: unknown entity ${opts.entity} (known: ${names.join(', ')})`,
        );
      }
      const state = openTransformState(ctx.config);
      try {
        const report = await runTransforms(
          {
            datalake: ctx.stores.datalake,
            state,
            log: ctx.log,
            home: ctx.config.home,
            jobs: jobsOf(ctx.contracts),
            duckdb: {
              memoryLimit: opts.memoryLimit ?? ctx.config.lake.transformMemoryLimit,
              ...(opts.threads ? { threads: opts.threads } : {}),
            },
          },
          { ...(opts.entity ? { entities: [opts.entity] } : {}), full: opts.full === true },
        );
        process.stdout.write(
          opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTransformReport(report)}\n`,
        );
        if (report.status === 'failed') process.exitCode = 1;
      } finally {
        state.close();
      }
    });
}
