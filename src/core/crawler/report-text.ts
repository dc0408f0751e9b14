import type { CrawlReport } from '../catalog/catalog.js';

/**
 * A crawl report as a few human-readable lines.
 * @example
 * crawl 3f2a… (zone all) 2026-01-02T03:04:05.000Z
 *   tables created: energy_raw_db.clientes
 *   partitions added: 1, updated: 0; files read: 1 of 1 listed
 */
export function formatCrawlReport(report: CrawlReport): string {
  const lines = [`crawl ${report.id} (zone ${report.zone}) ${report.startedAt}`];
  lines.push(`  tables created: ${report.tablesCreated.join(', ') || 'none'}`);
  lines.push(`  tables updated: ${report.tablesUpdated.join(', ') || 'none'}`);
  lines.push(
    `  partitions added: ${report.partitionsAdded}, updated: ${report.partitionsUpdated}; ` +
      `files read: ${report.filesRead} of ${report.filesListed} listed`,
  );
  for (const t of report.tables) {
    if (t.status === 'unchanged') continue;
    const added = t.columnsAdded.length ? `, columns added: ${t.columnsAdded.join(', ')}` : '';
    const version = t.newSchemaVersion ? ' (new schema version)' : '';
    lines.push(
      `  ${t.table}: ${t.status}, schema v${t.schemaVersion}${version}, ` +
        `+${t.partitionsAdded} partitions, ${t.filesRead} files read${added}`,
    );
  }
  if (report.warnings.length > 0) {
    lines.push(`  warnings (${report.warnings.length}):`);
    for (const w of report.warnings) lines.push(`    - [${w.kind}] ${w.table}: ${w.message}`);
  }
  return lines.join('\n');
}
