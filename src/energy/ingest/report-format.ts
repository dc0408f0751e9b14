import type { IngestReport } from './ingest.js';

const mb = (n: number): string => `${(n / 1e6).toFixed(n < 1e6 ? 3 : 1)} MB`;

/** The human summary of an ingestion run (the `--json` form is the report itself). */
export function formatIngestReport(r: IngestReport): string {
  const t = r.totals;
  const lines = [
    `ingestion ${r.runId} · load date ${r.loadDate} · ${(r.durationMs / 1000).toFixed(2)} s`,
    `  loaded       ${t.loaded} file(s), ${t.rowsLoaded.toLocaleString('en-US')} rows, ${mb(t.bytesLoaded)}` +
      (r.durationMs > 0 && t.bytesLoaded > 0
        ? ` (${(t.bytesLoaded / 1e6 / (r.durationMs / 1000)).toFixed(1)} MB/s)`
        : ''),
    `  duplicates   ${t.duplicate}`,
    `  quarantined  ${t.quarantined}`,
  ];
  if (t.deferred)
    lines.push(`  deferred     ${t.deferred} (still being written or changed; next run)`);
  if (t.failed) lines.push(`  failed       ${t.failed} (left in landing; see the log)`);
  for (const f of r.files) {
    switch (f.status) {
      case 'loaded':
        lines.push(`  + ${f.sourceKey} → ${f.rawKey} (${f.rows} rows)`);
        break;
      case 'duplicate':
        lines.push(`  = ${f.sourceKey}: same content as ${f.duplicateOf}, skipped`);
        break;
      case 'quarantined':
        lines.push(`  ! ${f.sourceKey} → ${f.quarantineKey}: ${f.reason?.message}`);
        break;
      case 'failed':
        lines.push(`  x ${f.sourceKey}: ${f.error}`);
        break;
      case 'deferred':
        break;
    }
  }
  return lines.join('\n');
}
