import type { ReconcileReport } from './reconcile.js';

/** A reconciliation report as text for a terminal. */
export function formatReconcileReport(r: ReconcileReport, maxUsers = 50): string {
  const lines = [
    `${r.ok ? 'OK' : 'DIFFERENCES'}: ${r.usersCompared} users compared, ` +
      `${r.differences.length} with differences, ${r.lake.duplicateEvents} duplicate events in the lake`,
    `lake: ${r.lake.accounts} accounts, ${r.lake.transactions} transactions, ${r.lake.ticks} price ticks` +
      ` (${r.lake.refusedEvents} refused by the fold, ${r.lake.simulatedUsersSkipped} simulated users not in the store)`,
    `store: ${r.store.portfolios} portfolios`,
    `lag: ${r.lag.events} events in the log not yet processed into the lake` +
      ` (${r.lag.transactions} transactions, ${r.lag.ticks} ticks, ${r.lag.accounts} accounts;` +
      ` ${r.lag.usersInFlight.length} users in flight, not compared)`,
  ];
  for (const d of r.differences.slice(0, maxUsers)) {
    if (d.kind !== 'different') {
      lines.push(`  ${d.userId}: ${d.kind}`);
      continue;
    }
    for (const f of d.fields) {
      lines.push(
        `  ${d.userId}: ${f.field} lake=${JSON.stringify(f.lake)} store=${JSON.stringify(f.store)}`,
      );
    }
  }
  if (r.ledger) {
    lines.push(
      `API ledger: ${r.ledger.portfolios} portfolios, ${r.ledger.usersCompared} users compared with the store and the lake, ` +
        `${r.ledger.differences.length} differences`,
    );
    for (const d of r.ledger.differences.slice(0, maxUsers)) {
      if (d.kind !== 'different') lines.push(`  ${d.userId}: ${d.kind} (ledger vs ${d.against})`);
      for (const f of d.fields) {
        lines.push(
          `  ${d.userId}: ${f.field} ledger=${JSON.stringify(f.ledger)} ${d.against}=${JSON.stringify(f.other)}`,
        );
      }
    }
  }
  if (r.differences.length > maxUsers) {
    lines.push(`  … and ${r.differences.length - maxUsers} more users (use --json for all)`);
  }
  return lines.join('\n');
}
