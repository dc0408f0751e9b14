import type { Command } from 'commander';
import { z } from 'zod';
import { openTransformState } from '../../deploy/adapters.js';
import type { JobRun } from '../../energy/transform/transform-state.js';
import { cliContext } from '../context.js';
import { entityNames } from '../../energy/contracts/index.js';
import { UsageError } from '../usage-error.js';
import { parseFlags } from '../parse-flags.js';
import { flag, positiveInt } from '../flag-schemas.js';

/** One line per run, then its failing or warning data tests. */
export function formatRuns(runs: readonly JobRun[]): string {
  if (!runs.length) return 'no transform runs yet\n';
  const lines: string[] = [];
  const header = [
    'RUN',
    'JOB',
    'STATUS',
    'IN',
    'OUT',
    'REJECTED',
    'DUPLICATES',
    'DURATION',
    'STARTED',
  ];
  const rows = runs.map((r) => [
    r.runId,
    r.entity,
    r.status,
    String(r.rowsIn),
    String(r.rowsOut),
    String(r.rejected),
    String(r.duplicates),
    r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)}s` : '-',
    r.startedAt,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]): string =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header));
  for (const [i, r] of runs.entries()) {
    lines.push(fmt(rows[i]!));
    const tests = r.partitions.flatMap((p) => p.tests.map((t) => ({ ...t, loadDate: p.loadDate })));
    const passed = tests.filter((t) => t.status === 'pass').length;
    if (tests.length) lines.push(`    data tests: ${passed}/${tests.length} passed`);
    for (const t of tests.filter((x) => x.status !== 'pass')) {
      lines.push(`    ${t.status.toUpperCase()} ${t.loadDate} ${t.name}: ${t.message}`);
    }
    if (r.error) lines.push(`    error: ${r.error}`);
  }
  return `${lines.join('\n')}\n`;
}

const jobsArgs = z.strictObject({
  entity: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'must be an entity name')
    .optional(),
  limit: positiveInt.max(10_000).default(20),
  json: flag,
});

/** `corriente jobs [--entity E] [--limit N] [--json]`: transform runs, newest first. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list transform job runs: status, rows in/out/rejected/duplicates, data tests')
    .option(
      '-e, --entity <entity>',
      'only this job: clientes, proveedores, transacciones or one declared in a contract',
    )
    .option('-n, --limit <n>', 'how many runs (default 20)')
    .option('--json', 'print JSON')
    .action((raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(jobsArgs, raw);
      const ctx = cliContext(cmd);
      const names = entityNames(ctx.contracts);
      if (opts.entity && !names.includes(opts.entity)) {
        throw new UsageError(
          `--entity: unknown entity ${opts.entity} (known: ${names.join(', ')})`,
        );
      }
      const state = openTransformState(ctx.config);
      try {
        const runs = state.listRuns({
          ...(opts.entity ? { entity: opts.entity } : {}),
          limit: opts.limit,
        });
        process.stdout.write(opts.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs));
      } finally {
        state.close();
      }
    });
}
