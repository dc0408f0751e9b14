import type { Command } from 'commander';
import { entityNames } from '../../energy/contracts/index.js';
import { freshnessReport, type FreshnessEntry } from '../../energy/transform/freshness.js';
import { openTransformState } from '../../deploy/adapters.js';
import type { JobRun } from '../../energy/transform/transform-state.js';
import { isIgnoredLandingKey } from '../../energy/ingest/ingest.js';
import {
  listAll,
  type IrregularEntry,
  type ObjectStore,
} from '../../core/object-store/object-store.js';
import { cliContext } from '../context.js';
import { z } from 'zod';
import { parseFlags } from '../parse-flags.js';
import { flag } from '../flag-schemas.js';

export interface StatusReport {
  freshness: FreshnessEntry[];
  /** Latest transform run per job. */
  lastRuns: JobRun[];
  /** Files quarantined on the latest day that has any, with their codes. */
  quarantine: { date?: string; files: { key: string; code: string }[] };
  /** Landing entries that are not regular files and are still there (never read). */
  landingNotRegular: (IrregularEntry & { code: 'not_a_regular_file' })[];
}

/** The latest `quarantine/files/<date>/` folder's files and their error codes. */
async function latestQuarantine(datalake: ObjectStore): Promise<StatusReport['quarantine']> {
  const docs: string[] = [];
  for await (const o of listAll(datalake, 'quarantine/files/')) {
    if (o.key.endsWith('.error.json')) docs.push(o.key);
  }
  const date = docs
    .map((k) => k.split('/')[2] ?? '')
    .sort()
    .pop();
  if (!date) return { files: [] };
  const files: { key: string; code: string }[] = [];
  for (const doc of docs.filter((k) => k.startsWith(`quarantine/files/${date}/`))) {
    let code = 'unknown';
    try {
      code = String(
        (JSON.parse((await datalake.get(doc)).toString('utf8')) as { code?: unknown }).code,
      );
    } catch {
      // an unreadable error document still names its file
    }
    files.push({ key: doc.slice(0, -'.error.json'.length), code });
  }
  return { date, files };
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
  for (const entity of report.freshness.map((f) => f.entity)) {
    const r = report.lastRuns.find((x) => x.entity === entity);
    lines.push(
      r
        ? `  ${entity.padEnd(14)} ${r.status.padEnd(9)} ${r.startedAt}  out ${r.rowsOut}, rejected ${r.rejected}${r.error ? `  (${r.error})` : ''}`
        : `  ${entity.padEnd(14)} never run`,
    );
  }
  if (report.quarantine.date) {
    lines.push(`quarantined files (${report.quarantine.date}):`);
    for (const f of report.quarantine.files) lines.push(`  ${f.code.padEnd(20)} ${f.key}`);
  }
  if (report.landingNotRegular.length > 0) {
    lines.push('landing entries that are not regular files (never read):');
    for (const e of report.landingNotRegular) {
      lines.push(`  ${e.code.padEnd(20)} ${e.key} (${e.kind})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `corriente status [--json]`: overdue source entities, the last transform runs, the latest
 * quarantined files and landing entries that are not regular files.
 */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('freshness of the source entities and the last transform runs')
    .option('--json', 'print JSON')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const opts = parseFlags(z.strictObject({ json: flag }), raw);
      const ctx = cliContext(cmd);
      const state = openTransformState(ctx.config);
      const entities = entityNames(ctx.contracts);
      try {
        const report: StatusReport = {
          freshness: await freshnessReport(ctx.stores.datalake, {
            entities,
            cadenceHours: Object.fromEntries(
              entities.map((e) => [e, ctx.config.lake.freshnessHours]),
            ),
          }),
          lastRuns: entities.flatMap((e) => state.listRuns({ entity: e, limit: 1 })),
          quarantine: await latestQuarantine(ctx.stores.datalake),
          landingNotRegular: ((await ctx.stores.source.listIrregular?.()) ?? [])
            .filter((e) => !isIgnoredLandingKey(e.key))
            .map((e) => ({ ...e, code: 'not_a_regular_file' as const })),
        };
        process.stdout.write(
          opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report),
        );
      } finally {
        state.close();
      }
    });
}
