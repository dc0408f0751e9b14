import type { Command } from 'commander';
import { ENERGY_ENTITIES } from '../../energy/entities.js';
import { freshnessReport, type FreshnessEntry } from '../../energy/transform/freshness.js';
import { openTransformState } from '../../deploy/adapters.js';
import type { JobRun } from '../../energy/transform/transform-state.js';
import { cliContext } from '../context.js';

export interface StatusReport {
  freshness: FreshnessEntry[];
  /** Latest transform run per job. */
  lastRuns: JobRun[];
}

export function formatStatus(report: StatusReport): string {
  const lines = ['source freshness:'];
  for (const f of report.freshness) {
    const state = f.overdue ? 'OVERDUE' : 'ok';
    const seen = f.latestLoadDate
      ? `latest load ${f.latestLoadDate} (${f.ageHours}h ago)`
      : 'never loaded';
    lines.push(
      `  ${f.entity.padEnd(14)} ${state.padEnd(8)} ${seen}, expected every ${f.cadenceHours}h`,
    );
  }
  lines.push('transform jobs:');
  for (const entity of ENERGY_ENTITIES) {
    const r = report.lastRuns.find((x) => x.entity === entity);
    lines.push(
      r
        ? `  ${entity.padEnd(14)} ${r.status.padEnd(9)} ${r.startedAt}  out ${r.rowsOut}, rejected ${r.rejected}${r.error ? `  (${r.error})` : ''}`
        : `  ${entity.padEnd(14)} never run`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `corriente status [--json]`: overdue source entities and the last transform runs. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('freshness of the source entities and the last transform runs')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const state = openTransformState(ctx.config);
      try {
        const report: StatusReport = {
          freshness: await freshnessReport(ctx.stores.datalake, {
            cadenceHours: Object.fromEntries(
              ENERGY_ENTITIES.map((e) => [e, ctx.config.lake.freshnessHours]),
            ),
          }),
          lastRuns: ENERGY_ENTITIES.flatMap((e) => state.listRuns({ entity: e, limit: 1 })),
        };
        process.stdout.write(
          opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report),
        );
      } finally {
        state.close();
      }
    });
}
