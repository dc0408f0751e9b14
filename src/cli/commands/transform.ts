import { Option, type Command } from 'commander';
import { ENERGY_ENTITIES, type EnergyEntity } from '../../energy/entities.js';
import { formatTransformReport } from '../../energy/transform/report-format.js';
import { runTransforms } from '../../energy/transform/runner.js';
import { openTransformState } from '../../deploy/adapters.js';
import { cliContext } from '../context.js';

/** Kept for callers that imported it from here; it lives in `src/deploy/adapters.ts`. */
export { transformStatePath } from '../../deploy/adapters.js';

/**
 * `corriente transform [--entity E] [--full] [--memory-limit 1GB] [--threads N]`: runs the
 * transform jobs on raw partitions new or changed since the last successful run. Prints the
 * report as JSON on stdout; exit code 1 when a run failed.
 */
export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description(
      'clean raw partitions into processed Parquet (only new or changed ones unless --full)',
    )
    .addOption(
      new Option('-e, --entity <entity>', 'only this entity').choices([...ENERGY_ENTITIES]),
    )
    .option('--full', 'reprocess every raw partition, ignoring bookmarks', false)
    .option('--json', 'print the report as JSON')
    .option('--memory-limit <size>', 'DuckDB memory limit before spilling to disk', '1GB')
    .option('--threads <n>', 'DuckDB threads (default: all cores)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`--threads must be a positive integer, got ${v}`);
      return n;
    })
    .action(
      async (
        opts: {
          entity?: EnergyEntity;
          full: boolean;
          json?: boolean;
          memoryLimit: string;
          threads?: number;
        },
        cmd: Command,
      ) => {
        const ctx = cliContext(cmd);
        const state = openTransformState(ctx.config);
        try {
          const report = await runTransforms(
            {
              datalake: ctx.stores.datalake,
              state,
              log: ctx.log,
              home: ctx.config.home,
              duckdb: {
                memoryLimit: opts.memoryLimit,
                ...(opts.threads ? { threads: opts.threads } : {}),
              },
            },
            { ...(opts.entity ? { entities: [opts.entity] } : {}), full: opts.full },
          );
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(report, null, 2)}\n`
              : `${formatTransformReport(report)}\n`,
          );
          if (report.status === 'failed') process.exitCode = 1;
        } finally {
          state.close();
        }
      },
    );
}
