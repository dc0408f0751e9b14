import type { TransformReport } from './runner.js';

/** The human summary of a transform run (the `--json` form is the report itself). */
export function formatTransformReport(r: TransformReport): string {
  if (r.runs.length === 0) return 'transform: nothing new to process';
  const lines = [`transform ${r.status}`];
  for (const run of r.runs) {
    const secs = ((run.durationMs ?? 0) / 1000).toFixed(2);
    lines.push(
      `  ${run.entity.padEnd(14)} ${run.status.padEnd(9)} ${run.partitions.length} partition(s): ` +
        `in ${run.rowsIn}, out ${run.rowsOut}, rejected ${run.rejected}, duplicates ${run.duplicates} (${secs} s)`,
    );
    for (const p of run.partitions) {
      const failed = p.tests.filter((t) => t.status !== 'pass');
      for (const t of failed) lines.push(`    ${p.loadDate} ${t.status} ${t.name}: ${t.message}`);
      if (p.error) lines.push(`    ${p.loadDate} error: ${p.error}`);
    }
    if (run.error) lines.push(`    error: ${run.error}`);
  }
  return lines.join('\n');
}
